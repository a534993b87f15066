//! Access keys: from the configuration, or generated once and kept in the
//! data directory.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::Rng;

use crate::config::CredentialConfig;
use crate::oss::auth::{Credential, CredentialStore};
use crate::storage::{create_dir_durable, fsync_dir};

/// The set of known access keys.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    by_id: HashMap<String, Credential>,
}

impl Credentials {
    /// Builds the set from configured keys.
    pub fn new(list: &[CredentialConfig]) -> Credentials {
        let by_id = list
            .iter()
            .map(|c| {
                (
                    c.access_key_id.clone(),
                    Credential {
                        access_key_id: c.access_key_id.clone(),
                        access_key_secret: c.access_key_secret.clone(),
                        security_token: c.security_token.clone(),
                    },
                )
            })
            .collect();
        Credentials { by_id }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

impl CredentialStore for Credentials {
    fn lookup(&self, access_key_id: &str) -> Option<Credential> {
        self.by_id.get(access_key_id).cloned()
    }
}

/// File name of the generated key pair inside the data directory.
pub const GENERATED_FILE: &str = "credentials.toml";

/// Why the generated key pair cannot be loaded or stored.
#[derive(Debug, thiserror::Error)]
pub enum GeneratedKeyError {
    /// The file exists but cannot be read.
    #[error("cannot read the generated credentials file {path}: {source} (it is left as is)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file does not hold a usable key pair.
    #[error(
        "the generated credentials file {path} is corrupt: {message}; it is left as is: \
         repair it, or remove it to generate a new key pair (clients using the old key \
         will then be refused)"
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A new key pair cannot be stored.
    #[error("cannot store generated credentials in {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// Loads the generated key pair from `data_dir`, creating it on first use.
/// The flag says whether it was created now.
///
/// A file that exists but cannot be read or parsed is an error and is
/// never replaced: a silently new key would lock every client out. A new
/// file is written durably (a 0600 temp file, fsynced, linked into place,
/// the directory fsynced) and, where the filesystem has hard links, never
/// over an existing one; the key returned is the one the file holds.
pub fn load_or_generate(data_dir: &Path) -> Result<(CredentialConfig, bool), GeneratedKeyError> {
    let path = data_dir.join(GENERATED_FILE);
    if let Some(c) = load(&path)? {
        return Ok((c, false));
    }
    let cred = generate();
    let text = toml::to_string(&cred).map_err(|e| GeneratedKeyError::Write {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    match store_new(data_dir, &path, text.as_bytes()) {
        // Read back: after the rename fallback another process's file may
        // have been replaced, or may have replaced ours; the file decides.
        Ok(true) => match load(&path)? {
            Some(stored) => {
                let created = stored.access_key_id == cred.access_key_id;
                Ok((stored, created))
            }
            None => Err(GeneratedKeyError::Read {
                path,
                source: std::io::ErrorKind::NotFound.into(),
            }),
        },
        // Another process created the file meanwhile: use its key.
        Ok(false) => match load(&path)? {
            Some(c) => Ok((c, false)),
            None => Err(GeneratedKeyError::Read {
                path,
                source: std::io::ErrorKind::NotFound.into(),
            }),
        },
        Err(source) => Err(GeneratedKeyError::Write { path, source }),
    }
}

/// The key pair in `path`, or `None` when the file does not exist.
fn load(path: &Path) -> Result<Option<CredentialConfig>, GeneratedKeyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(GeneratedKeyError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let invalid = |message: String| GeneratedKeyError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let c: CredentialConfig = toml::from_str(&text).map_err(|e| {
        let what = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
        match e.span() {
            Some(span) => {
                let line = text
                    .get(..span.start)
                    .map_or(0, |t| t.matches('\n').count())
                    + 1;
                invalid(format!("line {line}: {what}"))
            }
            None => invalid(what),
        }
    })?;
    if c.access_key_id.trim().is_empty() || c.access_key_secret.trim().is_empty() {
        return Err(invalid(
            "access_key_id and access_key_secret must not be empty".into(),
        ));
    }
    Ok(Some(c))
}

/// A fresh random key pair: `LTAI` + 24 upper-case letters and digits, and a
/// 30-character alphanumeric secret.
fn generate() -> CredentialConfig {
    let mut rng = rand::rng();
    let id: String = (0..24)
        .map(|_| char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rng.random_range(0..36)]))
        .collect();
    let secret: String = (0..30)
        .map(|_| {
            let set = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            char::from(set[rng.random_range(0..set.len())])
        })
        .collect();
    CredentialConfig {
        access_key_id: format!("LTAI{id}"),
        access_key_secret: secret,
        security_token: None,
    }
}

/// Writes `bytes` to `path` (inside `dir`) unless it exists: a temp file in
/// `dir` created with mode 0600, written and fsynced, then hard-linked to
/// `path` (which fails instead of replacing an existing file), the temp
/// name removed and `dir` fsynced. Filesystems without hard links fall back
/// to a rename, which can replace a file another process created in the
/// meantime (the caller reads the file back). Returns false, writing
/// nothing, when `path` already exists.
fn store_new(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    create_dir_durable(dir)?;
    let tmp = dir.join(format!(
        ".{GENERATED_FILE}.{:016x}.tmp",
        rand::random::<u64>()
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let placed = written.and_then(|()| match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(_) if !path.exists() => std::fs::rename(&tmp, path).map(|()| true),
        Err(e) => Err(e),
    });
    // Gone already after a rename; a failure here leaves only a stray
    // private temp file.
    let _ = std::fs::remove_file(&tmp);
    let placed = placed?;
    fsync_dir(dir)?;
    Ok(placed)
}
