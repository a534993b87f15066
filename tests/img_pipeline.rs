//! The pipeline on the real-world fixtures of `fixtures/images/`.

use std::path::Path;
use std::time::Instant;

use ossimg::img::codec::{self, DecodeOptions};
use ossimg::img::frame::{Format, Image, PixelFormat};
use ossimg::img::{self, ErrorCode, Limits, NoResources, Output};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ok(source: &[u8], process: &str) -> Output {
    img::process(source, process, &NoResources, &Limits::default())
        .unwrap_or_else(|e| panic!("{process}: {e}"))
}

fn decode(out: &Output, all_frames: bool) -> Image {
    let p = codec::probe(&out.bytes, &Limits::default()).unwrap();
    codec::decode(
        &out.bytes,
        &p,
        &DecodeOptions {
            min_size: None,
            all_frames,
        },
    )
    .unwrap()
}

fn shape(out: &Output) -> (Format, u32, u32, u32) {
    let p = codec::probe(&out.bytes, &Limits::default()).unwrap();
    (p.format, p.width, p.height, p.frames)
}

fn mean_diff(a: &Image, b: &Image) -> f64 {
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

/// `orientation-6.jpg` stores the picture of `orientation-1.jpg` turned, with
/// EXIF orientation 6: auto-orient (on by default) shows the same picture.
#[test]
fn exif_orientation_fixture_is_upright() {
    let upright = ok(
        &fixture("orientation-1.jpg"),
        "image/resize,w_160/format,png",
    );
    let turned = ok(
        &fixture("orientation-6.jpg"),
        "image/resize,w_160/format,png",
    );
    assert_eq!(shape(&upright), shape(&turned));
    let d = mean_diff(&decode(&upright, false), &decode(&turned, false));
    assert!(d < 6.0, "mean difference {d}");
    let stored = ok(
        &fixture("orientation-6.jpg"),
        "image/auto-orient,0/format,png",
    );
    let p = codec::probe(&fixture("orientation-6.jpg"), &Limits::default()).unwrap();
    assert_eq!(p.orientation, 6);
    let (_, w, h, _) = shape(&stored);
    assert_eq!((w, h), (p.width, p.height));
}

/// The frames of a source as the decoder gives them (all frames).
fn source_frames(bytes: &[u8]) -> Image {
    let p = codec::probe(bytes, &Limits::default()).unwrap();
    codec::decode(
        bytes,
        &p,
        &DecodeOptions {
            min_size: None,
            all_frames: true,
        },
    )
    .unwrap()
}

/// Mean absolute difference between frame `a` and the region of `b` at
/// `(x, y)` of `a`'s size, over R, G, B and A.
fn region_diff(
    a: &ossimg::img::frame::Frame,
    b: &ossimg::img::frame::Frame,
    x: u32,
    y: u32,
) -> f64 {
    assert_eq!(
        (a.format, b.format),
        (PixelFormat::Rgba8, PixelFormat::Rgba8)
    );
    let mut sum = 0u64;
    for row in 0..a.height {
        for col in 0..a.width {
            let i = ((row * a.width + col) * 4) as usize;
            let j = (((y + row) * b.width + x + col) * 4) as usize;
            sum += a.data[i..i + 4]
                .iter()
                .zip(&b.data[j..j + 4])
                .map(|(p, q)| u64::from(p.abs_diff(*q)))
                .sum::<u64>();
        }
    }
    sum as f64 / f64::from(a.width * a.height * 4)
}

/// §4.7: resize (`w`/`h`/`l`/`s`), crop and indexcrop keep an animation:
/// every frame, every delay and the loop count survive, in the source's
/// format; each cropped frame shows its own source frame's region. Rotate,
/// `resize,p_`, `format,png` and `format,gif` written before other actions
/// make it static (first frame only).
fn check_animation(name: &str) {
    let bytes = fixture(name);
    let src = source_frames(&bytes);
    let format = codec::sniff(&bytes).unwrap();
    let (sw, sh) = (src.frames[0].width, src.frames[0].height);
    let n = src.frames.len() as u32;
    assert!(n > 30, "{name}: {n} frames");
    let delays: Vec<u32> = src.frames.iter().map(|f| f.delay_ms).collect();
    let resized_h = (sh * 100 * 2 + sw) / (2 * sw);
    let cases = [
        ("image/resize,w_100".to_string(), (100, resized_h), None),
        // Never enlarged, even with limit_0 (§4.7).
        ("image/resize,w_640,limit_0".to_string(), (sw, sh), None),
        (
            "image/crop,x_20,y_10,w_90,h_70".to_string(),
            (90, 70),
            Some((20, 10)),
        ),
        (
            "image/indexcrop,x_100,i_1".to_string(),
            (100, sh),
            Some((100, 0)),
        ),
    ];
    for (process, (w, h), region) in cases {
        let what = format!("{name} `{process}`");
        let out = ok(&bytes, &process);
        assert_eq!(shape(&out), (format, w, h, n), "{what}");
        let img = decode(&out, true);
        assert_eq!(img.frames.len(), n as usize, "{what}");
        assert_eq!(
            img.frames.iter().map(|f| f.delay_ms).collect::<Vec<_>>(),
            delays,
            "{what}: delays"
        );
        assert_eq!(img.loop_count, src.loop_count, "{what}: loop count");
        if let Some((x, y)) = region {
            for (k, (o, s)) in img.frames.iter().zip(&src.frames).enumerate() {
                let o = rgba(o);
                let own = region_diff(&o, &rgba(s), x, y);
                assert!(
                    own < 4.0,
                    "{what}: frame {k} differs from its source by {own}"
                );
            }
        }
    }
    for (process, (w, h)) in [
        ("image/resize,w_100/rotate,90", (resized_h, 100)),
        ("image/resize,p_50", (sw.div_ceil(2), sh.div_ceil(2))),
        ("image/format,gif/resize,w_100", (100, resized_h)),
    ] {
        let out = ok(&bytes, process);
        assert_eq!(shape(&out), (format, w, h, 1), "{name} `{process}`");
    }
    assert_eq!(
        shape(&ok(&bytes, "image/format,png")),
        (Format::Png, sw, sh, 1),
        "{name}"
    );
}

#[test]
fn animated_gif_keeps_its_frames() {
    check_animation("animated.gif");
}

#[test]
fn animated_gif_with_transparency_keeps_its_frames() {
    check_animation("animated-transparent.gif");
}

#[test]
fn animated_webp_keeps_its_frames() {
    check_animation("animated.webp");
}

/// A frame as RGBA, whatever the decoder gave.
fn rgba(f: &ossimg::img::frame::Frame) -> ossimg::img::frame::Frame {
    if f.format == PixelFormat::Rgba8 {
        return f.clone();
    }
    let data = f
        .data
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    ossimg::img::frame::Frame {
        format: PixelFormat::Rgba8,
        data,
        ..f.clone()
    }
}

#[test]
fn alpha_fixture() {
    let png = fixture("alpha-small.png");
    let out = ok(&png, "image/resize,w_100/rotate,45");
    let f = &decode(&out, false).frames[0];
    assert_eq!(f.format, PixelFormat::Rgba8);
    assert_eq!(
        f.data[3], 0,
        "corner of a rotated image with alpha is transparent"
    );
    let jpg = ok(&png, "image/circle,r_50/format,jpg");
    assert_eq!(shape(&jpg), (Format::Jpeg, 101, 101, 1));
    let f = &decode(&jpg, false).frames[0];
    assert!(f.data[..3].iter().all(|&c| c > 250), "{:?}", &f.data[..3]);
}

#[test]
fn bad_sources_are_client_errors() {
    for name in [
        "bad-empty.jpg",
        "bad-not-an-image.jpg",
        "bad-truncated.jpg",
        "bomb-50000x50000.png",
    ] {
        let e = img::process(
            &fixture(name),
            "image/resize,w_100",
            &NoResources,
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(e.code.http_status(), 400, "{name}: {e}");
        assert_ne!(e.code, ErrorCode::InternalError, "{name}");
    }
}

#[test]
fn every_source_format_resizes() {
    for name in [
        "photo.tif",
        "photo.heic",
        "photo.avif",
        "rle8.bmp",
        "lossy.webp",
        "gray.jpg",
        "cmyk.jpg",
        "stereo.mpo",
        "static.gif",
        "tiny-1x1.gif",
        "tiny-1x1.jpg",
    ] {
        let src = fixture(name);
        let probe = codec::probe(&src, &Limits::default()).unwrap();
        let out = ok(&src, "image/resize,w_50,limit_0");
        let (format, w, _, frames) = shape(&out);
        assert_eq!((format, w, frames), (probe.format, 50, 1), "{name}");
    }
}

/// Timings of common requests on the 12 MP photo; run with
/// `cargo test --release --test img_pipeline -- --ignored --nocapture`.
#[test]
#[ignore = "timing report; meaningful in release builds only"]
fn timings_12mp() {
    let src = fixture("photo-12mp.jpg");
    for process in [
        "image/resize,w_400",
        "image/resize,m_fill,w_300,h_300",
        "image/resize,p_50",
        "image/resize,w_3000",
        "image/resize,w_400/format,webp",
        "image/rotate,90",
        "image/resize,w_2000/rotate,30",
        "image/blur,r_10,s_5",
        "image/sharpen,100",
        "image/circle,r_1000/format,png",
        "image/average-hue",
        "image/info",
    ] {
        let start = Instant::now();
        let runs = 3;
        for _ in 0..runs {
            ok(&src, process);
        }
        eprintln!(
            "{process:40} {:>8.1} ms",
            start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
        );
    }
}

/// Where the time of a request goes (release builds only).
#[test]
#[ignore = "timing report; meaningful in release builds only"]
fn timings_breakdown() {
    use ossimg::img::codec::EncodeOptions;
    use ossimg::img::ops::orient;
    let src = fixture("photo-12mp.jpg");
    let limits = Limits::default();
    let t = Instant::now();
    let probe = codec::probe(&src, &limits).unwrap();
    eprintln!("probe {:?}", t.elapsed());
    for min_size in [None, Some((400, 300)), Some((2000, 1500))] {
        let t = Instant::now();
        let img = codec::decode(
            &src,
            &probe,
            &DecodeOptions {
                min_size,
                all_frames: false,
            },
        )
        .unwrap();
        eprintln!(
            "decode {min_size:?} -> {}x{} {:?}",
            img.frames[0].width,
            img.frames[0].height,
            t.elapsed()
        );
    }
    let img = codec::decode(&src, &probe, &DecodeOptions::default()).unwrap();
    let t = Instant::now();
    let r = orient::apply_orientation(&img.frames[0], 6);
    eprintln!("orient 6 {:?}", t.elapsed());
    let t = Instant::now();
    let _ = ossimg::img::ops::average_hue::average_hue(&r);
    eprintln!("average hue {:?}", t.elapsed());
    let t = Instant::now();
    let opts = EncodeOptions {
        format: Format::Jpeg,
        quality: 90,
        progressive: false,
    };
    codec::encode(&img, &opts).unwrap();
    eprintln!("encode jpeg {:?}", t.elapsed());
}
