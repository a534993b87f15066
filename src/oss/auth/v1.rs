//! Signature V1 (oss-api.md §4.3): `Authorization: OSS <AccessKeyId>:<Signature>`,
//! HMAC-SHA1 over the StringToSign, with the v2 SDK's `x-oss-process`-less
//! fallback. The presigned form (§4.4) reuses [`verify`] from `presign.rs`.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::canonical::{self, header};
use super::{check_token, lookup, AuthError, CredentialStore, Identity, RequestView, TokenOrder};

/// StringToSign for V1 (§4.3 step 5). `date_line` is the `x-oss-date`/`Date`
/// value (header form) or the `Expires` value (presigned form).
pub(crate) fn string_to_sign(req: &RequestView<'_>, date_line: &str, v2_compat: bool) -> String {
    let md5 = header(req, "content-md5").unwrap_or_default();
    let content_type = header(req, "content-type").unwrap_or_default();
    format!(
        "{}\n{md5}\n{content_type}\n{date_line}\n{}{}",
        req.method,
        canonical::v1_oss_headers(req),
        canonical::v1_resource(req, v2_compat),
    )
}

/// Base64 HMAC-SHA1 of a StringToSign.
pub(crate) fn sign(secret: &str, string_to_sign: &str) -> Option<String> {
    canonical::hmac_sha1(secret.as_bytes(), string_to_sign.as_bytes()).map(|m| BASE64.encode(m))
}

/// Checks `provided` against the V1 signature of this request, trying the
/// v2-SDK fallback when the query has a name that SDK does not sign.
pub(crate) fn verify(
    req: &RequestView<'_>,
    access_key_id: &str,
    secret: &str,
    date_line: &str,
    provided: &str,
) -> Result<(), AuthError> {
    // Base64 never contains a space: a `+` turned into a space by form
    // decoding is put back.
    let provided_fixed = provided.replace(' ', "+");
    let matches = |sts: &str| {
        sign(secret, sts).is_some_and(|s| canonical::ct_eq(s.as_bytes(), provided_fixed.as_bytes()))
    };
    let first = string_to_sign(req, date_line, false);
    if matches(&first) {
        return Ok(());
    }
    let has_omitted = req
        .query
        .params()
        .iter()
        .any(|p| canonical::V1_V2_OMITTED.contains(&p.name.as_str()));
    if has_omitted && matches(&string_to_sign(req, date_line, true)) {
        return Ok(());
    }
    Err(AuthError::SignatureDoesNotMatch {
        access_key_id: access_key_id.to_owned(),
        string_to_sign: first,
        signature_provided: provided.to_owned(),
        canonical_request: None,
    })
}

/// Verifies `Authorization: OSS …` (the part after `OSS ` is `credentials`).
pub(crate) fn verify_header(
    req: &RequestView<'_>,
    authorization: &str,
    credentials: &str,
    store: &dyn CredentialStore,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Identity, AuthError> {
    let Some((ak, provided)) = credentials.trim().rsplit_once(':') else {
        return Err(canonical::invalid_authorization(authorization));
    };
    let (ak, provided) = (ak.trim(), provided.trim());
    if ak.is_empty() || provided.is_empty() {
        return Err(canonical::invalid_authorization(authorization));
    }
    let cred = lookup(store, ak)?;
    check_token(req, &cred, TokenOrder::Header)?;

    let date_line = header(req, "x-oss-date")
        .or_else(|| header(req, "date"))
        .ok_or_else(|| AuthError::AccessDenied {
            message: "Authentication requires a valid Date or x-oss-date header.".to_owned(),
        })?;
    let request_time =
        canonical::parse_rfc1123(date_line).ok_or_else(|| AuthError::AccessDenied {
            message: "Authentication requires a valid Date or x-oss-date header.".to_owned(),
        })?;
    canonical::check_skew(request_time, now, max_skew)?;

    verify(req, ak, &cred.access_key_secret, date_line, provided)?;
    Ok(Identity::Signed {
        access_key_id: ak.to_owned(),
    })
}
