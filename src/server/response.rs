//! Response builders shared by the handlers.

use axum::body::Body;
use axum::http::{Response, StatusCode};

use super::error::{ApiError, ApiResult};
use crate::oss::error::OssErrorCode;

/// A builder that turns header errors into `InternalError`.
pub fn build(builder: axum::http::response::Builder, body: Body) -> ApiResult<Response<Body>> {
    builder
        .body(body)
        .map_err(|_| ApiError::from(OssErrorCode::InternalError))
}

/// `200` with an XML document.
pub fn xml(body: String) -> ApiResult<Response<Body>> {
    build(
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/xml")
            .header("content-length", body.len().to_string()),
        Body::from(body),
    )
}

/// `200` with an XML document plus the `ETag` and CRC-64 of the object or
/// part it describes (CopyObject, UploadPartCopy, CompleteMultipartUpload).
pub fn xml_with_integrity(body: String, etag: &str, crc64: u64) -> ApiResult<Response<Body>> {
    build(
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/xml")
            .header("etag", quote(etag))
            .header("x-oss-hash-crc64ecma", crc64.to_string())
            .header("content-length", body.len().to_string()),
        Body::from(body),
    )
}

/// An empty response with a status.
pub fn empty(status: StatusCode) -> ApiResult<Response<Body>> {
    build(
        Response::builder()
            .status(status)
            .header("content-length", "0"),
        Body::empty(),
    )
}

/// Quotes an ETag.
pub fn quote(etag: &str) -> String {
    format!("\"{etag}\"")
}
