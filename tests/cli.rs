//! `ossimg process` and `ossimg info`: the server's pipeline from the shell
//! (with its font directories); the first start of `ossimg serve` without
//! configured credentials.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ossimg::img::{codec, Limits};

const BIN: &str = env!("CARGO_BIN_EXE_ossimg");
const JPEG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/images/orientation-1.jpg"
);

#[test]
fn process_file_to_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("thumb.webp");
    let status = Command::new(BIN)
        .args(["process", JPEG, "image/resize,w_100/format,webp", "-o"])
        .arg(&out)
        .status()
        .expect("run");
    assert!(status.success());
    let bytes = std::fs::read(&out).expect("output");
    let p = codec::probe(&bytes, &Limits::default()).expect("probe");
    assert_eq!((p.width, p.height), (100, 75));
    assert_eq!(p.format.name(), "webp");
}

#[test]
fn process_stdin_to_stdout() {
    let mut child = Command::new(BIN)
        .args(["process", "-", "image/crop,w_10,h_20"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let input = std::fs::read(JPEG).expect("fixture");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let p = codec::probe(&out.stdout, &Limits::default()).expect("probe");
    assert_eq!((p.width, p.height), (10, 20));
}

#[test]
fn errors_name_the_code_and_ec() {
    let out = Command::new(BIN)
        .args(["process", JPEG, "image/resize,w_99999999"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("InvalidArgument (0040-00000312)"), "{err}");
    assert!(
        err.contains("The value: 99999999 of parameter: w is invalid."),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn info_prints_the_json() {
    let out = Command::new(BIN)
        .args(["info", JPEG])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["ImageWidth"]["value"], "640");
    assert_eq!(v["Format"]["value"], "jpg");
}

#[test]
fn process_with_a_local_watermark_file() {
    use base64::Engine;
    let dir = tempfile::tempdir().expect("tempdir");
    // A 40x40 opaque blue PNG as the watermark object, next to the input.
    let frame = ossimg::img::frame::Frame {
        width: 40,
        height: 40,
        format: ossimg::img::frame::PixelFormat::Rgb8,
        data: [0u8, 0, 255].repeat(40 * 40),
        delay_ms: 0,
    };
    let logo = codec::encode(
        &ossimg::img::frame::Image {
            frames: vec![frame],
            loop_count: 0,
        },
        &codec::EncodeOptions {
            format: ossimg::img::frame::Format::Png,
            quality: 90,
            progressive: false,
        },
    )
    .expect("encode");
    std::fs::write(dir.path().join("logo.png"), logo).expect("write logo");
    std::fs::copy(JPEG, dir.path().join("in.jpg")).expect("copy");
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("logo.png");
    let out = Command::new(BIN)
        .arg("process")
        .arg(dir.path().join("in.jpg"))
        .arg(format!(
            "image/watermark,image_{key},g_nw,x_0,y_0/format,png"
        ))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let probe = codec::probe(&out.stdout, &Limits::default()).expect("probe");
    let image =
        codec::decode(&out.stdout, &probe, &codec::DecodeOptions::default()).expect("decode");
    let f = &image.frames[0];
    let px = |x: usize, y: usize| {
        let c = f.format.channels();
        let i = (y * f.width as usize + x) * c;
        (f.data[i], f.data[i + 1], f.data[i + 2])
    };
    assert_eq!(px(10, 10), (0, 0, 255), "the watermark is at the top left");
    assert_ne!(px(100, 100), (0, 0, 255));
    // A watermark key that does not exist is the spec's WatermarkError.
    let missing = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("nope.png");
    let out = Command::new(BIN)
        .arg("process")
        .arg(dir.path().join("in.jpg"))
        .arg(format!("image/watermark,image_{missing}"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("0040-00000025"));
}

// ---- first start: generated credentials ------------------------------------

/// `ossimg serve` on a free port with an empty environment (so no
/// `OSSIMG_ACCESS_KEY_*`), its stdout and stderr read line by line.
struct Serve {
    child: std::process::Child,
    addr: String,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

/// Sends each line of `r` into the returned channel.
fn lines_of(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Serve {
    fn start(data: &Path) -> Serve {
        let addr = common::free_addr();
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", &addr, "--data"])
            .arg(data)
            .env_clear()
            .env("OSSIMG_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ossimg serve");
        let stdout = lines_of(child.stdout.take().expect("stdout"));
        let stderr = lines_of(child.stderr.take().expect("stderr"));
        Serve {
            child,
            addr,
            stdout,
            stderr,
        }
    }

    /// The stdout lines up to and including the `listening` line. Right
    /// after that line is seen, a connection to the port must succeed.
    fn until_listening(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            match self.stdout.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => {
                    let done = line.contains("listening");
                    lines.push(line);
                    if done {
                        // No retry and no sleep: the line promises a bound socket.
                        std::net::TcpStream::connect(&self.addr).unwrap_or_else(|e| {
                            panic!("connect right after the listening line: {e}")
                        });
                        return lines;
                    }
                }
                Err(e) => panic!(
                    "no listening line ({e}); stdout so far: {lines:?}; stderr: {:?}",
                    self.stderr.try_iter().collect::<Vec<_>>()
                ),
            }
        }
    }

    /// Waits (at most 30 s) for the process to exit; its code and stderr.
    fn wait_exit(&mut self) -> (Option<i32>, String) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("poll") {
                // The reader thread ends at EOF; collect what it read.
                let mut err = Vec::new();
                while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(5)) {
                    err.push(line);
                }
                return (status.code(), err.join("\n"));
            }
            assert!(
                std::time::Instant::now() < deadline,
                "ossimg serve did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value after `label` on the line that starts with it.
fn printed(lines: &[String], label: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no `{label}` line in {lines:?}"))
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn first_start_generates_prints_and_reuses_a_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let file = data.join("credentials.toml");

    let mut server = Serve::start(&data);
    let lines = server.until_listening();
    let id = printed(&lines, "AccessKeyId:");
    let secret = printed(&lines, "AccessKeySecret:");
    assert!(id.starts_with("LTAI") && id.len() == 28, "{id}");
    assert_eq!(secret.len(), 30, "{secret}");
    assert!(
        lines[0].starts_with("Generated access key") && lines[0].contains(&*file.to_string_lossy()),
        "{lines:?}"
    );
    // The oss2 snippet names the key pair and the endpoint.
    let snippet = format!(
        "oss2.Bucket(oss2.Auth('{id}', '{secret}'), 'http://{}', ",
        server.addr
    );
    assert!(lines.iter().any(|l| l.contains(&snippet)), "{lines:?}");
    assert!(lines.iter().any(|l| l.trim() == "import oss2"), "{lines:?}");
    // The listening line is the last one, after the credentials.
    assert_eq!(
        lines.last().map(String::as_str),
        Some(format!("ossimg listening on http://{}", server.addr).as_str())
    );

    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let stored = std::fs::read_to_string(&file).expect("credentials file");
    assert!(stored.contains(&id) && stored.contains(&secret), "{stored}");
    let leftovers: Vec<_> = std::fs::read_dir(&data)
        .expect("data dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The printed key signs requests; a wrong secret is refused.
    let client = common::Client {
        addr: server.addr.clone(),
    };
    let (status, _, body) = client.signed_as(&id, &secret, "PUT", "/first/", &[], b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = client.signed_as(&id, &secret, "PUT", "/first/k", &[], b"hi");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = client.signed_as(&id, "wrong", "GET", "/first/k", &[], b"");
    assert_eq!(status, 403);
    drop(server);

    // A restart reuses the stored pair and leaves the file alone.
    let mut server = Serve::start(&data);
    let lines = server.until_listening();
    assert!(lines[0].starts_with("Using access key"), "{lines:?}");
    assert_eq!(printed(&lines, "AccessKeyId:"), id);
    assert_eq!(printed(&lines, "AccessKeySecret:"), secret);
    assert_eq!(std::fs::read_to_string(&file).expect("file"), stored);
    let client = common::Client {
        addr: server.addr.clone(),
    };
    let (status, _, body) = client.signed_as(&id, &secret, "GET", "/first/k", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(body, b"hi");
}

#[test]
fn a_bad_credentials_file_stops_the_start_and_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[u8]); 3] = [
        (
            "not TOML",
            b"access_key_id = \"LTAIabc\"\nthis is not toml\n",
        ),
        (
            "empty secret",
            b"access_key_id = \"LTAIabc\"\naccess_key_secret = \"\"\n",
        ),
        ("not UTF-8", b"\xff\xfe\x00garbage"),
    ];
    for (what, content) in cases {
        let data = dir.path().join(what.replace(' ', "-"));
        std::fs::create_dir_all(&data).expect("data dir");
        let file = data.join("credentials.toml");
        std::fs::write(&file, content).expect("write");
        let before = std::fs::metadata(&file).expect("metadata").modified().ok();
        let mut server = Serve::start(&data);
        let (code, stderr) = server.wait_exit();
        assert_eq!(code, Some(1), "{what}: {stderr}");
        assert!(
            stderr.contains(&*file.to_string_lossy()),
            "{what}: {stderr}"
        );
        assert!(stderr.contains("left as is"), "{what}: {stderr}");
        let out: Vec<String> = server.stdout.try_iter().collect();
        assert!(
            !out.iter()
                .any(|l| l.contains("AccessKey") || l.contains("listening")),
            "{what}: {out:?}"
        );
        assert_eq!(std::fs::read(&file).expect("file"), content, "{what}");
        assert_eq!(
            std::fs::metadata(&file).expect("metadata").modified().ok(),
            before,
            "{what}"
        );
        let names: Vec<PathBuf> = std::fs::read_dir(&data)
            .expect("data dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        assert_eq!(names, [file], "{what}: nothing else is written");
    }

    // A credentials "file" that cannot be read (here a directory).
    let data = dir.path().join("unreadable");
    let file = data.join("credentials.toml");
    std::fs::create_dir_all(&file).expect("dir");
    let mut server = Serve::start(&data);
    let (code, stderr) = server.wait_exit();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot read the generated credentials file")
            && stderr.contains(&*file.to_string_lossy()),
        "{stderr}"
    );
    assert!(file.is_dir());
}

// ---- font directories of `ossimg process` ---------------------------------

/// `ossimg process JPEG <process>` with `args` after it and exactly `vars`
/// in the environment: exit success, stdout, stderr.
fn process_with(
    process: &str,
    args: &[&std::ffi::OsStr],
    vars: &[(&str, &Path)],
) -> (bool, Vec<u8>, String) {
    let out = Command::new(BIN)
        .args(["process", JPEG, process])
        .args(args)
        .env_clear()
        .envs(vars.iter().map(|(k, v)| (*k, v.as_os_str())))
        .output()
        .expect("run");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn process_text_watermark_uses_the_font_dirs() {
    let fonts = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        common::system_font("wqy-microhei.ttc"),
        fonts.path().join("wqy-microhei.ttc"),
    )
    .expect("copy font");
    let empty = tempfile::tempdir().expect("tempdir");
    let missing = empty.path().join("no-such-dir");
    let mark = format!(
        "image/watermark,text_{},type_{},size_80,color_FF0000,g_nw,x_0,y_0/format,png",
        common::b64url("Hi 水印"),
        common::b64url("wqy-microhei")
    );
    let flag = |p: &Path| [std::ffi::OsStr::new("--font-dir"), p.as_os_str()].map(|s| s.to_owned());

    // The flag (repeatable; a directory that does not exist is skipped).
    let args: Vec<_> = flag(&missing)
        .into_iter()
        .chain(flag(fonts.path()))
        .collect();
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_os_str()).collect();
    let (ok, marked, err) = process_with(&mark, &args, &[]);
    assert!(ok, "{err}");
    let (ok, plain, err) = process_with("image/format,png", &[], &[]);
    assert!(ok, "{err}");
    let pixels = |png: &[u8]| {
        let p = codec::probe(png, &Limits::default()).expect("probe");
        let img = codec::decode(png, &p, &codec::DecodeOptions::default()).expect("decode");
        let f = &img.frames[0];
        let c = f.format.channels();
        (f.width as usize, c, f.data.clone())
    };
    let (w, c, a) = pixels(&marked);
    let (_, _, b) = pixels(&plain);
    // Some pixel of the top-left 200x80 block turned (nearly) pure red.
    let red = (0..80).any(|y| {
        (0..200).any(|x| {
            let i = (y * w + x) * c;
            a[i] > 200 && a[i + 1] < 60 && a[i + 2] < 60 && a[i..i + 3] != b[i..i + 3]
        })
    });
    assert!(red, "no red text at the top left");

    // An empty directory: the documented missing-font error, naming the
    // package and the directories searched.
    let args = flag(empty.path());
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_os_str()).collect();
    let (ok, out, err) = process_with(&mark, &args, &[]);
    assert!(!ok && out.is_empty());
    assert!(err.contains("NotImplemented"), "{err}");
    assert!(
        err.contains("The font wqy-microhei is not installed")
            && err.contains("fonts-wqy-microhei")
            && err.contains(&*empty.path().to_string_lossy()),
        "{err}"
    );

    // OSSIMG_FONT_DIRS when no flag is given; a flag wins over it.
    let (ok, _, err) = process_with(&mark, &[], &[("OSSIMG_FONT_DIRS", empty.path())]);
    assert!(!ok && err.contains("fonts-wqy-microhei"), "{err}");
    let joined = std::env::join_paths([missing.as_path(), fonts.path()]).expect("join");
    let (ok, out, err) = process_with(&mark, &[], &[("OSSIMG_FONT_DIRS", Path::new(&joined))]);
    assert!(ok, "{err}");
    assert_eq!(out, marked);
    let args = flag(fonts.path());
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_os_str()).collect();
    let (ok, _, err) = process_with(&mark, &args, &[("OSSIMG_FONT_DIRS", empty.path())]);
    assert!(ok, "{err}");

    // `--config`: the file's font_dirs apply; a flag wins over them.
    let cfg = empty.path().join("ossimg.toml");
    let fonts_toml = |d: &Path| format!("font_dirs = [\"{}\"]\n", d.display());
    std::fs::write(&cfg, fonts_toml(empty.path())).expect("config");
    let with_config = |extra: &[&std::ffi::OsStr]| {
        let mut args = vec![std::ffi::OsStr::new("--config"), cfg.as_os_str()];
        args.extend_from_slice(extra);
        process_with(&mark, &args, &[])
    };
    let (ok, _, err) = with_config(&[]);
    assert!(!ok && err.contains("fonts-wqy-microhei"), "{err}");
    let (ok, out, err) =
        with_config(&[std::ffi::OsStr::new("--font-dir"), fonts.path().as_os_str()]);
    assert!(ok, "{err}");
    assert_eq!(out, marked);
    std::fs::write(&cfg, fonts_toml(fonts.path())).expect("config");
    let (ok, out, err) = with_config(&[]);
    assert!(ok, "{err}");
    assert_eq!(out, marked);
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/images/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The binary with no `OSSIMG_*` variable inherited from the test's
/// environment.
fn ossimg() -> Command {
    let mut c = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OSSIMG_") {
            c.env_remove(name);
        }
    }
    c
}

/// `Code (EC)` as the CLI prints it on stderr, from `ossimg: Code (EC): ...`.
fn code_and_ec(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let rest = text
        .trim()
        .strip_prefix("ossimg: ")
        .unwrap_or_else(|| panic!("not an ossimg error: {text}"));
    rest.split_once("): ")
        .map(|(head, _)| format!("{head})"))
        .unwrap_or_else(|| panic!("no `Code (EC): ` in {text}"))
}

/// `--config` (or `OSSIMG_CONFIG`, or the `OSSIMG_*` variables) gives
/// `ossimg process` and `ossimg info` the limits `serve` uses: a source
/// above `max_source_bytes` fails with the code and EC the server answers.
#[tokio::test]
async fn process_and_info_use_the_configured_source_limit() {
    let jpeg = std::fs::read(JPEG).expect("fixture");
    let dir = tempfile::tempdir().expect("tempdir");
    let small = dir.path().join("small.toml");
    std::fs::write(&small, "max_source_bytes = 1000\n").expect("write config");
    let exact = dir.path().join("exact.toml");
    std::fs::write(&exact, format!("max_source_bytes = {}\n", jpeg.len())).expect("write");

    // What the server answers with the same limit.
    let app = common::TestApp::with(|c| c.max_source_bytes = 1000);
    assert_eq!(
        app.signed("PUT", "/limits/", &[], Vec::new()).await.status,
        200
    );
    let put = app.signed("PUT", "/limits/a.jpg", &[], jpeg.clone()).await;
    assert_eq!(put.status, 200);
    let r = app
        .signed(
            "GET",
            "/limits/a.jpg?x-oss-process=image/resize,w_10",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let server = format!(
        "{} ({})",
        r.code().expect("code"),
        r.header("x-oss-ec").expect("EC")
    );
    assert_eq!(server, "ImageTooLarge (0040-00000001)");

    // (what, arguments, the file given through OSSIMG_CONFIG instead of --config)
    let runs = [
        (
            "process --config",
            vec!["process", JPEG, "image/resize,w_10"],
            false,
        ),
        ("info --config", vec!["info", JPEG], false),
        (
            "process, OSSIMG_CONFIG",
            vec!["process", JPEG, "image/resize,w_10"],
            true,
        ),
        ("info, OSSIMG_CONFIG", vec!["info", JPEG], true),
    ];
    for (what, args, through_env) in runs {
        let mut c = ossimg();
        c.args(&args);
        if through_env {
            c.env("OSSIMG_CONFIG", &small);
        } else {
            c.arg("--config").arg(&small);
        }
        let out = c.output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert_eq!(code_and_ec(&out.stderr), server, "{what}");
        assert!(out.stdout.is_empty(), "{what}");
    }
    // The variable of the key itself, as for `serve`.
    let out = ossimg()
        .args(["process", JPEG, "image/resize,w_10"])
        .env("OSSIMG_MAX_SOURCE_BYTES", "1000")
        .output()
        .expect("run");
    assert_eq!(code_and_ec(&out.stderr), server);
    // A limit the file fits in: processed.
    let out = ossimg()
        .args(["process", JPEG, "image/resize,w_10", "--config"])
        .arg(&exact)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = codec::probe(&out.stdout, &Limits::default()).expect("probe");
    assert_eq!(p.width, 10);
    // A configuration `serve` would refuse is refused here too (exit 2).
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "max_source_bytes = 0\n").expect("write");
    let out = ossimg()
        .args(["info", JPEG, "--config"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_source_bytes"));
}

/// `ossimg info` on bad sources: exit code 1, the OSS code and EC on
/// stderr, nothing on stdout.
#[test]
fn info_errors_name_the_code_and_ec() {
    for (name, expected) in [
        ("bad-not-an-image.jpg", "BadRequest (0040-00000005)"),
        ("bad-empty.jpg", "BadRequest (0040-00000005)"),
        ("bomb-50000x50000.png", "MemLimitExceeded (0040-00000009)"),
    ] {
        let out = ossimg()
            .args(["info", &fixture(name)])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(code_and_ec(&out.stderr), expected, "{name}");
        assert!(out.stdout.is_empty(), "{name}");
    }
    let out = ossimg()
        .args(["info", &fixture("bad-not-an-image.jpg")])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("This image format is not supported."));
    // A truncated file whose header is whole is described (docs/codecs.md).
    let out = ossimg()
        .args(["info", &fixture("bad-truncated.jpg")])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["FileSize"]["value"], "612769");
    // A missing input file is an I/O error, exit code 1.
    let out = ossimg()
        .args(["info", &fixture("no-such-file.jpg")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// Bad sources through `ossimg process`: exit code 1, code and EC on
/// stderr, no output written.
#[test]
fn bad_images_through_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, expected) in [
        ("bad-truncated.jpg", "BadRequest (0040-00000005)"),
        ("bad-not-an-image.jpg", "BadRequest (0040-00000005)"),
        ("bad-empty.jpg", "BadRequest (0040-00000005)"),
        ("bomb-50000x50000.png", "MemLimitExceeded (0040-00000009)"),
    ] {
        let out_file = dir.path().join(format!("{name}.out"));
        let out = ossimg()
            .args(["process", &fixture(name), "image/resize,w_100", "-o"])
            .arg(&out_file)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(code_and_ec(&out.stderr), expected, "{name}");
        assert!(!out_file.exists(), "{name}: nothing written");
    }
}

/// Peak memory allowed to `ossimg process` on the decompression bomb.
const BOMB_RSS_LIMIT_KIB: i64 = 512 * 1024;

/// The 50 000 × 50 000 PNG bomb through the real binary: the OSS error, and
/// a peak resident set far below what decoding it would take (7.5 GB of
/// RGB). The child's own peak comes from wait4(2), which reports the
/// resource usage of exactly that process when it is reaped, so nothing
/// else running in the test process can blur it.
#[test]
// The child is reaped by wait4 below, not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn decompression_bomb_fails_fast_in_little_memory() {
    let bomb = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/images/bomb-50000x50000.png"
    );
    let mut child = Command::new(BIN)
        .args(["process", bomb, "image/resize,w_100/format,jpg"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read stderr");
    let out = out.join().expect("reader thread").expect("read stdout");
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; `pid` is our own
    // child, not yet reaped (std's `Child` is never waited on here).
    #[allow(unsafe_code)]
    let (reaped, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let reaped = libc::wait4(pid, &mut status, 0, &mut usage);
        (reaped, usage)
    };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(libc::WIFEXITED(status), "status {status:#x}");
    assert_eq!(libc::WEXITSTATUS(status), 1, "{err}");
    assert!(
        err.contains("MemLimitExceeded (0040-00000009)"),
        "stderr: {err}"
    );
    assert!(out.is_empty());
    // ru_maxrss is in KiB on Linux.
    let peak_kib = usage.ru_maxrss;
    assert!(peak_kib > 0);
    assert!(
        peak_kib < BOMB_RSS_LIMIT_KIB,
        "peak RSS {peak_kib} KiB (limit {BOMB_RSS_LIMIT_KIB} KiB)"
    );
    eprintln!("bomb: peak RSS {peak_kib} KiB");
}

/// An opaque single-colour PNG of `size`×`size`.
fn solid_png(size: u32, rgb: [u8; 3]) -> Vec<u8> {
    let frame = ossimg::img::frame::Frame {
        width: size,
        height: size,
        format: ossimg::img::frame::PixelFormat::Rgb8,
        data: rgb.repeat((size * size) as usize),
        delay_ms: 0,
    };
    codec::encode(
        &ossimg::img::frame::Image {
            frames: vec![frame],
            loop_count: 0,
        },
        &codec::EncodeOptions {
            format: ossimg::img::frame::Format::Png,
            quality: 90,
            progressive: false,
        },
    )
    .expect("encode")
}

/// Decodes `bytes` and returns its first frame.
fn first_frame(bytes: &[u8]) -> ossimg::img::frame::Frame {
    let probe = codec::probe(bytes, &Limits::default()).expect("probe");
    let mut image = codec::decode(bytes, &probe, &codec::DecodeOptions::default()).expect("decode");
    image.frames.swap_remove(0)
}

fn rgb_at(f: &ossimg::img::frame::Frame, x: u32, y: u32) -> [u8; 3] {
    let c = f.format.channels();
    let i = (y as usize * f.width as usize + x as usize) * c;
    [f.data[i], f.data[i + 1], f.data[i + 2]]
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// `--objects DIR`: watermark keys (with `/`) are read below DIR, not next to
/// the input; keys that leave DIR are not found.
#[test]
fn objects_option_names_the_watermark_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marks = dir.path().join("bucket");
    std::fs::create_dir_all(marks.join("marks")).expect("mkdir");
    std::fs::write(marks.join("marks/logo.png"), solid_png(40, [0, 0, 255])).expect("logo");
    std::fs::write(dir.path().join("secret.png"), solid_png(40, [0, 255, 0])).expect("secret");
    let process = format!(
        "image/watermark,image_{},g_nw,x_0,y_0/format,png",
        b64("marks/logo.png")
    );
    // Without --objects the key is looked up next to the input: not there.
    let out = Command::new(BIN)
        .args(["process", JPEG, &process])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WatermarkError (0040-00000025)"), "{err}");

    // With --objects, also for stdin input and a file output.
    let out_file = dir.path().join("out.png");
    let mut child = Command::new(BIN)
        .args(["process", "-", &process, "--objects"])
        .arg(&marks)
        .arg("-o")
        .arg(&out_file)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&std::fs::read(JPEG).expect("fixture"))
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = first_frame(&std::fs::read(&out_file).expect("output"));
    assert_eq!((f.width, f.height), (640, 480));
    assert_eq!(rgb_at(&f, 5, 5), [0, 0, 255]);
    assert_eq!(rgb_at(&f, 39, 39), [0, 0, 255]);
    assert_ne!(rgb_at(&f, 41, 41), [0, 0, 255]);

    // A key that climbs out of the directory is a missing object.
    for key in ["../secret.png", "marks/../../secret.png", "/secret.png"] {
        let process = format!("image/watermark,image_{}", b64(key));
        let out = Command::new(BIN)
            .args(["process", JPEG, &process, "--objects"])
            .arg(&marks)
            .output()
            .expect("run");
        assert!(!out.status.success(), "{key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("0040-00000025"), "{key}: {err}");
    }
}

/// A text watermark drawn by the CLI with the installed fonts: red text
/// pixels at the top left, the rest of the image unchanged; an unknown font
/// is the spec's InvalidArgument with EC 0040-00000251.
#[test]
fn process_with_a_text_watermark() {
    let text = b64("ossimg 水印");
    let marked = Command::new(BIN)
        .args([
            "process",
            JPEG,
            &format!("image/watermark,text_{text},color_FF0000,size_40,g_nw,x_10,y_10/format,png"),
        ])
        .output()
        .expect("run");
    assert!(
        marked.status.success(),
        "{}",
        String::from_utf8_lossy(&marked.stderr)
    );
    let plain = Command::new(BIN)
        .args(["process", JPEG, "image/format,png"])
        .output()
        .expect("run");
    assert!(plain.status.success());
    let (m, p) = (first_frame(&marked.stdout), first_frame(&plain.stdout));
    assert_eq!((m.width, m.height), (640, 480));
    let mut red = 0;
    let mut changed_far = 0;
    for y in 0..480 {
        for x in 0..640 {
            let (a, b) = (rgb_at(&m, x, y), rgb_at(&p, x, y));
            if x < 320 && y < 80 {
                if a[0] > 200 && a[1] < 80 && a[2] < 80 && b != a {
                    red += 1;
                }
            } else if a != b {
                changed_far += 1;
            }
        }
    }
    assert!(red > 200, "only {red} red text pixels");
    assert_eq!(changed_far, 0);

    let out = Command::new(BIN)
        .args([
            "process",
            JPEG,
            &format!("image/watermark,text_{text},type_{}", b64("arial")),
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("InvalidArgument (0040-00000251)"), "{err}");
    assert!(out.stdout.is_empty());
}
