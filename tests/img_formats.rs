//! Format-specific rules of image-processing.md, seen through
//! `img::process`: one section per rule.

use std::path::Path;

use ossimg::img::codec::{self, DecodeOptions, EncodeOptions};
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

fn decode_all(bytes: &[u8]) -> Image {
    let p = codec::probe(bytes, &Limits::default()).expect("output probes");
    codec::decode(
        bytes,
        &p,
        &DecodeOptions {
            min_size: None,
            all_frames: true,
        },
    )
    .expect("output decodes")
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

/// FourCCs of the chunks of a RIFF WebP, descending into `ANMF` frames.
fn webp_chunks(webp: &[u8]) -> Vec<String> {
    fn walk(mut data: &[u8], out: &mut Vec<String>) {
        while data.len() >= 8 {
            let kind = String::from_utf8_lossy(&data[..4]).into_owned();
            let size = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
            let body = &data[8..(8 + size).min(data.len())];
            if kind == "ANMF" && body.len() > 16 {
                walk(&body[16..], out);
            }
            out.push(kind);
            let next = (8 + size + (size & 1)).min(data.len());
            data = &data[next..];
        }
    }
    let mut out = Vec::new();
    walk(&webp[12..], &mut out);
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

// --- WebP output: lossy or lossless -------------------------------------------

fn has_lossy(chunks: &[String]) -> bool {
    chunks.iter().any(|c| c == "VP8 ")
}

fn has_lossless(chunks: &[String]) -> bool {
    chunks.iter().any(|c| c == "VP8L")
}

/// Same size and alpha everywhere; same colour wherever a pixel is visible
/// (libwebp's lossless mode may rewrite the colour of invisible pixels).
fn assert_visible_pixels_equal(a: &Frame, b: &Frame) {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let rgba = |f: &Frame| -> Vec<[u8; 4]> {
        match f.format {
            PixelFormat::Rgb8 => f
                .data
                .chunks_exact(3)
                .map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            PixelFormat::Rgba8 => f
                .data
                .chunks_exact(4)
                .map(|p| [p[0], p[1], p[2], p[3]])
                .collect(),
        }
    };
    let (pa, pb) = (rgba(a), rgba(b));
    let mut visible = 0;
    for (i, (x, y)) in pa.iter().zip(&pb).enumerate() {
        assert_eq!(x[3], y[3], "alpha of pixel {i}");
        if x[3] != 0 {
            visible += 1;
            assert_eq!(x, y, "pixel {i}");
        }
    }
    assert!(visible > 0);
}

#[test]
fn lossless_webp_source_gives_lossless_webp_output() {
    let source = fixture("lossless-alpha.webp");
    assert!(codec::probe(&source, &Limits::default())
        .unwrap()
        .is_lossless_webp());
    let out = ok(&source, "image/resize,w_100");
    assert_eq!(out.content_type, "image/webp");
    let chunks = webp_chunks(&out.bytes);
    assert!(has_lossless(&chunks) && !has_lossy(&chunks), "{chunks:?}");
    // Pixel-exact: the same resize written as PNG (lossless too).
    let png = ok(&source, "image/resize,w_100/format,png");
    assert_visible_pixels_equal(
        &decode_all(&out.bytes).frames[0],
        &decode_all(&png.bytes).frames[0],
    );
    // `format,webp` does not change the rule.
    let chunks = webp_chunks(&ok(&source, "image/crop,w_50,h_50/format,webp").bytes);
    assert!(has_lossless(&chunks) && !has_lossy(&chunks), "{chunks:?}");
}

#[test]
fn a_quality_action_makes_webp_output_lossy() {
    let source = fixture("lossless-alpha.webp");
    for plan in [
        "image/resize,w_100/quality,Q_80",
        "image/quality,q_90/resize,w_100",
    ] {
        let chunks = webp_chunks(&ok(&source, plan).bytes);
        assert!(
            has_lossy(&chunks) && !has_lossless(&chunks),
            "{plan}: {chunks:?}"
        );
    }
}

#[test]
fn other_sources_give_lossy_webp() {
    for (name, plan) in [
        ("alpha-small.png", "image/resize,w_100/format,webp"),
        ("lossy.webp", "image/resize,w_100"),
        ("orientation-1.jpg", "image/resize,w_100/format,webp"),
        ("static.gif", "image/format,webp"),
    ] {
        let chunks = webp_chunks(&ok(&fixture(name), plan).bytes);
        assert!(
            has_lossy(&chunks) && !has_lossless(&chunks),
            "{name}: {chunks:?}"
        );
    }
}

#[test]
fn animated_lossless_webp_stays_lossless() {
    let frames: Vec<Frame> = (0..3u8)
        .map(|i| Frame {
            delay_ms: 100,
            ..solid(40, 30, [i * 80, 255 - i * 80, 7]).frames.remove(0)
        })
        .collect();
    let source = codec::encode_webp_lossless(&Image {
        frames,
        loop_count: 0,
    })
    .unwrap();
    let probe = codec::probe(&source, &Limits::default()).unwrap();
    assert_eq!(probe.frames, 3);
    assert!(probe.is_lossless_webp());
    let out = ok(&source, "image/resize,w_20");
    let chunks = webp_chunks(&out.bytes);
    assert!(has_lossless(&chunks) && !has_lossy(&chunks), "{chunks:?}");
    let decoded = decode_all(&out.bytes);
    assert_eq!(decoded.frames.len(), 3);
    assert_eq!(&decoded.frames[2].data[..3], &[160, 95, 7]);
    // An animation with a lossy frame is a lossy source.
    let lossy = codec::encode(
        &Image {
            frames: decode_all(&source).frames,
            loop_count: 0,
        },
        &EncodeOptions {
            format: Format::Webp,
            quality: 90,
            progressive: false,
        },
    )
    .unwrap();
    assert!(!codec::probe(&lossy, &Limits::default())
        .unwrap()
        .is_lossless_webp());
    let chunks = webp_chunks(&ok(&lossy, "image/resize,w_20").bytes);
    assert!(has_lossy(&chunks) && !has_lossless(&chunks), "{chunks:?}");
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
