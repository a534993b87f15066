//! Addressing: from `Host` and the raw path to (bucket, key) (oss-api.md §2,
//! algorithm of §2.2).
//!
//! The path is split at its first literal `/` before percent-decoding, so keys
//! sent with `%2F` (`oss2`, Go) and with a literal `/` (v2, `ali-oss`) read the
//! same. `+` in a path is a literal plus.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::IpAddr;

use percent_encoding::percent_decode_str;

/// Settings that decide how a `Host` header is read.
#[derive(Debug, Clone)]
pub struct AddressingConfig {
    /// Host suffixes under which the first DNS label is a bucket
    /// (default `localhost`, `aliyuncs.com`).
    pub virtual_host_suffixes: Vec<String>,
    /// Hosts that always mean path style (IP literals always do).
    pub path_style_hosts: Vec<String>,
    /// Host → bucket for CNAME-style access.
    pub cname_map: HashMap<String, String>,
    /// Bucket for hosts that match nothing else.
    pub default_bucket: Option<String>,
}

impl Default for AddressingConfig {
    fn default() -> Self {
        AddressingConfig {
            virtual_host_suffixes: vec!["localhost".into(), "aliyuncs.com".into()],
            path_style_hosts: vec!["localhost".into()],
            cname_map: HashMap::new(),
            default_bucket: None,
        }
    }
}

/// What a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// No bucket: service-level request (ListBuckets).
    Service,
    /// A bucket-level request.
    Bucket(String),
    /// An object-level request (the key is decoded and never empty).
    Object {
        /// Bucket name.
        bucket: String,
        /// Decoded key.
        key: String,
    },
}

/// The result of resolving a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// What the request addresses.
    pub target: Target,
    /// Whether the bucket came from the `Host` header (virtual-host style).
    pub virtual_host: bool,
}

/// Why a request path cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The path's percent-encoding does not decode to UTF-8.
    #[error("the object name is not valid UTF-8")]
    InvalidUtf8,
}

/// Resolves a request from its `Host` header and raw path (before decoding).
///
/// `raw_path` is the path of the request-target; anything from a `?` on is
/// ignored. The `Host` value is never rejected.
pub fn resolve(
    host: Option<&str>,
    raw_path: &str,
    cfg: &AddressingConfig,
) -> Result<Resolved, AddressError> {
    let raw_path = strip_query(raw_path);
    let Some(h) = host.map(normalize_host).filter(|h| !h.is_empty()) else {
        return resolve_path_style(raw_path);
    };
    if is_ip_literal(&h) {
        return resolve_path_style(raw_path);
    }

    // Rule 1: virtual-host suffixes (longest match wins).
    let suffix = cfg
        .virtual_host_suffixes
        .iter()
        .map(|s| s.trim_matches('.').to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .filter(|s| {
            h.len() > s.len() && h.ends_with(s.as_str()) && h[..h.len() - s.len()].ends_with('.')
        })
        .max_by_key(|s| s.len());
    if let Some(suffix) = suffix {
        let prefix = &h[..h.len() - suffix.len() - 1];
        let label = prefix.split('.').next().unwrap_or_default();
        if label.is_empty() {
            return Ok(Resolved {
                target: Target::Service,
                virtual_host: true,
            });
        }
        if !(suffix == "aliyuncs.com" && !prefix.contains('.')) {
            return host_bucket(label.to_owned(), raw_path);
        }
        return resolve_path_style(raw_path);
    }

    // Rule 2: hosts that always mean path style.
    if cfg.path_style_hosts.iter().any(|p| normalize_host(p) == h) {
        return resolve_path_style(raw_path);
    }

    // Rule 3: CNAME map, then the default bucket, else path style.
    let cname = cfg
        .cname_map
        .iter()
        .find(|(k, _)| normalize_host(k) == h)
        .map(|(_, b)| b.clone());
    if let Some(bucket) = cname.or_else(|| cfg.default_bucket.clone()) {
        return host_bucket(bucket, raw_path);
    }
    resolve_path_style(raw_path)
}

/// Resolves a raw path as path style, ignoring the host.
///
/// The first segment (up to the first literal `/`) is the bucket and the rest
/// is the key; both are percent-decoded after the split, so `%2F` stays inside
/// the key. `/` is the service; `/b` and `/b/` are bucket `b`.
pub fn resolve_path_style(raw_path: &str) -> Result<Resolved, AddressError> {
    let raw_path = strip_query(raw_path);
    let rest = raw_path.strip_prefix('/').unwrap_or(raw_path);
    let (raw_bucket, raw_key) = rest.split_once('/').unwrap_or((rest, ""));
    let target = if raw_bucket.is_empty() {
        Target::Service
    } else {
        let bucket = decode_path(raw_bucket)?;
        let key = decode_path(raw_key)?;
        if key.is_empty() {
            Target::Bucket(bucket)
        } else {
            Target::Object { bucket, key }
        }
    };
    Ok(Resolved {
        target,
        virtual_host: false,
    })
}

/// Percent-decodes a path component (`+` stays a plus).
///
/// Invalid `%` sequences are kept literally; a result that is not UTF-8 is an
/// error.
pub fn decode_path(raw: &str) -> Result<String, AddressError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| AddressError::InvalidUtf8)
}

/// A bucket taken from the host (or CNAME map); the whole path is the key.
fn host_bucket(bucket: String, raw_path: &str) -> Result<Resolved, AddressError> {
    let raw_key = raw_path.strip_prefix('/').unwrap_or(raw_path);
    let key = decode_path(raw_key)?;
    let target = if key.is_empty() {
        Target::Bucket(bucket)
    } else {
        Target::Object { bucket, key }
    };
    Ok(Resolved {
        target,
        virtual_host: true,
    })
}

fn strip_query(raw_path: &str) -> &str {
    raw_path.split_once('?').map_or(raw_path, |(p, _)| p)
}

/// Lower-cases a `Host` value and removes the port, the IPv6 brackets and a
/// trailing dot.
fn normalize_host(host: &str) -> String {
    let h = host.trim();
    let h = if let Some(rest) = h.strip_prefix('[') {
        // `[v6]` or `[v6]:port`
        rest.split_once(']').map_or(rest, |(inside, _)| inside)
    } else if h.matches(':').count() == 1 {
        h.split_once(':').map_or(h, |(name, _)| name)
    } else {
        // No port, or a bare IPv6 literal.
        h
    };
    let h = h.strip_suffix('.').unwrap_or(h);
    h.to_ascii_lowercase()
}

fn is_ip_literal(h: &str) -> bool {
    h.parse::<IpAddr>().is_ok()
}
