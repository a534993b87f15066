//! The request context every handler receives: who asked for what.

use axum::http::{HeaderMap, Method};

use crate::oss::addressing::Target;
use crate::oss::auth::Identity;
use crate::oss::error::{OssError, OssErrorCode};
use crate::oss::query::Query;
use crate::storage::Acl;

use super::error::{ApiError, ApiResult};
use super::AppState;

/// One request, parsed and authenticated.
pub struct Ctx {
    /// Shared state.
    pub state: AppState,
    /// The `Host` header as received.
    pub host: String,
    /// Method.
    pub method: Method,
    /// What it addresses.
    pub target: Target,
    /// Decoded query.
    pub query: Query,
    /// Headers.
    pub headers: HeaderMap,
    /// Who signed it.
    pub identity: Identity,
}

impl Ctx {
    /// A header as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the request carries a valid signature.
    pub fn signed(&self) -> bool {
        matches!(self.identity, Identity::Signed { .. })
    }

    /// The bucket of the request.
    pub fn bucket(&self) -> Option<&str> {
        match &self.target {
            Target::Service => None,
            Target::Bucket(b) | Target::Object { bucket: b, .. } => Some(b),
        }
    }

    /// The key of the request.
    pub fn key(&self) -> Option<&str> {
        match &self.target {
            Target::Object { key, .. } => Some(key),
            _ => None,
        }
    }

    /// Whether `encoding-type=url` was asked for.
    pub fn url_encoding(&self) -> bool {
        self.query.get("encoding-type") == Some("url")
    }

    /// Bucket-level operations need a signature (oss-api.md §4.8).
    pub fn require_signed(&self) -> ApiResult<()> {
        if self.signed() {
            Ok(())
        } else {
            Err(OssError::with_message(
                OssErrorCode::AccessDenied,
                "You have no right to access this bucket.",
            )
            .into())
        }
    }

    /// Anonymous read of an object: the effective ACL must be public.
    ///
    /// `object_acl` is `None` when the object does not exist.
    pub fn check_read(&self, bucket_acl: Acl, object_acl: Option<Acl>) -> ApiResult<()> {
        if self.signed() {
            return Ok(());
        }
        let effective = match object_acl {
            Some(Acl::Default) | None => bucket_acl,
            Some(acl) => acl,
        };
        if matches!(effective, Acl::PublicRead | Acl::PublicReadWrite) {
            Ok(())
        } else {
            Err(denied())
        }
    }

    /// Anonymous write of an object: the effective ACL must be public-read-write.
    pub fn check_write(&self, bucket_acl: Acl, object_acl: Option<Acl>) -> ApiResult<()> {
        if self.signed() {
            return Ok(());
        }
        let effective = match object_acl {
            Some(Acl::Default) | None => bucket_acl,
            Some(acl) => acl,
        };
        if effective == Acl::PublicReadWrite {
            Ok(())
        } else {
            Err(denied())
        }
    }
}

fn denied() -> ApiError {
    OssError::with_message(
        OssErrorCode::AccessDenied,
        "You have no right to access this object because of bucket acl.",
    )
    .into()
}

/// A new request ID: 24 upper-case hex characters.
pub fn new_request_id() -> String {
    let bytes: [u8; 12] = rand::random();
    hex::encode_upper(bytes)
}

/// Parses an ACL header value.
pub fn parse_acl(value: &str, allow_default: bool) -> Option<Acl> {
    match value {
        "private" => Some(Acl::Private),
        "public-read" => Some(Acl::PublicRead),
        "public-read-write" => Some(Acl::PublicReadWrite),
        "default" if allow_default => Some(Acl::Default),
        _ => None,
    }
}

/// The wire spelling of an ACL.
pub fn acl_str(acl: Acl) -> &'static str {
    match acl {
        Acl::Default => "default",
        Acl::Private => "private",
        Acl::PublicRead => "public-read",
        Acl::PublicReadWrite => "public-read-write",
    }
}
