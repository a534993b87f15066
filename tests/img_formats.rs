//! Format-specific rules of image-processing.md, seen through
//! `img::process`: one section per rule.

use std::path::Path;

use ossimg::img::codec::{self, EncodeOptions};
use ossimg::img::frame::{Format, Frame, Image, PixelFormat};
use ossimg::img::{self, Error, Limits, NoResources, Output};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(source: &[u8], process: &str) -> Result<Output, Error> {
    img::process(source, process, &NoResources, &Limits::default())
}

fn ok(source: &[u8], process: &str) -> Output {
    run(source, process).unwrap_or_else(|e| panic!("{process}: {e}"))
}

fn info(source: &[u8]) -> serde_json::Map<String, serde_json::Value> {
    let out = ok(source, "image/info");
    let v: serde_json::Value = serde_json::from_slice(&out.bytes).expect("json");
    v.as_object().expect("object").clone()
}

fn member<'a>(m: &'a serde_json::Map<String, serde_json::Value>, k: &str) -> &'a str {
    m.get(k)
        .and_then(|v| v["value"].as_str())
        .unwrap_or_else(|| panic!("no member {k} in {m:?}"))
}

fn solid(width: u32, height: u32, rgb: [u8; 3]) -> Image {
    Image {
        frames: vec![Frame {
            width,
            height,
            format: PixelFormat::Rgb8,
            data: rgb.repeat((width * height) as usize),
            delay_ms: 0,
        }],
        loop_count: 0,
    }
}

fn encode(image: &Image, format: Format, quality: u8) -> Vec<u8> {
    codec::encode(
        image,
        &EncodeOptions {
            format,
            quality,
            progressive: false,
        },
    )
    .expect("encode")
}

/// Inserts a marker segment right after SOI.
fn insert_segment(jpeg: &[u8], marker: u8, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 2).expect("segment fits");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Chunk types of a PNG.
fn png_chunks(png: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pos = 8;
    while pos + 8 <= png.len() {
        let len = u32::from_be_bytes([png[pos], png[pos + 1], png[pos + 2], png[pos + 3]]) as usize;
        out.push(String::from_utf8_lossy(&png[pos + 4..pos + 8]).into_owned());
        pos += 12 + len;
    }
    out
}

// --- info (§5.16) -------------------------------------------------------------

/// A little-endian TIFF structure with one IFD of `(tag, type, count, value)`
/// entries; values longer than four bytes go after the IFD.
fn tiff(entries: &[(u16, u16, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&u16::try_from(entries.len()).unwrap().to_le_bytes());
    let mut extra_at = 8 + 2 + 12 * entries.len() as u32 + 4;
    let mut extra = Vec::new();
    for (tag, kind, count, value) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        if value.len() <= 4 {
            let mut v = value.clone();
            v.resize(4, 0);
            out.extend_from_slice(&v);
        } else {
            out.extend_from_slice(&extra_at.to_le_bytes());
            extra.extend_from_slice(value);
            extra_at += value.len() as u32;
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&extra);
    out
}

#[test]
fn info_reports_the_stored_size_whatever_exif_image_width_says() {
    let jpeg = encode(&solid(64, 48, [10, 200, 30]), Format::Jpeg, 90);
    let exif = tiff(&[
        (0x0100, 3, 1, 9999u16.to_le_bytes().to_vec()), // ImageWidth
        (0x0101, 3, 1, 7777u16.to_le_bytes().to_vec()), // ImageLength
        (0x010F, 2, 7, b"ossimg\0".to_vec()),           // Make
        (0x0112, 3, 1, 1u16.to_le_bytes().to_vec()),    // Orientation
    ]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&exif);
    let source = insert_segment(&jpeg, 0xE1, &app1);
    let m = info(&source);
    assert_eq!(member(&m, "ImageWidth"), "64");
    assert_eq!(member(&m, "ImageHeight"), "48");
    assert_eq!(member(&m, "FileSize"), source.len().to_string());
    assert_eq!(member(&m, "Format"), "jpg");
    assert_eq!(member(&m, "FrameCount"), "1");
    // The EXIF block itself was read; its ImageLength, which has no base
    // member of that name, is listed like any other tag.
    assert_eq!(member(&m, "Make"), "ossimg");
    assert_eq!(member(&m, "Orientation"), "1");
    assert_eq!(member(&m, "ImageLength"), "7777");
}

#[test]
fn png_info_never_reports_exif() {
    let source = fixture("alpha-photo.png");
    // The fixture does carry an eXIf chunk.
    assert!(png_chunks(&source).iter().any(|c| c == "eXIf"));
    let m = info(&source);
    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "FileSize",
            "Format",
            "FrameCount",
            "ImageHeight",
            "ImageWidth"
        ]
    );
    assert_eq!(
        (member(&m, "ImageWidth"), member(&m, "ImageHeight")),
        ("2268", "1512")
    );
}

// --- quality does not apply to HEIC/AVIF ----------------------------------------

#[test]
fn quality_is_ignored_for_heic_and_avif_outputs() {
    let source = fixture("orientation-1.jpg");
    for format in ["avif", "heic"] {
        let plain = ok(&source, &format!("image/resize,w_64/format,{format}"));
        for q in ["quality,q_10", "quality,Q_95", "quality,q_100"] {
            let with_q = ok(&source, &format!("image/resize,w_64/{q}/format,{format}"));
            assert_eq!(with_q.content_type, plain.content_type);
            assert!(
                with_q.bytes == plain.bytes,
                "{format} with {q}: {} bytes vs {}",
                with_q.bytes.len(),
                plain.bytes.len()
            );
        }
    }
}
