//! The HTTP server: routing, handlers, error mapping and the worker pool.
//!
//! [`app`] builds the router over an [`AppState`] (testable without a socket
//! through `tower::ServiceExt::oneshot`); [`run`] binds and serves.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::oss::addressing::AddressingConfig;
use crate::storage::Store;

pub mod cache;
mod context;
pub mod credentials;
mod error;
mod handlers;
mod metrics;
mod response;
mod workers;

pub use credentials::Credentials;
pub use workers::Workers;

/// Default size of the processed-result cache.
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The object store.
    pub store: Store,
    /// The effective configuration.
    pub config: Arc<Config>,
    /// Known access keys.
    pub credentials: Arc<Credentials>,
    /// Host/path resolution settings.
    pub addressing: Arc<AddressingConfig>,
    /// The image-processing worker pool.
    pub workers: Workers,
    /// Processed results.
    pub cache: cache::ResultCache,
    /// Readiness: true while accepting requests, false during shutdown.
    pub ready: Arc<AtomicBool>,
}

impl AppState {
    /// Builds the state from a configuration, a store and credentials.
    pub fn new(config: Config, store: Store, credentials: Credentials) -> AppState {
        let addressing = AddressingConfig {
            virtual_host_suffixes: config.virtual_host_suffixes.clone(),
            path_style_hosts: config.path_style_hosts.clone(),
            cname_map: config.cname.clone(),
            default_bucket: config.default_bucket.clone(),
        };
        let threads = if config.workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            config.workers
        };
        AppState {
            workers: Workers::new(threads, config.queue),
            cache: cache::ResultCache::new(DEFAULT_CACHE_BYTES),
            store,
            credentials: Arc::new(credentials),
            addressing: Arc::new(addressing),
            config: Arc::new(config),
            ready: Arc::new(AtomicBool::new(true)),
        }
    }
}

/// The router: every request goes through one OSS dispatcher.
pub fn app(state: AppState) -> Router {
    Router::new()
        .fallback(handlers::dispatch)
        .with_state(state)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
}

/// Binds `config.listen`, prints the address, and serves until SIGINT/SIGTERM.
pub async fn run(state: AppState) -> std::io::Result<()> {
    let addr: SocketAddr = state
        .config
        .listen
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("ossimg listening on http://{local}");
    let ready = state.ready.clone();
    let router = app(state);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            ready.store(false, Ordering::SeqCst);
            tracing::info!("shutting down: finishing in-flight requests");
        })
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
