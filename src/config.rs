//! Server configuration: defaults, then the TOML file, then `OSSIMG_*`
//! environment variables and flags (the binary applies the last two).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::img::Limits;

/// One access key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialConfig {
    /// AccessKeyId.
    pub access_key_id: String,
    /// AccessKeySecret.
    pub access_key_secret: String,
    /// STS token that requests with this key must carry.
    #[serde(default)]
    pub security_token: Option<String>,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
    /// Access keys. When empty, a key pair is generated in the data dir.
    pub credentials: Vec<CredentialConfig>,
    /// Host suffixes under which the first label is a bucket.
    pub virtual_host_suffixes: Vec<String>,
    /// Hosts that always mean path style.
    pub path_style_hosts: Vec<String>,
    /// Host → bucket for CNAME access.
    pub cname: HashMap<String, String>,
    /// Bucket for hosts that match nothing else.
    pub default_bucket: Option<String>,
    /// Largest allowed clock difference, seconds.
    pub max_clock_skew_secs: u64,
    /// PutBucket on an existing bucket answers 200 instead of 409.
    pub idempotent_create_bucket: bool,
    /// Answer CORS preflights and expose OSS headers to browsers.
    pub cors: bool,
    /// Image-processing workers (0 = number of cores).
    pub workers: usize,
    /// Image-processing requests that may wait for a worker before 503.
    pub queue: usize,
    /// Largest processed source, bytes.
    pub max_source_bytes: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data: PathBuf::from("./data"),
            region: "cn-hangzhou".into(),
            owner_id: "1234567890123456".into(),
            credentials: Vec::new(),
            virtual_host_suffixes: vec!["localhost".into(), "aliyuncs.com".into()],
            path_style_hosts: vec!["localhost".into()],
            cname: HashMap::new(),
            default_bucket: None,
            max_clock_skew_secs: 900,
            idempotent_create_bucket: false,
            cors: true,
            workers: 0,
            queue: 64,
            max_source_bytes: Limits::default().max_source_bytes,
        }
    }
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
    /// A value is out of range.
    #[error("invalid config value for `{key}`: {message}")]
    Invalid {
        /// Key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Reads a TOML file over the defaults.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses TOML text over the defaults.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Checks value ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                key: "listen",
                message: format!("`{}` is not an address like 127.0.0.1:8080", self.listen),
            });
        }
        for c in &self.credentials {
            if c.access_key_id.is_empty() || c.access_key_secret.is_empty() {
                return Err(ConfigError::Invalid {
                    key: "credentials",
                    message: "access_key_id and access_key_secret must not be empty".into(),
                });
            }
        }
        if self.queue == 0 {
            return Err(ConfigError::Invalid {
                key: "queue",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }

    /// Image limits derived from this configuration.
    pub fn limits(&self) -> Limits {
        Limits {
            max_source_bytes: self.max_source_bytes,
            ..Limits::default()
        }
    }
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
