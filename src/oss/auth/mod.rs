//! Request authentication: signature V1 and V4, header and presigned forms,
//! STS tokens (oss-api.md §4). Pure functions over a [`RequestView`].

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
pub fn authenticate(
    req: &RequestView<'_>,
    store: &dyn CredentialStore,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Identity, AuthError> {
    todo!(
        "oss::auth::authenticate {:?} {now:?} {max_skew:?} {}",
        req,
        store.lookup("").is_some()
    )
}
