//! Signature V4 (oss-api.md §4.5): `Authorization: OSS4-HMAC-SHA256
//! Credential=…,AdditionalHeaders=…,Signature=…` in its three spellings,
//! HMAC-SHA256 with the derived signing key, and the `ali-oss` `name=`
//! empty-value fallback. The presigned form (§4.6) reuses [`verify`] from
//! `presign.rs`.

use std::time::{Duration, SystemTime};

use super::canonical::{self, header};
use super::{check_token, lookup, AuthError, CredentialStore, Identity, RequestView, TokenOrder};

/// The algorithm name on the first line of the StringToSign.
pub(crate) const ALGORITHM: &str = "OSS4-HMAC-SHA256";

/// The only accepted payload hash.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The parsed `Credential` (`ak/date/region/oss/aliyun_v4_request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    pub(crate) access_key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
}

impl Scope {
    /// `date/region/oss/aliyun_v4_request`.
    pub(crate) fn scope_string(&self) -> String {
        format!("{}/{}/oss/aliyun_v4_request", self.date, self.region)
    }
}

/// Why a credential string was refused.
pub(crate) enum ScopeError {
    /// Not of the form `ak/date/region/product/aliyun_v4_request`.
    Malformed,
    /// A product other than `oss`.
    Product(String),
}

/// Parses `ak/yyyymmdd/region/oss/aliyun_v4_request`.
pub(crate) fn parse_credential(raw: &str) -> Result<Scope, ScopeError> {
    let parts: Vec<&str> = raw.split('/').collect();
    let [ak, date, region, product, terminator] = parts.as_slice() else {
        return Err(ScopeError::Malformed);
    };
    if ak.is_empty()
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
        || region.is_empty()
        || *terminator != "aliyun_v4_request"
    {
        return Err(ScopeError::Malformed);
    }
    if *product != "oss" {
        return Err(ScopeError::Product((*product).to_owned()));
    }
    Ok(Scope {
        access_key_id: (*ak).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
    })
}

/// Maps a [`ScopeError`] to the error for the given argument.
pub(crate) fn scope_error(e: ScopeError, bad: impl FnOnce() -> AuthError) -> AuthError {
    match e {
        ScopeError::Malformed => bad(),
        ScopeError::Product(p) => AuthError::AccessDenied {
            message: format!("Product {p} is not supported by this server."),
        },
    }
}

/// The CanonicalRequest (§4.5 step 8).
pub(crate) fn canonical_request(
    req: &RequestView<'_>,
    additional: &[String],
    skip_param: Option<&str>,
    keep_eq: bool,
) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{UNSIGNED_PAYLOAD}",
        req.method,
        canonical::v4_canonical_uri(req),
        canonical::v4_canonical_query(req, skip_param, keep_eq),
        canonical::v4_canonical_headers(req, additional),
        additional.join(";"),
    )
}

/// The StringToSign (§4.5 step 9).
pub(crate) fn string_to_sign(date_time: &str, scope: &Scope, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{date_time}\n{}\n{}",
        scope.scope_string(),
        canonical::sha256_hex(canonical_request.as_bytes())
    )
}

/// Lower-hex signature (§4.5 steps 10–11).
pub(crate) fn sign(secret: &str, scope: &Scope, string_to_sign: &str) -> Option<String> {
    let k1 = canonical::hmac_sha256(
        format!("aliyun_v4{secret}").as_bytes(),
        scope.date.as_bytes(),
    )?;
    let k2 = canonical::hmac_sha256(&k1, scope.region.as_bytes())?;
    let k3 = canonical::hmac_sha256(&k2, b"oss")?;
    let key = canonical::hmac_sha256(&k3, b"aliyun_v4_request")?;
    canonical::hmac_sha256(&key, string_to_sign.as_bytes()).map(hex::encode)
}

/// Checks `x-oss-content-sha256` (§4.5 step 7).
pub(crate) fn check_payload_hash(req: &RequestView<'_>) -> Result<(), AuthError> {
    match header(req, "x-oss-content-sha256") {
        Some(v) if v.trim() != UNSIGNED_PAYLOAD => Err(AuthError::InvalidArgument {
            message: "x-oss-content-sha256 must be UNSIGNED-PAYLOAD.".to_owned(),
            name: "x-oss-content-sha256".to_owned(),
            value: v.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Parses a V4 date and checks that it belongs to the scope's day.
pub(crate) fn parse_date(date_time: &str, scope: &Scope) -> Option<SystemTime> {
    if !date_time.starts_with(&scope.date) {
        return None;
    }
    canonical::parse_iso_basic(date_time)
}

/// Checks `provided` against the V4 signature, with the `ali-oss` fallback.
pub(crate) fn verify(
    req: &RequestView<'_>,
    secret: &str,
    scope: &Scope,
    date_time: &str,
    additional: &[String],
    skip_param: Option<&str>,
    provided: &str,
) -> Result<(), AuthError> {
    let provided_lower = provided.trim().to_ascii_lowercase();
    let matches = |sts: &str| {
        sign(secret, scope, sts)
            .is_some_and(|s| canonical::ct_eq(s.as_bytes(), provided_lower.as_bytes()))
    };
    let first_cr = canonical_request(req, additional, skip_param, false);
    let first_sts = string_to_sign(date_time, scope, &first_cr);
    if matches(&first_sts) {
        return Ok(());
    }
    if canonical::has_empty_eq(req, skip_param) {
        let cr = canonical_request(req, additional, skip_param, true);
        if matches(&string_to_sign(date_time, scope, &cr)) {
            return Ok(());
        }
    }
    Err(AuthError::SignatureDoesNotMatch {
        access_key_id: scope.access_key_id.clone(),
        string_to_sign: first_sts,
        signature_provided: provided.to_owned(),
        canonical_request: Some(first_cr),
    })
}

/// The fields of a V4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthHeader {
    pub(crate) credential: String,
    pub(crate) signature: String,
    pub(crate) additional: Vec<String>,
}

/// Parses the part after `OSS4-HMAC-SHA256 `: comma-separated `name=value`
/// pairs in any order, spaces trimmed. `None` when malformed.
pub(crate) fn parse_auth_header(fields: &str) -> Option<AuthHeader> {
    let mut credential = None;
    let mut signature = None;
    let mut additional = None;
    for item in fields.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (name, value) = item.split_once('=')?;
        let value = value.trim();
        match name.trim() {
            "Credential" if credential.is_none() => credential = Some(value.to_owned()),
            "Signature" if signature.is_none() => signature = Some(value.to_owned()),
            "AdditionalHeaders" if additional.is_none() => {
                additional = Some(canonical::parse_additional_headers(value)?)
            }
            "Credential" | "Signature" | "AdditionalHeaders" => return None,
            _ => {}
        }
    }
    let credential = credential.filter(|c| !c.is_empty())?;
    let signature = signature.filter(|s| !s.is_empty())?;
    Some(AuthHeader {
        credential,
        signature,
        additional: additional.unwrap_or_default(),
    })
}

/// Verifies `Authorization: OSS4-HMAC-SHA256 …` (`fields` is the part after
/// the algorithm name).
pub(crate) fn verify_header(
    req: &RequestView<'_>,
    authorization: &str,
    fields: &str,
    store: &dyn CredentialStore,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Identity, AuthError> {
    let bad = || canonical::invalid_authorization(authorization);
    let parsed = parse_auth_header(fields).ok_or_else(bad)?;
    let scope = parse_credential(&parsed.credential).map_err(|e| scope_error(e, bad))?;
    let cred = lookup(store, &scope.access_key_id)?;
    check_token(req, &cred, TokenOrder::Header)?;
    check_payload_hash(req)?;

    // The Android SDK's V4 signer puts the ISO 8601 basic time in `Date`
    // and sends no `x-oss-date`; accept that form of `Date` as a fallback.
    let date_time = header(req, "x-oss-date")
        .or_else(|| header(req, "date").filter(|d| is_iso_basic(d)))
        .ok_or_else(|| AuthError::AccessDenied {
            message: "Signature V4 requires the x-oss-date header.".to_owned(),
        })?;
    let request_time = parse_date(date_time, &scope).ok_or_else(|| AuthError::InvalidArgument {
        message: "x-oss-date is not a valid date of the credential scope.".to_owned(),
        name: "x-oss-date".to_owned(),
        value: date_time.to_owned(),
    })?;
    canonical::check_skew(request_time, now, max_skew)?;

    verify(
        req,
        &cred.access_key_secret,
        &scope,
        date_time,
        &parsed.additional,
        None,
        &parsed.signature,
    )?;
    Ok(Identity::Signed {
        access_key_id: scope.access_key_id,
    })
}

/// Whether a value has the shape `YYYYMMDDTHHMMSSZ`.
fn is_iso_basic(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRED: &str = "AK/20250411/cn-hangzhou/oss/aliyun_v4_request";

    #[test]
    fn three_spellings_parse_alike() {
        let want = AuthHeader {
            credential: CRED.to_owned(),
            signature: "ab12".to_owned(),
            additional: vec!["host".to_owned(), "range".to_owned()],
        };
        for fields in [
            format!("Credential={CRED},AdditionalHeaders=host;range,Signature=ab12"),
            format!("Credential={CRED}, Signature=ab12, AdditionalHeaders=range;host"),
            format!(" Signature = ab12 ,AdditionalHeaders=host;range , Credential={CRED} "),
        ] {
            assert_eq!(parse_auth_header(&fields), Some(want.clone()), "{fields}");
        }
        let plain = parse_auth_header(&format!("Credential={CRED},Signature=ab12"));
        assert_eq!(plain.map(|h| h.additional), Some(vec![]));
    }

    #[test]
    fn credential_scope() {
        let s = parse_credential(CRED).ok();
        assert_eq!(
            s.as_ref().map(Scope::scope_string).as_deref(),
            Some("20250411/cn-hangzhou/oss/aliyun_v4_request")
        );
        assert!(matches!(
            parse_credential("AK/20250411/cn-hangzhou/oss-cloudbox/aliyun_v4_request"),
            Err(ScopeError::Product(_))
        ));
        for bad in [
            "",
            "AK",
            "AK/20250411/cn-hangzhou/oss",
            "/20250411/r/oss/aliyun_v4_request",
            "AK/2025041a/r/oss/aliyun_v4_request",
        ] {
            assert!(
                matches!(parse_credential(bad), Err(ScopeError::Malformed)),
                "{bad}"
            );
        }
    }
}
