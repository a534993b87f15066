//! The worked watermark examples of image-processing.md §10.5 (rows 81–93),
//! each run as written through `img::process` on `example.jpg` (the
//! 400×267 JPEG of the other §10 examples), with `logo.png` (120×40) and
//! `panda.png` (200×200) in a test bucket.
//!
//! Where a watermark lands is read from the difference between the output
//! and the same processing without the watermark; the logo is opaque blue
//! and the panda opaque red, so their pixels are told apart from the photo.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ossimg::img::codec::{self, DecodeOptions, EncodeOptions};
use ossimg::img::frame::{Format, Frame, Image, PixelFormat};
use ossimg::img::plan::args::Args;
use ossimg::img::watermark;
use ossimg::img::{self, Error, ErrorCode, Limits, Resources};

// --- sources and the bucket ----------------------------------------------------

/// A smooth, opaque RGB gradient (the same as `tests/img_examples.rs`).
fn gradient(w: u32, h: u32) -> Frame {
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            data.extend_from_slice(&[
                (x * 255 / w.max(2)) as u8,
                (y * 255 / h.max(2)) as u8,
                ((x + y) % 256) as u8 / 2 + 64,
            ]);
        }
    }
    Frame {
        width: w,
        height: h,
        format: PixelFormat::Rgb8,
        data,
        delay_ms: 0,
    }
}

fn encode(frame: Frame, format: Format, quality: u8) -> Vec<u8> {
    codec::encode(
        &Image {
            frames: vec![frame],
            loop_count: 0,
        },
        &EncodeOptions {
            format,
            quality,
            progressive: false,
        },
    )
    .expect("encodes")
}

/// `example.jpg`: 400×267, quality 90.
fn example() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| encode(gradient(400, 267), Format::Jpeg, 90))
}

const BLUE: [u8; 3] = [0, 0, 255];
const RED: [u8; 3] = [255, 0, 0];

fn solid_png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let frame = Frame {
        width: w,
        height: h,
        format: PixelFormat::Rgba8,
        data: [rgb[0], rgb[1], rgb[2], 255].repeat((w * h) as usize),
        delay_ms: 0,
    };
    encode(frame, Format::Png, 100)
}

/// The bucket of the examples: `logo.png` 120×40 blue, `panda.png` 200×200
/// red (§10.5 preamble).
struct Bucket(HashMap<&'static str, Vec<u8>>);

fn bucket() -> &'static Bucket {
    static B: OnceLock<Bucket> = OnceLock::new();
    B.get_or_init(|| {
        Bucket(HashMap::from([
            ("logo.png", solid_png(120, 40, BLUE)),
            ("panda.png", solid_png(200, 200, RED)),
        ]))
    })
}

impl Resources for Bucket {
    fn style(&self, _name: &str) -> Result<Option<String>, Error> {
        Ok(None)
    }
    fn watermark_object(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.get(key).cloned())
    }
}

// --- running and reading -------------------------------------------------------

fn run(process: &str) -> Result<Vec<u8>, Error> {
    let out = img::process(example(), process, bucket(), &Limits::default())?;
    let probe = codec::probe(&out.bytes, &Limits::default()).expect("probes");
    assert_eq!(out.content_type, probe.format.content_type());
    Ok(out.bytes)
}

/// Runs a row: JPEG output of `w × h`, decoded to RGB.
fn jpeg(process: &str, (w, h): (u32, u32)) -> Frame {
    let bytes = run(process).unwrap_or_else(|e| panic!("{process}: {e}"));
    let probe = codec::probe(&bytes, &Limits::default()).expect("probes");
    assert_eq!(
        (probe.format, probe.width, probe.height, probe.frames),
        (Format::Jpeg, w, h, 1),
        "{process}"
    );
    let image = codec::decode(&bytes, &probe, &DecodeOptions::default()).expect("decodes");
    let f = image.frames.into_iter().next().expect("a frame");
    assert_eq!(f.format, PixelFormat::Rgb8);
    f
}

fn err(process: &str) -> Error {
    match run(process) {
        Ok(_) => panic!("{process}: expected an error"),
        Err(e) => e,
    }
}

fn px(f: &Frame, x: i64, y: i64) -> [u8; 3] {
    let i = ((y * i64::from(f.width) + x) * 3) as usize;
    [f.data[i], f.data[i + 1], f.data[i + 2]]
}

fn diff(a: [u8; 3], b: [u8; 3]) -> u8 {
    (0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap_or(0)
}

/// Left, top, width, height.
type Rect = (i64, i64, i64, i64);

fn inside(r: Rect, x: i64, y: i64, grow: i64) -> bool {
    x >= r.0 - grow && y >= r.1 - grow && x < r.0 + r.2 + grow && y < r.1 + r.3 + grow
}

/// Pixels where `marked` differs clearly (by more than JPEG noise) from
/// `plain`.
fn changed(plain: &Frame, marked: &Frame) -> Vec<(i64, i64)> {
    assert_eq!((plain.width, plain.height), (marked.width, marked.height));
    let mut out = Vec::new();
    for y in 0..i64::from(plain.height) {
        for x in 0..i64::from(plain.width) {
            if diff(px(plain, x, y), px(marked, x, y)) > 40 {
                out.push((x, y));
            }
        }
    }
    out
}

/// The pixels that clearly changed form exactly `rects` (clipped to the
/// image); returns the clipped rectangles.
fn assert_region(row: u32, plain: &Frame, marked: &Frame, rects: &[Rect]) -> Vec<Rect> {
    let (w, h) = (i64::from(plain.width), i64::from(plain.height));
    let hits: HashSet<(i64, i64)> = changed(plain, marked).into_iter().collect();
    let clipped: Vec<Rect> = rects
        .iter()
        .map(|r| {
            let (x0, y0) = (r.0.max(0), r.1.max(0));
            let (x1, y1) = ((r.0 + r.2).min(w), (r.1 + r.3).min(h));
            (x0, y0, x1 - x0, y1 - y0)
        })
        .collect();
    for y in 0..h {
        for x in 0..w {
            let want = clipped.iter().any(|r| inside(*r, x, y, 0));
            assert_eq!(
                hits.contains(&(x, y)),
                want,
                "#{row}: ({x},{y}) {} but the marks are {rects:?}",
                if want { "unchanged" } else { "changed" }
            );
        }
    }
    clipped
}

/// Opaque marks of `colour` cover exactly `rects` (clipped to the image),
/// and their insides have the mark's colour.
fn assert_marks(row: u32, plain: &Frame, marked: &Frame, rects: &[Rect], colour: [u8; 3]) {
    for r in assert_region(row, plain, marked, rects) {
        // One pixel in from the edges the JPEG blur is gone.
        for y in r.1 + 1..r.1 + r.3 - 1 {
            for x in r.0 + 1..r.0 + r.2 - 1 {
                assert!(
                    diff(px(marked, x, y), colour) <= 24,
                    "#{row}: ({x},{y}) in {r:?} is {:?}, not {colour:?}",
                    px(marked, x, y)
                );
            }
        }
    }
}

/// How far JPEG ringing around anti-aliased text may reach out of the
/// text's block, in pixels.
const SPILL: i64 = 0;

/// The block of a text watermark (width, height) on a `base` image.
fn text_block(args: &str, base: (u32, u32)) -> (i64, i64) {
    let params = watermark::parse_args(&Args::split(args)).expect("parses");
    let (w, h) =
        watermark::block_size(&params, base, bucket(), &Limits::default()).expect("block size");
    (i64::from(w), i64::from(h))
}

// --- the rows ----------------------------------------------------------------------

#[test]
fn row_81_default_text() {
    let process = "image/watermark,text_SGVsbG8gV29ybGQ";
    let marked = jpeg(process, (400, 267));
    let plain = jpeg("image/format,jpg", (400, 267));
    // The defaults are black, 40 px, wqy-zenhei, g_se, x_10, y_10, t_100.
    let explicit = "image/watermark,text_SGVsbG8gV29ybGQ,type_d3F5LXplbmhlaQ,size_40,\
                    color_000000,g_se,x_10,y_10,t_100";
    assert_eq!(
        run(process).expect("runs"),
        run(explicit).expect("runs"),
        "#81: defaults"
    );
    let (bw, bh) = text_block("watermark,text_SGVsbG8gV29ybGQ", (400, 267));
    assert!(
        (180..=260).contains(&bw) && (40..=60).contains(&bh),
        "{bw}×{bh}"
    );
    // Block's right edge 10 px from the right, bottom edge 10 px from the bottom.
    let block = (390 - bw, 257 - bh, bw, bh);
    let hits = changed(&plain, &marked);
    assert!(hits.iter().all(|&(x, y)| inside(block, x, y, SPILL)), "#81");
    let right = hits.iter().map(|p| p.0).max().expect("text drawn");
    let left = hits.iter().map(|p| p.0).min().expect("text drawn");
    assert!((382..=391).contains(&right), "#81: ink ends at x = {right}");
    assert!(left <= block.0 + 8, "#81: ink starts at x = {left}");
    // Black: the darkest pixels of the text are near black.
    let darkest = hits
        .iter()
        .map(|&(x, y)| px(&marked, x, y).into_iter().max().unwrap_or(0))
        .min();
    assert!(darkest <= Some(24), "#81: darkest {darkest:?}");
    // 40 px: capitals are about 0.7 em tall.
    let top = hits.iter().map(|p| p.1).min().unwrap_or(0);
    let bottom = hits.iter().map(|p| p.1).max().unwrap_or(0);
    assert!((26..=34).contains(&(bottom - top + 1)), "#81: ink height");
}

#[test]
fn row_82_white_text_with_shadow_after_resize() {
    let wm = "watermark,type_d3F5LXplbmhlaQ,size_30,text_SGVsbG8gV29ybGQ,color_FFFFFF,\
              shadow_50,t_100,g_se,x_10,y_10";
    let marked = jpeg(&format!("image/resize,w_300,h_300/{wm}"), (300, 200));
    let plain = jpeg("image/resize,w_300,h_300", (300, 200));
    let (bw, bh) = text_block(wm, (300, 200));
    // Right edge at x = 290, bottom edge at y = 190.
    let block = (290 - bw, 190 - bh, bw, bh);
    let hits = changed(&plain, &marked);
    assert!(!hits.is_empty(), "#82: nothing drawn");
    assert!(hits.iter().all(|&(x, y)| inside(block, x, y, SPILL)), "#82");
    let right = hits.iter().map(|p| p.0).max().unwrap_or(0);
    assert!((283..=291).contains(&right), "#82: ink ends at x = {right}");
    // White text.
    let white = hits
        .iter()
        .filter(|&&(x, y)| px(&marked, x, y).iter().all(|&v| v >= 235))
        .count();
    assert!(white >= 100, "#82: {white} white pixels");
    // A 50 % black shadow: pixels at about half the photo's brightness,
    // max(1, 30/20) = 1 px right and below the text.
    let shaded = hits
        .iter()
        .filter(|&&(x, y)| {
            let (p, m) = (px(&plain, x, y), px(&marked, x, y));
            (0..3).all(|c| {
                let want = i32::from(p[c]) / 2;
                (i32::from(m[c]) - want).abs() <= 12
            })
        })
        .count();
    assert!(shaded >= 30, "#82: {shaded} half-dark shadow pixels");
}

#[test]
fn rows_83_to_86_logo_positions() {
    let plain = jpeg("image/format,jpg", (400, 267));
    let rows: [(u32, &str, &[Rect]); 4] = [
        (
            83,
            "image/watermark,image_bG9nby5wbmc",
            &[(270, 217, 120, 40)],
        ),
        (
            84,
            "image/watermark,image_bG9nby5wbmc,g_nw/watermark,image_bG9nby5wbmc,g_south,y_30",
            &[(10, 10, 120, 40), (140, 197, 120, 40)],
        ),
        (
            85,
            "image/watermark,image_bG9nby5wbmc,g_center,voffset_20",
            &[(140, 133, 120, 40)],
        ),
        (
            86,
            "image/watermark,image_bG9nby5wbmc,g_east,x_0",
            &[(280, 113, 120, 40)],
        ),
    ];
    for (row, process, rects) in rows {
        let marked = jpeg(process, (400, 267));
        assert_marks(row, &plain, &marked, rects, BLUE);
    }
}

#[test]
fn row_87_panda_p30_after_resize() {
    let process = "image/resize,w_300/watermark,\
                   image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,\
                   t_90,g_se,x_10,y_10";
    let marked = jpeg(process, (300, 200));
    let plain = jpeg("image/resize,w_300", (300, 200));
    // P_30 of 300×200 is the box 90×60: the panda becomes 60×60 at (230, 130).
    assert_region(87, &plain, &marked, &[(230, 130, 60, 60)]);
    // 90 % opacity: 0.9 × red + 0.1 × the photo.
    for (x, y) in [(240, 140), (260, 160), (280, 180)] {
        let p = px(&plain, x, y);
        let want: Vec<i32> = (0..3)
            .map(|c| (9 * i32::from(RED[c]) + i32::from(p[c]) + 5) / 10)
            .collect();
        let got = px(&marked, x, y);
        assert!(
            (0..3).all(|c| (i32::from(got[c]) - want[c]).abs() <= 8),
            "#87: ({x},{y}) is {got:?}, want {want:?}"
        );
    }
}

#[test]
fn rows_88_89_logo_p20_in_both_base64_spellings() {
    let plain = jpeg("image/format,jpg", (400, 267));
    let url_safe = "image/watermark,image_bG9nby5wbmc_eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA";
    let standard = "image/watermark,image_bG9nby5wbmc/eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA==";
    // P_20 of 400×267 is the box 80×53: the logo becomes 80×27 at (310, 230).
    let marked = jpeg(url_safe, (400, 267));
    assert_marks(88, &plain, &marked, &[(310, 230, 80, 27)], BLUE);
    assert_eq!(
        run(standard).expect("#89 runs"),
        run(url_safe).expect("#88 runs"),
        "#89 is identical to #88"
    );
}

#[test]
fn row_90_tiled_logo() {
    let plain = jpeg("image/format,jpg", (400, 267));
    let marked = jpeg(
        "image/watermark,image_bG9nby5wbmc,fill_1,padx_20,pady_20",
        (400, 267),
    );
    let mut tiles = Vec::new();
    for y in [0, 60, 120, 180, 240] {
        for x in [0, 140, 280] {
            tiles.push((x, y, 120, 40));
        }
    }
    assert_eq!(tiles.len(), 15);
    assert_marks(90, &plain, &marked, &tiles, BLUE);
    // The right column ends exactly at x = 400; the bottom row is clipped
    // to 27 rows (240..267).
    assert!(diff(px(&marked, 399, 20), BLUE) <= 24);
    assert!(diff(px(&marked, 60, 266), BLUE) <= 24);
}

#[test]
fn rows_91_92_93_errors() {
    let e = err("image/watermark,image_bm9uZXhpc3QucG5n");
    assert_eq!(
        (e.code, e.ec, e.code.http_status()),
        (ErrorCode::WatermarkError, Some("0040-00000025"), 400),
        "#91: {e}"
    );
    let e = err("image/watermark,t_50");
    assert_eq!(
        (e.code, e.ec, e.code.http_status()),
        (ErrorCode::InvalidArgument, Some("0040-00000278"), 400),
        "#92: {e}"
    );
    let letters: String = ('a'..='z').cycle().take(65).collect();
    let text = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&letters)
    };
    let e = err(&format!("image/watermark,text_{text}"));
    assert_eq!(
        (e.code, e.code.http_status()),
        (ErrorCode::InvalidArgument, 400),
        "#93: {e}"
    );
    assert_eq!(e.message, "font content is too large", "#93");
    // 64 letters are still accepted.
    let ok_text = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&letters[..64])
    };
    jpeg(
        &format!("image/watermark,text_{ok_text},size_8"),
        (400, 267),
    );
}
