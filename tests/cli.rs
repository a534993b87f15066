//! `ossimg process` and `ossimg info`: the server's pipeline from the shell.

use std::io::Write;
use std::process::{Command, Stdio};

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
