//! Golden tests on real photos: a pixel hash for exact (lossless, no
//! resampling) outputs, a perceptual bound against a stored reference for
//! lossy or resampled ones.
//!
//! A missing golden fails, unless `OSSIMG_BLESS=1` is set: then it is written
//! to `fixtures/golden/` (look at the files before committing them).

use std::path::PathBuf;

use ossimg::img::codec::{self, DecodeOptions, EncodeOptions};
use ossimg::img::frame::{Format, Image, PixelFormat};
use ossimg::img::{self, Limits, NoResources};
use sha2::{Digest, Sha256};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn blessing() -> bool {
    std::env::var("OSSIMG_BLESS").is_ok_and(|v| v == "1")
}

/// Runs a case and decodes its output to RGBA.
fn render(fixture: &str, process: &str) -> (Format, Image) {
    let source = std::fs::read(root().join("images").join(fixture)).expect("fixture");
    let out = img::process(&source, process, &NoResources, &Limits::default())
        .unwrap_or_else(|e| panic!("{fixture} {process}: {e}"));
    let probe = codec::probe(&out.bytes, &Limits::default()).expect("output probes");
    let image =
        codec::decode(&out.bytes, &probe, &DecodeOptions::default()).expect("output decodes");
    (probe.format, rgba(image))
}

fn rgba(mut image: Image) -> Image {
    for f in &mut image.frames {
        if f.format == PixelFormat::Rgb8 {
            f.data = f
                .data
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect();
            f.format = PixelFormat::Rgba8;
        }
    }
    image
}

fn pixel_hash(image: &Image) -> String {
    let mut h = Sha256::new();
    for f in &image.frames {
        h.update(f.width.to_le_bytes());
        h.update(f.height.to_le_bytes());
        h.update(&f.data);
    }
    hex::encode(h.finalize())
}

/// Exact cases: integer-only operations on deterministic decoders, PNG out.
const EXACT: &[(&str, &str, &str)] = &[
    (
        "crop-alpha",
        "alpha-small.png",
        "image/crop,x_10,y_20,w_100,h_80",
    ),
    (
        "rotate90-exif6",
        "orientation-6.jpg",
        "image/rotate,90/format,png",
    ),
    ("circle-palette", "palette-alpha.png", "image/circle,r_100"),
    (
        "rounded-alpha",
        "alpha-small.png",
        "image/rounded-corners,r_50",
    ),
    ("bmp-rle8", "rle8.bmp", "image/format,png"),
    (
        "indexcrop-gif",
        "static.gif",
        "image/indexcrop,x_50,i_1/format,png",
    ),
    (
        "cmyk-small",
        "cmyk-small.jpg",
        "image/crop,w_50,h_50,g_center/format,png",
    ),
];

/// Perceptual cases: resampling or lossy encoders.
const PERCEPTUAL: &[(&str, &str, &str)] = &[
    (
        "p1-thumb",
        "photo-12mp.jpg",
        "image/resize,w_200/quality,Q_85",
    ),
    (
        "fill-webp",
        "photo-2mp.jpg",
        "image/resize,m_fill,w_300,h_300/format,webp",
    ),
    ("cmyk-resize", "cmyk.jpg", "image/resize,w_300"),
    ("heic-jpg", "photo.heic", "image/resize,w_200/format,jpg"),
    ("avif-webp", "photo.avif", "image/resize,w_200/format,webp"),
    ("gray-blur", "gray.jpg", "image/blur,r_5,s_2/resize,w_256"),
    (
        "rotate45-webp",
        "lossy.webp",
        "image/resize,w_300/rotate,45/format,png",
    ),
    ("alpha-p25", "alpha-photo.png", "image/resize,p_25"),
    (
        "tiff-pad",
        "photo.tif",
        "image/resize,m_pad,w_200,h_200,color_FF0000/format,png",
    ),
    (
        "sharpen-bright",
        "photo-2mp.jpg",
        "image/resize,w_320/sharpen,150/bright,20/contrast,-10",
    ),
    // Text watermarks (CJK + Latin) in every OSS font name, and a tiled one.
    (
        "wm-zenhei",
        "orientation-1.jpg",
        "image/resize,w_400/watermark,text_5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq,type_d3F5LXplbmhlaQ,size_36,color_FF0000,g_center/format,png",
    ),
    (
        "wm-microhei",
        "orientation-1.jpg",
        "image/resize,w_400/watermark,text_5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq,type_d3F5LW1pY3JvaGVp,size_36,color_FF0000,g_center/format,png",
    ),
    (
        "wm-droid",
        "orientation-1.jpg",
        "image/resize,w_400/watermark,text_5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq,type_ZHJvaWRzYW5zZmFsbGJhY2s,size_36,color_FF0000,g_center/format,png",
    ),
    (
        "wm-shusong",
        "orientation-1.jpg",
        "image/resize,w_400/watermark,text_5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq,type_ZmFuZ3poZW5nc2h1c29uZw,size_36,color_FF0000,g_center/format,png",
    ),
    (
        "wm-kaiti",
        "orientation-1.jpg",
        "image/resize,w_400/watermark,text_5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq,type_ZmFuZ3poZW5na2FpdGk,size_36,color_FF0000,g_center/format,png",
    ),
    (
        "wm-heiti",
        "orientation-1.jpg",
        "image/resize,w_400/watermark,text_5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq,type_ZmFuZ3poZW5naGVpdGk,size_36,color_FF0000,g_center/format,png",
    ),
    (
        "wm-fangsong",
        "orientation-1.jpg",
        "image/resize,w_400/watermark,text_5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq,type_ZmFuZ3poZW5nZmFuZ3Nvbmc,size_36,color_FF0000,g_center/format,png",
    ),
    (
        "wm-tiled",
        "orientation-1.jpg",
        "image/resize,w_400/watermark,text_5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq,size_20,color_0000FF,fill_1,padx_20,pady_30,t_60,rotate_30/format,png",
    ),
];

#[test]
fn exact_outputs_match_their_pixel_hashes() {
    let path = root().join("golden").join("hashes.txt");
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    let mut lines = Vec::new();
    let mut missing = Vec::new();
    for (name, fixture, process) in EXACT {
        let (format, image) = render(fixture, process);
        assert_eq!(format, Format::Png, "{name}");
        let hash = pixel_hash(&image);
        lines.push(format!("{name} {hash}"));
        match stored
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
        {
            Some(want) => assert_eq!(hash, want, "{name}: {fixture} {process}"),
            None => missing.push(*name),
        }
    }
    if !missing.is_empty() {
        if blessing() {
            std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
            std::fs::write(&path, lines.join("\n") + "\n").expect("bless");
        } else {
            panic!("missing golden hashes for {missing:?}; run with OSSIMG_BLESS=1 to write them");
        }
    }
}

/// Mean absolute difference per channel, 0–255.
fn distance(a: &Image, b: &Image) -> f64 {
    let (fa, fb) = (&a.frames[0], &b.frames[0]);
    assert_eq!((fa.width, fa.height), (fb.width, fb.height));
    let sum: u64 = fa
        .data
        .iter()
        .zip(&fb.data)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / fa.data.len() as f64
}

#[test]
fn lossy_outputs_stay_close_to_their_references() {
    let dir = root().join("golden");
    let mut missing = Vec::new();
    for (name, fixture, process) in PERCEPTUAL {
        let (_, image) = render(fixture, process);
        let path = dir.join(format!("{name}.png"));
        match std::fs::read(&path) {
            Ok(bytes) => {
                let probe = codec::probe(&bytes, &Limits::default()).expect("reference");
                let reference = rgba(
                    codec::decode(&bytes, &probe, &DecodeOptions::default()).expect("reference"),
                );
                let d = distance(&image, &reference);
                assert!(
                    d <= 2.0,
                    "{name}: {fixture} {process}: distance {d:.2} > 2.0"
                );
            }
            Err(_) if blessing() => {
                std::fs::create_dir_all(&dir).expect("mkdir");
                let png = codec::encode(
                    &image,
                    &EncodeOptions {
                        format: Format::Png,
                        quality: 100,
                        progressive: false,
                    },
                )
                .expect("encode reference");
                std::fs::write(&path, png).expect("bless");
            }
            Err(_) => missing.push(*name),
        }
    }
    assert!(
        missing.is_empty(),
        "missing golden references for {missing:?}; run with OSSIMG_BLESS=1 to write them"
    );
}
