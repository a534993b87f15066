//! Runs the official OSS SDKs (Python `oss2`, `alibabacloud-oss-v2`, Node
//! `ali-oss`) against a real `ossimg serve` process.
//!
//! The server is started on a free loopback port with a temporary data
//! directory, one fixed access key (environment) and one STS-style key with a
//! security token (config file). Readiness is polled on `GET /-/ready`. The
//! suites under `tests/sdk/python` and `tests/sdk/node` then run with the
//! endpoint and keys in `OSSIMG_TEST_*` variables; their output is shown when
//! they fail.
//!
//! The SDKs are installed by `scripts/test.sh` (a project-local `.venv` and
//! `tests/sdk/node/node_modules`); when they are missing this test fails and
//! says so instead of skipping.

mod common;

use std::fs::{self, File};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{Launch, Output, Server};

const AK: &str = "LTAI5tOssimgSdkTest";
const SK: &str = "OssimgSdkTestSecret0123456789abcdef";
const STS_AK: &str = "STS.ossimgSdkTest";
const STS_SK: &str = "OssimgSdkTestStsSecret0123456789";
const STS_TOKEN: &str = "ossimg-sdk-test-security-token";

/// Upper bound for one SDK suite; it normally takes well under a minute.
const SUITE_TIMEOUT: Duration = Duration::from_secs(420);

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A server on a free port with a temporary data directory under `dir`, the
/// fixed key pair (environment) and the STS-style key (config file); its
/// output goes to `dir/server.log`.
fn start_server(dir: &Path, env: &[(&str, &str)]) -> (Server, SocketAddr) {
    let data = dir.join("data");
    fs::create_dir_all(&data).expect("create data dir");
    let config = dir.join("ossimg.toml");
    fs::write(
        &config,
        format!(
            "[[credentials]]\naccess_key_id = \"{STS_AK}\"\naccess_key_secret = \"{STS_SK}\"\nsecurity_token = \"{STS_TOKEN}\"\n"
        ),
    )
    .expect("write config");
    let mut vars = vec![
        ("OSSIMG_ACCESS_KEY_ID", AK),
        ("OSSIMG_ACCESS_KEY_SECRET", SK),
    ];
    vars.extend_from_slice(env);
    let server = Server::launch(Launch {
        args: &["--config".as_ref(), config.as_os_str()],
        env: &vars,
        output: Output::File(dir.join("server.log")),
        ..Launch::new(&data)
    });
    let addr = server.addr.parse().expect("server address");
    (server, addr)
}

struct SuiteRun {
    name: &'static str,
    status: Option<ExitStatus>,
    output: String,
    elapsed: Duration,
}

/// Runs one suite with the server's address in its environment, killing it
/// after `SUITE_TIMEOUT`.
fn run_suite(name: &'static str, mut cmd: Command, addr: SocketAddr, dir: &Path) -> SuiteRun {
    let log_path = dir.join(format!("{name}.log"));
    let out = File::create(&log_path).expect("create suite log");
    let err = out.try_clone().expect("clone log handle");
    cmd.current_dir(repo_root())
        .env("OSSIMG_TEST_ENDPOINT", format!("http://{addr}"))
        .env("OSSIMG_TEST_AK", AK)
        .env("OSSIMG_TEST_SK", SK)
        .env("OSSIMG_TEST_STS_AK", STS_AK)
        .env("OSSIMG_TEST_STS_SK", STS_SK)
        .env("OSSIMG_TEST_STS_TOKEN", STS_TOKEN)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the {name} suite: {e}"));
    let status = loop {
        match child.try_wait().expect("poll suite process") {
            Some(status) => break Some(status),
            None if started.elapsed() > SUITE_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => thread::sleep(Duration::from_millis(100)),
        }
    };
    SuiteRun {
        name,
        status,
        output: fs::read_to_string(&log_path).unwrap_or_default(),
        elapsed: started.elapsed(),
    }
}

fn check_prerequisites(root: &Path) -> (PathBuf, PathBuf) {
    let python = root.join(".venv/bin/python");
    let node_modules = root.join("tests/sdk/node/node_modules/ali-oss");
    let mut missing = Vec::new();
    if !python.exists() {
        missing.push(format!("{} (Python SDKs)", python.display()));
    }
    if !node_modules.exists() {
        missing.push(format!("{} (Node SDK)", node_modules.display()));
    }
    assert!(
        missing.is_empty(),
        "the SDK test dependencies are not installed: missing {}.\n\
         Run `bash scripts/test.sh` (or `bash scripts/install-test-deps.sh`) first.",
        missing.join(", ")
    );
    (python, root.join("tests/sdk/node"))
}

fn node_test_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read tests/sdk/node")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".test.mjs"))
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no *.test.mjs files in {}",
        dir.display()
    );
    files
}

/// The Python SDK suites under pytest, with temp files under `tmp`.
fn pytest(python: &Path, tmp: &Path) -> Command {
    let mut py = Command::new(python);
    py.args([
        "-m",
        "pytest",
        "tests/sdk/python",
        "-q",
        "--tb=short",
        "-p",
        "no:cacheprovider",
        "--basetemp",
    ])
    .arg(tmp.join("pytest"));
    py
}

#[test]
fn official_sdks_against_a_real_server() {
    let root = repo_root();
    let (python, node_dir) = check_prerequisites(&root);
    let tmp = tempfile::tempdir().expect("temp dir");
    let (server, addr) = start_server(tmp.path(), &[]);

    let py = pytest(&python, tmp.path());

    let mut node = Command::new("node");
    node.arg("--test").args(node_test_files(&node_dir));

    // The two runtimes share the server; run them side by side.
    let runs: Vec<SuiteRun> = thread::scope(|s| {
        let dir = tmp.path();
        let a = s.spawn(move || run_suite("python", py, addr, dir));
        let b = s.spawn(move || run_suite("node", node, addr, dir));
        vec![
            a.join().expect("python suite thread"),
            b.join().expect("node suite thread"),
        ]
    });

    let mut failed = Vec::new();
    for run in &runs {
        let verdict = match run.status {
            Some(s) if s.success() => "passed".to_string(),
            Some(s) => format!("FAILED ({s})"),
            None => format!("TIMED OUT after {SUITE_TIMEOUT:?}"),
        };
        eprintln!(
            "SDK suite {}: {verdict} in {:.1}s",
            run.name,
            run.elapsed.as_secs_f64()
        );
        if !run.status.is_some_and(|s| s.success()) {
            failed.push(run);
        }
    }
    if !failed.is_empty() {
        let mut report = String::new();
        for run in &failed {
            report.push_str(&format!(
                "\n===== {} suite output =====\n{}\n",
                run.name, run.output
            ));
        }
        report.push_str(&format!(
            "\n===== server output (last lines) =====\n{}\n",
            server.log_tail()
        ));
        panic!(
            "SDK suites failed: {}{report}",
            failed.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
        );
    }
    drop(server);
}

/// The Python SDK suites (oss2 and alibabacloud-oss-v2) against a server
/// whose storage is the S3 backend, over the S3 server that
/// `scripts/test.sh` starts (`OSSIMG_TEST_S3_ENDPOINT`).
#[test]
fn python_sdks_against_the_s3_backend() {
    let endpoint = match std::env::var("OSSIMG_TEST_S3_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => {
            assert!(
                std::env::var_os("OSSIMG_TEST_S3_REQUIRED").is_none(),
                "OSSIMG_TEST_S3_REQUIRED is set but OSSIMG_TEST_S3_ENDPOINT is not"
            );
            eprintln!("skipped: OSSIMG_TEST_S3_ENDPOINT is not set");
            return;
        }
    };
    let root = repo_root();
    let (python, _) = check_prerequisites(&root);
    let tmp = tempfile::tempdir().expect("temp dir");
    let bucket = "ossimg-conformance";
    // Idempotent; the S3 server may answer 409 when the bucket exists.
    let _ = ureq::put(&format!("{endpoint}/{bucket}")).call();
    let prefix = format!("sdk{}", std::process::id());
    let (server, addr) = start_server(
        tmp.path(),
        &[
            ("OSSIMG_STORAGE", "s3"),
            ("OSSIMG_S3_ENDPOINT", endpoint.as_str()),
            ("OSSIMG_S3_BUCKET", bucket),
            ("OSSIMG_S3_ACCESS_KEY_ID", "test"),
            ("OSSIMG_S3_SECRET_ACCESS_KEY", "test"),
            ("OSSIMG_S3_PREFIX", prefix.as_str()),
        ],
    );
    let py = pytest(&python, tmp.path());
    let run = run_suite("python (S3 backend)", py, addr, tmp.path());
    eprintln!(
        "SDK suite {}: {:?} in {:.1}s",
        run.name,
        run.status,
        run.elapsed.as_secs_f64()
    );
    assert!(
        run.status.is_some_and(|s| s.success()),
        "the Python SDK suites failed against the S3 backend:\n{}\n===== server output =====\n{}",
        run.output,
        server.log_tail()
    );
}
