//! Addressing: from `Host` and the raw path to (bucket, key) (oss-api.md §2,
//! algorithm of §2.2).
//!
//! The path is split at its first literal `/` before percent-decoding, so keys
//! sent with `%2F` (`oss2`, Go) and with a literal `/` (v2, `ali-oss`) read the
//! same. `+` in a path is a literal plus.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

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
        // A bare OSS endpoint (`oss-cn-hangzhou.aliyuncs.com`) is path style.
        if suffix == "aliyuncs.com" && !prefix.contains('.') {
            return resolve_path_style(raw_path);
        }
        return host_bucket(label.to_owned(), raw_path);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(bucket: &str, key: &str) -> Target {
        Target::Object {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    fn bkt(bucket: &str) -> Target {
        Target::Bucket(bucket.into())
    }

    #[test]
    fn path_style_table() {
        let cfg = AddressingConfig::default();
        let cases: &[(Option<&str>, &str, Target)] = &[
            // oss2: every reserved byte encoded, `/` as %2F.
            (
                Some("127.0.0.1:8080"),
                "/b/dir%2Fa%20b.txt",
                obj("b", "dir/a b.txt"),
            ),
            // v2: `/` literal.
            (
                Some("127.0.0.1:8080"),
                "/b/dir/a%20b.txt",
                obj("b", "dir/a b.txt"),
            ),
            (Some("127.0.0.1:8080"), "/b/a+b.txt", obj("b", "a+b.txt")),
            (Some("127.0.0.1:8080"), "/b/a%2Bb.txt", obj("b", "a+b.txt")),
            (
                Some("127.0.0.1:8080"),
                "/b/%E7%8C%AB.jpg",
                obj("b", "猫.jpg"),
            ),
            (Some("127.0.0.1:8080"), "/b", bkt("b")),
            (Some("127.0.0.1:8080"), "/b/", bkt("b")),
            (Some("127.0.0.1:8080"), "/", Target::Service),
            (Some("127.0.0.1:8080"), "", Target::Service),
            (Some("127.0.0.1:8080"), "/b//x", obj("b", "/x")),
            (Some("127.0.0.1:8080"), "/b/x?acl", obj("b", "x")),
            (Some("127.0.0.1"), "/b/x", obj("b", "x")),
            (Some("[::1]:8080"), "/b/x", obj("b", "x")),
            (Some("[::1]"), "/b/x", obj("b", "x")),
            (Some("::1"), "/b/x", obj("b", "x")),
            (Some("localhost:8080"), "/b/x", obj("b", "x")),
            (Some("LOCALHOST"), "/b/", bkt("b")),
            (None, "/b/x", obj("b", "x")),
            (Some(""), "/b/x", obj("b", "x")),
            // Bare OSS endpoint mapped to the server.
            (Some("oss-cn-hangzhou.aliyuncs.com"), "/b/x", obj("b", "x")),
            // Unknown host, no CNAME, no default bucket.
            (Some("files.example.com"), "/b/x", obj("b", "x")),
            (Some("aliyuncs.com"), "/b/x", obj("b", "x")),
        ];
        for (host, path, want) in cases {
            let got = resolve(*host, path, &cfg).unwrap();
            assert_eq!(&got.target, want, "host {host:?} path {path:?}");
            assert!(!got.virtual_host, "host {host:?} path {path:?}");
        }
    }

    #[test]
    fn virtual_host_table() {
        let cfg = AddressingConfig::default();
        let cases: &[(&str, &str, Target)] = &[
            (
                "bucket.localhost:8080",
                "/dir/a.txt",
                obj("bucket", "dir/a.txt"),
            ),
            (
                "bucket.localhost",
                "/dir%2Fa.txt",
                obj("bucket", "dir/a.txt"),
            ),
            ("bucket.localhost:8080", "/", bkt("bucket")),
            ("bucket.localhost:8080", "", bkt("bucket")),
            ("Bucket.LocalHost", "/k", obj("bucket", "k")),
            // ali-oss with an IP endpoint rewrites the host.
            (
                "bkt.oss-cn-hangzhou.aliyuncs.com",
                "/img/a.jpg",
                obj("bkt", "img/a.jpg"),
            ),
            ("bkt.oss-cn-hangzhou.aliyuncs.com", "/?acl", bkt("bkt")),
            (
                "bkt.oss-cn-hangzhou-internal.aliyuncs.com",
                "/k",
                obj("bkt", "k"),
            ),
            (
                "oss-test.oss-cn-hangzhou.aliyuncs.com",
                "/k",
                obj("oss-test", "k"),
            ),
            (
                "bkt.oss-cn-hangzhou.aliyuncs.com:80",
                "//x",
                obj("bkt", "/x"),
            ),
            // ali-oss service call: empty first label.
            (".oss-cn-hangzhou.aliyuncs.com", "/", Target::Service),
            ("a.b.localhost", "/k", obj("a", "k")),
        ];
        for (host, path, want) in cases {
            let got = resolve(Some(host), path, &cfg).unwrap();
            assert_eq!(&got.target, want, "host {host:?} path {path:?}");
            assert!(got.virtual_host, "host {host:?} path {path:?}");
        }
    }

    #[test]
    fn cname_and_default_bucket() {
        let mut cfg = AddressingConfig::default();
        cfg.cname_map
            .insert("img.example.com".into(), "pictures".into());
        cfg.virtual_host_suffixes.push("oss.example.org".into());
        cfg.path_style_hosts.push("s3.example.net".into());

        let r = resolve(Some("IMG.example.com:443"), "/a/b.jpg", &cfg).unwrap();
        assert_eq!(r.target, obj("pictures", "a/b.jpg"));
        assert!(r.virtual_host);
        let r = resolve(Some("bkt.oss.example.org"), "/k", &cfg).unwrap();
        assert_eq!(r.target, obj("bkt", "k"));
        let r = resolve(Some("s3.example.net"), "/bkt/k", &cfg).unwrap();
        assert_eq!(r.target, obj("bkt", "k"));
        assert!(!r.virtual_host);
        // Unknown host without a default bucket: path style.
        let r = resolve(Some("other.example.com"), "/bkt/k", &cfg).unwrap();
        assert_eq!(r.target, obj("bkt", "k"));

        cfg.default_bucket = Some("dflt".into());
        let r = resolve(Some("other.example.com"), "/bkt/k", &cfg).unwrap();
        assert_eq!(r.target, obj("dflt", "bkt/k"));
        assert!(r.virtual_host);
        // Path-style hosts and IPs still win over the default bucket.
        let r = resolve(Some("127.0.0.1:8080"), "/bkt/k", &cfg).unwrap();
        assert_eq!(r.target, obj("bkt", "k"));
        let r = resolve(Some("localhost"), "/bkt/", &cfg).unwrap();
        assert_eq!(r.target, bkt("bkt"));
    }

    #[test]
    fn resolve_path_style_ignores_host() {
        let r = resolve_path_style("/bkt/key%2Fx").unwrap();
        assert_eq!(r.target, obj("bkt", "key/x"));
        assert!(!r.virtual_host);
    }

    #[test]
    fn decoding() {
        assert_eq!(decode_path("a+b%20c%2Bd").unwrap(), "a+b c+d");
        assert_eq!(decode_path("%zz%").unwrap(), "%zz%");
        assert_eq!(decode_path("%ff"), Err(AddressError::InvalidUtf8));
        let cfg = AddressingConfig::default();
        assert_eq!(
            resolve(Some("127.0.0.1"), "/b/%C3%28", &cfg),
            Err(AddressError::InvalidUtf8)
        );
        assert_eq!(
            resolve(Some("b.localhost"), "/%ff", &cfg),
            Err(AddressError::InvalidUtf8)
        );
    }

    #[test]
    fn odd_hosts_do_not_panic() {
        let cfg = AddressingConfig::default();
        for host in [
            "[",
            "]",
            "[::1",
            ":",
            "::",
            ".",
            "..",
            "a..localhost",
            ".localhost",
            "é.localhost",
            "x:y:z",
            "[zz]:1",
            "localhost.",
            "ÿ:80",
        ] {
            assert!(resolve(Some(host), "/b/k", &cfg).is_ok(), "{host}");
        }
    }
}
