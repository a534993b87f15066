//! The one mapping from storage, image and auth errors to OSS error codes,
//! and the rendering of the XML error response (oss-api.md §5).

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use base64::Engine;

use crate::img;
use crate::oss::auth::AuthError;
use crate::oss::error::{OssError, OssErrorCode};
use crate::oss::xml::iso8601;
use crate::storage;

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub OssError);

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<OssError> for ApiError {
    fn from(e: OssError) -> Self {
        ApiError(e)
    }
}

impl From<OssErrorCode> for ApiError {
    fn from(code: OssErrorCode) -> Self {
        ApiError(OssError::new(code))
    }
}

impl From<storage::Error> for ApiError {
    fn from(e: storage::Error) -> Self {
        use storage::Error as S;
        use OssErrorCode as C;
        let err = match &e {
            S::NoSuchBucket => OssError::new(C::NoSuchBucket),
            S::NoSuchKey => OssError::new(C::NoSuchKey),
            S::NoSuchUpload => OssError::new(C::NoSuchUpload),
            S::NoSuchStyle => OssError::new(C::NoSuchStyle),
            S::BucketAlreadyExists => OssError::new(C::BucketAlreadyExists),
            S::BucketNotEmpty => OssError::new(C::BucketNotEmpty),
            S::FileAlreadyExists => OssError::new(C::FileAlreadyExists),
            S::PositionNotEqualToLength { next_position } => {
                OssError::new(C::PositionNotEqualToLength)
                    .header("x-oss-next-append-position", next_position.to_string())
            }
            S::ObjectNotAppendable => OssError::new(C::ObjectNotAppendable),
            S::InvalidDigest => OssError::with_message(
                C::InvalidDigest,
                "The Content-MD5 you specified did not match what we received.",
            ),
            S::EntityTooLarge => OssError::new(C::EntityTooLarge),
            S::EntityTooSmall => OssError::new(C::EntityTooSmall),
            S::InvalidPart { part_number, etag } => OssError::new(C::InvalidPart)
                .detail("PartNumber", part_number.to_string())
                .detail("ETag", etag.clone()),
            S::InvalidPartOrder => OssError::new(C::InvalidPartOrder),
            S::TooManyStyles => OssError::invalid_argument("Too many styles.", "style", ""),
            S::InvalidRange => OssError::new(C::InvalidRange),
            S::Body(io) => {
                tracing::debug!("request body failed: {io}");
                OssError::new(C::IncompleteBody)
            }
            S::KeyTooLong { .. } => OssError::with_message(C::InvalidObjectName, e.to_string()),
            S::Backend(_) => {
                tracing::error!("storage backend failure: {e}");
                OssError::with_message(
                    C::ServiceUnavailable,
                    "The storage backend is unavailable; try again later.",
                )
            }
            S::Io(_) | S::Index(_) => {
                tracing::error!("storage failure: {e}");
                OssError::new(C::InternalError)
            }
        };
        ApiError(err)
    }
}

impl From<img::Error> for ApiError {
    fn from(e: img::Error) -> Self {
        use img::ErrorCode as I;
        use OssErrorCode as C;
        let code = match e.code {
            I::InvalidArgument => C::InvalidArgument,
            I::BadRequest => C::BadRequest,
            I::MissingArgument => C::MissingArgument,
            I::ImageTooLarge => C::ImageTooLarge,
            I::MemLimitExceeded => C::MemLimitExceeded,
            I::WatermarkError => C::WatermarkError,
            I::InvalidObjectName => C::InvalidObjectName,
            I::InvalidBucketName => C::InvalidBucketName,
            I::NoSuchStyle => C::NoSuchStyle,
            I::NoSuchKey => C::NoSuchKey,
            I::NotImplemented => C::NotImplemented,
            I::InternalError => C::InternalError,
        };
        if code == C::InternalError {
            tracing::error!("image pipeline failure: {}", e.message);
        }
        let mut err = OssError::with_message(code, e.message);
        err.ec = e.ec.map(str::to_string);
        ApiError(err)
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        use OssErrorCode as C;
        let err = match e {
            AuthError::InvalidAccessKeyId {
                access_key_id,
                message,
            } => OssError::with_message(C::InvalidAccessKeyId, message)
                .detail("OSSAccessKeyId", access_key_id),
            AuthError::SignatureDoesNotMatch {
                access_key_id,
                string_to_sign,
                signature_provided,
                canonical_request,
            } => {
                let bytes = string_to_sign
                    .as_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut err = OssError::new(C::SignatureDoesNotMatch)
                    .detail("StringToSign", string_to_sign)
                    .detail("SignatureProvided", signature_provided);
                if let Some(cr) = canonical_request {
                    err = err.detail("CanonicalRequest", cr);
                } else {
                    err = err.detail("StringToSignBytes", bytes);
                }
                err.detail("OSSAccessKeyId", access_key_id)
            }
            AuthError::AccessDenied { message } => OssError::with_message(C::AccessDenied, message),
            AuthError::RequestTimeTooSkewed {
                request_time,
                server_time,
            } => OssError::new(C::RequestTimeTooSkewed)
                .detail("RequestTime", iso8601(request_time))
                .detail("ServerTime", iso8601(server_time))
                .detail("MaxAllowedSkewMilliseconds", "900000"),
            AuthError::InvalidArgument {
                message,
                name,
                value,
            } => OssError::invalid_argument(message, &name, &value),
            AuthError::NotImplemented { message } => {
                OssError::with_message(C::NotImplemented, message)
            }
        };
        ApiError(err)
    }
}

/// Where an error happened, for its body and headers.
pub struct ErrorScope<'a> {
    /// Request ID.
    pub request_id: &'a str,
    /// The `Host` header.
    pub host: &'a str,
    /// HEAD requests get the document in `x-oss-err` instead of a body.
    pub head: bool,
    /// Bucket of the request.
    pub bucket: Option<&'a str>,
    /// Key of the request.
    pub key: Option<&'a str>,
}

/// Renders an error as an HTTP response.
pub fn render(mut err: OssError, scope: &ErrorScope<'_>) -> Response<Body> {
    let has = |err: &OssError, name: &str| err.details.iter().any(|(n, _)| *n == name);
    match err.code {
        OssErrorCode::NoSuchBucket
        | OssErrorCode::BucketNotEmpty
        | OssErrorCode::BucketAlreadyExists
            if !has(&err, "BucketName") =>
        {
            if let Some(b) = scope.bucket {
                err = err.detail("BucketName", b);
            }
        }
        OssErrorCode::NoSuchKey if !has(&err, "Key") => {
            if let Some(k) = scope.key {
                err = err.detail("Key", k);
            }
        }
        _ => {}
    }
    let xml = err.to_xml(scope.request_id, scope.host);
    let status =
        StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/xml");
    if let Some(ec) = &err.ec {
        builder = builder.header("x-oss-ec", ec.as_str());
    }
    for (name, value) in &err.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            builder = builder.header(*name, v);
        }
    }
    let resp = if scope.head {
        let encoded = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
        builder
            .header("x-oss-err", encoded)
            .header("content-length", "0")
            .body(Body::empty())
    } else {
        builder
            .header("content-length", xml.len().to_string())
            .body(Body::from(xml))
    };
    resp.unwrap_or_else(|_| internal_error_response())
}

fn internal_error_response() -> Response<Body> {
    let mut r = Response::new(Body::from(
        OssError::new(OssErrorCode::InternalError).to_xml("", ""),
    ));
    *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    r
}

/// The response for a handler that panicked: `500 InternalError`, never a
/// dropped connection.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    let xml = OssError::new(OssErrorCode::InternalError).to_xml("", "");
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .header("content-type", "application/xml")
        .header("content-length", xml.len().to_string())
        .body(Body::from(xml))
        .unwrap_or_else(|_| internal_error_response())
}
