//! Access keys: from the configuration, or generated once and kept in the
//! data directory.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use rand::Rng;

use crate::config::CredentialConfig;
use crate::oss::auth::{Credential, CredentialStore};

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

/// Loads the generated key pair from `data_dir`, creating it (mode 0600) on
/// first use. The flag says whether it was created now.
pub fn load_or_generate(data_dir: &Path) -> std::io::Result<(CredentialConfig, bool)> {
    let path = data_dir.join(GENERATED_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(c) = toml::from_str::<CredentialConfig>(&text) {
            return Ok((c, false));
        }
    }
    std::fs::create_dir_all(data_dir)?;
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
    let cred = CredentialConfig {
        access_key_id: format!("LTAI{id}"),
        access_key_secret: secret,
        security_token: None,
    };
    let text = toml::to_string(&cred).map_err(std::io::Error::other)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok((cred, true))
}
