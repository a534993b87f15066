//! Object operations (oss-api.md §7).

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};
use base64::Engine;
use futures::TryStreamExt;
use md5::{Digest, Md5};
use tokio_util::io::StreamReader;

use crate::oss::error::{OssError, OssErrorCode};
use crate::oss::xml::{self, iso8601, rfc1123, CopyObjectResult, DeleteResult, Deleted};
use crate::server::context::{parse_acl, Ctx};
use crate::server::error::{ApiError, ApiResult};
use crate::server::response::{self, quote};
use crate::storage::{Acl, MetadataDirective, ObjectInfo, ObjectMeta, WriteOptions};

use super::bucket::{acl_document, type_str};

/// Largest total size of user metadata.
const MAX_USER_META: usize = 8 * 1024;

/// The bucket and key of an object request.
pub fn object_target(ctx: &Ctx) -> ApiResult<(String, String)> {
    match (ctx.bucket(), ctx.key()) {
        (Some(b), Some(k)) => Ok((b.to_string(), k.to_string())),
        _ => Err(OssErrorCode::InvalidObjectName.into()),
    }
}

/// Key rules for writes (§6.1): 1–1023 bytes, not starting with `/` or `\`.
pub fn validate_key(key: &str) -> ApiResult<()> {
    if key.is_empty() || key.len() > 1023 || key.starts_with('/') || key.starts_with('\\') {
        return Err(OssError::new(OssErrorCode::InvalidObjectName)
            .detail("ObjectName", key.chars().take(64).collect::<String>())
            .into());
    }
    Ok(())
}

/// Reads a whole (small) request body, refusing more than `limit` bytes.
pub async fn read_body_limited(ctx: &Ctx, body: Body, limit: usize) -> ApiResult<Vec<u8>> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::from(OssError::with_message(
            OssErrorCode::InvalidArgument,
            "The request body is too large or incomplete.",
        ))
    })?;
    verify_md5(ctx, &bytes)?;
    Ok(bytes.to_vec())
}

/// Checks `Content-MD5` against an in-memory body when the header is present.
pub fn verify_md5(ctx: &Ctx, body: &[u8]) -> ApiResult<()> {
    if let Some(expected) = content_md5(ctx)? {
        let got: [u8; 16] = Md5::digest(body).into();
        if got != expected {
            return Err(OssError::with_message(
                OssErrorCode::InvalidDigest,
                "The Content-MD5 you specified did not match what we received.",
            )
            .into());
        }
    }
    Ok(())
}

/// The decoded `Content-MD5` header.
pub fn content_md5(ctx: &Ctx) -> ApiResult<Option<[u8; 16]>> {
    let Some(v) = ctx.header("content-md5") else {
        return Ok(None);
    };
    base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .ok()
        .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
        .map(Some)
        .ok_or_else(|| {
            OssError::with_message(
                OssErrorCode::InvalidDigest,
                "The Content-MD5 you specified is not valid.",
            )
            .into()
        })
}

/// Refuses a body-bearing request with neither `Content-Length` nor chunked
/// framing, and bodies announced above the limit.
pub fn check_framing(ctx: &Ctx, max: u64) -> ApiResult<()> {
    let chunked = ctx
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    match ctx.header("content-length") {
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > max => Err(OssErrorCode::EntityTooLarge.into()),
            Ok(_) => Ok(()),
            Err(_) => Err(OssError::invalid_argument(
                "Content-Length is not a number.",
                "Content-Length",
                v,
            )
            .into()),
        },
        None if chunked => Ok(()),
        None => Err(OssErrorCode::MissingContentLength.into()),
    }
}

/// The request body as an `AsyncRead`.
pub fn body_reader(body: Body) -> impl tokio::io::AsyncRead + Unpin + Send {
    StreamReader::new(body.into_data_stream().map_err(std::io::Error::other))
}

/// Object metadata from request headers (§3.4).
pub fn meta_from_headers(headers: &HeaderMap) -> ApiResult<ObjectMeta> {
    let get = |n: &str| {
        headers
            .get(n)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let mut user = Vec::new();
    let mut total = 0usize;
    for (name, value) in headers {
        if let Some(rest) = name.as_str().strip_prefix("x-oss-meta-") {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            total += rest.len() + value.len();
            user.push((rest.to_string(), value));
        }
    }
    if total > MAX_USER_META {
        return Err(OssError::invalid_argument(
            "The user metadata exceeds the 8 KB limit.",
            "x-oss-meta-*",
            "",
        )
        .into());
    }
    user.sort();
    Ok(ObjectMeta {
        content_type: Some(
            get("content-type").unwrap_or_else(|| "application/octet-stream".into()),
        ),
        content_encoding: get("content-encoding"),
        content_disposition: get("content-disposition"),
        content_language: get("content-language"),
        cache_control: get("cache-control"),
        expires: get("expires"),
        user,
    })
}

/// The `x-oss-object-acl` header (`Default` when absent).
pub fn object_acl_header(ctx: &Ctx) -> ApiResult<Acl> {
    match ctx.header("x-oss-object-acl") {
        None => Ok(Acl::Default),
        Some(v) => parse_acl(v, true).ok_or_else(|| {
            OssError::invalid_argument(
                "no such object access control exists",
                "x-oss-object-acl",
                v,
            )
            .into()
        }),
    }
}

/// Write options from the request headers, bounded by the configured
/// `max_object_size` (callers writing parts or completing uploads replace
/// `max_size`).
pub fn write_options(ctx: &Ctx) -> ApiResult<WriteOptions> {
    let config = &ctx.state.config;
    Ok(WriteOptions {
        forbid_overwrite: ctx
            .header("x-oss-forbid-overwrite")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        expected_md5: content_md5(ctx)?,
        max_size: config.max_object_size,
        min_part_size: config.min_part_size,
    })
}

fn reject_callback(ctx: &Ctx) -> ApiResult<()> {
    if ctx.headers.contains_key("x-oss-callback") {
        return Err(OssError::with_message(
            OssErrorCode::NotImplemented,
            "Upload callbacks (x-oss-callback) are not implemented by this server.",
        )
        .into());
    }
    Ok(())
}

/// Anonymous callers need write access to the target object.
async fn check_object_write(ctx: &Ctx, bucket: &str, key: &str) -> ApiResult<()> {
    if ctx.signed() {
        return Ok(());
    }
    let b = ctx.state.store.bucket(bucket).await?;
    let object_acl = match ctx.state.store.head_object(bucket, key).await {
        Ok(info) => Some(info.acl),
        Err(crate::storage::Error::NoSuchKey) => None,
        Err(e) => return Err(e.into()),
    };
    ctx.check_write(b.acl, object_acl)
}

/// Anonymous callers need read access to the object; returns its description.
pub async fn check_object_read(ctx: &Ctx, bucket: &str, key: &str) -> ApiResult<ObjectInfo> {
    if ctx.signed() {
        return Ok(ctx.state.store.head_object(bucket, key).await?);
    }
    let b = ctx.state.store.bucket(bucket).await?;
    match ctx.state.store.head_object(bucket, key).await {
        Ok(info) => {
            ctx.check_read(b.acl, Some(info.acl))?;
            Ok(info)
        }
        Err(crate::storage::Error::NoSuchKey) => {
            ctx.check_read(b.acl, None)?;
            Err(OssErrorCode::NoSuchKey.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// `PUT /<key>`: PutObject.
pub async fn put(ctx: &Ctx, body: Body) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    validate_key(&key)?;
    reject_callback(ctx)?;
    check_framing(ctx, ctx.state.config.max_object_size)?;
    let meta = meta_from_headers(&ctx.headers)?;
    let acl = object_acl_header(ctx)?;
    let opts = write_options(ctx)?;
    check_object_write(ctx, &bucket, &key).await?;
    let info = ctx
        .state
        .store
        .put_object(&bucket, &key, meta, acl, body_reader(body), opts)
        .await?;
    crate::server::metrics::record_bytes("in", info.size);
    let mut b = Response::builder()
        .status(StatusCode::OK)
        .header("etag", quote(&info.etag))
        .header("x-oss-hash-crc64ecma", info.crc64.to_string())
        .header("content-length", "0");
    if let Some(md5) = info.content_md5 {
        b = b.header(
            "content-md5",
            base64::engine::general_purpose::STANDARD.encode(md5),
        );
    }
    response::build(b, Body::empty())
}

/// Evaluates conditional headers (§7.2): `Some(response)` ends the request.
pub fn evaluate_conditions(
    headers: &HeaderMap,
    info: &ObjectInfo,
    names: [&str; 4],
    not_modified_status: StatusCode,
) -> ApiResult<Option<Response<Body>>> {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let etag_matches = |list: &str| {
        list.split(',').any(|t| {
            let t = t.trim().trim_matches('"');
            t == "*" || t.eq_ignore_ascii_case(&info.etag)
        })
    };
    let modified_since = |date: &str| -> Option<bool> {
        httpdate::parse_http_date(date)
            .ok()
            .map(|d| info.last_modified > d)
    };
    let [if_match, if_unmodified, if_none_match, if_modified] = names;
    let precondition = |name: &str| -> ApiError {
        OssError::new(OssErrorCode::PreconditionFailed)
            .detail("Condition", name)
            .header("etag", quote(&info.etag))
            .header("last-modified", rfc1123(info.last_modified))
            .into()
    };
    if let Some(v) = get(if_match) {
        if !etag_matches(v) {
            return Err(precondition(if_match));
        }
    } else if let Some(v) = get(if_unmodified) {
        if modified_since(v) == Some(true) {
            return Err(precondition(if_unmodified));
        }
    }
    let not_modified = if let Some(v) = get(if_none_match) {
        etag_matches(v)
    } else if let Some(v) = get(if_modified) {
        modified_since(v) == Some(false)
    } else {
        false
    };
    if not_modified {
        let r = response::build(
            Response::builder()
                .status(not_modified_status)
                .header("etag", quote(&info.etag))
                .header("last-modified", rfc1123(info.last_modified))
                .header("content-length", "0"),
            Body::empty(),
        )?;
        return Ok(Some(r));
    }
    Ok(None)
}

/// The conditional headers of CopyObject and UploadPartCopy, in the order
/// of [`evaluate_conditions`].
pub const COPY_SOURCE_CONDITIONS: [&str; 4] = [
    "x-oss-copy-source-if-match",
    "x-oss-copy-source-if-unmodified-since",
    "x-oss-copy-source-if-none-match",
    "x-oss-copy-source-if-modified-since",
];

/// The conditional headers of GetObject and HeadObject.
pub const GET_CONDITIONS: [&str; 4] = [
    "if-match",
    "if-unmodified-since",
    "if-none-match",
    "if-modified-since",
];

/// A byte range to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeDecision {
    /// Serve the whole object with 200.
    Whole,
    /// Serve `start..=end` with 206.
    Partial(u64, u64),
    /// 416 InvalidRange.
    Unsatisfiable,
}

/// A byte position of a `Range` header: ASCII digits only; a number too
/// large for `u64` saturates (it is still a position past any object, so
/// `bytes=0-99999999999999999999` is clipped in standard mode like any other
/// end beyond the object).
fn range_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<u64>().unwrap_or(u64::MAX))
}

/// Interprets a `Range` header (§7.3). Only the first range is used.
///
/// Malformed ranges are ignored (`Whole`). Otherwise, by default, a range that
/// does not fit in the object is ignored too; with `standard` behaviour an end
/// beyond the object is clipped and a start at or beyond the size (for a
/// suffix range `bytes=-n`, the start is `size - n`, so `bytes=-0` starts at
/// the size) is `Unsatisfiable`.
pub fn decide_range(header: Option<&str>, size: u64, standard: bool) -> RangeDecision {
    let Some(h) = header else {
        return RangeDecision::Whole;
    };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return RangeDecision::Whole;
    };
    let first = spec.split(',').next().unwrap_or("").trim();
    let Some((a, b)) = first.split_once('-') else {
        return RangeDecision::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    if size == 0 {
        return RangeDecision::Whole;
    }
    let past_the_end = if standard {
        RangeDecision::Unsatisfiable
    } else {
        RangeDecision::Whole
    };
    let (start, end) = if a.is_empty() {
        // Suffix range: the last n bytes.
        let Some(n) = range_number(b) else {
            return RangeDecision::Whole;
        };
        if n == 0 {
            return past_the_end;
        }
        if n > size && !standard {
            return RangeDecision::Whole;
        }
        (size - n.min(size), size - 1)
    } else {
        let Some(start) = range_number(a) else {
            return RangeDecision::Whole;
        };
        let end = if b.is_empty() {
            size - 1
        } else {
            match range_number(b) {
                Some(e) if e >= start => e,
                _ => return RangeDecision::Whole,
            }
        };
        if start >= size {
            return past_the_end;
        }
        if end >= size && !standard {
            return RangeDecision::Whole;
        }
        (start, end.min(size - 1))
    };
    RangeDecision::Partial(start, end)
}

/// The response headers describing an object (§3.4).
pub fn object_headers(
    mut b: axum::http::response::Builder,
    info: &ObjectInfo,
) -> axum::http::response::Builder {
    let m = &info.meta;
    b = b
        .header("etag", quote(&info.etag))
        .header("last-modified", rfc1123(info.last_modified))
        .header("x-oss-object-type", type_str(info.object_type))
        .header("x-oss-storage-class", "Standard")
        .header("accept-ranges", "bytes")
        .header(
            "content-type",
            m.content_type
                .as_deref()
                .unwrap_or("application/octet-stream"),
        );
    for (name, value) in [
        ("content-encoding", &m.content_encoding),
        ("content-disposition", &m.content_disposition),
        ("content-language", &m.content_language),
        ("cache-control", &m.cache_control),
        ("expires", &m.expires),
    ] {
        if let Some(v) = value {
            b = b.header(name, v.as_str());
        }
    }
    for (name, value) in &m.user {
        b = b.header(format!("x-oss-meta-{name}"), value.as_str());
    }
    if info.object_type == crate::storage::ObjectType::Appendable {
        b = b.header("x-oss-next-append-position", info.size.to_string());
    }
    b
}

/// Applies `response-*` query overrides (§7.2; anonymous callers only get
/// `response-content-type`, §4.8).
pub fn apply_overrides(ctx: &Ctx, resp: &mut Response<Body>) {
    const OVERRIDES: [(&str, &str); 6] = [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ];
    for (param, header) in OVERRIDES {
        if !ctx.signed() && param != "response-content-type" {
            continue;
        }
        if let Some(v) = ctx.query.get(param) {
            if let Ok(v) = axum::http::HeaderValue::from_str(v) {
                resp.headers_mut().insert(header, v);
            }
        }
    }
}

/// `GET /<key>` and `HEAD /<key>`.
pub async fn get(ctx: &Ctx, head: bool) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    check_object_read(ctx, &bucket, &key).await?;
    let reader = ctx.state.store.open_object(&bucket, &key).await?;
    let info = reader.info.clone();
    if let Some(r) = evaluate_conditions(
        &ctx.headers,
        &info,
        GET_CONDITIONS,
        StatusCode::NOT_MODIFIED,
    )? {
        return Ok(r);
    }
    let standard = ctx
        .header("x-oss-range-behavior")
        .is_some_and(|v| v.eq_ignore_ascii_case("standard"));
    let range = if head {
        RangeDecision::Whole
    } else {
        decide_range(ctx.header("range"), info.size, standard)
    };
    let mut b = object_headers(Response::builder(), &info);
    let (status, start, len) = match range {
        RangeDecision::Unsatisfiable => {
            return Err(OssError::new(OssErrorCode::InvalidRange)
                .header("content-range", format!("bytes */{}", info.size))
                .into())
        }
        RangeDecision::Whole => {
            b = b.header("x-oss-hash-crc64ecma", info.crc64.to_string());
            if let Some(md5) = info.content_md5 {
                b = b.header(
                    "content-md5",
                    base64::engine::general_purpose::STANDARD.encode(md5),
                );
            }
            (StatusCode::OK, 0, info.size)
        }
        RangeDecision::Partial(s, e) => {
            b = b.header("content-range", format!("bytes {s}-{e}/{}", info.size));
            (StatusCode::PARTIAL_CONTENT, s, e - s + 1)
        }
    };
    b = b.status(status).header("content-length", len.to_string());
    let body = if head {
        Body::empty()
    } else {
        let stream = reader.stream(start, len).await?;
        crate::server::metrics::record_bytes("out", len);
        Body::from_stream(stream)
    };
    let mut resp = response::build(b, body)?;
    apply_overrides(ctx, &mut resp);
    Ok(resp)
}

/// `HEAD /<key>?objectMeta`.
pub async fn get_meta(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    let info = check_object_read(ctx, &bucket, &key).await?;
    response::build(
        Response::builder()
            .status(StatusCode::OK)
            .header("etag", quote(&info.etag))
            .header("last-modified", rfc1123(info.last_modified))
            .header("x-oss-hash-crc64ecma", info.crc64.to_string())
            .header("content-length", info.size.to_string()),
        Body::empty(),
    )
}

/// `DELETE /<key>`: always 204.
pub async fn delete(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    check_object_write(ctx, &bucket, &key).await?;
    ctx.state.store.delete_object(&bucket, &key).await?;
    response::empty(StatusCode::NO_CONTENT)
}

/// `POST /?delete`: DeleteMultipleObjects (§7.7).
pub async fn delete_multiple(ctx: &Ctx, body: Body) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let bucket = ctx
        .bucket()
        .map(str::to_string)
        .ok_or_else(|| ApiError::from(OssErrorCode::InvalidBucketName))?;
    let bytes = read_body_limited(ctx, body, 2 * 1024 * 1024 + 1024).await?;
    let req: xml::DeleteRequest =
        xml::from_xml(&bytes).ok_or_else(|| ApiError::from(OssErrorCode::MalformedXML))?;
    // At least one key, at most `max_delete_keys` (§7.7).
    if req.objects.is_empty() || req.objects.len() > ctx.state.config.max_delete_keys {
        return Err(OssErrorCode::MalformedXML.into());
    }
    ctx.state.store.bucket(&bucket).await?;
    let quiet = req
        .quiet
        .as_deref()
        .is_some_and(|q| q.trim().eq_ignore_ascii_case("true"));
    let url = ctx.url_encoding();
    let mut deleted = Vec::new();
    for o in &req.objects {
        ctx.state.store.delete_object(&bucket, &o.key).await?;
        if !quiet {
            deleted.push(Deleted {
                key: xml::encode_key(&o.key, url),
            });
        }
    }
    let doc = DeleteResult {
        encoding_type: url.then(|| "url".to_string()),
        deleted,
    };
    response::xml(xml::to_xml(&doc))
}

/// Parses `x-oss-copy-source` (§7.8): `/bucket/key`, percent-decoded
/// (`+` stays a plus).
pub fn parse_copy_source(value: &str) -> ApiResult<(String, String)> {
    let invalid = || {
        ApiError::from(OssError::invalid_argument(
            "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.",
            "x-oss-copy-source",
            value,
        ))
    };
    let v = value.split('?').next().unwrap_or("");
    let v = v.strip_prefix('/').unwrap_or(v);
    let (b, k) = v.split_once('/').ok_or_else(invalid)?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| invalid())
    };
    let (b, k) = (decode(b)?, decode(k)?);
    if b.is_empty() || k.is_empty() {
        return Err(invalid());
    }
    Ok((b, k))
}

/// `PUT /<key>` with `x-oss-copy-source`: CopyObject.
pub async fn copy(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    validate_key(&key)?;
    let source = ctx.header("x-oss-copy-source").unwrap_or("");
    let (src_bucket, src_key) = parse_copy_source(source)?;
    let directive = match ctx.header("x-oss-metadata-directive") {
        None => MetadataDirective::Copy,
        Some(v) if v.eq_ignore_ascii_case("COPY") => MetadataDirective::Copy,
        Some(v) if v.eq_ignore_ascii_case("REPLACE") => {
            MetadataDirective::Replace(meta_from_headers(&ctx.headers)?)
        }
        Some(v) => {
            return Err(OssError::invalid_argument(
                "The metadata directive must be COPY or REPLACE.",
                "x-oss-metadata-directive",
                v,
            )
            .into())
        }
    };
    let acl = match ctx.header("x-oss-object-acl") {
        None => None,
        Some(_) => Some(object_acl_header(ctx)?),
    };
    let src_info = check_object_read(ctx, &src_bucket, &src_key).await?;
    check_object_write(ctx, &bucket, &key).await?;
    if let Some(r) = evaluate_conditions(
        &ctx.headers,
        &src_info,
        COPY_SOURCE_CONDITIONS,
        StatusCode::NOT_MODIFIED,
    )? {
        return Ok(r);
    }
    let opts = WriteOptions {
        expected_md5: None,
        ..write_options(ctx)?
    };
    let info = ctx
        .state
        .store
        .copy_object(&src_bucket, &src_key, &bucket, &key, directive, acl, opts)
        .await?;
    let doc = CopyObjectResult {
        etag: quote(&info.etag),
        last_modified: iso8601(info.last_modified),
    };
    response::xml_with_integrity(xml::to_xml(&doc), &info.etag, info.crc64)
}

/// `POST /<key>?append&position=n`: AppendObject (§7.9).
pub async fn append(ctx: &Ctx, body: Body) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    validate_key(&key)?;
    reject_callback(ctx)?;
    let raw = ctx.query.get("position").unwrap_or("");
    let position: u64 = raw.parse().map_err(|_| {
        ApiError::from(OssError::invalid_argument(
            "Position must be a non-negative integer.",
            "position",
            raw,
        ))
    })?;
    check_framing(ctx, ctx.state.config.max_object_size)?;
    let meta = meta_from_headers(&ctx.headers)?;
    let acl = object_acl_header(ctx)?;
    let opts = write_options(ctx)?;
    check_object_write(ctx, &bucket, &key).await?;
    let info = ctx
        .state
        .store
        .append_object(&bucket, &key, position, meta, acl, body_reader(body), opts)
        .await?;
    response::build(
        Response::builder()
            .status(StatusCode::OK)
            .header("etag", quote(&info.etag))
            .header("x-oss-next-append-position", info.size.to_string())
            .header("x-oss-hash-crc64ecma", info.crc64.to_string())
            .header("content-length", "0"),
        Body::empty(),
    )
}

/// `PUT /<key>?acl`.
pub async fn put_acl(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let (bucket, key) = object_target(ctx)?;
    let value = ctx.header("x-oss-object-acl").ok_or_else(|| {
        ApiError::from(OssError::with_message(
            OssErrorCode::MissingArgument,
            "Missing required header x-oss-object-acl.",
        ))
    })?;
    let acl = parse_acl(value, true).ok_or_else(|| {
        ApiError::from(OssError::invalid_argument(
            "no such object access control exists",
            "x-oss-object-acl",
            value,
        ))
    })?;
    ctx.state.store.set_object_acl(&bucket, &key, acl).await?;
    response::empty(StatusCode::OK)
}

/// `GET /<key>?acl`.
pub async fn get_acl(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let (bucket, key) = object_target(ctx)?;
    let info = ctx.state.store.head_object(&bucket, &key).await?;
    acl_document(ctx, info.acl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_default_behaviour() {
        use RangeDecision::*;
        assert_eq!(decide_range(Some("bytes=0-4"), 10, false), Partial(0, 4));
        assert_eq!(decide_range(Some("bytes=5-"), 10, false), Partial(5, 9));
        assert_eq!(decide_range(Some("bytes=-3"), 10, false), Partial(7, 9));
        assert_eq!(decide_range(Some("bytes=0-100"), 10, false), Whole);
        assert_eq!(decide_range(Some("bytes=20-30"), 10, false), Whole);
        assert_eq!(decide_range(Some("bytes=5-2"), 10, false), Whole);
        assert_eq!(decide_range(Some("bytes=abc"), 10, false), Whole);
        assert_eq!(
            decide_range(Some("bytes=-99999999999999999999"), 10, false),
            Whole
        );
        assert_eq!(
            decide_range(Some("bytes=0-1,3-4"), 10, false),
            Partial(0, 1)
        );
        assert_eq!(decide_range(Some("bytes=0-4"), 0, false), Whole);
        assert_eq!(decide_range(None, 10, false), Whole);
    }

    #[test]
    fn ranges_standard_behaviour() {
        use RangeDecision::*;
        assert_eq!(decide_range(Some("bytes=0-100"), 10, true), Partial(0, 9));
        assert_eq!(decide_range(Some("bytes=10-20"), 10, true), Unsatisfiable);
        assert_eq!(decide_range(Some("bytes=-20"), 10, true), Partial(0, 9));
    }

    #[test]
    fn ranges_at_the_edges() {
        use RangeDecision::*;
        let huge = "99999999999999999999"; // above u64::MAX
        for (range, default, standard) in [
            ("bytes=-0", Whole, Unsatisfiable),
            ("bytes=--5", Whole, Whole),
            ("bytes=5-1", Whole, Whole),
            ("bytes=+1-2", Whole, Whole),
            ("bytes=1-+2", Whole, Whole),
            ("bytes= 1 - 2 ", Partial(1, 2), Partial(1, 2)),
            ("bytes=9-9", Partial(9, 9), Partial(9, 9)),
            ("bytes=-10", Partial(0, 9), Partial(0, 9)),
            ("bytes=-11", Whole, Partial(0, 9)),
            ("bytes=999999999-", Whole, Unsatisfiable),
            (&format!("bytes=0-{huge}"), Whole, Partial(0, 9)),
            (&format!("bytes=-{huge}"), Whole, Partial(0, 9)),
            (&format!("bytes={huge}-"), Whole, Unsatisfiable),
            (&format!("bytes={huge}-{huge}"), Whole, Unsatisfiable),
            ("bytes=18446744073709551615-", Whole, Unsatisfiable),
            ("bytes=0-18446744073709551615", Whole, Partial(0, 9)),
            ("bytes=", Whole, Whole),
            ("bytes=-", Whole, Whole),
            ("items=0-1", Whole, Whole),
        ] {
            assert_eq!(decide_range(Some(range), 10, false), default, "{range}");
            assert_eq!(decide_range(Some(range), 10, true), standard, "{range}");
        }
    }

    #[test]
    fn copy_sources() {
        assert_eq!(
            parse_copy_source("/b/img%2Fcat.jpg").ok(),
            Some(("b".into(), "img/cat.jpg".into()))
        );
        assert_eq!(
            parse_copy_source("/b/img/a+b%20c.jpg").ok(),
            Some(("b".into(), "img/a+b c.jpg".into()))
        );
        assert!(parse_copy_source("nobucket").is_err());
        assert!(parse_copy_source("/b/").is_err());
        assert!(parse_copy_source("/b/%FF").is_err());
    }

    #[test]
    fn keys() {
        assert!(validate_key("a").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("/a").is_err());
        assert!(validate_key("\\a").is_err());
        assert!(validate_key(&"k".repeat(1023)).is_ok());
        assert!(validate_key(&"k".repeat(1024)).is_err());
    }
}
