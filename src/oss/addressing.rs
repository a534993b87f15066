//! Addressing: from `Host` and the raw path to (bucket, key) (oss-api.md §2.2).

use std::collections::HashMap;

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
pub fn resolve(
    host: Option<&str>,
    raw_path: &str,
    cfg: &AddressingConfig,
) -> Result<Resolved, AddressError> {
    todo!("oss::addressing::resolve {host:?} {raw_path} {cfg:?}")
}

/// Resolves a raw path as path style, ignoring the host.
pub fn resolve_path_style(raw_path: &str) -> Result<Resolved, AddressError> {
    todo!("oss::addressing::resolve_path_style {raw_path}")
}

/// Percent-decodes a path component (`+` stays a plus).
pub fn decode_path(raw: &str) -> Result<String, AddressError> {
    todo!("oss::addressing::decode_path {raw}")
}
