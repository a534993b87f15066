//! Prometheus metrics through the `metrics` facade, rendered at `/-/metrics`.
//!
//! Series (all prefixed `ossimg_`):
//! - `requests_total{operation,status}`, `request_duration_seconds{operation}`
//! - `http_request_body_bytes_total`, `http_response_body_bytes_total`: body
//!   bytes on the wire; `bytes_total{direction}`: object data stored/served
//! - `image_processing_seconds{action}`: image work (`action="request"` is the
//!   whole pipeline of one request)
//! - `worker_jobs`, `worker_queue_depth`, `worker_threads`, `worker_capacity`
//! - `objects_stored`, `bytes_stored`, `buckets` (refreshed at scrape time)
//! - `cache_hits_total`, `cache_misses_total`
//! - `ready` (1 while accepting traffic, 0 once shutdown started)

use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppState;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets, seconds (requests and image work alike).
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The process-wide recorder, installed on first use; `None` when another
/// recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets(BUCKETS)
                .ok()?
                .install_recorder()
                .ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

/// Descriptions, and zero values so every series shows from the first scrape.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!("ossimg_requests_total", "Requests by operation and status.");
    describe_histogram!(
        "ossimg_request_duration_seconds",
        Unit::Seconds,
        "Time to the response head, by operation."
    );
    describe_counter!(
        "ossimg_bytes_total",
        Unit::Bytes,
        "Object data stored (in) and served (out)."
    );
    describe_counter!(
        "ossimg_http_request_body_bytes_total",
        Unit::Bytes,
        "Request body bytes read from clients."
    );
    describe_counter!(
        "ossimg_http_response_body_bytes_total",
        Unit::Bytes,
        "Response body bytes produced for clients."
    );
    describe_histogram!(
        "ossimg_image_processing_seconds",
        Unit::Seconds,
        "Image-processing time by action; action=\"request\" is a whole pipeline run."
    );
    describe_gauge!(
        "ossimg_worker_jobs",
        "Image jobs admitted to the worker pool (running plus waiting)."
    );
    describe_gauge!(
        "ossimg_worker_queue_depth",
        "Image jobs waiting for a worker thread."
    );
    describe_gauge!("ossimg_worker_threads", "Image worker threads.");
    describe_gauge!(
        "ossimg_worker_capacity",
        "Jobs the pool admits (threads plus queue) before answering 503."
    );
    describe_gauge!("ossimg_objects_stored", "Objects in all buckets.");
    describe_gauge!(
        "ossimg_bytes_stored",
        Unit::Bytes,
        "Bytes of all objects in all buckets."
    );
    describe_gauge!("ossimg_buckets", "Buckets.");
    describe_counter!("ossimg_cache_hits_total", "Processed-image cache hits.");
    describe_counter!("ossimg_cache_misses_total", "Processed-image cache misses.");
    describe_gauge!(
        "ossimg_ready",
        "1 while accepting traffic, 0 once shutdown started."
    );
    metrics::counter!("ossimg_cache_hits_total").absolute(0);
    metrics::counter!("ossimg_cache_misses_total").absolute(0);
    metrics::counter!("ossimg_http_request_body_bytes_total").absolute(0);
    metrics::counter!("ossimg_http_response_body_bytes_total").absolute(0);
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

/// Records object bytes stored (`"in"`) or served (`"out"`).
pub fn record_bytes(direction: &'static str, n: u64) {
    let _ = handle();
    metrics::counter!("ossimg_bytes_total", "direction" => direction).increment(n);
}

/// Records body bytes read from (`inbound`) or produced for a client.
pub fn record_http_body(inbound: bool, n: u64) {
    if inbound {
        metrics::counter!("ossimg_http_request_body_bytes_total").increment(n);
    } else {
        metrics::counter!("ossimg_http_response_body_bytes_total").increment(n);
    }
}

/// Records the time one image action (`resize`, `format`, ...) took; the
/// server records `action = "request"` for a whole pipeline run.
pub fn record_processing(action: &'static str, seconds: f64) {
    let _ = handle();
    metrics::histogram!("ossimg_image_processing_seconds", "action" => action).record(seconds);
}

/// Counts a processed-image cache lookup.
pub fn record_cache(hit: bool) {
    let _ = handle();
    if hit {
        metrics::counter!("ossimg_cache_hits_total").increment(1);
    } else {
        metrics::counter!("ossimg_cache_misses_total").increment(1);
    }
}

/// Updates the gauges that are read at scrape time: worker pool and stored
/// objects. Blocking (reads the index); call off the async threads.
pub async fn refresh(state: &AppState) {
    let _ = handle();
    let threads = worker_threads(state.config.workers);
    let capacity = threads + state.config.queue;
    let jobs = state.workers.in_flight(capacity);
    metrics::gauge!("ossimg_worker_jobs").set(jobs as f64);
    metrics::gauge!("ossimg_worker_queue_depth").set(jobs.saturating_sub(threads) as f64);
    metrics::gauge!("ossimg_worker_threads").set(threads as f64);
    metrics::gauge!("ossimg_worker_capacity").set(capacity as f64);
    metrics::gauge!("ossimg_ready").set(if state.ready.load(Ordering::SeqCst) {
        1.0
    } else {
        0.0
    });
    match stored(state).await {
        Ok((buckets, Some((objects, bytes)))) => {
            metrics::gauge!("ossimg_buckets").set(buckets as f64);
            metrics::gauge!("ossimg_objects_stored").set(objects as f64);
            metrics::gauge!("ossimg_bytes_stored").set(bytes as f64);
        }
        Ok((buckets, None)) => {
            metrics::gauge!("ossimg_buckets").set(buckets as f64);
        }
        Err(e) => tracing::warn!("cannot read storage statistics for metrics: {e}"),
    }
}

/// Worker threads for a `workers` setting (0 = number of cores).
pub fn worker_threads(workers: usize) -> usize {
    if workers == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        workers
    }
}

/// Buckets, and objects and bytes over all buckets. The S3 backend would
/// have to read every object record for the totals, so a scrape reports
/// only its bucket count (`None`).
async fn stored(state: &AppState) -> Result<(u64, Option<(u64, u64)>), crate::storage::Error> {
    let (mut buckets, mut objects, mut bytes) = (0u64, 0u64, 0u64);
    let mut marker = String::new();
    let totals = state.store.backend_name() == "local";
    loop {
        let (page, more) = state.store.list_buckets("", &marker, 1000).await?;
        if !totals {
            buckets += page.len() as u64;
        }
        for b in page.iter().filter(|_| totals) {
            match state.store.bucket_stat(&b.name).await {
                Ok(s) => {
                    buckets += 1;
                    objects += s.object_count;
                    bytes += s.storage;
                }
                // Deleted between the listing and the stat.
                Err(crate::storage::Error::NoSuchBucket) => {}
                Err(e) => return Err(e),
            }
        }
        match page.last() {
            Some(last) if more => marker = last.name.clone(),
            _ => break,
        }
    }
    Ok((buckets, totals.then_some((objects, bytes))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_series_render() {
        record_processing("resize", 0.01);
        record_cache(true);
        record_cache(false);
        let text = handle().map(|h| h.render()).unwrap_or_default();
        for name in [
            "ossimg_image_processing_seconds_bucket{action=\"resize\"",
            "ossimg_cache_hits_total",
            "ossimg_cache_misses_total",
        ] {
            assert!(text.contains(name), "{name} missing in\n{text}");
        }
    }

    #[test]
    fn worker_threads_zero_means_cores() {
        assert!(worker_threads(0) >= 1);
        assert_eq!(worker_threads(3), 3);
    }
}
