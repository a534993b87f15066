//! Watermarks with real watermark objects from `fixtures/images/` and with a
//! configured font directory, through the public `img::watermark` API.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ossimg::img::codec;
use ossimg::img::frame::{Frame, Image, PixelFormat};
use ossimg::img::watermark::{self, FontName};
use ossimg::img::{Error, ErrorCode, Limits, Resources};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every fixture is a watermark object under its own file name.
struct Fixtures(HashMap<String, Vec<u8>>);

impl Fixtures {
    fn new(names: &[&str]) -> Fixtures {
        Fixtures(names.iter().map(|n| (n.to_string(), fixture(n))).collect())
    }
}

impl Resources for Fixtures {
    fn style(&self, _name: &str) -> Result<Option<String>, Error> {
        Ok(None)
    }
    fn watermark_object(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.get(key).cloned())
    }
}

const BG: [u8; 3] = [255, 0, 255];

fn magenta(w: u32, h: u32) -> Image {
    Image {
        frames: vec![Frame {
            width: w,
            height: h,
            format: PixelFormat::Rgb8,
            data: BG.repeat((w * h) as usize),
            delay_ms: 0,
        }],
        loop_count: 0,
    }
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn pairs(s: &str) -> Vec<(&str, &str)> {
    s.split(',')
        .map(|a| a.split_once('_').unwrap_or((a, "")))
        .collect()
}

fn stamp(img: &mut Image, args: &str, res: &Fixtures) -> Result<(), Error> {
    let params = watermark::parse(&pairs(args))?;
    watermark::apply(img, &params, res, &Limits::default())
}

/// Bounding box (ends exclusive) of the pixels that are not the background.
fn changed(f: &Frame) -> Option<(u32, u32, u32, u32)> {
    let mut bb: Option<(u32, u32, u32, u32)> = None;
    for y in 0..f.height {
        for x in 0..f.width {
            let i = (y * f.width + x) as usize * 3;
            if f.data[i..i + 3] != BG {
                bb = Some(match bb {
                    None => (x, y, x + 1, y + 1),
                    Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x + 1), d.max(y + 1)),
                });
            }
        }
    }
    bb
}

#[test]
fn supported_watermark_formats_with_p_sizing() {
    let names = [
        "orientation-1.jpg",
        "alpha-small.png",
        "lossy.webp",
        "lossless-alpha.webp",
        "photo.tif",
        "rle8.bmp",
    ];
    let res = Fixtures::new(&names);
    for name in names {
        let probe = codec::probe(&fixture(name), &Limits::default()).unwrap();
        // P_20 of 400×267: the box 80×53, lfit.
        let (bw, bh) = (80u64, 53u64);
        let (w, h) = (u64::from(probe.width), u64::from(probe.height));
        let (ew, eh) = if bw * h <= bh * w {
            (bw, (2 * h * bw + w) / (2 * w))
        } else {
            ((2 * w * bh + h) / (2 * h), bh)
        };
        let mut img = magenta(400, 267);
        let v = b64(&format!("{name}?x-oss-process=image/resize,P_20"));
        stamp(&mut img, &format!("image_{v},g_nw,x_3,y_4"), &res).unwrap();
        let (a, b, c, d) = changed(&img.frames[0]).expect(name);
        // Alpha images may leave transparent edges: the box is an upper bound.
        assert!(a >= 3 && b >= 4, "{name}");
        assert!(u64::from(c) <= 3 + ew && u64::from(d) <= 4 + eh, "{name}");
        if !probe.has_alpha {
            assert_eq!(
                (a, b, u64::from(c), u64::from(d)),
                (3, 4, 3 + ew, 4 + eh),
                "{name}"
            );
        }
    }
}

#[test]
fn gif_heic_avif_and_broken_watermarks_are_refused() {
    let names = [
        "static.gif",
        "animated.gif",
        "photo.heic",
        "photo.avif",
        "bad-not-an-image.jpg",
        "bad-empty.jpg",
        "bad-truncated.jpg",
    ];
    let res = Fixtures::new(&names);
    for name in names {
        let mut img = magenta(100, 100);
        let e = stamp(&mut img, &format!("image_{}", b64(name)), &res).unwrap_err();
        assert_eq!(e.code, ErrorCode::WatermarkError, "{name}: {e}");
        assert_eq!(e.ec, Some("0040-00000027"), "{name}");
    }
    let mut img = magenta(100, 100);
    let e = stamp(&mut img, &format!("image_{}", b64("absent.png")), &res).unwrap_err();
    assert_eq!(
        (e.code, e.ec),
        (ErrorCode::WatermarkError, Some("0040-00000025"))
    );
}

#[test]
fn watermark_objects_are_oriented_unless_auto_orient_0() {
    let res = Fixtures::new(&["orientation-6.jpg"]);
    let probe = codec::probe(&fixture("orientation-6.jpg"), &Limits::default()).unwrap();
    assert_eq!(probe.orientation, 6);
    let (sw, sh) = (probe.width, probe.height);
    let mut img = magenta(1000, 1000);
    stamp(
        &mut img,
        &format!("image_{},g_nw,x_0,y_0", b64("orientation-6.jpg")),
        &res,
    )
    .unwrap();
    assert_eq!(changed(&img.frames[0]), Some((0, 0, sh, sw)));
    let mut img = magenta(1000, 1000);
    let v = b64("orientation-6.jpg?x-oss-process=image/auto-orient,0");
    stamp(&mut img, &format!("image_{v},g_nw,x_0,y_0"), &res).unwrap();
    assert_eq!(changed(&img.frames[0]), Some((0, 0, sw, sh)));
    // With a shrinking resize first (shrink-on-load), orientation still holds:
    // P_10 of 1000×1000 is the box 100×100.
    let (long, short) = (sw.max(sh), sw.min(sh));
    let fitted = (2 * short * 100 + long) / (2 * long);
    let mut img = magenta(1000, 1000);
    let v = b64("orientation-6.jpg?x-oss-process=image/resize,P_10");
    stamp(&mut img, &format!("image_{v},g_nw,x_0,y_0"), &res).unwrap();
    let oriented = if sh > sw {
        (100, fitted)
    } else {
        (fitted, 100)
    };
    assert_eq!(
        changed(&img.frames[0]),
        Some((0, 0, oriented.0, oriented.1))
    );
    let mut img = magenta(1000, 1000);
    let v = b64("orientation-6.jpg?x-oss-process=image/resize,P_10/auto-orient,0");
    stamp(&mut img, &format!("image_{v},g_nw,x_0,y_0"), &res).unwrap();
    assert_eq!(
        changed(&img.frames[0]),
        Some((0, 0, oriented.1, oriented.0))
    );
}

#[test]
fn animated_source_keeps_frames_only_with_animation_1() {
    let src = fixture("animated.gif");
    let probe = codec::probe(&src, &Limits::default()).unwrap();
    let decoded = codec::decode(
        &src,
        &probe,
        &codec::DecodeOptions {
            min_size: None,
            all_frames: true,
        },
    )
    .unwrap();
    assert!(decoded.frames.len() > 1);
    let res = Fixtures::new(&["rle8.bmp"]);
    let mut img = decoded.clone();
    let params =
        watermark::parse(&pairs(&format!("image_{},animation_1", b64("rle8.bmp")))).unwrap();
    assert!(watermark::keeps_animation(&params));
    watermark::apply(&mut img, &params, &res, &Limits::default()).unwrap();
    assert_eq!(img.frames.len(), decoded.frames.len());
    assert!(img.frames.iter().zip(&decoded.frames).all(|(a, b)| a != b));
    let mut img = decoded.clone();
    stamp(&mut img, &format!("image_{}", b64("rle8.bmp")), &res).unwrap();
    assert_eq!(img.frames.len(), 1);
}

/// One test owns the font configuration: it changes the process-wide font
/// directories, so no other test in this file renders text.
#[test]
fn font_directories_are_configurable() {
    let defaults = watermark::fonts::font_dirs();
    assert!(defaults.contains(&PathBuf::from("/usr/share/fonts")));
    let res = Fixtures::new(&[]);
    let text = format!("text_{}", b64("水印 Hi"));
    // Default directories: every font name renders.
    for font in FontName::ALL {
        let mut img = magenta(300, 100);
        stamp(&mut img, &format!("{text},type_{}", b64(font.name())), &res).unwrap();
        assert!(changed(&img.frames[0]).is_some(), "{}", font.name());
    }
    // A directory holding only WenQuanYi Zen Hei: the default font still
    // renders, the others fail with 501 naming their Debian package.
    let dir = tempfile::tempdir().unwrap();
    let zenhei = watermark::fonts::font_dirs()
        .iter()
        .map(|d| d.join("truetype/wqy/wqy-zenhei.ttc"))
        .find(|p| p.exists())
        .expect("fonts-wqy-zenhei installed");
    std::fs::copy(&zenhei, dir.path().join("wqy-zenhei.ttc")).unwrap();
    watermark::set_font_dirs(vec![dir.path().to_path_buf()]);
    let result = std::panic::catch_unwind(|| {
        let mut img = magenta(300, 100);
        stamp(&mut img, &text, &res).unwrap();
        assert!(changed(&img.frames[0]).is_some());
        let mut img = magenta(300, 100);
        let e = stamp(
            &mut img,
            &format!("{text},type_{}", b64("fangzhengkaiti")),
            &res,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotImplemented);
        assert_eq!(e.code.http_status(), 501);
        assert!(e.message.contains("fonts-arphic-gkai00mp"), "{}", e.message);
        // An empty directory list: even the default font is missing.
        watermark::set_font_dirs(Vec::new());
        let e = stamp(&mut img, &text, &res).unwrap_err();
        assert!(e.message.contains("fonts-wqy-zenhei"), "{}", e.message);
    });
    watermark::set_font_dirs(defaults);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    let mut img = magenta(300, 100);
    stamp(
        &mut img,
        &format!("{text},type_{}", b64("fangzhengkaiti")),
        &res,
    )
    .unwrap();
}

#[test]
fn large_watermark_object_is_shrunk_to_its_p_box() {
    // 4000×3000 JPEG, P_10 of 400×267: box 40×27, fitted 36×27.
    let res = Fixtures::new(&["photo-12mp.jpg"]);
    let mut img = magenta(400, 267);
    let v = b64("photo-12mp.jpg?x-oss-process=image/auto-orient,1/resize,P_10");
    stamp(&mut img, &format!("image_{v},g_se,x_0,y_0"), &res).unwrap();
    assert_eq!(changed(&img.frames[0]), Some((364, 240, 400, 267)));
}
