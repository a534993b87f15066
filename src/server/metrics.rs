//! Prometheus metrics through the `metrics` facade.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide recorder, installed on first use.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

/// Counts a request and records its latency.
pub fn record_request(op: &'static str, status: u16, elapsed: Duration) {
    // Make sure the recorder exists before the first sample.
    let _ = handle();
    metrics::counter!("ossimg_requests_total", "operation" => op, "status" => status.to_string())
        .increment(1);
    metrics::histogram!("ossimg_request_duration_seconds", "operation" => op)
        .record(elapsed.as_secs_f64());
}

/// Records bytes received or sent.
pub fn record_bytes(direction: &'static str, n: u64) {
    metrics::counter!("ossimg_bytes_total", "direction" => direction).increment(n);
}
