//! `x-oss-process`: GET renders a processed image (oss-api.md §9.1); POST
//! processes from the body and, with `sys/saveas`, stores the result (§9.2,
//! image-processing.md §7).

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Response, StatusCode};
use bytes::Bytes;

use crate::img;
use crate::oss::error::{OssError, OssErrorCode};
use crate::oss::xml::rfc1123;
use crate::server::cache::{CacheKey, Rendered};
use crate::server::context::Ctx;
use crate::server::error::{ApiError, ApiResult};
use crate::server::response::{self, quote};
use crate::storage::{Acl, ObjectInfo, ObjectMeta, Store, WriteOptions};

use super::bucket::valid_bucket_name;
use super::object::{
    apply_overrides, evaluate_conditions, object_target, read_body_limited, validate_key,
};

/// Longest accepted processing string (image-processing.md §2.10).
const MAX_PROCESS_LEN: usize = 8 * 1024;

/// Styles and watermark objects of one bucket, read from the store.
struct StoreResources {
    store: Store,
    bucket: String,
    runtime: tokio::runtime::Handle,
    max_bytes: u64,
    /// The bucket's styles (name → processing string), read before the plan
    /// is parsed: parsing runs on the async runtime and cannot wait for I/O.
    styles: HashMap<String, String>,
}

impl StoreResources {
    /// Resources for `process` on `bucket`. The one style `process` names
    /// is read here (parsing cannot wait for I/O), unless `known` (a style
    /// already read: name, content) is given; nothing else is read.
    async fn load(
        store: &Store,
        bucket: &str,
        process: &str,
        known: Option<(&str, &str)>,
        max_bytes: u64,
    ) -> ApiResult<StoreResources> {
        let mut styles = HashMap::new();
        if let Some((name, content)) = known {
            styles.insert(name.to_string(), content.to_string());
        } else if let Some(name) = img::plan::style_reference(process) {
            match store.get_style(bucket, name).await {
                Ok(style) => {
                    styles.insert(style.name, style.content);
                }
                Err(crate::storage::Error::NoSuchStyle) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(StoreResources {
            store: store.clone(),
            bucket: bucket.to_string(),
            runtime: tokio::runtime::Handle::current(),
            max_bytes,
            styles,
        })
    }
}

impl img::Resources for StoreResources {
    fn style(&self, name: &str) -> Result<Option<String>, img::Error> {
        Ok(self.styles.get(name).cloned())
    }

    fn watermark_object(&self, key: &str) -> Result<Option<Vec<u8>>, img::Error> {
        let store = self.store.clone();
        let bucket = self.bucket.clone();
        let key = key.to_string();
        let max = self.max_bytes;
        // Called from a blocking worker thread, never from the runtime itself.
        self.runtime.block_on(async move {
            match store.open_object(&bucket, &key).await {
                Ok(r) => {
                    if r.info.size > max {
                        return Err(img::Error::new(
                            img::ErrorCode::ImageTooLarge,
                            Some("0040-00000001"),
                            "The watermark image is too large.",
                        ));
                    }
                    let buf = r.read_all(max).await.map_err(|e| {
                        img::Error::new(img::ErrorCode::InternalError, None, e.to_string())
                    })?;
                    Ok(Some(buf))
                }
                Err(crate::storage::Error::NoSuchKey) => Ok(None),
                Err(e) => Err(img::Error::new(
                    img::ErrorCode::InternalError,
                    None,
                    e.to_string(),
                )),
            }
        })
    }
}

/// Percent-decodes `%XX` sequences; `+` stays a plus (image-processing.md §2.2).
fn decode_process(raw: &str) -> ApiResult<String> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| {
            OssError::invalid_argument(
                "The x-oss-process parameter is not valid UTF-8.",
                "x-oss-process",
                raw,
            )
            .into()
        })
}

fn check_length(process: &str) -> ApiResult<()> {
    if process.len() > MAX_PROCESS_LEN {
        return Err(OssError::with_message(
            OssErrorCode::InvalidArgument,
            "The x-oss-process parameter is too long.",
        )
        .ec("0017-00000288")
        .into());
    }
    Ok(())
}

/// A missing source on the processing path: `NoSuchKey` with EC
/// `0040-00000024`.
fn no_such_source() -> ApiError {
    ApiError(OssError::new(OssErrorCode::NoSuchKey).ec("0040-00000024"))
}

/// The source object as the caller may see it: anonymous callers need read
/// access (403 otherwise, whether or not the object exists); `None` when
/// the object does not exist.
async fn readable_source(ctx: &Ctx, bucket: &str, key: &str) -> ApiResult<Option<ObjectInfo>> {
    let bucket_acl = if ctx.signed() {
        None
    } else {
        Some(ctx.state.store.bucket(bucket).await?.acl)
    };
    let found = match ctx.state.store.head_object(bucket, key).await {
        Ok(info) => Some(info),
        Err(crate::storage::Error::NoSuchKey) => None,
        Err(e) => return Err(e.into()),
    };
    if let Some(acl) = bucket_acl {
        ctx.check_read(acl, found.as_ref().map(|i| i.acl))?;
    }
    Ok(found)
}

/// A processing string checked and parsed into a plan, with the resources
/// (the named style, watermark objects) that running it needs.
struct Prepared {
    plan: img::Plan,
    resources: StoreResources,
}

/// Turns `process` into a validated plan before the source is looked up
/// or read (docs/compatibility.md, "Order of checks"): a bad string is
/// refused without touching storage, except for reading the one style it
/// names. `style` is that style when already read.
///
/// Anonymous callers are checked first ([`readable_source`]): a style is
/// bucket data, read only for callers allowed to read the source. The
/// source found then is returned, for the caller to use after the parse.
async fn prepare(
    ctx: &Ctx,
    bucket: &str,
    key: &str,
    process: &str,
    style: Option<(&str, &str)>,
) -> ApiResult<(Prepared, Option<Option<ObjectInfo>>)> {
    check_length(process)?;
    let source = if ctx.signed() {
        None
    } else {
        Some(readable_source(ctx, bucket, key).await?)
    };
    let limits = ctx.state.config.limits();
    let resources = StoreResources::load(
        &ctx.state.store,
        bucket,
        process,
        style,
        limits.max_source_bytes,
    )
    .await?;
    let plan = img::plan::parse(process, &resources)?;
    Ok((Prepared { plan, resources }, source))
}

/// The source after [`prepare`]: the one found by the anonymous check, or
/// a lookup now; missing is [`no_such_source`].
async fn existing_source(
    ctx: &Ctx,
    bucket: &str,
    key: &str,
    checked: Option<Option<ObjectInfo>>,
) -> ApiResult<ObjectInfo> {
    let found = match checked {
        Some(found) => found,
        None => readable_source(ctx, bucket, key).await?,
    };
    found.ok_or_else(no_such_source)
}

/// Reads and processes the source through the result cache; returns the
/// source's description (of the version read) and the output.
async fn render(
    ctx: &Ctx,
    bucket: &str,
    key: &str,
    prepared: Prepared,
) -> ApiResult<(ObjectInfo, Arc<Rendered>)> {
    let Prepared { plan, resources } = prepared;
    let limits = ctx.state.config.limits();
    // The open handle pins the version that the cache key names.
    let reader = match ctx.state.store.open_object(bucket, key).await {
        Ok(r) => r,
        Err(crate::storage::Error::NoSuchKey) => return Err(no_such_source()),
        Err(e) => return Err(e.into()),
    };
    let info = reader.info.clone();
    if info.size > limits.max_source_bytes {
        return Err(OssError::with_message(
            OssErrorCode::ImageTooLarge,
            "The source image is larger than the processing limit.",
        )
        .ec("0040-00000001")
        .into());
    }
    let cache_key = CacheKey {
        bucket: bucket.to_string(),
        key: key.to_string(),
        etag: info.etag.clone(),
        modified: info.last_modified,
        plan: plan.to_string(),
    };
    let workers = ctx.state.workers.clone();
    let rendered = ctx
        .state
        .cache
        .get_or_render(cache_key, async move {
            let source = reader
                .read_all(limits.max_source_bytes)
                .await
                .map_err(|e| ApiError::from(e).0)?;
            let started = std::time::Instant::now();
            let output = workers
                .run(move || img::pipeline::run(&source, &plan, &resources, &limits))
                .await
                .map_err(|_| {
                    OssError::with_message(
                        OssErrorCode::ServiceUnavailable,
                        "The image-processing queue is full; try again later.",
                    )
                })?
                .map_err(|_| {
                    tracing::error!("image pipeline panicked");
                    OssError::new(OssErrorCode::InternalError)
                })?
                .map_err(|e| ApiError::from(e).0)?;
            crate::server::metrics::record_processing("request", started.elapsed().as_secs_f64());
            Ok(Rendered {
                bytes: Bytes::from(output.bytes),
                content_type: output.content_type,
            })
        })
        .await
        .map_err(ApiError)?;
    Ok((info, rendered))
}

fn image_response(ctx: &Ctx, info: &ObjectInfo, out: &Rendered) -> ApiResult<Response<Body>> {
    let mut resp = response::build(
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", out.content_type)
            .header("content-length", out.bytes.len().to_string())
            .header("etag", quote(&info.etag))
            .header("last-modified", rfc1123(info.last_modified)),
        Body::from(out.bytes.clone()),
    )?;
    apply_overrides(ctx, &mut resp);
    Ok(resp)
}

/// `GET /<key>?x-oss-process=...`.
pub async fn get(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    let process = decode_process(ctx.query.raw("x-oss-process").unwrap_or(""))?;
    get_processed(ctx, &bucket, &key, &process, None).await
}

/// A `GET /<key><d><style>` request: the source key and the style (name,
/// content), read once.
pub struct StyledTarget {
    source: String,
    style: String,
    content: String,
}

/// With a style delimiter configured for the bucket, `GET /<key><d><style>`
/// names `<key>` processed by `style/<style>` (image-processing.md §1.3):
/// split at the last delimiter; only a style that exists counts, otherwise
/// the whole path is an ordinary key.
pub async fn style_delimiter_target(ctx: &Ctx) -> Option<StyledTarget> {
    let (bucket, key) = (ctx.bucket()?, ctx.key()?);
    let delim = ctx.state.config.style_delimiters.get(bucket)?;
    let (source, style) = key.rsplit_once(delim.as_str())?;
    if source.is_empty() || style.is_empty() {
        return None;
    }
    let found = ctx.state.store.get_style(bucket, style).await.ok()?;
    Some(StyledTarget {
        source: source.to_string(),
        style: style.to_string(),
        content: found.content,
    })
}

/// `GET /<key><d><style>` through a style delimiter.
pub async fn get_styled(ctx: &Ctx, target: &StyledTarget) -> ApiResult<Response<Body>> {
    let (bucket, _) = object_target(ctx)?;
    let process = format!("style/{}", target.style);
    let style = Some((target.style.as_str(), target.content.as_str()));
    get_processed(ctx, &bucket, &target.source, &process, style).await
}

/// The order of checks (docs/compatibility.md): the processing string
/// first (400, or 404 `NoSuchStyle`), then the source (404), then the
/// conditional headers against the source (304/412), then the work.
async fn get_processed(
    ctx: &Ctx,
    bucket: &str,
    key: &str,
    process: &str,
    style: Option<(&str, &str)>,
) -> ApiResult<Response<Body>> {
    if process.contains("sys/saveas") {
        return Err(OssError::with_message(
            OssErrorCode::InvalidArgument,
            "sys/saveas is only allowed in a POST request.",
        )
        .into());
    }
    let (prepared, checked) = prepare(ctx, bucket, key, process, style).await?;
    let head = existing_source(ctx, bucket, key, checked).await?;
    if let Some(r) = evaluate_conditions(
        &ctx.headers,
        &head,
        super::object::GET_CONDITIONS,
        StatusCode::NOT_MODIFIED,
    )? {
        return Ok(r);
    }
    let (info, out) = render(ctx, bucket, key, prepared).await?;
    image_response(ctx, &info, &out)
}

/// `POST /<key>?x-oss-process` with `x-oss-process=...` in the body.
pub async fn post(ctx: &Ctx, body: Body) -> ApiResult<Response<Body>> {
    let (bucket, key) = object_target(ctx)?;
    let bytes = read_body_limited(ctx, body, MAX_PROCESS_LEN + 1024).await?;
    let text = String::from_utf8(bytes).map_err(|_| {
        ApiError::from(OssError::invalid_argument(
            "The request body is not valid UTF-8.",
            "x-oss-process",
            "",
        ))
    })?;
    let raw = text.trim().strip_prefix("x-oss-process=").ok_or_else(|| {
        ApiError::from(OssError::invalid_argument(
            "The request body must be x-oss-process=<process>.",
            "x-oss-process",
            "",
        ))
    })?;
    let decoded = decode_process(raw)?;
    let (process, saveas) = img::plan::split_saveas(&decoded);
    let (prepared, checked) = prepare(ctx, &bucket, &key, process, None).await?;
    let Some(args) = saveas else {
        existing_source(ctx, &bucket, &key, checked).await?;
        let (info, out) = render(ctx, &bucket, &key, prepared).await?;
        return image_response(ctx, &info, &out);
    };
    let save = img::plan::saveas::parse_saveas(args)?;
    if prepared.plan.report.is_some() {
        return Err(OssError::with_message(
            OssErrorCode::InvalidArgument,
            "info and average-hue results cannot be saved.",
        )
        .into());
    }
    let target_bucket = save.bucket.clone().unwrap_or_else(|| bucket.clone());
    if !valid_bucket_name(&target_bucket) {
        return Err(OssError::new(OssErrorCode::InvalidBucketName)
            .detail("BucketName", target_bucket)
            .into());
    }
    validate_key(&save.object)?;
    // The target must exist and be writable by the caller before any work.
    let tb = ctx.state.store.bucket(&target_bucket).await?;
    if !ctx.signed() {
        let object_acl = ctx
            .state
            .store
            .head_object(&target_bucket, &save.object)
            .await
            .ok()
            .map(|i| i.acl);
        ctx.check_write(tb.acl, object_acl)?;
    }
    existing_source(ctx, &bucket, &key, checked).await?;
    let (_, out) = render(ctx, &bucket, &key, prepared).await?;
    let meta = ObjectMeta {
        content_type: Some(out.content_type.to_string()),
        ..ObjectMeta::default()
    };
    let stored = ctx
        .state
        .store
        .put_object(
            &target_bucket,
            &save.object,
            meta,
            Acl::Default,
            Cursor::new(out.bytes.clone()),
            WriteOptions {
                max_size: ctx.state.config.max_object_size,
                ..WriteOptions::default()
            },
        )
        .await?;
    let json = persist_result(
        save.bucket.as_deref().unwrap_or_default(),
        stored.size,
        &save.object,
    );
    response::build(
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .header("content-length", json.len().to_string()),
        Body::from(json),
    )
}

/// The JSON body of a `sys/saveas` POST (oss-api.md §9.2): `bucket` is empty
/// when the request named no target bucket.
fn persist_result(bucket: &str, file_size: u64, object: &str) -> String {
    serde_json::json!({
        "bucket": bucket,
        "fileSize": file_size,
        "object": object,
        "status": "OK",
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::persist_result;

    #[test]
    fn persist_result_is_exact() {
        assert_eq!(
            persist_result("examplebucket", 3267, "img/cat_small.jpg"),
            r#"{"bucket":"examplebucket","fileSize":3267,"object":"img/cat_small.jpg","status":"OK"}"#
        );
        assert_eq!(
            persist_result("", 1, "a\"b/é.jpg"),
            r#"{"bucket":"","fileSize":1,"object":"a\"b/é.jpg","status":"OK"}"#
        );
    }
}
