//! Operations, against the real binary: metrics, access logs, graceful
//! shutdown with readiness, slow and oversized requests.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{sign_v1, Client, Launch, Output, Server};

/// `ossimg serve` on a free port with extra `OSSIMG_*` settings; stderr
/// (JSON log lines) is collected.
struct Ops {
    server: Server,
    log: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Ops {
    fn start(vars: &[(&str, &str)]) -> Ops {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut env = vec![("OSSIMG_LOG_FORMAT", "json"), ("OSSIMG_LOG", "info")];
        env.extend_from_slice(vars);
        let server = Server::launch(Launch {
            env: &env,
            clear_env: true,
            output: Output::Lines(log.clone()),
            ..Launch::new(dir.path())
        });
        Ops {
            server,
            log,
            _dir: dir,
        }
    }

    fn addr(&self) -> &str {
        &self.server.addr
    }

    fn client(&self) -> Client {
        Client {
            addr: self.server.addr.clone(),
        }
    }

    /// Unsigned GET on a new connection: status and body (0 = no answer).
    fn get(&self, path: &str) -> (u16, String) {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(5))
            .build();
        match agent
            .get(&format!("http://{}{path}", self.server.addr))
            .call()
        {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(s, r)) => (s, r.into_string().unwrap_or_default()),
            Err(_) => (0, String::new()),
        }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.server.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        s
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.server.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to exit; its exit code.
    fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.server.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn log_lines(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }
}

/// Reads until the peer closes or the read times out; the bytes and whether
/// the peer closed.
fn read_to_close(s: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return (out, false)
            }
            // Reset by the server counts as closed.
            Err(_) => return (out, true),
        }
    }
}

/// The head of a signed PutObject with `len` body bytes, sent raw.
fn put_head(addr: &str, path: &str, len: usize) -> String {
    let headers = [("content-type", "application/octet-stream")];
    let (date, auth) = sign_v1("PUT", path, &headers);
    format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nDate: {date}\r\nAuthorization: {auth}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n"
    )
}

fn status_of(response: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(response);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[test]
fn metrics_and_access_log() {
    let server = Ops::start(&[]);
    let c = server.client();
    assert_eq!(c.signed("PUT", "/ops-metrics/", &[], b"").0, 200);
    let body = vec![7u8; 1000];
    let (status, headers, _) = c.signed("PUT", "/ops-metrics/a.bin", &[], &body);
    assert_eq!(status, 200);
    let put_id = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-oss-request-id"))
        .map(|(_, v)| v.clone())
        .expect("request id");
    assert_eq!(c.signed("GET", "/ops-metrics/a.bin", &[], b"").0, 200);
    assert_eq!(c.signed("GET", "/ops-metrics/missing", &[], b"").0, 404);

    let (status, text) = server.get("/-/metrics");
    assert_eq!(status, 200);
    for series in [
        "ossimg_requests_total{operation=\"PutObject\",status=\"200\"} 1",
        "ossimg_requests_total{operation=\"GetObject\",status=\"404\"} 1",
        "ossimg_request_duration_seconds_bucket{operation=\"GetObject\",le=",
        "ossimg_bytes_total{direction=\"in\"} 1000",
        "ossimg_http_request_body_bytes_total ",
        "ossimg_http_response_body_bytes_total ",
        "ossimg_worker_jobs 0",
        "ossimg_worker_queue_depth 0",
        "ossimg_worker_capacity ",
        "ossimg_objects_stored 1",
        "ossimg_bytes_stored 1000",
        "ossimg_buckets 1",
        "ossimg_cache_hits_total 0",
        "ossimg_cache_misses_total 0",
        "ossimg_ready 1",
    ] {
        assert!(text.contains(series), "`{series}` missing in\n{text}");
    }
    let inbound: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("ossimg_http_request_body_bytes_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("inbound counter");
    assert!(inbound >= 1000.0, "{inbound}");

    // One access line per request, carrying the response's request id.
    let deadline = Instant::now() + Duration::from_secs(5);
    let line = loop {
        let found = server
            .log_lines()
            .into_iter()
            .find(|l| l.contains("ossimg::access") && l.contains(&put_id));
        match found {
            Some(l) => break l,
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            None => panic!("no access line for {put_id}: {:?}", server.log_lines()),
        }
    };
    let v: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
    assert_eq!(v["request_id"], put_id.as_str(), "{line}");
    assert_eq!(v["method"], "PUT", "{line}");
    assert_eq!(v["path"], "/ops-metrics/a.bin", "{line}");
    assert_eq!(v["status"], 200, "{line}");
    assert_eq!(v["op"], "PutObject", "{line}");
    assert_eq!(v["bytes_in"], 1000, "{line}");
    assert!(v["duration_ms"].is_number(), "{line}");
    // The request span carries the id too.
    assert_eq!(v["span"]["request_id"], put_id.as_str(), "{line}");
}

#[test]
fn processing_metrics_and_the_result_cache() {
    let server = Ops::start(&[]);
    let c = server.client();
    assert_eq!(c.signed("PUT", "/ops-cache/", &[], b"").0, 200);
    let jpeg = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/images/orientation-1.jpg"
    ))
    .expect("fixture");
    assert_eq!(c.signed("PUT", "/ops-cache/a.jpg", &[], &jpeg).0, 200);
    let url = "/ops-cache/a.jpg?x-oss-process=image/resize,w_50";
    let (s1, _, first) = c.signed("GET", url, &[], b"");
    let (s2, _, second) = c.signed("GET", url, &[], b"");
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first, second);
    let (_, text) = server.get("/-/metrics");
    for series in [
        "ossimg_cache_misses_total 1",
        "ossimg_cache_hits_total 1",
        "ossimg_image_processing_seconds_count{action=\"request\"} 1",
    ] {
        assert!(text.contains(series), "`{series}` missing in\n{text}");
    }
}

#[test]
fn sigterm_flips_readiness_and_drains_in_flight_requests() {
    let mut server = Ops::start(&[
        ("OSSIMG_SHUTDOWN_DELAY_SECS", "2"),
        ("OSSIMG_SHUTDOWN_TIMEOUT_SECS", "20"),
    ]);
    assert_eq!(server.client().signed("PUT", "/drain/", &[], b"").0, 200);

    // A slow upload: the head and half the body, then SIGTERM.
    let len = 64 * 1024;
    let mut s = server.connect();
    s.write_all(put_head(server.addr(), "/drain/slow.bin", len).as_bytes())
        .expect("head");
    s.write_all(&vec![1u8; len / 2]).expect("first half");
    std::thread::sleep(Duration::from_millis(200));
    server.terminate();

    // Readiness flips at once while requests are still served.
    let deadline = Instant::now() + Duration::from_millis(1500);
    loop {
        let (status, _) = server.get("/-/ready");
        if status == 503 {
            break;
        }
        assert!(Instant::now() < deadline, "/-/ready still answers {status}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.get("/-/healthy").0, 200);

    // The upload finishes after the listener closed.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(server.get("/-/ready").0, 0, "the listener is closed");
    s.write_all(&vec![1u8; len - len / 2]).expect("second half");
    let (response, _) = read_to_close(&mut s);
    assert_eq!(
        status_of(&response),
        Some(200),
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert_eq!(server.wait_exit(Duration::from_secs(10)), Some(0));
}

#[test]
fn shutdown_deadline_cuts_stuck_requests() {
    let mut server = Ops::start(&[("OSSIMG_SHUTDOWN_TIMEOUT_SECS", "1")]);
    assert_eq!(server.client().signed("PUT", "/stuck/", &[], b"").0, 200);
    let mut s = server.connect();
    s.write_all(put_head(server.addr(), "/stuck/x.bin", 1000).as_bytes())
        .expect("head");
    s.write_all(&[0u8; 10]).expect("some body");
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    server.terminate();
    assert_eq!(server.wait_exit(Duration::from_secs(10)), Some(0));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn slow_headers_are_cut_off() {
    let server = Ops::start(&[("OSSIMG_HEADER_READ_TIMEOUT_SECS", "1")]);
    let mut s = server.connect();
    let started = Instant::now();
    s.write_all(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n")
        .expect("start");
    // Trickle a header byte every 200 ms, never finishing.
    let mut closed = false;
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(200));
        if s.write_all(b"X").is_err() {
            closed = true;
            break;
        }
    }
    if !closed {
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        let (bytes, eof) = read_to_close(&mut s);
        closed = eof;
        assert!(status_of(&bytes) != Some(200));
    }
    assert!(closed, "the slow client was not disconnected");
    assert!(started.elapsed() < Duration::from_secs(6));
    // The server still serves others.
    assert_eq!(server.get("/-/healthy").0, 200);
}

#[test]
fn stalled_bodies_fail_instead_of_hanging() {
    let server = Ops::start(&[("OSSIMG_BODY_READ_TIMEOUT_SECS", "1")]);
    let r = server.client().signed("PUT", "/stall/", &[], b"");
    assert_eq!(r.0, 200, "{}", String::from_utf8_lossy(&r.2));
    let mut s = server.connect();
    let started = Instant::now();
    s.write_all(put_head(server.addr(), "/stall/x.bin", 1000).as_bytes())
        .expect("head");
    s.write_all(&[0u8; 10]).expect("some body");
    let (response, closed) = read_to_close(&mut s);
    assert!(
        closed || status_of(&response).is_some_and(|c| c >= 400),
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert!(started.elapsed() < Duration::from_secs(6));
    assert_eq!(
        server.client().signed("GET", "/stall/x.bin", &[], b"").0,
        404,
        "a stalled upload stores nothing"
    );
}

#[test]
fn oversized_headers_get_an_oss_error() {
    let server = Ops::start(&[("OSSIMG_MAX_HEADER_BYTES", "4096")]);
    let mut s = server.connect();
    let big = "a".repeat(5000);
    s.write_all(format!("GET /b/k HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n").as_bytes())
        .expect("write");
    let (response, _) = read_to_close(&mut s);
    let text = String::from_utf8_lossy(&response);
    assert_eq!(status_of(&response), Some(400), "{text}");
    assert!(
        text.contains("<Code>RequestHeaderTooLarge</Code>"),
        "{text}"
    );
    assert!(
        text.to_ascii_lowercase().contains("x-oss-request-id"),
        "{text}"
    );

    // Far beyond the limit hyper answers 431 (or closes); never a hang.
    let mut s = server.connect();
    let huge = "a".repeat(60_000);
    let started = Instant::now();
    let _ =
        s.write_all(format!("GET /b/k HTTP/1.1\r\nHost: x\r\nX-Big: {huge}\r\n\r\n").as_bytes());
    let (response, closed) = read_to_close(&mut s);
    assert!(
        status_of(&response) == Some(431) || closed,
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.get("/-/healthy").0, 200);
}
