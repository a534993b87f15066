//! The HTTP server: routing, handlers, error mapping and the worker pool.
//!
//! [`app`] builds the router over an [`AppState`] (testable without a socket
//! through `tower::ServiceExt::oneshot`); [`run`] binds and serves.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Response};
use axum::middleware::Next;
use axum::Router;
use bytes::Bytes;
use tokio::net::TcpListener;
use tracing::Instrument;

use crate::config::Config;
use crate::oss::addressing::AddressingConfig;
use crate::oss::error::{OssError, OssErrorCode};
use crate::storage::Store;

pub mod cache;
mod context;
pub mod credentials;
mod error;
mod handlers;
pub mod metrics;
mod response;
mod workers;

pub use credentials::Credentials;
pub use workers::Workers;

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
            cache: cache::ResultCache::new(config.cache_bytes),
            store,
            credentials: Arc::new(credentials),
            addressing: Arc::new(addressing),
            config: Arc::new(config),
            ready: Arc::new(AtomicBool::new(true)),
        }
    }
}

/// The request ID chosen at the edge; the dispatcher answers with it in
/// `x-oss-request-id` and the request's log span carries it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The operation a response answered (`PutObject`, ...), for the access log.
#[derive(Debug, Clone, Copy)]
pub struct Operation(pub &'static str);

/// Header lines hyper parses before answering 431 by itself.
const MAX_HEADER_COUNT: usize = 256;

/// The router: every request goes through one OSS dispatcher, behind the
/// edge layer (request ID, log span, access log, header size limit, body
/// stall timeout, body byte counters).
pub fn app(state: AppState) -> Router {
    Router::new()
        .fallback(handlers::dispatch)
        .with_state(state.clone())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn_with_state(state, edge))
}

/// Total size of the request line and headers, as counted against
/// `max_header_bytes` (name + value + 4 per line).
fn header_bytes(req: &Request) -> usize {
    let line = req.method().as_str().len()
        + req.uri().path_and_query().map_or(1, |p| p.as_str().len())
        + 12;
    line + req
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum::<usize>()
}

/// The outermost layer: see [`app`].
async fn edge(State(state): State<AppState>, mut req: Request, next: Next) -> Response<Body> {
    let started = Instant::now();
    let id = context::new_request_id();
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let bytes_in = content_length(req.headers());
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    async move {
        let size = header_bytes(&req);
        let resp = if size > state.config.max_header_bytes {
            headers_too_large(&state, &id, &req, size, started)
        } else {
            if path == "/-/metrics" {
                metrics::refresh(&state).await;
            }
            let idle = Duration::from_secs(state.config.body_read_timeout_secs);
            next.run(req.map(|b| Body::new(EdgeBody::new(b, true, Some(idle)))))
                .await
        };
        let status = resp.status().as_u16();
        let op = resp.extensions().get::<Operation>().map_or("-", |o| o.0);
        let bytes_out = content_length(resp.headers())
            .or_else(|| http_body::Body::size_hint(resp.body()).exact());
        tracing::info!(
            target: "ossimg::access",
            request_id = %id,
            %method,
            %path,
            op,
            status,
            bytes_in,
            bytes_out,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "{method} {path} {status}",
        );
        resp.map(|b| Body::new(EdgeBody::new(b, false, None)))
    }
    .instrument(span)
    .await
}

fn content_length(h: &HeaderMap) -> Option<u64> {
    h.get("content-length")?.to_str().ok()?.parse().ok()
}

/// `400 RequestHeaderTooLarge` in the OSS envelope.
fn headers_too_large(
    state: &AppState,
    id: &str,
    req: &Request,
    size: usize,
    started: Instant,
) -> Response<Body> {
    let host = req
        .headers()
        .get("host")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let err = OssError::with_message(
        OssErrorCode::RequestHeaderTooLarge,
        format!(
            "The request headers are {size} bytes; at most {} are allowed.",
            state.config.max_header_bytes
        ),
    );
    let mut resp = error::render(
        err,
        &error::ErrorScope {
            request_id: id,
            host: &host,
            head: req.method() == axum::http::Method::HEAD,
            bucket: None,
            key: None,
        },
    );
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(id) {
        h.insert("x-oss-request-id", v);
    }
    h.insert("server", HeaderValue::from_static("AliyunOSS"));
    h.insert("connection", HeaderValue::from_static("close"));
    resp.extensions_mut().insert(Operation("Rejected"));
    metrics::record_request("Rejected", resp.status().as_u16(), started.elapsed());
    resp
}

/// A request body stalled longer than `body_read_timeout_secs`.
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled for more than {0:?}")]
pub struct BodyStalled(Duration);

/// Counts body bytes and, for request bodies, fails a read that stalls
/// longer than the idle timeout.
struct EdgeBody {
    inner: Body,
    inbound: bool,
    idle: Option<(Duration, Pin<Box<tokio::time::Sleep>>)>,
    armed: bool,
}

impl EdgeBody {
    fn new(inner: Body, inbound: bool, idle: Option<Duration>) -> EdgeBody {
        EdgeBody {
            inner,
            inbound,
            idle: idle.map(|d| (d, Box::pin(tokio::time::sleep(d)))),
            armed: false,
        }
    }
}

impl http_body::Body for EdgeBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.armed = false;
                if let Some(Ok(f)) = &frame {
                    if let Some(d) = f.data_ref() {
                        metrics::record_http_body(this.inbound, d.len() as u64);
                    }
                }
                Poll::Ready(frame)
            }
            Poll::Pending => {
                if let Some((limit, sleep)) = &mut this.idle {
                    if !this.armed {
                        sleep.as_mut().reset(tokio::time::Instant::now() + *limit);
                        this.armed = true;
                    }
                    if sleep.as_mut().poll(cx).is_ready() {
                        tracing::warn!("request body stalled for {limit:?}; giving up");
                        return Poll::Ready(Some(Err(axum::Error::new(BodyStalled(*limit)))));
                    }
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Binds `config.listen`, prints the address, and serves until SIGINT or
/// SIGTERM. Then: `/-/ready` answers 503 at once; requests are still served
/// for `shutdown_delay_secs`; the listener closes; in-flight requests get
/// `shutdown_timeout_secs` to finish; the function returns. A second signal
/// skips the waiting.
pub async fn run(state: AppState) -> std::io::Result<()> {
    let addr: SocketAddr = state
        .config
        .listen
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("ossimg listening on http://{local}");
    tracing::info!(%local, "listening");
    let config = state.config.clone();
    let ready = state.ready.clone();
    let router = app(state);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(config.header_read_timeout_secs))
        .max_buf_size((config.max_header_bytes + 16 * 1024).max(8192))
        .max_headers(MAX_HEADER_COUNT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();

    accept_until(&listener, &http, &router, &graceful, shutdown_signal()).await;
    ready.store(false, Ordering::SeqCst);
    let delay = Duration::from_secs(config.shutdown_delay_secs);
    tracing::info!("shutdown started: /-/ready answers 503; closing the listener in {delay:?}");
    let hurry = tokio::select! {
        _ = accept_until(&listener, &http, &router, &graceful, tokio::time::sleep(delay)) => false,
        _ = shutdown_signal() => true,
    };
    drop(listener);
    if hurry {
        tracing::warn!("second signal: exiting without waiting for in-flight requests");
        return Ok(());
    }
    let deadline = Duration::from_secs(config.shutdown_timeout_secs);
    tracing::info!("listener closed; waiting up to {deadline:?} for in-flight requests");
    tokio::select! {
        r = tokio::time::timeout(deadline, graceful.shutdown()) => match r {
            Ok(()) => tracing::info!("all requests finished; exiting"),
            Err(_) => tracing::warn!("shutdown deadline of {deadline:?} passed; cutting remaining connections"),
        },
        _ = shutdown_signal() => {
            tracing::warn!("second signal: exiting without waiting for in-flight requests");
        }
    }
    Ok(())
}

/// Accepts and serves connections until `stop` completes.
async fn accept_until(
    listener: &TcpListener,
    http: &hyper::server::conn::http1::Builder,
    router: &Router,
    graceful: &hyper_util::server::graceful::GracefulShutdown,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off a little.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
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
