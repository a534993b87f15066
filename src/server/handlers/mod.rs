//! The OSS dispatcher: parse, resolve, authenticate, route, render.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Response, StatusCode};
use futures::FutureExt;

use crate::oss::addressing::{self, Target};
use crate::oss::auth::{self, AuthError, RequestView};
use crate::oss::error::{OssError, OssErrorCode};
use crate::oss::query::Query;

use super::context::{new_request_id, Ctx};
use super::error::{render, ApiError, ApiResult, ErrorScope};
use super::AppState;

mod bucket;
mod internal;
mod multipart;
mod object;
mod process;
mod service;
mod style;

/// Bucket sub-resources of real OSS that ossimg does not implement yet.
const BUCKET_LATER: &[&str] = &[
    "cors",
    "referer",
    "lifecycle",
    "logging",
    "website",
    "policy",
    "tagging",
    "versioning",
    "versions",
    "encryption",
    "inventory",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "worm",
    "wormId",
    "wormExtend",
    "cname",
    "transferAcceleration",
    "resourceGroup",
    "requestPayment",
    "qos",
    "qosInfo",
    "asyncFetch",
    "metaQuery",
    "accessPoint",
    "publicAccessBlock",
    "img",
];

/// Object sub-resources of real OSS that ossimg does not implement yet.
const OBJECT_LATER: &[&str] = &[
    "symlink",
    "tagging",
    "restore",
    "x-oss-async-process",
    "retention",
    "legalHold",
    "cleanRestoredObject",
    "seal",
];

/// Entry point for every request.
pub async fn dispatch(State(state): State<AppState>, req: Request) -> Response<Body> {
    let started = Instant::now();
    let request_id = req
        .extensions()
        .get::<super::RequestId>()
        .map_or_else(new_request_id, |r| r.0.clone());
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get("host")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let head = parts.method == Method::HEAD;
    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();

    let resolved = addressing::resolve(Some(&host), &raw_path, &state.addressing);
    let scope_target = resolved.as_ref().map(|r| r.target.clone()).ok();
    let (bucket, key) = match &scope_target {
        Some(Target::Bucket(b)) => (Some(b.clone()), None),
        Some(Target::Object { bucket, key }) => (Some(bucket.clone()), Some(key.clone())),
        _ => (None, None),
    };

    // Health and metrics live under `/-/`, a bucket name no one can create.
    if bucket.as_deref() == Some("-") {
        let resp = internal::handle(&state, key.as_deref().unwrap_or(""));
        return finish(
            &state,
            &request_id,
            "Internal",
            started,
            resp,
            &parts.headers,
        );
    }
    if parts.method == Method::OPTIONS {
        let resp = preflight(&state, &parts.headers);
        return finish(
            &state,
            &request_id,
            "Options",
            started,
            resp,
            &parts.headers,
        );
    }

    let (op, result) = match resolved {
        Err(_) => (
            "Invalid",
            Err(ApiError::from(OssError::with_message(
                OssErrorCode::InvalidObjectName,
                "The object name is not valid UTF-8.",
            ))),
        ),
        Ok(resolved) => {
            let query = Query::parse(&raw_query);
            match authenticate(&state, &parts, &raw_path, resolved, &query) {
                Err(e) => ("Auth", Err(e)),
                Ok((target, identity)) => {
                    let ctx = Ctx {
                        state: state.clone(),
                        host: host.clone(),
                        method: parts.method.clone(),
                        target,
                        query,
                        headers: parts.headers.clone(),
                        identity,
                    };
                    // A panic in a handler is a bug; it still gets a proper
                    // OSS error with this request's id, never a dropped connection.
                    match AssertUnwindSafe(route(&ctx, body)).catch_unwind().await {
                        Ok(done) => done,
                        Err(_) => {
                            tracing::error!(request_id, "a request handler panicked");
                            ("Panic", Err(OssErrorCode::InternalError.into()))
                        }
                    }
                }
            }
        }
    };
    let resp = match result {
        Ok(r) => r,
        Err(ApiError(e)) => render(
            e,
            &ErrorScope {
                request_id: &request_id,
                host: &host,
                head,
                bucket: bucket.as_deref(),
                key: key.as_deref(),
            },
        ),
    };
    finish(&state, &request_id, op, started, resp, &parts.headers)
}

/// Authenticates, resolving the `ali-oss` IP + `sldEnable` ambiguity
/// (oss-api.md §2.2): when the virtual-host reading fails its signature and
/// the path starts with the same bucket, the path-style reading is tried.
fn authenticate(
    state: &AppState,
    parts: &axum::http::request::Parts,
    raw_path: &str,
    resolved: addressing::Resolved,
    query: &Query,
) -> ApiResult<(Target, auth::Identity)> {
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let skew = Duration::from_secs(state.config.max_clock_skew_secs);
    let check = |target: &Target| {
        let (bucket, key) = match target {
            Target::Service => (None, None),
            Target::Bucket(b) => (Some(b.as_str()), None),
            Target::Object { bucket, key } => (Some(bucket.as_str()), Some(key.as_str())),
        };
        let view = RequestView {
            method: parts.method.as_str(),
            bucket,
            key,
            query,
            headers: &headers,
        };
        auth::authenticate(&view, &*state.credentials, SystemTime::now(), skew)
    };
    match check(&resolved.target) {
        Ok(id) => Ok((resolved.target, id)),
        Err(err @ AuthError::SignatureDoesNotMatch { .. }) if resolved.virtual_host => {
            let vbucket = match &resolved.target {
                Target::Bucket(b) | Target::Object { bucket: b, .. } => b.clone(),
                Target::Service => return Err(err.into()),
            };
            if let Ok(alt) = addressing::resolve_path_style(raw_path) {
                let same = matches!(&alt.target,
                    Target::Bucket(b) | Target::Object { bucket: b, .. } if *b == vbucket);
                if same {
                    if let Ok(id) = check(&alt.target) {
                        return Ok((alt.target, id));
                    }
                }
            }
            Err(err.into())
        }
        Err(err) => Err(err.into()),
    }
}

async fn route(ctx: &Ctx, body: Body) -> (&'static str, ApiResult<Response<Body>>) {
    let q = &ctx.query;
    let m = &ctx.method;
    match &ctx.target {
        Target::Service => match *m {
            Method::GET => ("ListBuckets", service::list_buckets(ctx).await),
            _ => ("Service", Err(OssErrorCode::MethodNotAllowed.into())),
        },
        Target::Bucket(_) => {
            if let Some(name) = BUCKET_LATER.iter().find(|n| q.has(n)) {
                return ("NotImplemented", Err(not_implemented(name)));
            }
            match *m {
                Method::PUT if q.has("acl") => ("PutBucketAcl", bucket::put_acl(ctx).await),
                Method::PUT if q.has("style") => ("PutStyle", style::put(ctx, body).await),
                Method::PUT => ("PutBucket", bucket::create(ctx, body).await),
                Method::GET if q.has("acl") => ("GetBucketAcl", bucket::get_acl(ctx).await),
                Method::GET if q.has("bucketInfo") => ("GetBucketInfo", bucket::info(ctx).await),
                Method::GET if q.has("location") => {
                    ("GetBucketLocation", bucket::location(ctx).await)
                }
                Method::GET if q.has("stat") => ("GetBucketStat", bucket::stat(ctx).await),
                Method::GET if q.has("uploads") => {
                    ("ListMultipartUploads", multipart::list_uploads(ctx).await)
                }
                Method::GET if q.has("style") && q.has("styleName") => {
                    ("GetStyle", style::get(ctx).await)
                }
                Method::GET if q.has("style") => ("ListStyle", style::list(ctx).await),
                Method::GET if q.get("list-type") == Some("2") => {
                    ("ListObjectsV2", bucket::list_objects_v2(ctx).await)
                }
                Method::GET => ("ListObjects", bucket::list_objects(ctx).await),
                Method::HEAD => ("HeadBucket", bucket::head(ctx).await),
                Method::DELETE if q.has("style") => ("DeleteStyle", style::delete(ctx).await),
                Method::DELETE => ("DeleteBucket", bucket::delete(ctx).await),
                Method::POST if q.has("delete") => (
                    "DeleteMultipleObjects",
                    object::delete_multiple(ctx, body).await,
                ),
                _ => ("Bucket", Err(OssErrorCode::MethodNotAllowed.into())),
            }
        }
        Target::Object { .. } => {
            if let Some(name) = OBJECT_LATER.iter().find(|n| q.has(n)) {
                return ("NotImplemented", Err(not_implemented(name)));
            }
            let copy_source = ctx.headers.contains_key("x-oss-copy-source");
            match *m {
                Method::PUT if q.has("acl") => ("PutObjectAcl", object::put_acl(ctx).await),
                Method::PUT if q.has("uploadId") && copy_source => {
                    ("UploadPartCopy", multipart::upload_part_copy(ctx).await)
                }
                Method::PUT if q.has("uploadId") => {
                    ("UploadPart", multipart::upload_part(ctx, body).await)
                }
                Method::PUT if copy_source => ("CopyObject", object::copy(ctx).await),
                Method::PUT => ("PutObject", object::put(ctx, body).await),
                Method::GET if q.has("acl") => ("GetObjectAcl", object::get_acl(ctx).await),
                Method::GET if q.has("uploadId") => ("ListParts", multipart::list_parts(ctx).await),
                Method::GET if q.has("x-oss-process") => ("ProcessImage", process::get(ctx).await),
                Method::GET => match process::style_delimiter_target(ctx).await {
                    Some(target) => ("ProcessImage", process::get_styled(ctx, &target).await),
                    None => ("GetObject", object::get(ctx, false).await),
                },
                Method::HEAD if q.has("objectMeta") => {
                    ("GetObjectMeta", object::get_meta(ctx).await)
                }
                Method::HEAD => ("HeadObject", object::get(ctx, true).await),
                Method::DELETE if q.has("uploadId") => {
                    ("AbortMultipartUpload", multipart::abort(ctx).await)
                }
                Method::DELETE => ("DeleteObject", object::delete(ctx).await),
                Method::POST if q.has("append") => {
                    ("AppendObject", object::append(ctx, body).await)
                }
                Method::POST if q.has("uploads") => {
                    ("InitiateMultipartUpload", multipart::initiate(ctx).await)
                }
                Method::POST if q.has("uploadId") => (
                    "CompleteMultipartUpload",
                    multipart::complete(ctx, body).await,
                ),
                Method::POST if q.has("x-oss-process") => {
                    ("ProcessObject", process::post(ctx, body).await)
                }
                _ => ("Object", Err(OssErrorCode::MethodNotAllowed.into())),
            }
        }
    }
}

fn not_implemented(name: &str) -> ApiError {
    OssError::with_message(
        OssErrorCode::NotImplemented,
        format!("The sub-resource `{name}` is not implemented by this server."),
    )
    .into()
}

/// Headers every response carries, metrics, and the access log line.
fn finish(
    state: &AppState,
    request_id: &str,
    op: &'static str,
    started: Instant,
    mut resp: Response<Body>,
    req_headers: &axum::http::HeaderMap,
) -> Response<Body> {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-oss-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(SystemTime::now())) {
        h.insert("date", v);
    }
    h.insert("server", HeaderValue::from_static("AliyunOSS"));
    if state.config.cors && req_headers.contains_key("origin") {
        h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        h.insert(
            "access-control-expose-headers",
            HeaderValue::from_static(
                "ETag, x-oss-request-id, x-oss-hash-crc64ecma, x-oss-next-append-position, x-oss-object-type, Content-Length, Content-Range, Last-Modified",
            ),
        );
    }
    let status = resp.status().as_u16();
    super::metrics::record_request(op, status, started.elapsed());
    // The edge layer writes the access log line, naming this operation.
    resp.extensions_mut().insert(super::Operation(op));
    resp
}

/// CORS preflight: permissive when enabled (oss-api.md §10.8).
fn preflight(state: &AppState, headers: &axum::http::HeaderMap) -> Response<Body> {
    if !state.config.cors {
        let xml = OssError::new(OssErrorCode::AccessDenied).to_xml("", "");
        let mut r = Response::new(Body::from(xml));
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    let mut r = Response::new(Body::empty());
    let h = r.headers_mut();
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, PUT, POST, DELETE, HEAD"),
    );
    if let Some(req) = headers.get("access-control-request-headers") {
        h.insert("access-control-allow-headers", req.clone());
    }
    h.insert("access-control-max-age", HeaderValue::from_static("600"));
    h.insert("content-length", HeaderValue::from_static("0"));
    r
}
