//! Bucket operations (oss-api.md §6) and object listings (§7.11, §7.12).

use axum::body::Body;
use axum::http::{Response, StatusCode};
use base64::Engine;

use crate::oss::error::{OssError, OssErrorCode};
use crate::oss::xml::{
    self, encode_key, iso8601, AccessControlList, AccessControlPolicy, BucketEntry,
    BucketInfoBucket, BucketInfoResult, BucketPolicy, BucketStatResult, CommonPrefix, Contents,
    ListBucketResult, Owner, ServerSideEncryptionRule,
};
use crate::server::context::{acl_str, parse_acl, Ctx};
use crate::server::error::{ApiError, ApiResult};
use crate::server::response::{self, quote};
use crate::storage::{Acl, BucketInfo, ListEntry, ListQuery, ObjectInfo, ObjectType};

use super::object::read_body_limited;

/// Largest XML body accepted for bucket-level requests.
const MAX_XML_BODY: usize = 2 * 1024 * 1024 + 1024;

/// Whether a bucket name is valid for creation (§6.1).
pub fn valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// `<Owner>` of the single owner.
pub fn owner(ctx: &Ctx) -> Owner {
    Owner {
        id: ctx.state.config.owner_id.clone(),
        display_name: ctx.state.config.owner_id.clone(),
    }
}

fn region(ctx: &Ctx) -> (String, String, String) {
    let region = ctx.state.config.region.clone();
    let location = format!("oss-{region}");
    (
        region,
        format!("{location}.aliyuncs.com"),
        format!("{location}-internal.aliyuncs.com"),
    )
}

/// A `<Bucket>` entry of ListBuckets.
pub fn bucket_entry(ctx: &Ctx, b: &BucketInfo) -> BucketEntry {
    let (region, extranet, intranet) = region(ctx);
    BucketEntry {
        creation_date: iso8601(b.created),
        extranet_endpoint: extranet,
        intranet_endpoint: intranet,
        location: format!("oss-{region}"),
        name: b.name.clone(),
        region,
        storage_class: "Standard".into(),
    }
}

/// Parses a page-size parameter: absent or empty → default; not a number,
/// below 1 or above `max` → `InvalidArgument`.
pub fn parse_max(value: Option<&str>, default: usize, max: usize, name: &str) -> ApiResult<usize> {
    match value {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(OssError::invalid_argument(
                format!("Argument {name} must be an integer between 1 and {max}."),
                name,
                v,
            )
            .into()),
        },
    }
}

fn bucket_name(ctx: &Ctx) -> ApiResult<String> {
    ctx.bucket()
        .map(str::to_string)
        .ok_or_else(|| OssErrorCode::InvalidBucketName.into())
}

/// `PUT /` on a bucket: PutBucket.
pub async fn create(ctx: &Ctx, body: Body) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let name = bucket_name(ctx)?;
    if !valid_bucket_name(&name) {
        return Err(OssError::new(OssErrorCode::InvalidBucketName)
            .detail("BucketName", name)
            .into());
    }
    let acl = match ctx.header("x-oss-acl") {
        None => Acl::Private,
        Some(v) => parse_acl(v, false).ok_or_else(|| {
            ApiError::from(OssError::invalid_argument(
                "no such bucket access control exists",
                "x-oss-acl",
                v,
            ))
        })?,
    };
    let bytes = read_body_limited(ctx, body, MAX_XML_BODY).await?;
    if !bytes.iter().all(u8::is_ascii_whitespace)
        && xml::from_xml::<xml::CreateBucketConfiguration>(&bytes).is_none()
    {
        return Err(OssErrorCode::MalformedXML.into());
    }
    match ctx.state.store.create_bucket(&name, acl).await {
        Ok(_) => {}
        Err(crate::storage::Error::BucketAlreadyExists)
            if ctx.state.config.idempotent_create_bucket => {}
        Err(e) => return Err(e.into()),
    }
    response::build(
        Response::builder()
            .status(StatusCode::OK)
            .header("location", format!("/{name}"))
            .header("content-length", "0"),
        Body::empty(),
    )
}

/// `DELETE /` on a bucket.
pub async fn delete(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let name = bucket_name(ctx)?;
    ctx.state.store.delete_bucket(&name).await?;
    response::empty(StatusCode::NO_CONTENT)
}

/// `HEAD /` on a bucket: 200 when it exists.
pub async fn head(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    ctx.state.store.bucket(&bucket_name(ctx)?).await?;
    response::empty(StatusCode::OK)
}

/// `GET /?bucketInfo`.
pub async fn info(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let b = ctx.state.store.bucket(&bucket_name(ctx)?).await?;
    let (region, extranet, intranet) = region(ctx);
    let doc = BucketInfoResult {
        bucket: BucketInfoBucket {
            access_monitor: "Disabled".into(),
            creation_date: iso8601(b.created),
            cross_region_replication: "Disabled".into(),
            data_redundancy_type: "LRS".into(),
            extranet_endpoint: extranet,
            intranet_endpoint: intranet,
            location: format!("oss-{region}"),
            name: b.name.clone(),
            resource_group_id: "rg-default".into(),
            storage_class: "Standard".into(),
            transfer_acceleration: "Disabled".into(),
            versioning: "Disabled".into(),
            owner: owner(ctx).into(),
            access_control_list: AccessControlList {
                grant: acl_str(b.acl).into(),
            },
            server_side_encryption_rule: ServerSideEncryptionRule {
                sse_algorithm: "None".into(),
            },
            bucket_policy: BucketPolicy {
                log_bucket: String::new(),
                log_prefix: String::new(),
            },
        },
    };
    response::xml(xml::to_xml(&doc))
}

/// `GET /?location`.
pub async fn location(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    ctx.state.store.bucket(&bucket_name(ctx)?).await?;
    let loc = format!("oss-{}", ctx.state.config.region);
    response::xml(xml::text_document("LocationConstraint", &loc))
}

/// `GET /?stat`.
pub async fn stat(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let s = ctx.state.store.bucket_stat(&bucket_name(ctx)?).await?;
    let doc = BucketStatResult {
        storage: s.storage,
        object_count: s.object_count,
        multipart_upload_count: s.multipart_upload_count,
        standard_storage: s.storage,
        standard_object_count: s.object_count,
    };
    response::xml(xml::to_xml(&doc))
}

/// `PUT /?acl`.
pub async fn put_acl(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let name = bucket_name(ctx)?;
    let value = ctx.header("x-oss-acl").ok_or_else(|| {
        ApiError::from(OssError::with_message(
            OssErrorCode::MissingArgument,
            "Missing required header x-oss-acl.",
        ))
    })?;
    let acl = parse_acl(value, false).ok_or_else(|| {
        ApiError::from(OssError::invalid_argument(
            "no such bucket access control exists",
            "x-oss-acl",
            value,
        ))
    })?;
    ctx.state.store.set_bucket_acl(&name, acl).await?;
    response::empty(StatusCode::OK)
}

/// `GET /?acl`.
pub async fn get_acl(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let b = ctx.state.store.bucket(&bucket_name(ctx)?).await?;
    acl_document(ctx, b.acl)
}

/// The `AccessControlPolicy` document.
pub fn acl_document(ctx: &Ctx, acl: Acl) -> ApiResult<Response<Body>> {
    let doc = AccessControlPolicy {
        owner: owner(ctx),
        access_control_list: AccessControlList {
            grant: acl_str(acl).into(),
        },
    };
    response::xml(xml::to_xml(&doc))
}

/// The wire name of an object type.
pub fn type_str(t: ObjectType) -> &'static str {
    match t {
        ObjectType::Normal => "Normal",
        ObjectType::Multipart => "Multipart",
        ObjectType::Appendable => "Appendable",
    }
}

fn contents(ctx: &Ctx, o: &ObjectInfo, url: bool, with_owner: bool) -> Contents {
    Contents {
        key: encode_key(&o.key, url),
        last_modified: iso8601(o.last_modified),
        etag: quote(&o.etag),
        object_type: type_str(o.object_type).into(),
        size: o.size,
        storage_class: "Standard".into(),
        owner: with_owner.then(|| owner(ctx)),
    }
}

fn split_entries(
    ctx: &Ctx,
    entries: &[ListEntry],
    url: bool,
    with_owner: bool,
) -> (Vec<Contents>, Vec<CommonPrefix>) {
    let mut objects = Vec::new();
    let mut prefixes = Vec::new();
    for e in entries {
        match e {
            ListEntry::Object(o) => objects.push(contents(ctx, o, url, with_owner)),
            ListEntry::CommonPrefix(p) => prefixes.push(CommonPrefix {
                prefix: encode_key(p, url),
            }),
        }
    }
    (objects, prefixes)
}

fn check_encoding_type(ctx: &Ctx) -> ApiResult<()> {
    match ctx.query.get("encoding-type") {
        None | Some("") | Some("url") => Ok(()),
        Some(v) => Err(OssError::invalid_argument(
            "The encoding-type parameter must be url.",
            "encoding-type",
            v,
        )
        .into()),
    }
}

/// `GET /` on a bucket: ListObjects (V1).
pub async fn list_objects(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    check_encoding_type(ctx)?;
    let name = bucket_name(ctx)?;
    let url = ctx.url_encoding();
    let q = ListQuery {
        prefix: ctx.query.get("prefix").unwrap_or("").to_string(),
        delimiter: ctx.query.get("delimiter").unwrap_or("").to_string(),
        start_after: ctx.query.get("marker").unwrap_or("").to_string(),
        max_keys: parse_max(ctx.query.get("max-keys"), 100, 1000, "max-keys")?,
    };
    let page = ctx.state.store.list_objects(&name, &q).await?;
    let (contents, common_prefixes) = split_entries(ctx, &page.entries, url, true);
    let doc = ListBucketResult {
        name,
        prefix: encode_key(&q.prefix, url),
        marker: Some(encode_key(&q.start_after, url)),
        max_keys: q.max_keys,
        delimiter: encode_key(&q.delimiter, url),
        encoding_type: url.then(|| "url".to_string()),
        is_truncated: page.is_truncated,
        next_marker: if page.is_truncated {
            page.next_marker.as_deref().map(|m| encode_key(m, url))
        } else {
            None
        },
        contents,
        common_prefixes,
        ..Default::default()
    };
    response::xml(xml::to_xml(&doc))
}

/// An opaque, URL-safe continuation token for a key.
fn encode_token(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes())
}

fn decode_token(token: &str) -> ApiResult<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            OssError::invalid_argument(
                "The continuation token provided is incorrect.",
                "continuation-token",
                token,
            )
            .into()
        })
}

/// `GET /?list-type=2`: ListObjectsV2.
pub async fn list_objects_v2(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    check_encoding_type(ctx)?;
    let name = bucket_name(ctx)?;
    let url = ctx.url_encoding();
    let token = ctx
        .query
        .get("continuation-token")
        .filter(|t| !t.is_empty());
    let start_after = ctx.query.get("start-after").unwrap_or("");
    let from = match token {
        Some(t) => decode_token(t)?,
        None => start_after.to_string(),
    };
    let q = ListQuery {
        prefix: ctx.query.get("prefix").unwrap_or("").to_string(),
        delimiter: ctx.query.get("delimiter").unwrap_or("").to_string(),
        start_after: from,
        max_keys: parse_max(ctx.query.get("max-keys"), 100, 1000, "max-keys")?,
    };
    let with_owner = ctx.query.get("fetch-owner") == Some("true");
    let page = ctx.state.store.list_objects(&name, &q).await?;
    let (contents, common_prefixes) = split_entries(ctx, &page.entries, url, with_owner);
    let doc = ListBucketResult {
        name,
        prefix: encode_key(&q.prefix, url),
        start_after: ctx.query.get("start-after").map(|s| encode_key(s, url)),
        continuation_token: ctx.query.get("continuation-token").map(str::to_string),
        max_keys: q.max_keys,
        delimiter: encode_key(&q.delimiter, url),
        encoding_type: url.then(|| "url".to_string()),
        is_truncated: page.is_truncated,
        next_continuation_token: if page.is_truncated {
            page.next_marker.as_deref().map(encode_token)
        } else {
            None
        },
        key_count: Some(page.entries.len()),
        contents,
        common_prefixes,
        ..Default::default()
    };
    response::xml(xml::to_xml(&doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(valid_bucket_name("abc"));
        assert!(valid_bucket_name("my-bucket-01"));
        assert!(!valid_bucket_name("ab"));
        assert!(!valid_bucket_name("-abc"));
        assert!(!valid_bucket_name("abc-"));
        assert!(!valid_bucket_name("a_bc"));
        assert!(!valid_bucket_name("ABC"));
        assert!(!valid_bucket_name(&"a".repeat(64)));
    }

    #[test]
    fn tokens_round_trip() {
        let t = encode_token("dir/é+x");
        assert!(t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode_token(&t).ok().as_deref(), Some("dir/é+x"));
    }
}
