//! Multipart upload (oss-api.md §10).

use axum::body::Body;
use axum::http::{Response, StatusCode};

use crate::oss::error::{OssError, OssErrorCode};
use crate::oss::xml::{
    self, encode_key, iso8601, CommonPrefix, CompleteMultipartUploadResult, CopyPartResult,
    InitiateMultipartUploadResult, ListMultipartUploadsResult, ListPartsResult, PartEntry, Upload,
};
use crate::server::context::Ctx;
use crate::server::error::{ApiError, ApiResult};
use crate::server::response::{self, quote};
use crate::storage::WriteOptions;

use super::bucket::parse_max;
use super::object::{
    body_reader, check_framing, check_object_read, meta_from_headers, object_acl_header,
    object_target, parse_copy_source, read_body_limited, validate_key, write_options,
};

fn upload_id(ctx: &Ctx) -> String {
    ctx.query.get("uploadId").unwrap_or("").to_string()
}

/// `partNumber`: 1 to the configured `max_parts` (10000 by default).
fn part_number(ctx: &Ctx) -> ApiResult<u32> {
    let raw = ctx.query.get("partNumber").unwrap_or("");
    let max = ctx.state.config.max_parts;
    match raw.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(OssError::invalid_argument(
            format!("Part number must be an integer between 1 and {max}, inclusive."),
            "partNumber",
            raw,
        )
        .into()),
    }
}

/// Multipart operations on an object need a signature, or public-read-write
/// on the bucket for anonymous callers.
async fn check_access(ctx: &Ctx, bucket: &str) -> ApiResult<()> {
    if ctx.signed() {
        return Ok(());
    }
    let b = ctx.state.store.bucket(bucket).await?;
    ctx.check_write(b.acl, None)
}

/// `POST /<key>?uploads`.
pub async fn initiate(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    validate_key(&key)?;
    check_access(ctx, &bucket).await?;
    let meta = meta_from_headers(&ctx.headers)?;
    let acl = object_acl_header(ctx)?;
    let upload_id = ctx
        .state
        .store
        .create_multipart_upload(&bucket, &key, meta, acl)
        .await?;
    let url = ctx.url_encoding();
    let doc = InitiateMultipartUploadResult {
        bucket,
        key: encode_key(&key, url),
        upload_id,
        encoding_type: url.then(|| "url".to_string()),
    };
    response::xml(xml::to_xml(&doc))
}

/// `PUT /<key>?partNumber=n&uploadId=id`.
pub async fn upload_part(ctx: &Ctx, body: Body) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    let n = part_number(ctx)?;
    let max_part_size = ctx.state.config.max_part_size;
    check_framing(ctx, max_part_size)?;
    check_access(ctx, &bucket).await?;
    let opts = WriteOptions {
        max_size: max_part_size,
        ..write_options(ctx)?
    };
    let part = ctx
        .state
        .store
        .upload_part(&bucket, &key, &upload_id(ctx), n, body_reader(body), opts)
        .await?;
    crate::server::metrics::record_bytes("in", part.size);
    response::build(
        Response::builder()
            .status(StatusCode::OK)
            .header("etag", quote(&part.etag))
            .header("x-oss-hash-crc64ecma", part.crc64.to_string())
            .header("content-length", "0"),
        Body::empty(),
    )
}

fn parse_copy_range(v: &str) -> ApiResult<(u64, u64)> {
    let bad = || {
        ApiError::from(OssError::invalid_argument(
            "The x-oss-copy-source-range header is invalid.",
            "x-oss-copy-source-range",
            v,
        ))
    };
    let spec = v.trim().strip_prefix("bytes=").ok_or_else(bad)?;
    let (a, b) = spec.split_once('-').ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if b < a {
        return Err(bad());
    }
    Ok((a, b))
}

/// `PUT /<key>?partNumber=n&uploadId=id` with `x-oss-copy-source`.
pub async fn upload_part_copy(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    let n = part_number(ctx)?;
    let (src_bucket, src_key) = parse_copy_source(ctx.header("x-oss-copy-source").unwrap_or(""))?;
    let range = ctx
        .header("x-oss-copy-source-range")
        .map(parse_copy_range)
        .transpose()?;
    let src = check_object_read(ctx, &src_bucket, &src_key).await?;
    check_access(ctx, &bucket).await?;
    if let Some(r) = super::object::evaluate_conditions(
        &ctx.headers,
        &src,
        super::object::COPY_SOURCE_CONDITIONS,
        StatusCode::NOT_MODIFIED,
    )? {
        return Ok(r);
    }
    let part = ctx
        .state
        .store
        .upload_part_copy(
            &bucket,
            &key,
            &upload_id(ctx),
            n,
            &src_bucket,
            &src_key,
            range,
            ctx.state.config.max_part_size,
        )
        .await?;
    let doc = CopyPartResult {
        last_modified: iso8601(part.last_modified),
        etag: quote(&part.etag),
    };
    response::xml_with_integrity(xml::to_xml(&doc), &part.etag, part.crc64)
}

/// `POST /<key>?uploadId=id`.
pub async fn complete(ctx: &Ctx, body: Body) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    check_access(ctx, &bucket).await?;
    if ctx.headers.contains_key("x-oss-callback") {
        return Err(OssError::with_message(
            OssErrorCode::NotImplemented,
            "Upload callbacks (x-oss-callback) are not implemented by this server.",
        )
        .into());
    }
    let bytes = read_body_limited(ctx, body, 4 * 1024 * 1024).await?;
    let complete_all = ctx
        .header("x-oss-complete-all")
        .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let parts = if complete_all {
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(OssError::with_message(
                OssErrorCode::InvalidRequest,
                "The body must be empty with x-oss-complete-all: yes.",
            )
            .into());
        }
        None
    } else {
        let req: xml::CompleteRequest =
            xml::from_xml(&bytes).ok_or_else(|| ApiError::from(OssErrorCode::MalformedXML))?;
        if req.parts.is_empty() {
            return Err(OssErrorCode::MalformedXML.into());
        }
        Some(
            req.parts
                .into_iter()
                .map(|p| (p.part_number, p.etag.trim().trim_matches('"').to_string()))
                .collect(),
        )
    };
    let acl = match ctx.header("x-oss-object-acl") {
        None => None,
        Some(_) => Some(object_acl_header(ctx)?),
    };
    // The assembled object is bounded only by its parts (max_parts ×
    // max_part_size), not by the single-request max_object_size: OSS stores
    // multipart objects far above 5 GiB (docs/compatibility.md).
    let opts = WriteOptions {
        expected_md5: None,
        max_size: ctx.state.config.max_multipart_object_size(),
        ..write_options(ctx)?
    };
    let info = ctx
        .state
        .store
        .complete_multipart_upload(&bucket, &key, &upload_id(ctx), parts, acl, opts)
        .await?;
    let url = ctx.url_encoding();
    let doc = CompleteMultipartUploadResult {
        encoding_type: url.then(|| "url".to_string()),
        location: format!("http://{}/{}/{}", ctx.host, bucket, xml::url_encode(&key)),
        bucket,
        key: encode_key(&key, url),
        etag: quote(&info.etag),
    };
    response::xml_with_integrity(xml::to_xml(&doc), &info.etag, info.crc64)
}

/// `DELETE /<key>?uploadId=id`: 204.
pub async fn abort(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    check_access(ctx, &bucket).await?;
    ctx.state
        .store
        .abort_multipart_upload(&bucket, &key, &upload_id(ctx))
        .await?;
    response::empty(StatusCode::NO_CONTENT)
}

/// `GET /?uploads`.
pub async fn list_uploads(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let bucket = ctx
        .bucket()
        .map(str::to_string)
        .ok_or_else(|| ApiError::from(OssErrorCode::InvalidBucketName))?;
    let q = &ctx.query;
    let prefix = q.get("prefix").unwrap_or("").to_string();
    let delimiter = q.get("delimiter").unwrap_or("").to_string();
    let key_marker = q.get("key-marker").unwrap_or("").to_string();
    let upload_id_marker = q.get("upload-id-marker").unwrap_or("").to_string();
    let max = parse_max(q.get("max-uploads"), 1000, 1000, "max-uploads")?;
    let page = ctx
        .state
        .store
        .list_multipart_uploads(
            &bucket,
            &prefix,
            &delimiter,
            &key_marker,
            &upload_id_marker,
            max,
        )
        .await?;
    let url = ctx.url_encoding();
    let doc = ListMultipartUploadsResult {
        bucket,
        key_marker: encode_key(&key_marker, url),
        upload_id_marker,
        next_key_marker: encode_key(&page.next_key_marker, url),
        next_upload_id_marker: page.next_upload_id_marker.clone(),
        delimiter: encode_key(&delimiter, url),
        prefix: encode_key(&prefix, url),
        max_uploads: max,
        encoding_type: url.then(|| "url".to_string()),
        is_truncated: page.is_truncated,
        upload: page
            .uploads
            .iter()
            .map(|u| Upload {
                key: encode_key(&u.key, url),
                upload_id: u.upload_id.clone(),
                storage_class: "Standard".into(),
                initiated: iso8601(u.initiated),
            })
            .collect(),
        common_prefixes: page
            .common_prefixes
            .iter()
            .map(|p| CommonPrefix {
                prefix: encode_key(p, url),
            })
            .collect(),
    };
    response::xml(xml::to_xml(&doc))
}

/// `GET /<key>?uploadId=id`: ListParts.
pub async fn list_parts(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    check_access(ctx, &bucket).await?;
    let q = &ctx.query;
    let marker_raw = q.get("part-number-marker").unwrap_or("");
    let marker: u32 = if marker_raw.is_empty() {
        0
    } else {
        marker_raw.parse().map_err(|_| {
            ApiError::from(OssError::invalid_argument(
                "part-number-marker must be an integer.",
                "part-number-marker",
                marker_raw,
            ))
        })?
    };
    let max = parse_max(q.get("max-parts"), 1000, 1000, "max-parts")?;
    let id = upload_id(ctx);
    let page = ctx
        .state
        .store
        .list_parts(&bucket, &key, &id, marker, max)
        .await?;
    let url = ctx.url_encoding();
    let doc = ListPartsResult {
        bucket,
        key: encode_key(&key, url),
        upload_id: id,
        storage_class: "Standard".into(),
        part_number_marker: marker,
        next_part_number_marker: page.next_part_number_marker,
        max_parts: max,
        encoding_type: url.then(|| "url".to_string()),
        is_truncated: page.is_truncated,
        part: page
            .parts
            .iter()
            .map(|p| PartEntry {
                part_number: p.part_number,
                last_modified: iso8601(p.last_modified),
                etag: quote(&p.etag),
                hash_crc64ecma: p.crc64,
                size: p.size,
            })
            .collect(),
    };
    response::xml(xml::to_xml(&doc))
}
