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
