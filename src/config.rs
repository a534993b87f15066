//! Server configuration: defaults, then the TOML file, then `OSSIMG_*`
//! environment variables, then flags (the binary applies the flags).
//!
//! Every key of [`Config`] can be set in the file under its own name or in the
//! environment as `OSSIMG_<KEY>` (upper case); see [`KEYS`] and the sample
//! `ossimg.toml` at the repository root.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::img::Limits;
use crate::storage::MAX_PART_NUMBER;

/// One access key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialConfig {
    /// AccessKeyId.
    pub access_key_id: String,
    /// AccessKeySecret.
    pub access_key_secret: String,
    /// STS token that requests with this key must carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_token: Option<String>,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where objects are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// Blobs and the index in the data directory.
    #[default]
    Local,
    /// Everything in one bucket of an S3-compatible store (`s3_*` keys).
    S3,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`OSSIMG_LISTEN`).
    pub listen: String,
    /// Data directory (`OSSIMG_DATA`).
    pub data: PathBuf,
    /// Region reported in locations and endpoints.
    pub region: String,
    /// Owner ID shown in `<Owner>` elements.
    pub owner_id: String,
    /// Bucket for hosts that match nothing else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_bucket: Option<String>,
    /// Largest allowed clock difference, seconds.
    pub max_clock_skew_secs: u64,
    /// PutBucket on an existing bucket answers 200 instead of 409.
    pub idempotent_create_bucket: bool,
    /// Answer CORS preflights and expose OSS headers to browsers.
    pub cors: bool,
    /// Image-processing workers (0 = number of cores); pinned one per core
    /// when they are as many as the cores this process may use.
    pub workers: usize,
    /// Image-processing requests that may wait for a worker before 503.
    pub queue: usize,
    /// Largest processed source, bytes.
    pub max_source_bytes: u64,
    /// Memory for cached processed images, bytes (0 = no result cache).
    pub cache_bytes: u64,
    /// Log filter in `tracing` `EnvFilter` syntax, e.g. `info` or
    /// `warn,ossimg::access=info`.
    pub log: String,
    /// Log line format.
    pub log_format: LogFormat,
    /// Seconds between the shutdown signal and closing the listener, during
    /// which `/-/ready` answers 503 but requests are still served.
    pub shutdown_delay_secs: u64,
    /// Seconds that in-flight requests get to finish once the listener is
    /// closed; then the process exits anyway.
    pub shutdown_timeout_secs: u64,
    /// Seconds a client may take to send a request's headers.
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may stall between two chunks.
    pub body_read_timeout_secs: u64,
    /// Largest total size of a request's headers, bytes (431 beyond).
    pub max_header_bytes: usize,
    /// Largest object written in one request, bytes: a PutObject body, an
    /// AppendObject total, a CopyObject source, a saved processed image
    /// (`EntityTooLarge` beyond). Multipart objects are bounded by their parts.
    pub max_object_size: u64,
    /// Largest part, bytes: an UploadPart body or an UploadPartCopy range
    /// (`EntityTooLarge` beyond).
    pub max_part_size: u64,
    /// Smallest size of every part but the last at
    /// CompleteMultipartUpload, bytes (`EntityTooSmall` below).
    pub min_part_size: u64,
    /// Highest part number, 1 to 10000 (`InvalidArgument` beyond).
    pub max_parts: u32,
    /// Most keys in one DeleteMultipleObjects request (`MalformedXML`
    /// beyond).
    pub max_delete_keys: usize,
    /// Host suffixes under which the first label is a bucket.
    pub virtual_host_suffixes: Vec<String>,
    /// Hosts that always mean path style.
    pub path_style_hosts: Vec<String>,
    /// Access keys. When empty, a key pair is generated in the data dir.
    pub credentials: Vec<CredentialConfig>,
    /// Host → bucket for CNAME access.
    pub cname: HashMap<String, String>,
    /// Where objects are kept: `local` or `s3`.
    pub storage: StorageKind,
    /// S3 backend: endpoint URL, e.g. `http://127.0.0.1:9000`.
    pub s3_endpoint: String,
    /// S3 backend: the bucket that holds everything (it must exist).
    pub s3_bucket: String,
    /// S3 backend: region used for signing.
    pub s3_region: String,
    /// S3 backend: access key id.
    pub s3_access_key_id: String,
    /// S3 backend: secret access key.
    pub s3_secret_access_key: String,
    /// S3 backend: key prefix inside the bucket (several datasets per bucket).
    pub s3_prefix: String,
    /// S3 backend: seconds a replaced object's bytes stay readable for
    /// reads that already started, before they are removed.
    pub s3_retire_secs: u64,
    /// Directories searched, recursively and in order, for the fonts of
    /// text watermarks (docs/watermark.md); Debian's by default.
    pub font_dirs: Vec<PathBuf>,
    /// Bucket → style delimiter (`-`, `_`, `/` or `!`): `GET /<key><delim><style>`
    /// is `GET /<key>?x-oss-process=style/<style>` (image-processing.md §1.3).
    pub style_delimiters: HashMap<String, String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data: PathBuf::from("./data"),
            region: "cn-hangzhou".into(),
            owner_id: "1234567890123456".into(),
            default_bucket: None,
            max_clock_skew_secs: 900,
            idempotent_create_bucket: false,
            cors: true,
            workers: 0,
            queue: 64,
            max_source_bytes: Limits::default().max_source_bytes,
            cache_bytes: 64 * 1024 * 1024,
            log: "info".into(),
            log_format: LogFormat::Text,
            shutdown_delay_secs: 0,
            shutdown_timeout_secs: 30,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 60,
            max_header_bytes: 64 * 1024,
            max_object_size: 5 * GIB,
            max_part_size: 5 * GIB,
            min_part_size: 100 * 1024,
            max_parts: MAX_PART_NUMBER,
            max_delete_keys: 1000,
            virtual_host_suffixes: vec!["localhost".into(), "aliyuncs.com".into()],
            path_style_hosts: vec!["localhost".into()],
            credentials: Vec::new(),
            cname: HashMap::new(),
            style_delimiters: HashMap::new(),
            font_dirs: crate::img::watermark::fonts::default_font_dirs(),
            storage: StorageKind::Local,
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            s3_prefix: String::new(),
            s3_retire_secs: 60,
        }
    }
}

const GIB: u64 = 1024 * 1024 * 1024;

/// How an environment value is turned into a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvKind {
    /// Taken as a string.
    String,
    /// Taken as a string; empty means unset.
    OptionalString,
    /// A decimal integer.
    Integer,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Bool,
    /// Comma-separated strings, or a TOML array.
    List,
    /// Paths separated like `PATH` (`:`); empty entries are skipped.
    Paths,
    /// Comma-separated `host=bucket` pairs, or a TOML inline table.
    Map,
    /// A TOML array of inline tables.
    Tables,
}

/// Every configuration key with how its `OSSIMG_<KEY>` variable is read.
pub const KEYS: &[(&str, EnvKind)] = &[
    ("listen", EnvKind::String),
    ("data", EnvKind::String),
    ("region", EnvKind::String),
    ("owner_id", EnvKind::String),
    ("default_bucket", EnvKind::OptionalString),
    ("max_clock_skew_secs", EnvKind::Integer),
    ("idempotent_create_bucket", EnvKind::Bool),
    ("cors", EnvKind::Bool),
    ("workers", EnvKind::Integer),
    ("queue", EnvKind::Integer),
    ("max_source_bytes", EnvKind::Integer),
    ("cache_bytes", EnvKind::Integer),
    ("log", EnvKind::String),
    ("log_format", EnvKind::String),
    ("shutdown_delay_secs", EnvKind::Integer),
    ("shutdown_timeout_secs", EnvKind::Integer),
    ("header_read_timeout_secs", EnvKind::Integer),
    ("body_read_timeout_secs", EnvKind::Integer),
    ("max_header_bytes", EnvKind::Integer),
    ("max_object_size", EnvKind::Integer),
    ("max_part_size", EnvKind::Integer),
    ("min_part_size", EnvKind::Integer),
    ("max_parts", EnvKind::Integer),
    ("max_delete_keys", EnvKind::Integer),
    ("virtual_host_suffixes", EnvKind::List),
    ("path_style_hosts", EnvKind::List),
    ("credentials", EnvKind::Tables),
    ("cname", EnvKind::Map),
    ("style_delimiters", EnvKind::Map),
    ("font_dirs", EnvKind::Paths),
    ("storage", EnvKind::String),
    ("s3_endpoint", EnvKind::String),
    ("s3_bucket", EnvKind::String),
    ("s3_region", EnvKind::String),
    ("s3_access_key_id", EnvKind::String),
    ("s3_secret_access_key", EnvKind::String),
    ("s3_prefix", EnvKind::String),
    ("s3_retire_secs", EnvKind::Integer),
];

/// Prefix of every configuration variable.
pub const ENV_PREFIX: &str = "OSSIMG_";

/// `OSSIMG_*` variables that are not configuration keys but are understood
/// by the binary (`OSSIMG_CONFIG` names the file; the access key pair adds an
/// owner key in front of `credentials`).
pub const ENV_EXTRA: &[&str] = &[
    "OSSIMG_CONFIG",
    "OSSIMG_ACCESS_KEY_ID",
    "OSSIMG_ACCESS_KEY_SECRET",
];

/// The environment variable of a key: `OSSIMG_` + the key in upper case.
pub fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.to_ascii_uppercase())
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema (the message names the key).
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// File.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// An environment variable holds a value its key cannot take.
    #[error("invalid value for `{key}` in {var}: {message}")]
    Env {
        /// Key.
        key: &'static str,
        /// Variable.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// A value is out of range.
    #[error("invalid config value for `{key}`: {message}")]
    Invalid {
        /// Key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// The key the error is about, when known.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Env { key, .. } | ConfigError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}

const MASK: &str = "********";

impl Config {
    /// Reads a TOML file over the defaults.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        Config::layered(Some(path), std::iter::empty::<(String, String)>())
    }

    /// Parses TOML text over the defaults.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Defaults, then the TOML file (if any), then the `OSSIMG_<KEY>`
    /// variables found in `env`. Not validated: apply flags, then call
    /// [`Config::validate`]. Variables that are not keys are ignored (see
    /// [`Config::unknown_env`]).
    pub fn layered(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                // Parse once for the schema so the message names the key and line.
                Config::from_toml(&text).map_err(|message| ConfigError::Parse {
                    path: path.to_path_buf(),
                    message,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Parse {
                        path: path.to_path_buf(),
                        message: e.to_string(),
                    })?
            }
            None => toml::Table::new(),
        };
        let env: BTreeMap<String, String> = env.into_iter().collect();
        for (key, kind) in KEYS {
            let var = env_name(key);
            let Some(raw) = env.get(&var) else { continue };
            let value = env_value(*kind, raw).map_err(|message| ConfigError::Env {
                key,
                var: var.clone(),
                message,
            })?;
            match value {
                Some(v) => {
                    // Check this key alone so the error names the variable.
                    let mut one = toml::Table::new();
                    one.insert((*key).to_string(), v.clone());
                    toml::Value::Table(one)
                        .try_into::<Config>()
                        .map_err(|e| ConfigError::Env {
                            key,
                            var: var.clone(),
                            message: e.message().trim().to_string(),
                        })?;
                    table.insert((*key).to_string(), v);
                }
                None => {
                    table.remove(*key);
                }
            }
        }
        let config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e| ConfigError::Parse {
                    path: file.map(Path::to_path_buf).unwrap_or_default(),
                    message: e.to_string(),
                })?;
        Ok(config)
    }

    /// `OSSIMG_*` variables in `env` that are neither keys nor in [`ENV_EXTRA`].
    pub fn unknown_env<'a>(env: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        env.into_iter()
            .filter(|v| v.starts_with(ENV_PREFIX))
            .filter(|v| !ENV_EXTRA.contains(v))
            .filter(|v| !KEYS.iter().any(|(k, _)| env_name(k) == *v))
            .map(str::to_string)
            .collect()
    }

    /// Checks value ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, message: &str| {
            Err(ConfigError::Invalid {
                key,
                message: message.to_string(),
            })
        };
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                key: "listen",
                message: format!("`{}` is not an address like 127.0.0.1:8080", self.listen),
            });
        }
        if self.data.as_os_str().is_empty() {
            return invalid("data", "must not be empty");
        }
        for c in &self.credentials {
            if c.access_key_id.is_empty() || c.access_key_secret.is_empty() {
                return invalid(
                    "credentials",
                    "access_key_id and access_key_secret must not be empty",
                );
            }
        }
        if self.queue == 0 {
            return invalid("queue", "must be at least 1");
        }
        if self.storage == StorageKind::S3 {
            if !(self.s3_endpoint.starts_with("http://")
                || self.s3_endpoint.starts_with("https://"))
            {
                return invalid(
                    "s3_endpoint",
                    "must be an http:// or https:// URL with storage = \"s3\"",
                );
            }
            if self.s3_bucket.is_empty() {
                return invalid("s3_bucket", "must be set with storage = \"s3\"");
            }
        }
        if self.max_source_bytes == 0 {
            return invalid("max_source_bytes", "must be at least 1");
        }
        if self.header_read_timeout_secs == 0 {
            return invalid("header_read_timeout_secs", "must be at least 1");
        }
        if self.body_read_timeout_secs == 0 {
            return invalid("body_read_timeout_secs", "must be at least 1");
        }
        if self.max_header_bytes < 1024 {
            return invalid("max_header_bytes", "must be at least 1024");
        }
        if self.max_object_size == 0 {
            return invalid("max_object_size", "must be at least 1");
        }
        if self.max_part_size == 0 {
            return invalid("max_part_size", "must be at least 1");
        }
        if self.min_part_size > self.max_part_size {
            return invalid("min_part_size", "must not exceed max_part_size");
        }
        if !(1..=MAX_PART_NUMBER).contains(&self.max_parts) {
            return invalid("max_parts", "must be between 1 and 10000");
        }
        if self.max_delete_keys == 0 {
            return invalid("max_delete_keys", "must be at least 1");
        }
        if self
            .style_delimiters
            .values()
            .any(|d| !matches!(d.as_str(), "-" | "_" | "/" | "!"))
        {
            return invalid("style_delimiters", "a delimiter is one of - _ / !");
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log) {
            return Err(ConfigError::Invalid {
                key: "log",
                message: format!("`{}` is not a log filter: {e}", self.log),
            });
        }
        Ok(())
    }

    /// The configuration as TOML with secrets replaced by `********`.
    pub fn to_toml_masked(&self) -> String {
        let mut c = self.clone();
        for cred in &mut c.credentials {
            cred.access_key_secret = MASK.into();
            if let Some(t) = &mut cred.security_token {
                *t = MASK.into();
            }
        }
        // Through `toml::Table` (sorted) so the `cname` map prints stably.
        toml::Table::try_from(&c)
            .and_then(|t| toml::to_string(&t))
            .unwrap_or_else(|e| format!("# cannot render the configuration: {e}\n"))
    }

    /// The largest object a CompleteMultipartUpload may assemble: every
    /// part at its largest (48.8 TiB with the defaults, as on OSS). The
    /// single-request bound `max_object_size` does not apply to it.
    pub fn max_multipart_object_size(&self) -> u64 {
        u64::from(self.max_parts).saturating_mul(self.max_part_size)
    }

    /// Image limits derived from this configuration.
    pub fn limits(&self) -> Limits {
        Limits {
            max_source_bytes: self.max_source_bytes,
            ..Limits::default()
        }
    }
}

/// Turns an environment value into the TOML value for a key of `kind`
/// (`None` = unset the key).
fn env_value(kind: EnvKind, raw: &str) -> Result<Option<toml::Value>, String> {
    use toml::Value;
    let trimmed = raw.trim();
    let toml_item = |what: &str| -> Result<Value, String> {
        let doc = format!("v = {trimmed}");
        doc.parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .ok_or_else(|| format!("`{raw}` is not {what}"))
    };
    Ok(Some(match kind {
        EnvKind::String => Value::String(raw.to_string()),
        EnvKind::OptionalString if trimmed.is_empty() => return Ok(None),
        EnvKind::OptionalString => Value::String(raw.to_string()),
        EnvKind::Integer => Value::Integer(
            trimmed
                .parse::<i64>()
                .map_err(|_| format!("`{raw}` is not an integer"))?,
        ),
        EnvKind::Bool => Value::Boolean(match trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(format!("`{raw}` is not true or false")),
        }),
        EnvKind::List if trimmed.starts_with('[') => toml_item("a TOML array")?,
        EnvKind::List => Value::Array(
            trimmed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        EnvKind::Paths => Value::Array(
            crate::img::watermark::fonts::parse_dir_list(raw.as_ref())
                .into_iter()
                .map(|p| Value::String(p.to_string_lossy().into_owned()))
                .collect(),
        ),
        EnvKind::Map if trimmed.starts_with('{') => toml_item("a TOML inline table")?,
        EnvKind::Map => {
            let mut t = toml::Table::new();
            for pair in trimmed.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (k, v) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("`{pair}` is not host=bucket"))?;
                t.insert(k.trim().to_string(), Value::String(v.trim().to_string()));
            }
            Value::Table(t)
        }
        EnvKind::Tables if trimmed.is_empty() => Value::Array(Vec::new()),
        EnvKind::Tables => toml_item("a TOML array of inline tables")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_defaults() {
        assert_eq!(Config::from_toml("").expect("parses"), Config::default());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_toml("lisen = \"x\"").expect_err("rejects");
        assert!(err.contains("lisen"), "{err}");
    }

    #[test]
    fn credentials_parse() {
        let c = Config::from_toml(
            "[[credentials]]\naccess_key_id = \"a\"\naccess_key_secret = \"b\"\nsecurity_token = \"t\"\n",
        )
        .expect("parses");
        assert_eq!(c.credentials[0].security_token.as_deref(), Some("t"));
    }
}
