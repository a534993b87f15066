//! Presigned URLs: V1 with `OSSAccessKeyId`/`Expires`/`Signature`
//! (oss-api.md §4.4) and V4 with the `x-oss-*` query parameters (§4.6).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::canonical::{self, invalid_param};
use super::{
    check_token, lookup, v1, v4, AuthError, CredentialStore, Identity, RequestView, TokenOrder,
};

/// Largest `x-oss-expires` accepted (seven days).
pub(crate) const V4_MAX_EXPIRES: u64 = 604_800;

fn expired() -> AuthError {
    AuthError::AccessDenied {
        message: "Request has expired.".to_owned(),
    }
}

fn required<'a>(req: &RequestView<'a>, name: &str) -> Result<&'a str, AuthError> {
    req.query
        .get(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_param(name, "", &format!("The parameter {name} is required.")))
}

/// Verifies a V1 presigned URL (§4.4).
pub(crate) fn verify_v1(
    req: &RequestView<'_>,
    store: &dyn CredentialStore,
    now: SystemTime,
) -> Result<Identity, AuthError> {
    let ak = required(req, "OSSAccessKeyId")?;
    let expires_raw = required(req, "Expires")?;
    let provided = required(req, "Signature")?;
    let cred = lookup(store, ak)?;
    check_token(req, &cred, TokenOrder::V1Query)?;

    let expires: u64 = expires_raw
        .parse()
        .map_err(|_| invalid_param("Expires", expires_raw, "Expires is not a valid time."))?;
    let expires_at = UNIX_EPOCH.checked_add(Duration::from_secs(expires));
    if expires_at.is_none_or(|t| now > t) {
        return Err(expired());
    }

    v1::verify(req, ak, &cred.access_key_secret, expires_raw, provided)?;
    Ok(Identity::Signed {
        access_key_id: ak.to_owned(),
    })
}

/// Verifies a V4 presigned URL (§4.6).
pub(crate) fn verify_v4(
    req: &RequestView<'_>,
    store: &dyn CredentialStore,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Identity, AuthError> {
    let credential = required(req, "x-oss-credential")?;
    let date_time = required(req, "x-oss-date")?;
    let expires_raw = required(req, "x-oss-expires")?;
    let provided = required(req, "x-oss-signature")?;
    let bad_credential = || {
        invalid_param(
            "x-oss-credential",
            credential,
            "The parameter x-oss-credential is invalid.",
        )
    };
    let scope = v4::parse_credential(credential).map_err(|e| v4::scope_error(e, bad_credential))?;
    let additional = match req.query.get("x-oss-additional-headers") {
        None => Vec::new(),
        Some(raw) => canonical::parse_additional_headers(raw).ok_or_else(|| {
            invalid_param(
                "x-oss-additional-headers",
                raw,
                "The parameter x-oss-additional-headers is invalid.",
            )
        })?,
    };
    let cred = lookup(store, &scope.access_key_id)?;
    check_token(req, &cred, TokenOrder::V4Query)?;
    v4::check_payload_hash(req)?;

    let signed_at = v4::parse_date(date_time, &scope).ok_or_else(|| {
        invalid_param(
            "x-oss-date",
            date_time,
            "x-oss-date is not a valid date of the credential scope.",
        )
    })?;
    let expires: u64 = expires_raw
        .parse()
        .ok()
        .filter(|e| *e <= V4_MAX_EXPIRES)
        .ok_or_else(|| {
            invalid_param(
                "x-oss-expires",
                expires_raw,
                "x-oss-expires must be a number of seconds between 0 and 604800.",
            )
        })?;
    // A signing time far in the future is a clock problem on the client.
    if signed_at
        .duration_since(now)
        .is_ok_and(|ahead| ahead > max_skew)
    {
        return Err(AuthError::RequestTimeTooSkewed {
            request_time: signed_at,
            server_time: now,
        });
    }
    let valid_until = signed_at.checked_add(Duration::from_secs(expires));
    if valid_until.is_none_or(|t| now > t) {
        return Err(expired());
    }

    v4::verify(
        req,
        &cred.access_key_secret,
        &scope,
        date_time,
        &additional,
        Some("x-oss-signature"),
        provided,
    )?;
    Ok(Identity::Signed {
        access_key_id: scope.access_key_id,
    })
}
