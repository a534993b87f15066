//! The command-line front end, over the library's public API.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ossimg::img;
#[cfg(feature = "server")]
pub use server_cli::*;

#[cfg(feature = "server")]
mod server_cli {
    use std::path::PathBuf;
    use std::process::ExitCode;

    use ossimg::config::StorageKind;
    use ossimg::config::{Config, CredentialConfig, LogFormat};
    use ossimg::server::{self, credentials, AppState, Credentials};
    use ossimg::storage::s3::S3Config;
    use ossimg::storage::Store;

    /// Values from flags and the environment, applied over the config file.
    pub struct Overrides {
        pub listen: Option<String>,
        pub data: Option<PathBuf>,
        pub config: Option<PathBuf>,
        pub access_key_id: Option<String>,
        pub access_key_secret: Option<String>,
        /// `--font-dir` flags; when any is given they replace `font_dirs`.
        pub font_dirs: Vec<PathBuf>,
    }

    /// Defaults, then the file, then `OSSIMG_*` env, then flags; validated.
    fn load_config(o: &Overrides) -> Result<Config, String> {
        let mut env = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str() else { continue };
            if !name.starts_with(ossimg::config::ENV_PREFIX) {
                continue;
            }
            match value.into_string() {
                Ok(v) => env.push((name.to_string(), v)),
                Err(_) => return Err(format!("{name} is not valid UTF-8")),
            }
        }
        for name in Config::unknown_env(env.iter().map(|(n, _)| n.as_str())) {
            eprintln!("ossimg: warning: ignoring {name}, which is not a configuration key");
        }
        let mut config = Config::layered(o.config.as_deref(), env).map_err(|e| e.to_string())?;
        if let Some(l) = &o.listen {
            config.listen = l.clone();
        }
        if let Some(d) = &o.data {
            config.data = d.clone();
        }
        if !o.font_dirs.is_empty() {
            config.font_dirs = o.font_dirs.clone();
        }
        match (&o.access_key_id, &o.access_key_secret) {
            (Some(id), Some(secret)) => {
                config.credentials.retain(|c| &c.access_key_id != id);
                config.credentials.insert(
                    0,
                    CredentialConfig {
                        access_key_id: id.clone(),
                        access_key_secret: secret.clone(),
                        security_token: None,
                    },
                );
            }
            (None, None) => {}
            _ => {
                return Err(
                    "OSSIMG_ACCESS_KEY_ID and OSSIMG_ACCESS_KEY_SECRET must be given together"
                        .into(),
                )
            }
        }
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }

    /// `ossimg serve`.
    pub fn serve(o: Overrides) -> ExitCode {
        let mut config = match load_config(&o) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("ossimg: {e}");
                return ExitCode::from(2);
            }
        };
        init_tracing(&config);
        for dir in config.font_dirs.iter().filter(|d| !d.is_dir()) {
            tracing::warn!(dir = %dir.display(), "font directory does not exist");
        }
        ossimg::img::watermark::set_font_dirs(config.font_dirs.clone());
        if config.credentials.is_empty() {
            match credentials::load_or_generate(&config.data) {
                Ok((cred, created)) => {
                    let verb = if created { "Generated" } else { "Using" };
                    println!(
                        "{verb} access key (stored in {}):\n  AccessKeyId:     {}\n  AccessKeySecret: {}",
                        config.data.join(credentials::GENERATED_FILE).display(),
                        cred.access_key_id,
                        cred.access_key_secret
                    );
                    println!(
                        "Try it with oss2:\n  import oss2\n  bucket = oss2.Bucket(oss2.Auth('{}', '{}'), '{}', 'my-bucket')\n  bucket.create_bucket()",
                        cred.access_key_id,
                        cred.access_key_secret,
                        endpoint(&config.listen)
                    );
                    config.credentials.push(cred);
                }
                Err(e) => {
                    eprintln!("ossimg: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("ossimg: cannot start the runtime: {e}");
                return ExitCode::from(1);
            }
        };
        let store = match config.storage {
            StorageKind::Local => Store::open(&config.data)
                .map_err(|e| format!("cannot open data directory {}: {e}", config.data.display())),
            StorageKind::S3 => {
                let s3 = S3Config {
                    endpoint: config.s3_endpoint.clone(),
                    bucket: config.s3_bucket.clone(),
                    region: config.s3_region.clone(),
                    access_key_id: config.s3_access_key_id.clone(),
                    secret_access_key: config.s3_secret_access_key.clone(),
                    prefix: config.s3_prefix.clone(),
                    retire_after: std::time::Duration::from_secs(config.s3_retire_secs),
                };
                runtime.block_on(Store::open_s3(&s3)).map_err(|e| {
                    format!(
                        "cannot reach S3 bucket {} at {}: {e}",
                        config.s3_bucket, config.s3_endpoint
                    )
                })
            }
        };
        let store = match store {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ossimg: {e}");
                return ExitCode::from(1);
            }
        };
        let creds = Credentials::new(&config.credentials);
        let state = AppState::new(config, store, creds);
        let result = runtime.block_on(server::run(state));
        // Do not wait for image jobs whose requests were abandoned.
        runtime.shutdown_timeout(std::time::Duration::from_secs(1));
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ossimg: {e}");
                ExitCode::from(1)
            }
        }
    }

    /// The URL clients reach `listen` at: an unspecified address (`0.0.0.0`,
    /// `[::]`) becomes the loopback address of its family.
    fn endpoint(listen: &str) -> String {
        match listen.parse::<std::net::SocketAddr>() {
            Ok(mut a) if a.ip().is_unspecified() => {
                let lo = match a {
                    std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                    std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
                };
                a.set_ip(lo);
                format!("http://{a}")
            }
            _ => format!("http://{listen}"),
        }
    }

    /// The image limits and font directories `serve` would use: defaults,
    /// the file `config`, the `OSSIMG_*` variables, then the `--font-dir`
    /// flags, validated as for `serve`. The font directories are applied.
    pub fn limits(
        config: Option<PathBuf>,
        font_dirs: Vec<PathBuf>,
    ) -> Result<ossimg::img::Limits, String> {
        let o = Overrides {
            listen: None,
            data: None,
            config,
            access_key_id: None,
            access_key_secret: None,
            font_dirs,
        };
        let config = load_config(&o)?;
        ossimg::img::watermark::set_font_dirs(config.font_dirs.clone());
        Ok(config.limits())
    }

    /// `ossimg config --print`.
    pub fn config(o: Overrides, print: bool) -> ExitCode {
        match load_config(&o) {
            Ok(c) => {
                if print {
                    print!("{}", c.to_toml_masked());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ossimg: {e}");
                ExitCode::from(2)
            }
        }
    }

    fn init_tracing(config: &Config) {
        let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        let _ = match config.log_format {
            LogFormat::Text => builder.try_init(),
            LogFormat::Json => builder.json().flatten_event(true).try_init(),
        };
    }
}

/// Watermark objects read from a local directory.
struct FileResources {
    dir: PathBuf,
}

impl img::Resources for FileResources {
    fn style(&self, _name: &str) -> Result<Option<String>, img::Error> {
        Ok(None)
    }

    fn watermark_object(&self, key: &str) -> Result<Option<Vec<u8>>, img::Error> {
        if key.split('/').any(|c| c == "..") || key.starts_with('/') {
            return Ok(None);
        }
        match std::fs::read(self.dir.join(key)) {
            Ok(b) => Ok(Some(b)),
            Err(_) => Ok(None),
        }
    }
}

/// Without the server's configuration module only the default limits exist;
/// the font directories are the `--font-dir` flags, else
/// `OSSIMG_FONT_DIRS`, else the defaults (Debian's).
#[cfg(not(feature = "server"))]
fn limits(config: Option<PathBuf>, font_dirs: Vec<PathBuf>) -> Result<img::Limits, String> {
    use img::watermark::fonts;
    if config.is_some() {
        return Err("--config needs a build with the `server` feature".into());
    }
    if !font_dirs.is_empty() {
        fonts::set_font_dirs(font_dirs);
    } else if let Some(value) = std::env::var_os(fonts::FONT_DIRS_ENV) {
        fonts::set_font_dirs(fonts::parse_dir_list(&value));
    }
    Ok(img::Limits::default())
}

/// `ossimg process` and `ossimg info`, with the limits and font directories
/// of `config` (as `serve` reads it) and the `--font-dir` flags.
pub fn process(
    input: &Path,
    process: &str,
    output: &Path,
    objects: Option<&Path>,
    config: Option<PathBuf>,
    font_dirs: Vec<PathBuf>,
) -> ExitCode {
    let limits = match limits(config, font_dirs) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ossimg: {e}");
            return ExitCode::from(2);
        }
    };
    let source = if input == Path::new("-") {
        let mut buf = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut buf) {
            eprintln!("ossimg: cannot read stdin: {e}");
            return ExitCode::from(1);
        }
        buf
    } else {
        match std::fs::read(input) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("ossimg: cannot read {}: {e}", input.display());
                return ExitCode::from(1);
            }
        }
    };
    let dir = objects
        .map(Path::to_path_buf)
        .or_else(|| input.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let resources = FileResources { dir };
    if source.len() as u64 > limits.max_source_bytes {
        eprintln!(
            "ossimg: ImageTooLarge (0040-00000001): the source is larger than {} bytes",
            limits.max_source_bytes
        );
        return ExitCode::from(1);
    }
    let out = match img::process(&source, process, &resources, &limits) {
        Ok(o) => o,
        Err(e) => {
            match e.ec {
                Some(ec) => eprintln!("ossimg: {} ({ec}): {}", e.code.as_str(), e.message),
                None => eprintln!("ossimg: {}: {}", e.code.as_str(), e.message),
            }
            return ExitCode::from(1);
        }
    };
    let written = if output == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&out.bytes).and_then(|_| stdout.flush())
    } else {
        std::fs::write(output, &out.bytes)
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ossimg: cannot write {}: {e}", output.display());
            ExitCode::from(1)
        }
    }
}
