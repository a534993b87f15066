//! ListBuckets (oss-api.md §6.2).

use axum::body::Body;
use axum::http::Response;

use crate::oss::xml::{self, BucketEntry, Buckets, ListAllMyBucketsResult};
use crate::server::context::Ctx;
use crate::server::error::ApiResult;
use crate::server::response;

use super::bucket::{bucket_entry, owner, parse_max};

/// `GET /`.
pub async fn list_buckets(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let prefix = ctx.query.get("prefix").unwrap_or("").to_string();
    let marker = ctx.query.get("marker").unwrap_or("").to_string();
    let max = parse_max(ctx.query.get("max-keys"), 100, 1000, "max-keys")?;
    let (buckets, truncated) = ctx.state.store.list_buckets(&prefix, &marker, max).await?;
    let next_marker = if truncated {
        buckets.last().map(|b| b.name.clone())
    } else {
        None
    };
    let entries: Vec<BucketEntry> = buckets.iter().map(|b| bucket_entry(ctx, b)).collect();
    let doc = ListAllMyBucketsResult {
        prefix,
        marker,
        max_keys: max,
        is_truncated: truncated,
        next_marker,
        owner: owner(ctx),
        buckets: Buckets { bucket: entries },
    };
    response::xml(xml::to_xml(&doc))
}
