//! Golden tests on real photos (`fixtures/images/`).
//!
//! - **Lossless outputs** (PNG, GIF and animated GIF, BMP, TIFF, lossless
//!   WebP): a SHA-256 of the decoded pixels of every frame, kept in
//!   `fixtures/golden/hashes.txt`.
//! - **Lossy or resampled outputs** (JPEG, lossy and animated WebP, HEIC,
//!   AVIF; PNG after resampling): the SSIMULACRA 2 score against a stored PNG
//!   reference must be at least [`LOSSY_MIN`].
//! - **Watermarks** (a text in each font, a JPEG-output one, a tiled one):
//!   the block where the watermark must land is computed from `g`, `x`, `y`,
//!   `voffset` by the §5.15.1 placement table. Outside it the output equals
//!   the un-watermarked output exactly; inside it, its SSIMULACRA 2 score
//!   against the stored crop of the block must be at least [`MARK_MIN`].
//!   A companion test shows that both the un-watermarked image and the same
//!   watermark in every other font score below that bound. The tiled case is
//!   checked against its lattice instead of one block.
//!
//! A missing golden fails, unless `OSSIMG_BLESS=1` is set: then it is written
//! to `fixtures/golden/` (look at the files before committing them).

use std::path::PathBuf;

use ossimg::img::codec::{self, DecodeOptions, EncodeOptions};
use ossimg::img::frame::{Format, Frame, Image, PixelFormat};
use ossimg::img::ops::crop::Gravity;
use ossimg::img::plan::args::Args;
use ossimg::img::watermark::{self, FontName, Params};
use ossimg::img::{self, Limits, NoResources};
use sha2::{Digest, Sha256};
use ssimulacra2::{compute_frame_ssimulacra2, ColorPrimaries, Rgb, TransferCharacteristic};

/// Lowest SSIMULACRA 2 score of a lossy or resampled output against its
/// reference (100 = identical; about 90 is "visually lossless"). Measured:
/// ±1 noise on every value scores 93.7–96.5, so rounding differences pass
/// ([`bounds_tolerate_rounding_noise`]); small visible changes score 37–73
/// ([`lossy_bound_rejects_visible_changes`]).
const LOSSY_MIN: f64 = 88.0;

/// Lowest SSIMULACRA 2 score of a watermark block against its reference.
/// Measured: ±1 noise scores 86.9–95.7; no watermark or another font scores
/// 35.7 at most, mostly below 0
/// ([`watermark_bound_rejects_missing_mark_and_other_fonts`]).
const MARK_MIN: f64 = 80.0;

// --- shared ------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn blessing() -> bool {
    std::env::var("OSSIMG_BLESS").is_ok_and(|v| v == "1")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = root().join("images").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes encoded bytes (every frame) to RGBA.
fn decode(bytes: &[u8]) -> (Format, Image) {
    let probe = codec::probe(bytes, &Limits::default()).expect("probes");
    let image = codec::decode(
        bytes,
        &probe,
        &DecodeOptions {
            min_size: None,
            all_frames: true,
        },
    )
    .expect("decodes");
    assert_eq!(image.frames.len() as u32, probe.frames.max(1));
    (probe.format, rgba(image))
}

/// Runs `process` on a fixture and decodes the output (every frame, RGBA).
fn render(fixture_name: &str, process: &str) -> (Format, Image) {
    let out = img::process(
        &fixture(fixture_name),
        process,
        &NoResources,
        &Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{fixture_name} {process}: {e}"));
    decode(&out.bytes)
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

/// PNG of an RGBA frame, as RGB when it is opaque.
fn png(frame: &Frame) -> Vec<u8> {
    let mut frame = frame.clone();
    if frame.data.chunks_exact(4).all(|p| p[3] == 255) {
        frame.data = frame
            .data
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        frame.format = PixelFormat::Rgb8;
    }
    let image = Image {
        frames: vec![frame],
        loop_count: 0,
    };
    codec::encode(
        &image,
        &EncodeOptions {
            format: Format::Png,
            quality: 100,
            progressive: false,
        },
    )
    .expect("encode reference")
}

/// A stored reference (RGBA), `None` when the file is missing.
fn reference(name: &str) -> Option<Frame> {
    let bytes = std::fs::read(root().join("golden").join(format!("{name}.png"))).ok()?;
    let (_, image) = decode(&bytes);
    image.frames.into_iter().next()
}

/// Writes a reference when blessing; otherwise records it as missing.
fn bless_or_miss(name: &str, frame: &Frame, missing: &mut Vec<String>) {
    if blessing() {
        let dir = root().join("golden");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join(format!("{name}.png")), png(frame)).expect("bless");
    } else {
        missing.push(name.to_owned());
    }
}

fn assert_none_missing(missing: &[String]) {
    assert!(
        missing.is_empty(),
        "missing golden references for {missing:?}; run with OSSIMG_BLESS=1 to write them"
    );
}

// --- perceptual distance ----------------------------------------------------

/// `frame` (RGBA) composited over a grey level, as SSIMULACRA 2 input.
fn over(frame: &Frame, background: f32) -> Rgb {
    let data = frame
        .data
        .chunks_exact(4)
        .map(|p| {
            let a = f32::from(p[3]) / 255.0;
            let c = |v: u8| f32::from(v) / 255.0 * a + background * (1.0 - a);
            [c(p[0]), c(p[1]), c(p[2])]
        })
        .collect();
    Rgb::new(
        data,
        frame.width as usize,
        frame.height as usize,
        TransferCharacteristic::SRGB,
        ColorPrimaries::BT709,
    )
    .expect("rgb")
}

/// SSIMULACRA 2 score of `test` against `reference` (both RGBA, same size;
/// 100 = identical). Transparent images are scored over black and over
/// white and the worse score counts, as libjxl's tool does.
fn score(reference: &Frame, test: &Frame) -> f64 {
    assert_eq!(
        (reference.width, reference.height),
        (test.width, test.height),
        "sizes differ"
    );
    let opaque = [reference, test]
        .iter()
        .all(|f| f.data.chunks_exact(4).all(|p| p[3] == 255));
    let backgrounds: &[f32] = if opaque { &[0.0] } else { &[0.0, 1.0] };
    backgrounds
        .iter()
        .map(|&bg| {
            compute_frame_ssimulacra2(over(reference, bg), over(test, bg)).expect("ssimulacra2")
        })
        .fold(f64::INFINITY, f64::min)
}

/// Frames `0, n/4, n/2, 3n/4, n-1` stacked top to bottom (the first frame
/// alone for a still image): what a reference keeps of an animation.
fn filmstrip(image: &Image) -> Frame {
    let n = image.frames.len();
    let mut picks: Vec<usize> = vec![0, n / 4, n / 2, 3 * n / 4, n - 1];
    picks.dedup();
    let first = &image.frames[0];
    let mut data = Vec::new();
    for &i in &picks {
        let f = &image.frames[i];
        assert_eq!((f.width, f.height), (first.width, first.height));
        data.extend_from_slice(&f.data);
    }
    Frame {
        width: first.width,
        height: first.height * picks.len() as u32,
        format: PixelFormat::Rgba8,
        data,
        delay_ms: 0,
    }
}

/// An animated output keeps every frame, the delays and the loop count of
/// its source.
fn assert_animation_kept(fixture_name: &str, out: &Image) {
    let (_, src) = decode(&fixture(fixture_name));
    assert!(src.frames.len() > 1, "{fixture_name} is animated");
    assert_eq!(out.frames.len(), src.frames.len(), "{fixture_name}: frames");
    let delays = |i: &Image| i.frames.iter().map(|f| f.delay_ms).collect::<Vec<_>>();
    assert_eq!(delays(out), delays(&src), "{fixture_name}: delays");
    assert_eq!(out.loop_count, src.loop_count, "{fixture_name}: loop count");
}

// --- lossless outputs: pixel hashes -------------------------------------------

fn pixel_hash(image: &Image) -> String {
    let mut h = Sha256::new();
    for f in &image.frames {
        h.update(f.width.to_le_bytes());
        h.update(f.height.to_le_bytes());
        h.update(&f.data);
    }
    hex::encode(h.finalize())
}

/// How a lossless case is encoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    /// The pipeline's own output, in `format`.
    Pipeline(Format),
    /// The pipeline's animated output in `format`: frames, delays and loop
    /// count of the source are kept.
    Animated(Format),
    /// The pipeline's PNG output re-encoded with the lossless WebP encoder
    /// (`process` never writes lossless WebP itself).
    WebpLossless,
}

/// Exact cases: integer-only operations (crops, right-angle rotations,
/// masks) on deterministic decoders, lossless encoders.
const EXACT: &[(&str, &str, &str, Via)] = &[
    (
        "crop-alpha",
        "alpha-small.png",
        "image/crop,x_10,y_20,w_100,h_80",
        Via::Pipeline(Format::Png),
    ),
    (
        "rotate90-exif6",
        "orientation-6.jpg",
        "image/rotate,90/format,png",
        Via::Pipeline(Format::Png),
    ),
    (
        "circle-palette",
        "palette-alpha.png",
        "image/circle,r_100",
        Via::Pipeline(Format::Png),
    ),
    (
        "rounded-alpha",
        "alpha-small.png",
        "image/rounded-corners,r_50",
        Via::Pipeline(Format::Png),
    ),
    (
        "bmp-rle8",
        "rle8.bmp",
        "image/format,png",
        Via::Pipeline(Format::Png),
    ),
    (
        "indexcrop-gif",
        "static.gif",
        "image/indexcrop,x_50,i_1/format,png",
        Via::Pipeline(Format::Png),
    ),
    (
        "cmyk-small",
        "cmyk-small.jpg",
        "image/crop,w_50,h_50,g_center/format,png",
        Via::Pipeline(Format::Png),
    ),
    (
        "rgb16-crop",
        "rgb16-crop.png",
        "image/crop,x_16,y_8,w_160,h_120",
        Via::Pipeline(Format::Png),
    ),
    (
        "gif-rotate",
        "static.gif",
        "image/rotate,270",
        Via::Pipeline(Format::Gif),
    ),
    (
        "gif-animated-crop",
        "animated.gif",
        "image/crop,x_60,y_40,w_120,h_100",
        Via::Animated(Format::Gif),
    ),
    (
        "gif-transparent-crop",
        "animated-transparent.gif",
        "image/crop,w_160,h_120,g_center",
        Via::Animated(Format::Gif),
    ),
    (
        "bmp-rle8-rotate",
        "rle8.bmp",
        "image/rotate,90",
        Via::Pipeline(Format::Bmp),
    ),
    (
        "bmp-circle",
        "photo.tif",
        "image/crop,x_300,y_40,w_160,h_160/circle,r_70/format,bmp",
        Via::Pipeline(Format::Bmp),
    ),
    (
        "tiff-crop-rotate",
        "photo.tif",
        "image/crop,x_220,y_120,w_160,h_120/rotate,90",
        Via::Pipeline(Format::Tiff),
    ),
    (
        "webp-lossless",
        "lossless-alpha.webp",
        "image/crop,x_170,y_170,w_160,h_160/format,png",
        Via::WebpLossless,
    ),
];

#[test]
fn exact_outputs_match_their_pixel_hashes() {
    let path = root().join("golden").join("hashes.txt");
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    let mut lines = Vec::new();
    let mut missing = Vec::new();
    for &(name, fixture_name, process, via) in EXACT {
        let (format, image) = render(fixture_name, process);
        let image = match via {
            Via::Pipeline(want) => {
                assert_eq!(format, want, "{name}");
                assert_eq!(image.frames.len(), 1, "{name}");
                image
            }
            Via::Animated(want) => {
                assert_eq!(format, want, "{name}");
                assert_animation_kept(fixture_name, &image);
                image
            }
            Via::WebpLossless => {
                assert_eq!(format, Format::Png, "{name}");
                let webp = codec::encode_webp_lossless(&image).expect("lossless WebP");
                let (format, round_trip) = decode(&webp);
                assert_eq!(format, Format::Webp, "{name}");
                assert_eq!(round_trip, image, "{name}: lossless WebP changed pixels");
                round_trip
            }
        };
        let hash = pixel_hash(&image);
        lines.push(format!("{name} {hash}"));
        match stored
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
        {
            Some(want) => assert_eq!(hash, want, "{name}: {fixture_name} {process}"),
            None => missing.push(name),
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

// --- lossy or resampled outputs: SSIMULACRA 2 --------------------------------

/// Perceptual cases: resampling or lossy encoders. The output format is
/// checked, so that a case cannot silently stop testing its encoder.
const PERCEPTUAL: &[(&str, &str, &str, Format)] = &[
    (
        "p1-thumb",
        "photo-12mp.jpg",
        "image/resize,w_200/quality,Q_85",
        Format::Jpeg,
    ),
    (
        "fill-webp",
        "photo-2mp.jpg",
        "image/resize,m_fill,w_300,h_300/format,webp",
        Format::Webp,
    ),
    (
        "cmyk-resize",
        "cmyk.jpg",
        "image/resize,w_300",
        Format::Jpeg,
    ),
    (
        "heic-jpg",
        "photo.heic",
        "image/resize,w_200/format,jpg",
        Format::Jpeg,
    ),
    (
        "avif-webp",
        "photo.avif",
        "image/resize,w_200/format,webp",
        Format::Webp,
    ),
    (
        "gray-blur",
        "gray.jpg",
        "image/blur,r_5,s_2/resize,w_256",
        Format::Jpeg,
    ),
    (
        "rotate45-webp",
        "lossy.webp",
        "image/resize,w_300/rotate,45/format,png",
        Format::Png,
    ),
    (
        "alpha-p25",
        "alpha-photo.png",
        "image/resize,p_25",
        Format::Png,
    ),
    (
        "tiff-pad",
        "photo.tif",
        "image/resize,m_pad,w_200,h_200,color_FF0000/format,png",
        Format::Png,
    ),
    (
        "sharpen-bright",
        "photo-2mp.jpg",
        "image/resize,w_320/sharpen,150/bright,20/contrast,-10",
        Format::Jpeg,
    ),
    (
        "heic-out",
        "photo-2mp.jpg",
        "image/resize,w_192/format,heic",
        Format::Heic,
    ),
    (
        "heic-alpha-out",
        "alpha-small.png",
        "image/resize,w_128/format,heic",
        Format::Heic,
    ),
    (
        "avif-out",
        "photo-2mp.jpg",
        "image/resize,w_192/format,avif",
        Format::Avif,
    ),
    (
        "webp-animated",
        "animated.webp",
        "image/resize,w_96",
        Format::Webp,
    ),
    (
        "gif-animated-resize",
        "animated-transparent.gif",
        "image/resize,w_96",
        Format::Gif,
    ),
];

#[test]
fn lossy_outputs_stay_close_to_their_references() {
    let mut missing = Vec::new();
    for &(name, fixture_name, process, format) in PERCEPTUAL {
        let (got, image) = render(fixture_name, process);
        assert_eq!(got, format, "{name}");
        if image.frames.len() > 1 {
            assert_animation_kept(fixture_name, &image);
        }
        let strip = filmstrip(&image);
        match reference(name) {
            Some(want) => {
                let s = score(&want, &strip);
                assert!(
                    s >= LOSSY_MIN,
                    "{name}: {fixture_name} {process}: SSIMULACRA 2 {s:.1} < {LOSSY_MIN}"
                );
            }
            None => bless_or_miss(name, &strip, &mut missing),
        }
    }
    assert_none_missing(&missing);
}

/// The lossy bound is tight enough to see small but real changes: each
/// variant below differs from its case by one visible step, and scores
/// under [`LOSSY_MIN`] against that case's reference.
#[test]
fn lossy_bound_rejects_visible_changes() {
    let variants: &[(&str, &str, &str)] = &[
        // Brightness 20 → 12.
        (
            "sharpen-bright",
            "photo-2mp.jpg",
            "image/resize,w_320/sharpen,150/bright,12/contrast,-10",
        ),
        // No sharpening.
        (
            "sharpen-bright",
            "photo-2mp.jpg",
            "image/resize,w_320/bright,20/contrast,-10",
        ),
        // Quality 85 → 30.
        (
            "p1-thumb",
            "photo-12mp.jpg",
            "image/resize,w_200/quality,Q_30",
        ),
        // The fill window moved by 2 px.
        (
            "fill-webp",
            "photo-2mp.jpg",
            "image/resize,m_fill,w_300,h_302/crop,y_2,h_300/format,webp",
        ),
        // A slight blur (radius 1, sigma 1) after the rotation.
        (
            "rotate45-webp",
            "lossy.webp",
            "image/resize,w_300/rotate,45/blur,r_1,s_1/format,png",
        ),
        // A slight blur (radius 1, sigma 1) before the HEIC encoder (its
        // quality is the encoder's own: `quality` does not apply to HEIC).
        (
            "heic-out",
            "photo-2mp.jpg",
            "image/resize,w_192/blur,r_1,s_1/format,heic",
        ),
    ];
    for &(name, fixture_name, process) in variants {
        let want = reference(name).unwrap_or_else(|| panic!("{name}: no reference"));
        let (_, image) = render(fixture_name, process);
        let s = score(&want, &filmstrip(&image));
        eprintln!("{name} vs {process}: {s:.1}");
        assert!(
            s < LOSSY_MIN,
            "{name}: {process} scores {s:.1}, not below {LOSSY_MIN}"
        );
    }
}

// --- watermarks -----------------------------------------------------------------

/// "水印 ossimg 한글 かな": CJK, Latin, Hangul and kana in one line.
const TEXT: &str = "5rC05Y2wIG9zc2ltZyDtlZzquIAg44GL44Gq";

/// A watermark case: `pre` + the watermark in `font` + `post`; without the
/// watermark, `pre` + `post` is the reference it is compared to.
struct Mark {
    name: &'static str,
    fixture: &'static str,
    pre: &'static str,
    font: FontName,
    /// Watermark parameters after `text_` and `type_`.
    args: &'static str,
    post: &'static str,
}

const MARKS: &[Mark] = &[
    Mark {
        name: "wm-zenhei",
        fixture: "orientation-1.jpg",
        pre: "image/resize,w_400",
        font: FontName::WqyZenhei,
        args: "size_36,color_FF0000,g_center",
        post: "/format,png",
    },
    Mark {
        name: "wm-microhei",
        fixture: "orientation-1.jpg",
        pre: "image/resize,w_400",
        font: FontName::WqyMicrohei,
        args: "size_36,color_FF0000,g_nw,x_20,y_15",
        post: "/format,png",
    },
    Mark {
        name: "wm-droid",
        fixture: "orientation-1.jpg",
        pre: "image/resize,w_400",
        font: FontName::DroidSansFallback,
        args: "size_36,color_FF0000,shadow_60",
        post: "/format,png",
    },
    Mark {
        name: "wm-shusong",
        fixture: "orientation-1.jpg",
        pre: "image/resize,w_400",
        font: FontName::FangzhengShusong,
        args: "size_36,color_FF0000,g_south,y_25",
        post: "/format,png",
    },
    Mark {
        name: "wm-kaiti",
        fixture: "orientation-1.jpg",
        pre: "image/resize,w_400",
        font: FontName::FangzhengKaiti,
        args: "size_36,color_FF0000,g_west,x_5,voffset_-60",
        post: "/format,png",
    },
    Mark {
        name: "wm-heiti",
        fixture: "orientation-1.jpg",
        pre: "image/resize,w_400",
        font: FontName::FangzhengHeiti,
        args: "size_36,color_FF0000,g_ne,x_0,y_0",
        post: "/format,png",
    },
    Mark {
        name: "wm-fangsong",
        fixture: "orientation-1.jpg",
        pre: "image/resize,w_400",
        font: FontName::FangzhengFangsong,
        args: "size_32,color_FF0000,g_east,x_12,voffset_40,rotate_10",
        post: "/format,png",
    },
    Mark {
        name: "wm-jpeg",
        fixture: "photo-2mp.jpg",
        pre: "image/resize,w_400",
        font: FontName::WqyZenhei,
        args: "size_30,color_FFFF00,t_80,g_sw,x_8,y_6",
        post: "/quality,Q_80",
    },
    Mark {
        name: "wm-tiled",
        fixture: "orientation-1.jpg",
        pre: "image/resize,w_400",
        font: FontName::WqyZenhei,
        args: "size_20,color_0000FF,fill_1,padx_20,pady_30,t_60,rotate_30",
        post: "/format,png",
    },
];

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A rectangle: left, top, width, height (may reach outside the image).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rect {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
}

impl Rect {
    fn contains(&self, x: i64, y: i64) -> bool {
        x >= self.x && y >= self.y && x < self.x + self.w && y < self.y + self.h
    }

    /// The part inside a `w × h` image.
    fn clip(&self, w: u32, h: u32) -> Rect {
        let x0 = self.x.clamp(0, i64::from(w));
        let y0 = self.y.clamp(0, i64::from(h));
        let x1 = (self.x + self.w).clamp(0, i64::from(w));
        let y1 = (self.y + self.h).clamp(0, i64::from(h));
        Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        }
    }

    /// Grown outwards to a multiple of `grid`, then by `extra` pixels.
    fn snap(&self, grid: i64, extra: i64) -> Rect {
        let x0 = self.x.div_euclid(grid) * grid - extra;
        let y0 = self.y.div_euclid(grid) * grid - extra;
        let x1 = (self.x + self.w + grid - 1).div_euclid(grid) * grid + extra;
        let y1 = (self.y + self.h + grid - 1).div_euclid(grid) * grid + extra;
        Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        }
    }
}

impl Mark {
    fn watermark(&self, font: FontName) -> String {
        format!(
            "watermark,text_{TEXT},type_{},{}",
            b64(font.name()),
            self.args
        )
    }

    fn process(&self, font: FontName) -> String {
        format!("{}/{}{}", self.pre, self.watermark(font), self.post)
    }

    /// The output with the watermark in `font`.
    fn marked(&self, font: FontName) -> Frame {
        let (_, image) = render(self.fixture, &self.process(font));
        image.frames.into_iter().next().expect("a frame")
    }

    /// The same processing without the watermark.
    fn plain(&self) -> (Format, Frame) {
        let (format, image) = render(self.fixture, &format!("{}{}", self.pre, self.post));
        (format, image.frames.into_iter().next().expect("a frame"))
    }

    fn params(&self) -> Params {
        let wm = self.watermark(self.font);
        watermark::parse_args(&Args::split(&wm)).expect("watermark parses")
    }

    /// The block (w, h) on an image of `base` size.
    fn block(&self, base: (u32, u32)) -> (u32, u32) {
        watermark::block_size(&self.params(), base, &NoResources, &Limits::default())
            .expect("block size")
    }

    /// Where the block must land on a `W × H` image (§5.15.1 table).
    fn placement(&self, base: (u32, u32)) -> Rect {
        let p = self.params();
        let (bw, bh) = self.block(base);
        let (iw, ih, w, h) = (
            i64::from(base.0),
            i64::from(base.1),
            i64::from(bw),
            i64::from(bh),
        );
        let (x, y, v) = (i64::from(p.x), i64::from(p.y), i64::from(p.voffset));
        let centre = (iw - w).div_euclid(2);
        let middle = (ih - h).div_euclid(2) + v;
        let (left, top) = match p.gravity {
            Gravity::Nw => (x, y),
            Gravity::North => (centre, y),
            Gravity::Ne => (iw - w - x, y),
            Gravity::West => (x, middle),
            Gravity::Center => (centre, middle),
            Gravity::East => (iw - w - x, middle),
            Gravity::Sw => (x, ih - h - y),
            Gravity::South => (centre, ih - h - y),
            Gravity::Se => (iw - w - x, ih - h - y),
        };
        Rect {
            x: left,
            y: top,
            w,
            h,
        }
    }

    /// The region compared with the reference: the placed block, or for a
    /// tiled watermark the first lattice cell (a block and its gaps).
    fn region(&self, base: (u32, u32)) -> Rect {
        let p = self.params();
        if p.fill {
            let (bw, bh) = self.block(base);
            Rect {
                x: 0,
                y: 0,
                w: i64::from(bw + p.padx),
                h: i64::from(bh + p.pady),
            }
            .clip(base.0, base.1)
        } else {
            self.placement(base).clip(base.0, base.1)
        }
    }
}

fn crop(f: &Frame, r: Rect) -> Frame {
    let mut data = Vec::with_capacity((r.w * r.h * 4) as usize);
    for y in r.y..r.y + r.h {
        let start = ((y * i64::from(f.width) + r.x) * 4) as usize;
        data.extend_from_slice(&f.data[start..start + (r.w * 4) as usize]);
    }
    Frame {
        width: r.w as u32,
        height: r.h as u32,
        format: PixelFormat::Rgba8,
        data,
        delay_ms: 0,
    }
}

fn px(f: &Frame, x: i64, y: i64) -> &[u8] {
    let i = ((y * i64::from(f.width) + x) * 4) as usize;
    &f.data[i..i + 4]
}

/// Pixels (x, y) where `a` and `b` differ.
fn changed(a: &Frame, b: &Frame) -> Vec<(i64, i64)> {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let mut out = Vec::new();
    for y in 0..i64::from(a.height) {
        for x in 0..i64::from(a.width) {
            if px(a, x, y) != px(b, x, y) {
                out.push((x, y));
            }
        }
    }
    out
}

/// Bounding box of a set of pixels.
fn bbox(points: &[(i64, i64)]) -> Rect {
    let x0 = points.iter().map(|p| p.0).min().expect("points");
    let y0 = points.iter().map(|p| p.1).min().expect("points");
    let x1 = points.iter().map(|p| p.0).max().expect("points") + 1;
    let y1 = points.iter().map(|p| p.1).max().expect("points") + 1;
    Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    }
}

/// A placed (not tiled) watermark changes only its block, and fills most of
/// it. For lossless output the block is exact; for JPEG the 16 × 16 blocks
/// it touches (chroma subsampling) and 2 px of upsampling around them.
fn check_placement(m: &Mark, format: Format, plain: &Frame, marked: &Frame) {
    let base = (plain.width, plain.height);
    let block = m.placement(base);
    let allowed = if format == Format::Jpeg {
        block.snap(16, 2)
    } else {
        block
    };
    let diff = changed(plain, marked);
    assert!(!diff.is_empty(), "{}: no watermark drawn", m.name);
    let outside: Vec<_> = diff
        .iter()
        .filter(|(x, y)| !allowed.contains(*x, *y))
        .collect();
    assert!(
        outside.is_empty(),
        "{}: {} pixels changed outside {allowed:?} (block {block:?}), first {:?}",
        m.name,
        outside.len(),
        outside.first()
    );
    // The ink spans the block: compare with the pixels that clearly changed.
    let strong: Vec<_> = diff
        .iter()
        .copied()
        .filter(|&(x, y)| {
            let (a, b) = (px(plain, x, y), px(marked, x, y));
            a.iter().zip(b).map(|(p, q)| p.abs_diff(*q)).max() > Some(40)
        })
        .collect();
    let ink = bbox(&strong);
    let visible = block.clip(base.0, base.1);
    assert!(
        ink.w * 10 >= visible.w * 9 && ink.h * 2 >= visible.h,
        "{}: ink {ink:?} does not span the block {visible:?}",
        m.name
    );
    // Side bearings: at most a fifth of the em; a rotated text's box
    // corners reach out by up to its height (about 1.3 em) × sin(rotation).
    let text = m.params().text.expect("text");
    let size = f64::from(text.size);
    let tilt = f64::from(text.rotate).to_radians().sin().abs();
    let bearing = (size / 5.0 + 1.3 * size * tilt).ceil() as i64;
    assert!(
        ink.x - visible.x <= bearing && (visible.x + visible.w) - (ink.x + ink.w) <= bearing,
        "{}: ink {ink:?} not at the block's left and right edges {visible:?}",
        m.name
    );
}

/// Estimated watermark coverage (alpha × opacity, 0..1) at one pixel from
/// the un-watermarked and watermarked colours: the projection of the change
/// on `colour − background`; `None` where the background is too close to
/// the colour for an estimate.
fn coverage(plain: &[u8], marked: &[u8], colour: [u8; 3]) -> Option<f64> {
    let d: Vec<f64> = (0..3)
        .map(|c| f64::from(colour[c]) - f64::from(plain[c]))
        .collect();
    let n2: f64 = d.iter().map(|v| v * v).sum();
    if n2 < 150.0 * 150.0 {
        return None;
    }
    let dot: f64 = (0..3)
        .map(|c| (f64::from(marked[c]) - f64::from(plain[c])) * d[c])
        .sum();
    Some(dot / n2)
}

/// A tiled watermark: every changed pixel lies in a block of the lattice
/// with steps `w + padx`, `h + pady` from (0, 0); every block fully inside
/// the image is drawn; and all drawn blocks carry the same coverage at the
/// same offsets (so the pitch is exact, not merely inside the gaps).
fn check_lattice(m: &Mark, plain: &Frame, marked: &Frame, colour: [u8; 3]) {
    let p = m.params();
    let base = (plain.width, plain.height);
    let (bw, bh) = m.block(base);
    let (bw, bh) = (i64::from(bw), i64::from(bh));
    let (sx, sy) = (bw + i64::from(p.padx), bh + i64::from(p.pady));
    let (iw, ih) = (i64::from(base.0), i64::from(base.1));
    let diff = changed(plain, marked);
    let stray: Vec<_> = diff
        .iter()
        .filter(|(x, y)| x % sx >= bw || y % sy >= bh)
        .collect();
    assert!(
        stray.is_empty(),
        "{}: {} changed pixels in the gaps of the {sx}×{sy} lattice, first {:?}",
        m.name,
        stray.len(),
        stray.first()
    );
    let mut full = Vec::new();
    for ty in (0..ih).step_by(sy as usize) {
        for tx in (0..iw).step_by(sx as usize) {
            let drawn = diff
                .iter()
                .any(|&(x, y)| x >= tx && y >= ty && x < tx + bw && y < ty + bh);
            assert!(drawn, "{}: no tile at ({tx}, {ty})", m.name);
            if tx + bw <= iw && ty + bh <= ih {
                full.push((tx, ty));
            }
        }
    }
    assert!(full.len() >= 4, "{}: {} full tiles", m.name, full.len());
    // Coverage of the first tile, then every other full tile against it.
    let (fx, fy) = full[0];
    let mut compared = 0;
    for &(tx, ty) in &full[1..] {
        for oy in 0..bh {
            for ox in 0..bw {
                let a = coverage(
                    px(plain, fx + ox, fy + oy),
                    px(marked, fx + ox, fy + oy),
                    colour,
                );
                let b = coverage(
                    px(plain, tx + ox, ty + oy),
                    px(marked, tx + ox, ty + oy),
                    colour,
                );
                if let (Some(a), Some(b)) = (a, b) {
                    assert!(
                        (a - b).abs() <= 0.03,
                        "{}: coverage {a:.3} at ({},{}) but {b:.3} at ({},{})",
                        m.name,
                        fx + ox,
                        fy + oy,
                        tx + ox,
                        ty + oy
                    );
                    if a.max(b) > 0.3 {
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(
        compared >= 100 * (full.len() - 1),
        "{}: only {compared} inked pixels compared",
        m.name
    );
}

fn colour_of(m: &Mark) -> [u8; 3] {
    m.params().text.expect("text").color.0
}

#[test]
fn watermarks_land_in_their_blocks_and_match_their_references() {
    let mut missing = Vec::new();
    for m in MARKS {
        let (format, plain) = m.plain();
        let marked = m.marked(m.font);
        let base = (plain.width, plain.height);
        if m.params().fill {
            check_lattice(m, &plain, &marked, colour_of(m));
        } else {
            check_placement(m, format, &plain, &marked);
        }
        let got = crop(&marked, m.region(base));
        match reference(m.name) {
            Some(want) => {
                let s = score(&want, &got);
                assert!(
                    s >= MARK_MIN,
                    "{}: block SSIMULACRA 2 {s:.1} < {MARK_MIN}",
                    m.name
                );
            }
            None => bless_or_miss(m.name, &got, &mut missing),
        }
    }
    assert_none_missing(&missing);
}

/// The watermark bound rejects a missing watermark and every other font:
/// the un-watermarked output, and the same watermark drawn in each of the
/// six other fonts, all score below [`MARK_MIN`] in the reference's region.
#[test]
fn watermark_bound_rejects_missing_mark_and_other_fonts() {
    let mut worst: f64 = f64::NEG_INFINITY;
    for m in MARKS {
        let want = reference(m.name).unwrap_or_else(|| panic!("{}: no reference", m.name));
        let (_, plain) = m.plain();
        let region = m.region((plain.width, plain.height));
        let s = score(&want, &crop(&plain, region));
        eprintln!("{}: without the watermark {s:.1}", m.name);
        assert!(s < MARK_MIN, "{}: no watermark scores {s:.1}", m.name);
        worst = worst.max(s);
        for font in FontName::ALL.into_iter().filter(|f| *f != m.font) {
            let s = score(&want, &crop(&m.marked(font), region));
            eprintln!("{}: in {} {s:.1}", m.name, font.name());
            assert!(
                s < MARK_MIN,
                "{}: the same text in {} scores {s:.1}, not below {MARK_MIN}",
                m.name,
                font.name()
            );
            worst = worst.max(s);
        }
    }
    eprintln!("highest rejected score: {worst:.1} (bound {MARK_MIN})");
}

/// A deterministic ±1 change of every colour value, the size of a rounding
/// difference between two builds of a resampler, rasteriser or decoder.
fn jitter(f: &Frame) -> Frame {
    let mut state: u32 = 0x2545_f491;
    let mut out = f.clone();
    for (i, v) in out.data.iter_mut().enumerate() {
        if i % 4 == 3 {
            continue;
        }
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *v = match state % 3 {
            0 => v.saturating_sub(1),
            1 => *v,
            _ => v.saturating_add(1),
        };
    }
    out
}

/// The bounds leave room for rounding: every reference with each colour
/// value moved by ±1 at random (far more change than a different rounding
/// in a resampler or rasteriser makes) still passes.
#[test]
fn bounds_tolerate_rounding_noise() {
    let mut lowest = f64::INFINITY;
    for &(name, ..) in PERCEPTUAL {
        let want = reference(name).unwrap_or_else(|| panic!("{name}: no reference"));
        let s = score(&want, &jitter(&want));
        eprintln!("{name}: ±1 noise {s:.1}");
        assert!(s >= LOSSY_MIN, "{name}: ±1 noise scores {s:.1}");
        lowest = lowest.min(s);
    }
    for m in MARKS {
        let want = reference(m.name).unwrap_or_else(|| panic!("{}: no reference", m.name));
        let s = score(&want, &jitter(&want));
        eprintln!("{}: ±1 noise {s:.1}", m.name);
        assert!(s >= MARK_MIN, "{}: ±1 noise scores {s:.1}", m.name);
        lowest = lowest.min(s);
    }
    eprintln!("lowest score with ±1 noise: {lowest:.1}");
}
