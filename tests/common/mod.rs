//! Helpers shared by the HTTP tests: an in-process app and a V1 signer
//! written independently of the server's verifier.

#![allow(dead_code)]

use std::time::SystemTime;

use axum::body::Body;
use axum::http::{Request, Response};
use base64::Engine;
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use ossimg::config::{Config, CredentialConfig};
use ossimg::server::{app, AppState, Credentials};
use ossimg::storage::Store;
use sha1::Sha1;
use tower::ServiceExt;

pub const AK: &str = "LTAI5tTestAccessKeyId";
pub const SK: &str = "TestSecretKey0123456789abcdef";

/// An in-process server whose data dir is `data` inside a private temp dir
/// (so a test can see whether anything was written beside the data dir).
pub struct TestApp {
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with(|_| {})
    }

    /// An app whose configuration `tweak` adjusts.
    pub fn with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let mut config = Config {
            data: data.clone(),
            credentials: vec![CredentialConfig {
                access_key_id: AK.into(),
                access_key_secret: SK.into(),
                security_token: None,
            }],
            ..Config::default()
        };
        tweak(&mut config);
        let store = Store::open(&data).expect("store");
        let creds = Credentials::new(&config.credentials);
        TestApp {
            state: AppState::new(config, store, creds),
            dir,
        }
    }

    /// Sends a request through the router without a socket.
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let resp = app(self.state.clone())
            .oneshot(req)
            .await
            .expect("infallible");
        TestResponse::read(resp).await
    }

    /// Sends a V1-signed request (path style, host 127.0.0.1:8080).
    pub async fn signed(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> TestResponse {
        let req = signed_request(method, path_and_query, headers, body.into());
        self.send(req).await
    }

    /// Sends an unsigned request.
    pub async fn anonymous(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> TestResponse {
        let mut b = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header("host", "127.0.0.1:8080");
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        let body: Vec<u8> = body.into();
        b = b.header("content-length", body.len().to_string());
        self.send(b.body(Body::from(body)).expect("request")).await
    }
}

/// A collected response.
pub struct TestResponse {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub async fn read(resp: Response<Body>) -> TestResponse {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `<Code>` of an error body.
    pub fn code(&self) -> Option<String> {
        element(&self.text(), "Code")
    }
}

/// The text of the first `<name>` element.
pub fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(xml[start..end].to_string())
}

/// Sub-resources the test signer includes (a subset of the SDKs' list).
const SUBRESOURCES: &[&str] = &[
    "acl",
    "lifecycle",
    "append",
    "bucketInfo",
    "delete",
    "location",
    "objectMeta",
    "partNumber",
    "position",
    "stat",
    "style",
    "styleName",
    "uploadId",
    "uploads",
    "x-oss-process",
    "response-content-type",
    "response-content-disposition",
    "continuation-token",
];

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Builds a V1-signed path-style request.
pub fn signed_request(
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Request<Body> {
    let (date, authorization) = sign_v1(method, path_and_query, headers);
    let mut b = Request::builder()
        .method(method)
        .uri(path_and_query)
        .header("host", "127.0.0.1:8080")
        .header("date", date)
        .header("authorization", authorization)
        .header("content-length", body.len().to_string());
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    b.body(Body::from(body)).expect("request")
}

/// The `Date` and `Authorization` headers of a V1-signed path-style request.
pub fn sign_v1(method: &str, path_and_query: &str, headers: &[(&str, &str)]) -> (String, String) {
    sign_v1_as(AK, SK, method, path_and_query, headers)
}

/// [`sign_v1`] with another key pair.
pub fn sign_v1_as(
    ak: &str,
    sk: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> (String, String) {
    let date = httpdate::fmt_http_date(SystemTime::now());
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let path_decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    let mut sub: Vec<(String, String)> = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|item| match item.split_once('=') {
            Some((n, v)) => (decode(n), decode(v)),
            None => (decode(item), String::new()),
        })
        .filter(|(n, _)| SUBRESOURCES.contains(&n.as_str()))
        .collect();
    sub.sort();
    let mut resource = path_decoded;
    if !sub.is_empty() {
        resource.push('?');
        resource.push_str(
            &sub.iter()
                .map(|(n, v)| {
                    if v.is_empty() {
                        n.clone()
                    } else {
                        format!("{n}={v}")
                    }
                })
                .collect::<Vec<_>>()
                .join("&"),
        );
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    let mut oss: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-oss-"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    oss.sort();
    let canon: String = oss.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let sts = format!(
        "{method}\n{}\n{}\n{date}\n{canon}{resource}",
        get("content-md5"),
        get("content-type")
    );
    let mut mac = Hmac::<Sha1>::new_from_slice(sk.as_bytes()).expect("hmac key");
    mac.update(sts.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (date, format!("OSS {ak}:{sig}"))
}

pub fn md5_b64(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

/// Where a started server's output goes.
pub enum Output {
    /// Discarded.
    Null,
    /// stdout and stderr into this file (its tail is shown when the server
    /// exits before it is ready).
    File(std::path::PathBuf),
    /// stderr collected line by line into the shared vector; stdout discarded.
    Lines(std::sync::Arc<std::sync::Mutex<Vec<String>>>),
}

/// How to start `ossimg serve --listen <free port> --data <data>`.
pub struct Launch<'a> {
    pub data: &'a std::path::Path,
    /// Further arguments after `--data DIR`.
    pub args: &'a [&'a std::ffi::OsStr],
    /// Environment on top of the test keys `AK`/`SK` (later entries win).
    pub env: &'a [(&'a str, &'a str)],
    /// Start from an empty environment (only `env` and the keys).
    pub clear_env: bool,
    pub output: Output,
}

impl<'a> Launch<'a> {
    /// Defaults: no extra arguments or variables, output discarded.
    pub fn new(data: &'a std::path::Path) -> Launch<'a> {
        Launch {
            data,
            args: &[],
            env: &[],
            clear_env: false,
            output: Output::Null,
        }
    }
}

/// `127.0.0.1:<a port that was free a moment ago>`.
pub fn free_addr() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    format!("127.0.0.1:{port}")
}

/// A real `ossimg serve` process on a free port; killed when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub addr: String,
    log: Option<std::path::PathBuf>,
}

/// A V1-signing HTTP client of a running server.
#[derive(Clone)]
pub struct Client {
    pub addr: String,
}

impl Server {
    /// Starts the binary on `data` and waits until `/-/ready` answers.
    pub fn start(data: &std::path::Path) -> Server {
        Server::start_with(data, &[])
    }

    /// Starts the binary on `data` with extra environment variables and
    /// waits until `/-/ready` answers.
    pub fn start_with(data: &std::path::Path, env: &[(&str, &str)]) -> Server {
        Server::launch(Launch {
            env,
            ..Launch::new(data)
        })
    }

    /// Starts the binary as `launch` says and waits until `/-/ready`
    /// answers 200; panics (with the output, when kept in a file) if it
    /// exits first or is not ready within 30 s.
    pub fn launch(launch: Launch<'_>) -> Server {
        use std::process::{Command, Stdio};
        let addr = free_addr();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ossimg"));
        cmd.args(["serve", "--listen", &addr, "--data"])
            .arg(launch.data)
            .args(launch.args)
            .stdin(Stdio::null());
        if launch.clear_env {
            cmd.env_clear();
        }
        cmd.env("OSSIMG_ACCESS_KEY_ID", AK)
            .env("OSSIMG_ACCESS_KEY_SECRET", SK)
            .envs(launch.env.iter().copied());
        let mut log = None;
        let mut lines = None;
        match launch.output {
            Output::Null => {
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
            }
            Output::File(path) => {
                let out = std::fs::File::create(&path).expect("create server log");
                let err = out.try_clone().expect("clone log handle");
                cmd.stdout(out).stderr(err);
                log = Some(path);
            }
            Output::Lines(sink) => {
                cmd.stdout(Stdio::null()).stderr(Stdio::piped());
                lines = Some(sink);
            }
        }
        let mut child = cmd.spawn().expect("spawn ossimg serve");
        if let (Some(sink), Some(stderr)) = (lines, child.stderr.take()) {
            std::thread::spawn(move || {
                use std::io::BufRead as _;
                for line in std::io::BufReader::new(stderr)
                    .lines()
                    .map_while(Result::ok)
                {
                    sink.lock().expect("log lock").push(line);
                }
            });
        }
        let mut server = Server { child, addr, log };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let url = format!("http://{}/-/ready", self.addr);
        let agent = ureq::AgentBuilder::new()
            .timeout(std::time::Duration::from_secs(2))
            .build();
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("poll server process") {
                panic!(
                    "ossimg serve exited before it was ready ({status}); its output:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(r) = agent.get(&url).call() {
                if r.status() == 200 {
                    return;
                }
            }
            // Readiness is decided by the endpoint; this only paces the polling.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!(
            "ossimg did not become ready on {}; its output:\n{}",
            self.addr,
            self.log_tail()
        );
    }

    /// The last 60 lines of the output file (empty unless `Output::File`).
    pub fn log_tail(&self) -> String {
        let text = self
            .log
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    /// A client of this server.
    pub fn client(&self) -> Client {
        Client {
            addr: self.addr.clone(),
        }
    }

    /// Sends a V1-signed request (see [`Client::signed`]).
    pub fn signed(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        self.client().signed(method, path_and_query, headers, body)
    }

    /// The server's process id (for `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, no cleanup.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Client {
    /// `http://addr` + path.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }

    /// Sends a V1-signed request; returns status, headers we care about, body.
    pub fn signed(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        self.signed_as(AK, SK, method, path_and_query, headers, body)
    }

    /// [`Client::signed`] with another key pair.
    pub fn signed_as(
        &self,
        ak: &str,
        sk: &str,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let (date, auth) = sign_v1_as(ak, sk, method, path_and_query, headers);
        let agent = ureq::AgentBuilder::new()
            .timeout(std::time::Duration::from_secs(60))
            .build();
        let mut req = agent
            .request(method, &self.url(path_and_query))
            .set("date", &date)
            .set("authorization", &auth);
        for (n, v) in headers {
            req = req.set(n, v);
        }
        let result = req.send_bytes(body);
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return (0, Vec::new(), e.to_string().into_bytes()),
        };
        let status = resp.status();
        let hdrs = resp
            .headers_names()
            .into_iter()
            .filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_string())))
            .collect();
        let mut out = Vec::new();
        let _ = std::io::Read::read_to_end(&mut resp.into_reader(), &mut out);
        (status, hdrs, out)
    }

    /// Sends a V1-signed request whose body, `len` bytes, is read from `body`
    /// while it is sent (no copy of it is kept); the response comes back
    /// with its body unread. `Err` is a transport failure: no answer came.
    pub fn signed_streaming(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        len: u64,
        body: impl std::io::Read,
    ) -> Result<ureq::Response, String> {
        let (date, auth) = sign_v1(method, path_and_query, headers);
        // Per-operation limits, not one for the whole exchange: a large body
        // may take a while, but it never stalls for a minute.
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(std::time::Duration::from_secs(10))
            .timeout_read(std::time::Duration::from_secs(60))
            .timeout_write(std::time::Duration::from_secs(60))
            .build();
        let mut req = agent
            .request(method, &self.url(path_and_query))
            .set("date", &date)
            .set("authorization", &auth)
            // Known length: sent as is, not chunked.
            .set("content-length", &len.to_string());
        for (n, v) in headers {
            req = req.set(n, v);
        }
        match req.send(body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => Ok(r),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Upper-case hex MD5.
pub fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    hex::encode_upper(Md5::digest(data))
}

/// The installed font file `name`, searched under the default font
/// directories (panics when it is not installed).
pub fn system_font(name: &str) -> std::path::PathBuf {
    fn find(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
        for e in std::fs::read_dir(dir).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                if let Some(f) = find(&p, name) {
                    return Some(f);
                }
            } else if p.file_name().is_some_and(|n| n == name) {
                return Some(p);
            }
        }
        None
    }
    ossimg::img::watermark::fonts::default_font_dirs()
        .iter()
        .find_map(|d| find(d, name))
        .unwrap_or_else(|| panic!("font {name} is not installed"))
}

/// URL-safe Base64 without padding, as watermark arguments use.
pub fn b64url(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}
