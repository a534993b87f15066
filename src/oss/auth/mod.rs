//! Request authentication: signature V1 and V4, header and presigned forms,
//! STS tokens (oss-api.md §4). Pure functions over a [`RequestView`].
//!
//! [`authenticate`] recognises the method as in §4.2 and hands over to one
//! file per scheme: `v1.rs` (§4.3), `v4.rs` (§4.5), `presign.rs` (§4.4, §4.6);
//! `canonical.rs` holds the shared canonicalisation. STS tokens (§4.7) are
//! checked here.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod canonical;
mod presign;
mod v1;
mod v4;

use std::time::{Duration, SystemTime};

use crate::oss::query::Query;

/// The parts of a request that authentication reads.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    /// HTTP method, upper case.
    pub method: &'a str,
    /// Bucket, when the request addresses one.
    pub bucket: Option<&'a str>,
    /// Decoded object key, when the request addresses an object.
    pub key: Option<&'a str>,
    /// The decoded query.
    pub query: &'a Query,
    /// Request headers as (lower-cased name, value), in the order received.
    pub headers: &'a [(String, String)],
}

/// One access key known to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// AccessKeyId.
    pub access_key_id: String,
    /// AccessKeySecret.
    pub access_key_secret: String,
    /// STS token that requests with this key must carry, if any.
    pub security_token: Option<String>,
}

/// Looks up credentials by AccessKeyId.
pub trait CredentialStore {
    /// The credential for this AccessKeyId, if known.
    fn lookup(&self, access_key_id: &str) -> Option<Credential>;
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No signature at all.
    Anonymous,
    /// A valid signature by this key.
    Signed {
        /// AccessKeyId that signed.
        access_key_id: String,
    },
}

/// Why a request failed authentication; each maps to one OSS error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// `403 InvalidAccessKeyId`: unknown key or bad STS token.
    #[error("{message}")]
    InvalidAccessKeyId {
        /// The key that was sent.
        access_key_id: String,
        /// Message for the error body.
        message: String,
    },
    /// `403 SignatureDoesNotMatch`.
    #[error("The request signature we calculated does not match the signature you provided.")]
    SignatureDoesNotMatch {
        /// The key that was sent.
        access_key_id: String,
        /// The string the server signed (first computation).
        string_to_sign: String,
        /// The signature the client sent.
        signature_provided: String,
        /// V4 only: the canonical request.
        canonical_request: Option<String>,
    },
    /// `403 AccessDenied` (missing date, expired presigned URL, ...).
    #[error("{message}")]
    AccessDenied {
        /// Message for the error body.
        message: String,
    },
    /// `403 RequestTimeTooSkewed`.
    #[error("The difference between the request time and the current time is too large.")]
    RequestTimeTooSkewed {
        /// Time the request claims.
        request_time: SystemTime,
        /// Server time.
        server_time: SystemTime,
    },
    /// `400 InvalidArgument` (malformed Authorization, bad content-sha256, ...).
    #[error("{message}")]
    InvalidArgument {
        /// Message for the error body.
        message: String,
        /// Offending argument name.
        name: String,
        /// Offending argument value.
        value: String,
    },
    /// `501 NotImplemented` (signature V2).
    #[error("{message}")]
    NotImplemented {
        /// Message for the error body.
        message: String,
    },
}

/// Authenticates a request: V4 or V1, header or presigned, or anonymous.
///
/// The method is chosen as in oss-api.md §4.2: an `Authorization` header wins
/// over presign query parameters. `now` is the server time; `max_skew` bounds
/// the distance between it and the request time of header signatures (OSS
/// uses 15 minutes).
pub fn authenticate(
    req: &RequestView<'_>,
    store: &dyn CredentialStore,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Identity, AuthError> {
    if let Some(authorization) = canonical::header(req, "authorization") {
        return if let Some(fields) = authorization.strip_prefix("OSS4-HMAC-SHA256 ") {
            v4::verify_header(req, authorization, fields, store, now, max_skew)
        } else if let Some(credentials) = authorization.strip_prefix("OSS ") {
            v1::verify_header(req, authorization, credentials, store, now, max_skew)
        } else if authorization.starts_with("OSS2 ") {
            Err(not_implemented_v2())
        } else {
            Err(canonical::invalid_authorization(authorization))
        };
    }
    match req.query.get("x-oss-signature-version") {
        Some("OSS4-HMAC-SHA256") => return presign::verify_v4(req, store, now, max_skew),
        Some("OSS2") => return Err(not_implemented_v2()),
        Some(other) => {
            return Err(canonical::invalid_param(
                "x-oss-signature-version",
                other,
                "The parameter x-oss-signature-version is invalid.",
            ))
        }
        None => {}
    }
    if req.query.has("OSSAccessKeyId") {
        return presign::verify_v1(req, store, now);
    }
    Ok(Identity::Anonymous)
}

fn not_implemented_v2() -> AuthError {
    AuthError::NotImplemented {
        message: "Signature version 2 is not supported; use V1 or V4.".to_owned(),
    }
}

/// The credential for an AccessKeyId, or `InvalidAccessKeyId`.
fn lookup(store: &dyn CredentialStore, access_key_id: &str) -> Result<Credential, AuthError> {
    store
        .lookup(access_key_id)
        .ok_or_else(|| AuthError::InvalidAccessKeyId {
            access_key_id: access_key_id.to_owned(),
            message: "The OSS Access Key Id you provided does not exist in our records.".to_owned(),
        })
}

/// Where to look for the STS token first; the other places are tried after.
#[derive(Debug, Clone, Copy)]
enum TokenOrder {
    /// Header signatures: `x-oss-security-token`, then `security-token` (v2 in V1 mode).
    Header,
    /// V1 presigned URL: query `security-token`.
    V1Query,
    /// V4 presigned URL: query `x-oss-security-token`.
    V4Query,
}

/// The STS token a request carries (oss-api.md §4.7).
fn request_token<'a>(req: &RequestView<'a>, order: TokenOrder) -> Option<&'a str> {
    let hx = || canonical::header(req, "x-oss-security-token");
    let hs = || canonical::header(req, "security-token");
    let qs = || req.query.get("security-token");
    let qx = || req.query.get("x-oss-security-token");
    match order {
        TokenOrder::Header => hx().or_else(hs).or_else(qs).or_else(qx),
        TokenOrder::V1Query => qs().or_else(qx).or_else(hx).or_else(hs),
        TokenOrder::V4Query => qx().or_else(qs).or_else(hx).or_else(hs),
    }
}

/// A credential with a token requires the same token on the request; one
/// without a token ignores any token sent.
fn check_token(
    req: &RequestView<'_>,
    cred: &Credential,
    order: TokenOrder,
) -> Result<(), AuthError> {
    let Some(expected) = cred.security_token.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(());
    };
    let sent = request_token(req, order).map(str::trim).unwrap_or_default();
    if canonical::ct_eq(sent.as_bytes(), expected.as_bytes()) {
        return Ok(());
    }
    Err(AuthError::InvalidAccessKeyId {
        access_key_id: cred.access_key_id.clone(),
        message: "The security token you provided is invalid.".to_owned(),
    })
}

#[cfg(test)]
mod tests;
