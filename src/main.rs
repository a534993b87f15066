//! The `ossimg` binary: `serve`, `process`, `info` and `config`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

#[cfg(all(feature = "mimalloc", feature = "jemalloc"))]
compile_error!("choose one allocator feature: mimalloc or jemalloc");

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A self-hosted, OSS-compatible object store and image processing server.
#[derive(Parser)]
#[command(name = "ossimg", version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    #[cfg(feature = "server")]
    Serve(ServeArgs),
    /// Process a local image: `ossimg process INPUT PROCESS -o OUTPUT` (`-` = stdin/stdout).
    Process {
        /// Input file, or `-` for stdin.
        input: PathBuf,
        /// Processing string, e.g. `image/resize,w_200/format,webp`.
        process: String,
        /// Output file, or `-` for stdout (the default).
        #[arg(short, long, default_value = "-")]
        output: PathBuf,
        /// Directory that watermark object keys are read from (default: the input's directory).
        #[arg(long)]
        objects: Option<PathBuf>,
        /// Directory searched for text-watermark fonts; repeat for several, searched in
        /// order (default: OSSIMG_FONT_DIRS, colon-separated, else /usr/share/fonts and
        /// /usr/local/share/fonts).
        #[arg(long = "font-dir", value_name = "DIR")]
        font_dirs: Vec<PathBuf>,
        /// TOML configuration file whose limits apply, as in `serve`.
        #[arg(long, env = "OSSIMG_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print the `info` JSON of a local image.
    Info {
        /// Input file, or `-` for stdin.
        input: PathBuf,
        /// TOML configuration file whose limits apply, as in `serve`.
        #[arg(long, env = "OSSIMG_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Configuration helpers.
    #[cfg(feature = "server")]
    Config {
        /// Print the effective configuration as TOML.
        #[arg(long)]
        print: bool,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

/// Settings of `serve`; each flag also reads its `OSSIMG_*` variable.
#[cfg(feature = "server")]
#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "OSSIMG_LISTEN")]
    listen: Option<String>,
    /// Data directory [default: ./data].
    #[arg(long, env = "OSSIMG_DATA")]
    data: Option<PathBuf>,
    /// TOML configuration file.
    #[arg(long, env = "OSSIMG_CONFIG")]
    config: Option<PathBuf>,
    /// AccessKeyId of the owner key.
    #[arg(long, env = "OSSIMG_ACCESS_KEY_ID", hide_env_values = true)]
    access_key_id: Option<String>,
    /// AccessKeySecret of the owner key.
    #[arg(long, env = "OSSIMG_ACCESS_KEY_SECRET", hide_env_values = true)]
    access_key_secret: Option<String>,
    /// Directory searched for text-watermark fonts; repeat for several, searched in order.
    /// Replaces `font_dirs` of the config file and OSSIMG_FONT_DIRS (colon-separated).
    #[arg(long = "font-dir", value_name = "DIR")]
    font_dirs: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        #[cfg(feature = "server")]
        Command::Serve(s) => cli::serve(s.into()),
        Command::Process {
            input,
            process,
            output,
            objects,
            font_dirs,
            config,
        } => cli::process(
            &input,
            &process,
            &output,
            objects.as_deref(),
            config,
            font_dirs,
        ),
        Command::Info { input, config } => cli::process(
            &input,
            "image/info",
            &PathBuf::from("-"),
            None,
            config,
            Vec::new(),
        ),
        #[cfg(feature = "server")]
        Command::Config { print, serve } => cli::config(serve.into(), print),
    }
}

#[cfg(feature = "server")]
impl From<ServeArgs> for cli::Overrides {
    fn from(s: ServeArgs) -> Self {
        cli::Overrides {
            listen: s.listen,
            data: s.data,
            config: s.config,
            access_key_id: s.access_key_id,
            access_key_secret: s.access_key_secret,
            font_dirs: s.font_dirs,
        }
    }
}
