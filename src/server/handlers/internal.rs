//! `/-/healthy`, `/-/ready`, `/-/metrics`.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{Response, StatusCode};

use crate::server::AppState;

/// Answers an internal endpoint (`path` is what follows `/-/`).
pub fn handle(state: &AppState, path: &str) -> Response<Body> {
    let (status, ctype, body) = match path {
        "healthy" => (StatusCode::OK, "text/plain", "OK\n".to_string()),
        "ready" if state.ready.load(Ordering::SeqCst) => {
            (StatusCode::OK, "text/plain", "ready\n".to_string())
        }
        "ready" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            "shutting down\n".to_string(),
        ),
        "metrics" => (
            StatusCode::OK,
            "text/plain; version=0.0.4",
            crate::server::metrics::handle()
                .map(|h| h.render())
                .unwrap_or_default(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found\n".to_string(),
        ),
    };
    let mut r = Response::new(Body::from(body.clone()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", axum::http::HeaderValue::from_static(ctype));
    if let Ok(v) = axum::http::HeaderValue::from_str(&body.len().to_string()) {
        r.headers_mut().insert("content-length", v);
    }
    r
}
