//! Canonicalisation helpers shared by the signature schemes (oss-api.md §4.3
//! steps 3–4 for V1, §4.5 steps 3–6 for V4), plus HMAC, constant-time
//! comparison and the date formats of §3.2.

use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::macros::format_description;
use time::PrimitiveDateTime;

use super::{AuthError, RequestView};

/// Query parameter names that are V1 sub-resources (oss-api.md §4.3).
pub(crate) const V1_SUB_RESOURCES: &[&str] = &[
    "acl",
    "append",
    "asyncFetch",
    "bucketArchiveDirectRead",
    "bucketInfo",
    "callback",
    "callback-var",
    "cloudboxes",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "group",
    "httpsConfig",
    "img",
    "inventory",
    "inventoryId",
    "lifecycle",
    "link",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectInfo",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "qos",
    "qosInfo",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "resourceGroup",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "udf",
    "udfApplication",
    "udfApplicationLog",
    "udfId",
    "udfImage",
    "udfImageDesc",
    "udfName",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "withHashContext",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-ac-forward-allow",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-async-process",
    "x-oss-enable-md5",
    "x-oss-enable-sha1",
    "x-oss-enable-sha256",
    "x-oss-hash-ctx",
    "x-oss-md5-ctx",
    "x-oss-process",
    "x-oss-request-payer",
    "x-oss-traffic-limit",
    "accessPoint",
    "accessPointPolicy",
    "publicAccessBlock",
    "qosRequester",
    "redundancyTransition",
    "requesterQosInfo",
    "resourcePool",
    "resourcePoolBuckets",
    "resourcePoolInfo",
    "x-oss-access-point-name",
    "x-oss-redundancy-transition-taskid",
    "x-oss-target-redundancy-type",
    "x-oss-write-get-object-response",
];

/// Sub-resources that the v2 SDK leaves out in V1 mode (the §4.3 fallback).
pub(crate) const V1_V2_OMITTED: &[&str] = &[
    "x-oss-process",
    "x-oss-traffic-limit",
    "x-oss-request-payer",
    "x-oss-async-process",
];

/// Bytes left alone by URI-encoding: `A–Z a–z 0–9 - _ . ~`.
const URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Same as [`URI_ENCODE`] but keeps `/` (canonical URI).
const URI_ENCODE_PATH: &AsciiSet = &URI_ENCODE.remove(b'/');

/// URI-encodes every byte except `A–Z a–z 0–9 - _ . ~` (upper-case hex).
pub(crate) fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, URI_ENCODE).to_string()
}

/// The first value of a header (names are stored lower-cased).
pub(crate) fn header<'a>(req: &RequestView<'a>, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Collects headers selected by `keep` as sorted `name:value\n` lines; values
/// are trimmed and repeated headers are joined with `,`.
fn header_block(req: &RequestView<'_>, keep: impl Fn(&str) -> bool) -> String {
    let mut picked: Vec<(String, String)> = Vec::new();
    for (name, value) in req.headers {
        let name = name.to_ascii_lowercase();
        if !keep(&name) {
            continue;
        }
        let value = value.trim();
        match picked.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(value);
            }
            None => picked.push((name, value.to_owned())),
        }
    }
    picked.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (name, value) in picked {
        out.push_str(&name);
        out.push(':');
        out.push_str(&value);
        out.push('\n');
    }
    out
}

/// V1 CanonicalizedOSSHeaders: every `x-oss-*` header (§4.3 step 3).
pub(crate) fn v1_oss_headers(req: &RequestView<'_>) -> String {
    header_block(req, |n| n.starts_with("x-oss-"))
}

/// `/`, `/bucket/` or `/bucket/key` (key decoded, not escaped).
pub(crate) fn v1_resource_base(req: &RequestView<'_>) -> String {
    match (req.bucket, req.key) {
        (Some(b), Some(k)) => format!("/{b}/{k}"),
        (Some(b), None) => format!("/{b}/"),
        _ => "/".to_owned(),
    }
}

/// V1 CanonicalizedResource (§4.3 step 4). With `v2_compat`, the names the v2
/// SDK does not sign are left out.
pub(crate) fn v1_resource(req: &RequestView<'_>, v2_compat: bool) -> String {
    let mut subs: Vec<(&str, &str)> = req
        .query
        .params()
        .iter()
        .filter(|p| V1_SUB_RESOURCES.contains(&p.name.as_str()))
        .filter(|p| !(v2_compat && V1_V2_OMITTED.contains(&p.name.as_str())))
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    subs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = v1_resource_base(req);
    for (i, (name, value)) in subs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(name);
        if !value.is_empty() {
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// V4 canonical URI (§4.5 step 3).
pub(crate) fn v4_canonical_uri(req: &RequestView<'_>) -> String {
    let raw = v1_resource_base(req);
    utf8_percent_encode(&raw, URI_ENCODE_PATH).to_string()
}

/// V4 canonical query (§4.5 step 4). `skip` names a parameter to leave out
/// (`x-oss-signature` for presigned URLs); with `keep_eq`, empty values that
/// arrived as `name=` are written `name=` (the `ali-oss` fallback).
pub(crate) fn v4_canonical_query(
    req: &RequestView<'_>,
    skip: Option<&str>,
    keep_eq: bool,
) -> String {
    let mut items: Vec<(String, String, bool)> = req
        .query
        .params()
        .iter()
        .filter(|p| Some(p.name.as_str()) != skip)
        .map(|p| {
            (
                uri_encode(&p.name),
                uri_encode(&p.value),
                keep_eq && p.has_eq && p.value.is_empty(),
            )
        })
        .collect();
    items.sort();
    items
        .into_iter()
        .map(|(n, v, eq)| {
            if v.is_empty() && !eq {
                n
            } else {
                format!("{n}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether some parameter (other than `skip`) arrived as `name=` with an empty
/// value, so that the `ali-oss` fallback could differ from the first try.
pub(crate) fn has_empty_eq(req: &RequestView<'_>, skip: Option<&str>) -> bool {
    req.query
        .params()
        .iter()
        .any(|p| Some(p.name.as_str()) != skip && p.has_eq && p.value.is_empty())
}

/// V4 canonical headers (§4.5 step 5), ending with `\n` after each line.
pub(crate) fn v4_canonical_headers(req: &RequestView<'_>, additional: &[String]) -> String {
    header_block(req, |n| {
        n.starts_with("x-oss-")
            || n == "content-type"
            || n == "content-md5"
            || additional.iter().any(|a| a == n)
    })
}

/// Parses a `;`-separated AdditionalHeaders list: lower-cased, sorted,
/// deduplicated. An empty list or element is `None`.
pub(crate) fn parse_additional_headers(raw: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for item in raw.split(';') {
        let item = item.trim();
        if item.is_empty() {
            return None;
        }
        names.push(item.to_ascii_lowercase());
    }
    names.sort();
    names.dedup();
    Some(names)
}

/// HMAC-SHA1 (V1). `None` only if the MAC cannot be keyed, which HMAC never
/// refuses.
pub(crate) fn hmac_sha1(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).ok()?;
    mac.update(data);
    Some(mac.finalize().into_bytes().to_vec())
}

/// HMAC-SHA256 (V4). `None` only if the MAC cannot be keyed.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    mac.update(data);
    Some(mac.finalize().into_bytes().to_vec())
}

/// Lower-hex SHA-256.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Constant-time equality; `false` for different lengths or empty input.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    !a.is_empty() && bool::from(a.ct_eq(b))
}

/// Parses an RFC 1123 date (`Fri, 11 Apr 2025 06:41:24 GMT`).
pub(crate) fn parse_rfc1123(s: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(s.trim()).ok()
}

/// Parses a V4 date `YYYYMMDDTHHMMSSZ`.
pub(crate) fn parse_iso_basic(s: &str) -> Option<SystemTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(s, format)
        .ok()
        .map(|t| SystemTime::from(t.assume_utc()))
}

/// Fails with `RequestTimeTooSkewed` when `t` is more than `max_skew` away
/// from `now`.
pub(crate) fn check_skew(
    t: SystemTime,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), AuthError> {
    let diff = match now.duration_since(t) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if diff > max_skew {
        return Err(AuthError::RequestTimeTooSkewed {
            request_time: t,
            server_time: now,
        });
    }
    Ok(())
}

/// The `InvalidArgument` for a malformed `Authorization` header.
pub(crate) fn invalid_authorization(value: &str) -> AuthError {
    AuthError::InvalidArgument {
        message: "Authorization header is invalid.".to_owned(),
        name: "Authorization".to_owned(),
        value: value.to_owned(),
    }
}

/// The `InvalidArgument` for a malformed query parameter.
pub(crate) fn invalid_param(name: &str, value: &str, message: &str) -> AuthError {
    AuthError::InvalidArgument {
        message: message.to_owned(),
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encoding() {
        assert_eq!(uri_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(uri_encode("a b/c+d,猫"), "a%20b%2Fc%2Bd%2C%E7%8C%AB");
        assert_eq!(uri_encode("!'()*"), "%21%27%28%29%2A");
    }

    #[test]
    fn dates() {
        let t = parse_iso_basic("20250411T064124Z");
        assert_eq!(
            t,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_744_353_684))
        );
        assert_eq!(parse_rfc1123("Fri, 11 Apr 2025 06:41:24 GMT"), t);
        for bad in [
            "",
            "20250411",
            "20250411T064124",
            "20251311T064124Z",
            "2025-04-11T06:41:24Z",
            "20250411T064124Z0",
        ] {
            assert_eq!(parse_iso_basic(bad), None, "{bad}");
        }
        assert_eq!(parse_rfc1123("yesterday"), None);
    }

    #[test]
    fn additional_headers_list() {
        assert_eq!(
            parse_additional_headers("range;Host;host"),
            Some(vec!["host".to_owned(), "range".to_owned()])
        );
        assert_eq!(parse_additional_headers(""), None);
        assert_eq!(parse_additional_headers("host;"), None);
        assert_eq!(parse_additional_headers(";host"), None);
    }

    #[test]
    fn constant_time_equality() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(!ct_eq(b"", b""));
    }
}
