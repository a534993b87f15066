//! The worked examples of image-processing.md §10 (watermarks excepted: they
//! are in `tests/img_watermark_examples.rs`), end to end through
//! `img::process` on synthetic JPEG, PNG and GIF sources.

use std::sync::OnceLock;

use ossimg::img::codec::{self, EncodeOptions};
use ossimg::img::frame::{Format, Frame, Image, PixelFormat};
use ossimg::img::{self, Error, ErrorCode, Limits, NoResources, Output, Resources};

// --- sources -------------------------------------------------------------

/// A smooth, opaque RGB frame (no flat areas, so JPEG keeps it close).
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
    frame(w, h, PixelFormat::Rgb8, data)
}

fn uniform(w: u32, h: u32, rgb: [u8; 3]) -> Frame {
    frame(w, h, PixelFormat::Rgb8, rgb.repeat((w * h) as usize))
}

fn frame(w: u32, h: u32, format: PixelFormat, data: Vec<u8>) -> Frame {
    Frame {
        width: w,
        height: h,
        format,
        data,
        delay_ms: 0,
    }
}

fn encode(frames: Vec<Frame>, format: Format, quality: u8) -> Vec<u8> {
    let image = Image {
        frames,
        loop_count: 0,
    };
    codec::encode(
        &image,
        &EncodeOptions {
            format,
            quality,
            progressive: false,
        },
    )
    .unwrap()
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    encode(vec![gradient(w, h)], Format::Jpeg, 90)
}

/// `example.jpg`: 400×267.
fn example() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| jpeg(400, 267))
}

/// `example1.jpg`: 2500×1875.
fn example1() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| jpeg(2500, 1875))
}

/// A JPEG with an EXIF APP1 segment carrying `Orientation`.
fn with_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let mut app1 = vec![0xFF, 0xE1, 0x00, 34];
    app1.extend_from_slice(b"Exif\0\0MM\0*\0\0\0\x08");
    app1.extend_from_slice(&[0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]);
    app1.extend_from_slice(&[0x00, orientation, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// `f.jpg`: stored 424×333 with EXIF orientation 7.
fn f_jpg() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| with_orientation(&jpeg(424, 333), 7))
}

/// An animated GIF, 320×240, 10 frames of 50 ms… 140 ms.
fn animated_gif() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| {
        let frames = (0..10)
            .map(|i| Frame {
                delay_ms: 50 + 10 * i,
                ..uniform(320, 240, [20 * i as u8, 100, 200])
            })
            .collect();
        encode(frames, Format::Gif, 90)
    })
}

// --- running and inspecting ------------------------------------------------

fn run(source: &[u8], process: &str) -> Result<Output, Error> {
    img::process(source, process, &NoResources, &Limits::default())
}

fn ok(source: &[u8], process: &str) -> Output {
    run(source, process).unwrap_or_else(|e| panic!("{process}: {e}"))
}

fn err(source: &[u8], process: &str) -> Error {
    match run(source, process) {
        Ok(_) => panic!("{process}: expected an error"),
        Err(e) => e,
    }
}

/// Decodes an output: (format, width, height, frames).
fn shape(out: &Output) -> (Format, u32, u32, u32) {
    let p = codec::probe(&out.bytes, &Limits::default()).unwrap();
    assert_eq!(out.content_type, p.format.content_type());
    (p.format, p.width, p.height, p.frames)
}

fn size(source: &[u8], process: &str) -> (u32, u32) {
    let (_, w, h, _) = shape(&ok(source, process));
    (w, h)
}

fn decode(out: &Output, all_frames: bool) -> Image {
    let p = codec::probe(&out.bytes, &Limits::default()).unwrap();
    codec::decode(
        &out.bytes,
        &p,
        &codec::DecodeOptions {
            min_size: None,
            all_frames,
        },
    )
    .unwrap()
}

fn pixel(f: &Frame, x: u32, y: u32) -> Vec<u8> {
    let ch = f.format.channels();
    let i = (y as usize * f.width as usize + x as usize) * ch;
    f.data[i..i + ch].to_vec()
}

fn near(a: &[u8], b: &[u8], tol: i32) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (i32::from(*x) - i32::from(*y)).abs() <= tol)
}

fn assert_ec(e: &Error, code: ErrorCode, ec: Option<&str>) {
    assert_eq!((e.code, e.ec), (code, ec), "{e}");
}

// --- §10.1 resize ------------------------------------------------------------

#[test]
fn resize_200x100() {
    let src = jpeg(200, 100);
    assert_eq!(size(&src, "image/resize,w_150,h_80"), (150, 75));
    assert_eq!(size(&src, "image/resize,m_mfit,w_150,h_80"), (160, 80));
    assert_eq!(size(&src, "image/resize,m_fill,w_150,h_80"), (150, 80));
    assert_eq!(size(&src, "image/resize,m_fixed,w_150,h_80"), (150, 80));
    // #4: 150×75 at (0, 2) on white; rows 0–1 and 77–79 white.
    let pad = ok(&src, "image/resize,m_pad,w_150,h_80/format,png");
    let f = &decode(&pad, false).frames[0];
    assert_eq!((f.width, f.height), (150, 80));
    for y in [0, 1, 77, 78, 79] {
        assert_eq!(pixel(f, 75, y), vec![255, 255, 255], "row {y}");
    }
    assert!(!near(&pixel(f, 75, 3), &[255, 255, 255], 20));
    assert!(!near(&pixel(f, 75, 75), &[255, 255, 255], 20));
    // #3: the fill keeps the region from x = 5 of the 160×80 scaling; its
    // left column shows source column ≈ 6.5 (red ≈ 8).
    let fill = ok(&src, "image/resize,m_fill,w_150,h_80/format,png");
    let f = &decode(&fill, false).frames[0];
    assert!(
        near(&pixel(f, 0, 40)[..1], &[8], 4),
        "{:?}",
        pixel(f, 0, 40)
    );
}

#[test]
fn resize_example1() {
    let src = example1();
    assert_eq!(size(src, "image/resize,p_50"), (1250, 938));
    assert_eq!(size(src, "image/resize,w_200"), (200, 150));
    assert_eq!(size(src, "image/resize,w_3000"), (2500, 1875));
    assert_eq!(size(src, "image/resize,h_100"), (133, 100));
    assert_eq!(size(src, "image/resize,l_200"), (200, 150));
    assert_eq!(size(src, "image/resize,s_200"), (267, 200));
    assert_eq!(size(src, "image/resize,m_fixed,w_100,h_100"), (100, 100));
    assert_eq!(size(src, "image/resize,m_fill,w_100,h_100"), (100, 100));
    // #15: 100×75 at (0, 12); rows 0–11 and 87–99 red.
    let out = ok(
        src,
        "image/resize,m_pad,w_100,h_100,color_FF0000/format,png",
    );
    let f = &decode(&out, false).frames[0];
    assert_eq!((f.width, f.height), (100, 100));
    for y in [0, 11, 87, 99] {
        assert_eq!(pixel(f, 50, y), vec![255, 0, 0], "row {y}");
    }
    assert_ne!(pixel(f, 50, 12), vec![255, 0, 0]);
    assert_ne!(pixel(f, 50, 86), vec![255, 0, 0]);
    // The re-encoded declined resize is still a JPEG of the same size.
    let (fmt, ..) = shape(&ok(src, "image/resize,w_3000"));
    assert_eq!(fmt, Format::Jpeg);
    // #16: scaled to 133×100, the region from (16, 0) is kept. The source's
    // red channel is x·255/2500, so each output column shows the source
    // column under its centre: x = (i + 16 + ½)·2500/133 − ½. One scaled
    // column more or less (an offset of 15 or 17) moves red by 1.9.
    let fill = ok(src, "image/resize,m_fill,w_100,h_100/format,png");
    let f = &decode(&fill, false).frames[0];
    assert_eq!((f.width, f.height), (100, 100));
    for i in [0u32, 1, 50, 98, 99] {
        let x = (f64::from(i + 16) + 0.5) * 2500.0 / 133.0 - 0.5;
        // The mean of ⌊x·255/2500⌋ over neighbouring columns is ½ lower.
        let expected = x * 255.0 / 2500.0 - 0.5;
        let red = column_mean(f, i, 0);
        assert!(
            (red - expected).abs() < 0.8,
            "column {i}: red {red:.2}, expected {expected:.2}"
        );
    }
    // Rows are not cut: green runs from the source's top to its bottom.
    assert!(column_mean_rows(f, 0..2, 1) < 4.0);
    assert!(column_mean_rows(f, 98..100, 1) > 250.0);
}

/// The mean of channel `c` over column `x` of a frame.
fn column_mean(f: &Frame, x: u32, c: usize) -> f64 {
    let sum: f64 = (0..f.height).map(|y| f64::from(pixel(f, x, y)[c])).sum();
    sum / f64::from(f.height)
}

/// The mean of channel `c` over the rows `rows` of a frame.
fn column_mean_rows(f: &Frame, rows: std::ops::Range<u32>, c: usize) -> f64 {
    let n = f64::from(rows.len() as u32 * f.width);
    let sum: f64 = rows
        .flat_map(|y| (0..f.width).map(move |x| (x, y)))
        .map(|(x, y)| f64::from(pixel(f, x, y)[c]))
        .sum();
    sum / n
}

/// The enlarging examples of `example1.jpg` (slow in debug builds: the
/// resampler's generic kernels are compiled with the test crate).
#[test]
fn resize_example1_enlarge() {
    let src = example1();
    assert_eq!(size(src, "image/resize,p_120"), (3000, 2250));
    assert_eq!(size(src, "image/resize,w_3000,limit_0"), (3000, 2250));
    assert_eq!(size(src, "image/resize,h_2000,limit_0"), (2667, 2000));
}

#[test]
fn resize_256x144_png() {
    let src = encode(vec![gradient(256, 144)], Format::Png, 90);
    assert_eq!(size(&src, "image/resize,h_100"), (178, 100));
    let pad = ok(&src, "image/resize,m_pad,h_100");
    assert_eq!(shape(&pad), (Format::Png, 100, 100, 1));
    let f = &decode(&pad, false).frames[0];
    assert_eq!(pixel(f, 50, 21), vec![255, 255, 255]);
    assert_eq!(pixel(f, 50, 78), vec![255, 255, 255]);
    assert_ne!(pixel(f, 50, 22), vec![255, 255, 255]);
    // #20: 178×100, region from x = 39: first column ≈ source column 56.
    let fill = ok(&src, "image/resize,m_fill,h_100");
    let f = &decode(&fill, false).frames[0];
    assert_eq!((f.width, f.height), (100, 100));
    let expect = (56.3f64 * 255.0 / 256.0) as u8;
    assert!(
        near(&pixel(f, 0, 50)[..1], &[expect], 3),
        "{:?}",
        pixel(f, 0, 50)
    );
}

#[test]
fn resize_to_heic_ignores_l_when_h_given() {
    let src = encode(vec![uniform(3924, 2550, [90, 120, 60])], Format::Jpeg, 90);
    let out = ok(&src, "image/resize,l_923,h_600/format,heic");
    assert_eq!(out.content_type, "image/heic");
    assert_eq!(shape(&out), (Format::Heic, 923, 600, 1));
}

#[test]
fn resize_example_jpg() {
    let src = example();
    assert_eq!(size(src, "image/resize,h_100"), (150, 100));
    assert_eq!(size(src, "image/resize,l_100"), (100, 67));
    assert_eq!(size(src, "image/resize,l_100,m_mfit"), (100, 67));
    assert_eq!(size(src, "image/resize,m_lfit,h_100,w_100"), (100, 67));
    assert_eq!(size(src, "image/resize,m_mfit,h_100,w_100"), (150, 100));
    assert_eq!(size(src, "image/resize,w_500,limit_0"), (500, 334));
    assert_eq!(size(src, "image/resize,w_500"), (400, 267));
    let fixed = ok(src, "image/resize,m_fixed,w_100,h_100");
    assert_eq!(shape(&fixed), (Format::Jpeg, 100, 100, 1));
    assert_eq!(fixed.content_type, "image/jpeg");
    // #27: 100×67 at (0, 16), rows 0–15 and 83–99 red.
    let out = ok(
        src,
        "image/resize,m_pad,h_100,w_100,color_FF0000/format,png",
    );
    let f = &decode(&out, false).frames[0];
    for y in [0, 15, 83, 99] {
        assert_eq!(pixel(f, 50, y), vec![255, 0, 0], "row {y}");
    }
    assert_ne!(pixel(f, 50, 16), vec![255, 0, 0]);
    // #28 without its watermark: 449×300 cut from x = 74.
    assert_eq!(
        size(
            src,
            "image/resize,m_fill,w_300,h_300,limit_0/auto-orient,0/quality,q_90"
        ),
        (300, 300)
    );
}

#[test]
fn resize_errors() {
    let big = encode(vec![uniform(6000, 6000, [1, 2, 3])], Format::Jpeg, 50);
    let e = err(&big, "image/resize,m_fixed,w_5000,h_5000");
    assert_ec(&e, ErrorCode::InvalidArgument, Some("0040-00000007"));
    let e = err(example(), "image/resize,w_99999999");
    assert_ec(&e, ErrorCode::InvalidArgument, Some("0040-00000312"));
    assert_eq!(e.message, "The value: 99999999 of parameter: w is invalid.");
    assert_ec(
        &err(example(), "image/resize,m_abc,w_100"),
        ErrorCode::InvalidArgument,
        Some("0040-00000311"),
    );
    assert_ec(
        &err(example(), "image/resize,w_0,h_0"),
        ErrorCode::InvalidArgument,
        Some("0040-00000321"),
    );
}

#[test]
fn percent_decoded_once() {
    let raw = "image%2Fresize%2Cw_100";
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .unwrap();
    assert_eq!(size(example(), &decoded), (100, 67));
}

// --- §10.2 crop, circle, indexcrop, rounded corners -------------------------

#[test]
fn crops() {
    let src = example();
    assert_eq!(size(src, "image/crop,x_100,y_50"), (300, 217));
    assert_eq!(size(src, "image/crop,x_100,y_50,w_100,h_100"), (100, 100));
    assert_eq!(size(src, "image/crop,w_200,h_200,g_se"), (200, 200));
    assert_eq!(
        size(src, "image/crop,x_10,y_10,w_200,h_200,g_se"),
        (190, 190)
    );
    assert_eq!(
        size(src, "image/crop,w_100,h_100,x_100,y_100,r_1"),
        (100, 100)
    );
    // #39 cut at (200, 67): the output's first pixel is the source's (200, 67).
    let png = encode(vec![gradient(400, 267)], Format::Png, 90);
    let out = ok(&png, "image/crop,w_200,h_200,g_se");
    let f = &decode(&out, false).frames[0];
    assert_eq!(pixel(f, 0, 0), pixel(&gradient(400, 267), 200, 67));
    let e = err(src, "image/crop,x_500,y_10");
    assert_ec(&e, ErrorCode::BadRequest, None);
    assert_eq!(e.message, "Advance cut's position is out of image.");
}

#[test]
fn circles() {
    let src = example();
    let out = ok(src, "image/circle,r_100");
    assert_eq!(shape(&out), (Format::Jpeg, 201, 201, 1));
    let f = &decode(&out, false).frames[0];
    assert!(near(&pixel(f, 0, 0), &[255, 255, 255], 3));
    assert!(near(&pixel(f, 200, 200), &[255, 255, 255], 3));
    let out = ok(src, "image/circle,r_100/format,png");
    assert_eq!(shape(&out), (Format::Png, 201, 201, 1));
    let f = &decode(&out, false).frames[0];
    assert_eq!(f.format, PixelFormat::Rgba8);
    assert_eq!(pixel(f, 0, 0)[3], 0);
    assert_eq!(pixel(f, 100, 100)[3], 255);
    assert_eq!(size(src, "image/circle,r_200/format,png"), (267, 267));
}

#[test]
fn indexcrops() {
    let src = example();
    assert_eq!(size(src, "image/indexcrop,x_100,i_0"), (100, 267));
    assert_eq!(size(src, "image/indexcrop,y_100,i_10"), (400, 267));
    assert_eq!(size(src, "image/indexcrop,y_100,i_2"), (400, 67));
}

#[test]
fn rounded_corners() {
    let src = example();
    let out = ok(src, "image/rounded-corners,r_30");
    assert_eq!(shape(&out), (Format::Jpeg, 400, 267, 1));
    let f = &decode(&out, false).frames[0];
    for (x, y) in [(0, 0), (399, 0), (0, 266), (399, 266)] {
        assert!(near(&pixel(f, x, y), &[255, 255, 255], 3), "({x},{y})");
    }
    let out = ok(
        src,
        "image/crop,w_100,h_100/rounded-corners,r_10/format,png",
    );
    assert_eq!(shape(&out), (Format::Png, 100, 100, 1));
    let f = &decode(&out, false).frames[0];
    assert_eq!(pixel(f, 0, 0)[3], 0);
    assert_eq!(pixel(f, 99, 99)[3], 0);
    assert_eq!(pixel(f, 50, 50)[3], 255);
}

// --- §10.3 rotate and orientation -------------------------------------------

#[test]
fn rotations() {
    let src = example();
    assert_eq!(size(src, "image/rotate,90"), (267, 400));
    assert_eq!(size(&jpeg(579, 572), "image/rotate,90"), (572, 579));
    // #53: the bounding box 388×468 of the turned 400×267 picture, centred,
    // the corners outside it white. Clockwise by 70° about the centre, the
    // source's corners land on the box's edges: top-left (red 0, green 0)
    // at (251, 0), top-right (red 255, green 0) at (388, 376), bottom-right
    // (red 255, green 255) at (137, 468), bottom-left (red 0, green 255)
    // at (0, 92).
    let out = ok(src, "image/rotate,70");
    assert_eq!(shape(&out), (Format::Jpeg, 388, 468, 1));
    let f = &decode(&out, false).frames[0];
    for (x, y) in [
        (0, 0),
        (387, 0),
        (0, 467),
        (387, 467),
        (120, 10),
        (10, 60),
        (300, 20),
        (380, 300),
        (20, 200),
        (60, 460),
        (300, 460),
    ] {
        assert!(
            near(&pixel(f, x, y), &[255, 255, 255], 3),
            "({x},{y}) is outside the picture: {:?}",
            pixel(f, x, y)
        );
    }
    // Just inside each corner of the turned picture (8 px towards the
    // centre along the diagonal); blue is (x + y) mod 256 of the source.
    for ((x, y), (r, g)) in [
        ((248, 15), (8, 8)),
        ((372, 368), (247, 8)),
        ((140, 452), (247, 247)),
        ((16, 95), (8, 247)),
    ] {
        let p = pixel(f, x, y);
        assert!(near(&p[..2], &[r, g], 16), "({x},{y}): {p:?}");
    }
    // The centre of the box is the centre of the picture.
    assert!(near(&pixel(f, 194, 234)[..2], &[128, 128], 12));
    // #54: rotate,360 leaves the pixels unchanged (PNG, lossless).
    let png = encode(vec![gradient(400, 267)], Format::Png, 90);
    let out = ok(&png, "image/rotate,360");
    assert_eq!(decode(&out, false).frames[0], gradient(400, 267));

    let big = encode(vec![uniform(5100, 3000, [40, 50, 60])], Format::Jpeg, 50);
    let e = err(&big, "image/rotate,90");
    assert_eq!(e.code, ErrorCode::BadRequest);
    assert_eq!(
        e.message,
        "Picture exceed the maximum allowable rotation range."
    );
    assert_eq!(
        size(
            &big,
            "image/auto-orient,0/resize,m_lfit,h_2000,w_2000,limit_1/rotate,90"
        ),
        (1176, 2000)
    );
    assert_ec(
        &err(src, "image/rotate,90,200,300"),
        ErrorCode::InvalidArgument,
        Some("0040-00000203"),
    );
    assert_ec(
        &err(src, "image/rotate,400"),
        ErrorCode::InvalidArgument,
        Some("0040-00000217"),
    );
}

#[test]
fn auto_orient_f_jpg() {
    let f = f_jpg();
    assert_eq!(size(f, "image/resize,w_100/auto-orient,1"), (100, 127));
    assert_eq!(size(f, "image/resize,w_100/auto-orient,0"), (100, 79));
    assert_eq!(size(f, "image/resize,w_100"), (100, 127));
}

/// Every EXIF orientation turns a stored JPEG upright: a red block at the
/// stored top-left and a blue block at the stored top-right must land on
/// the corners the EXIF definition names.
#[test]
fn all_orientations_end_to_end() {
    let (w, h) = (64u32, 48u32);
    let mut data = [128u8, 128, 128].repeat((w * h) as usize);
    for y in 0..16 {
        for x in 0..16 {
            let i = ((y * w + x) * 3) as usize;
            data[i..i + 3].copy_from_slice(&[255, 0, 0]);
            let j = ((y * w + (w - 16 + x)) * 3) as usize;
            data[j..j + 3].copy_from_slice(&[0, 0, 255]);
        }
    }
    let stored = encode(vec![frame(w, h, PixelFormat::Rgb8, data)], Format::Jpeg, 95);
    // (orientation, corner of red, corner of blue); 0 TL, 1 TR, 2 BL, 3 BR.
    let table = [
        (1, 0, 1),
        (2, 1, 0),
        (3, 3, 2),
        (4, 2, 3),
        (5, 0, 2),
        (6, 1, 3),
        (7, 3, 1),
        (8, 2, 0),
    ];
    for (o, red, blue) in table {
        let src = with_orientation(&stored, o);
        let out = ok(&src, "image/format,png");
        let f = &decode(&out, false).frames[0];
        let (ow, oh) = if o >= 5 { (h, w) } else { (w, h) };
        assert_eq!((f.width, f.height), (ow, oh), "orientation {o}");
        let corners = [(4, 4), (ow - 5, 4), (4, oh - 5), (ow - 5, oh - 5)];
        let (rx, ry) = corners[red];
        let (bx, by) = corners[blue];
        assert!(
            near(&pixel(f, rx, ry), &[255, 0, 0], 40),
            "orientation {o}: {:?}",
            pixel(f, rx, ry)
        );
        assert!(
            near(&pixel(f, bx, by), &[0, 0, 255], 40),
            "orientation {o}: {:?}",
            pixel(f, bx, by)
        );
        // auto-orient,0 keeps the stored layout.
        let kept = ok(&src, "image/auto-orient,0/format,png");
        let k = &decode(&kept, false).frames[0];
        assert_eq!((k.width, k.height), (w, h));
        assert!(near(&pixel(k, 4, 4), &[255, 0, 0], 40));
    }
}

// --- §10.4 effects, format, quality, interlace, animation --------------------

fn mean(f: &Frame) -> f64 {
    let ch = f.format.channels();
    let sum: u64 = f
        .data
        .chunks_exact(ch)
        .map(|p| u64::from(p[0]) + u64::from(p[1]) + u64::from(p[2]))
        .sum();
    sum as f64 / (f.data.len() / ch) as f64
}

fn spread(f: &Frame) -> i32 {
    let ch = f.format.channels();
    let v: Vec<i32> = f.data.chunks_exact(ch).map(|p| i32::from(p[0])).collect();
    v.iter().max().unwrap() - v.iter().min().unwrap()
}

#[test]
fn effects() {
    let src = example();
    let original = decode(&ok(src, "image/format,png"), false);
    let blur = ok(src, "image/blur,r_3,s_2");
    assert_eq!(shape(&blur), (Format::Jpeg, 400, 267, 1));
    // #62 "blurred": on a 400×267 JPEG that is black left of x = 200 and
    // white from it, the edge is spread over the kernel (2r + 1 = 7 taps)
    // while flat areas stay as they were; a larger r and s spread it more.
    let edge = {
        let mut data = Vec::with_capacity(400 * 267 * 3);
        for _ in 0..267 {
            for x in 0..400 {
                data.extend_from_slice(&[if x < 200 { 0 } else { 255 }; 3]);
            }
        }
        encode(
            vec![frame(400, 267, PixelFormat::Rgb8, data)],
            Format::Jpeg,
            90,
        )
    };
    let row = |process: &str| -> Vec<i32> {
        let out = ok(&edge, process);
        let f = &decode(&out, false).frames[0];
        assert_eq!((f.width, f.height), (400, 267), "{process}");
        (0..400).map(|x| i32::from(pixel(f, x, 133)[1])).collect()
    };
    // Largest step between neighbours, and how many pixels are mid-grey.
    let steepest = |v: &[i32]| v.windows(2).map(|w| (w[1] - w[0]).abs()).max().unwrap();
    let ramp = |v: &[i32]| v.iter().filter(|&&g| (40..=215).contains(&g)).count();
    let sharp = row("image/format,jpg");
    let soft = row("image/blur,r_3,s_2");
    let softer = row("image/blur,r_10,s_5");
    assert!(steepest(&sharp) > 200, "the source edge is sharp");
    assert!(ramp(&sharp) <= 2);
    assert!(steepest(&soft) < 100, "steepest step {}", steepest(&soft));
    assert!((4..=7).contains(&ramp(&soft)), "ramp {}", ramp(&soft));
    assert!(steepest(&softer) < steepest(&soft));
    assert!(ramp(&softer) > ramp(&soft));
    for x in [20, 150, 190, 210, 250, 380] {
        let far = if x < 200 { 0 } else { 255 };
        assert!((soft[x] - far).abs() <= 6, "x {x}: {}", soft[x]);
    }
    let bright = decode(&ok(src, "image/bright,50"), false);
    assert!(mean(&bright.frames[0]) > mean(&original.frames[0]) + 50.0);
    assert_ec(
        &err(src, "image/bright,200"),
        ErrorCode::InvalidArgument,
        Some("0040-00000246"),
    );
    let contrast = decode(&ok(src, "image/contrast,-50"), false);
    assert!(spread(&contrast.frames[0]) < spread(&original.frames[0]) * 2 / 3);
    assert_eq!(size(src, "image/sharpen,100"), (400, 267));
}

#[test]
fn formats() {
    let src = example();
    let png = ok(src, "image/format,png");
    assert_eq!(png.content_type, "image/png");
    assert_eq!(shape(&png), (Format::Png, 400, 267, 1));
    let webp = ok(src, "image/resize,w_200/format,webp");
    assert_eq!(shape(&webp), (Format::Webp, 200, 134, 1));
    let gif = ok(src, "image/resize,w_200/format,gif");
    assert_eq!(gif.content_type, "image/jpeg");
    assert_eq!(shape(&gif), (Format::Jpeg, 200, 134, 1));
    assert_ec(
        &err(src, "image/format,dng"),
        ErrorCode::InvalidArgument,
        Some("0040-00000206"),
    );

    // #70: transparent areas become white in JPEG.
    let mut data = Vec::new();
    for _y in 0..300 {
        for x in 0..400u32 {
            data.extend_from_slice(if x < 200 {
                &[0, 0, 0, 0]
            } else {
                &[10, 200, 30, 255]
            });
        }
    }
    let alpha = encode(
        vec![frame(400, 300, PixelFormat::Rgba8, data)],
        Format::Png,
        90,
    );
    let out = ok(&alpha, "image/format,jpg");
    assert_eq!(shape(&out), (Format::Jpeg, 400, 300, 1));
    let f = &decode(&out, false).frames[0];
    assert!(near(&pixel(f, 50, 150), &[255, 255, 255], 3));
    assert!(near(&pixel(f, 350, 150), &[10, 200, 30], 12));

    // #71: progressive JPEG (SOF2 marker) from a PNG.
    let png_src = encode(vec![gradient(400, 267)], Format::Png, 90);
    let out = ok(&png_src, "image/format,jpg/interlace,1");
    assert_eq!(shape(&out), (Format::Jpeg, 400, 267, 1));
    assert!(out.bytes.windows(2).any(|w| w == [0xFF, 0xC2]));
    let base = ok(&png_src, "image/format,jpg");
    assert!(!base.bytes.windows(2).any(|w| w == [0xFF, 0xC2]));
}

#[test]
fn quality() {
    let src = encode(vec![gradient(400, 267)], Format::Jpeg, 80);
    let q_src = codec::probe(&src, &Limits::default())
        .unwrap()
        .quality
        .unwrap();
    assert!((79..=81).contains(&q_src), "{q_src}");
    let rel = ok(&src, "image/resize,w_100/quality,q_90");
    assert_eq!(shape(&rel), (Format::Jpeg, 100, 67, 1));
    let q = codec::probe(&rel.bytes, &Limits::default())
        .unwrap()
        .quality
        .unwrap();
    assert!((71..=73).contains(&q), "q_90 of 80 gave {q}");
    let abs = ok(&src, "image/resize,w_100/quality,Q_90");
    let q = codec::probe(&abs.bytes, &Limits::default())
        .unwrap()
        .quality
        .unwrap();
    assert!((79..=81).contains(&q), "Q_90 of 80 gave {q}");
}

#[test]
fn animated_gif_rules() {
    let gif = animated_gif();
    let out = ok(gif, "image/resize,w_160");
    assert_eq!(shape(&out), (Format::Gif, 160, 120, 10));
    let img = decode(&out, true);
    assert_eq!(img.frames.len(), 10);
    assert_eq!(
        img.frames.iter().map(|f| f.delay_ms).collect::<Vec<_>>(),
        (0..10).map(|i| 50 + 10 * i).collect::<Vec<_>>()
    );
    assert_eq!(
        shape(&ok(gif, "image/resize,w_640,limit_0")),
        (Format::Gif, 320, 240, 10)
    );
    assert_eq!(
        shape(&ok(gif, "image/resize,w_160/format,gif")),
        (Format::Gif, 160, 120, 10)
    );
    assert_eq!(
        shape(&ok(gif, "image/format,gif/resize,w_160")),
        (Format::Gif, 160, 120, 1)
    );
    assert_eq!(
        shape(&ok(gif, "image/format,png")),
        (Format::Png, 320, 240, 1)
    );
    assert_eq!(
        shape(&ok(gif, "image/rotate,90")),
        (Format::Gif, 240, 320, 1)
    );
    assert_eq!(
        shape(&ok(gif, "image/crop,w_100,h_50,g_center")),
        (Format::Gif, 100, 50, 10)
    );
    assert_eq!(
        shape(&ok(gif, "image/resize,p_50")),
        (Format::Gif, 160, 120, 1)
    );
}

// --- §10.6 info, average hue, grammar, styles, saveas ------------------------

#[test]
fn info() {
    let src = example();
    // #94: a JFIF JPEG without EXIF (libjpeg's default density, 1:1 with
    // no unit) gives exactly the documented members, in byte order.
    assert_eq!(&src[2..4], &[0xFF, 0xE0], "a JFIF APP0 first");
    assert_eq!(&src[6..11], b"JFIF\0");
    assert_eq!(&src[13..18], &[0, 0, 1, 0, 1], "units 0, density 1×1");
    let out = ok(src, "image/info");
    assert_eq!(out.content_type, "application/json");
    let expected = format!(
        "{{\"FileSize\":{{\"value\":\"{}\"}},\"Format\":{{\"value\":\"jpg\"}},\
         \"FrameCount\":{{\"value\":\"1\"}},\"ImageHeight\":{{\"value\":\"267\"}},\
         \"ImageWidth\":{{\"value\":\"400\"}},\"ResolutionUnit\":{{\"value\":\"1\"}},\
         \"XResolution\":{{\"value\":\"1/1\"}},\"YResolution\":{{\"value\":\"1/1\"}}}}",
        src.len()
    );
    assert_eq!(String::from_utf8_lossy(&out.bytes), expected);
    let out = ok(f_jpg(), "image/info");
    let v: serde_json::Value = serde_json::from_slice(&out.bytes).unwrap();
    assert_eq!(v["ImageWidth"]["value"], "424");
    assert_eq!(v["ImageHeight"]["value"], "333");
    assert_eq!(v["Orientation"]["value"], "7");
}

#[test]
fn average_hue() {
    let src = encode(vec![uniform(40, 30, [0x5c, 0x78, 0x3b])], Format::Png, 90);
    let out = ok(&src, "image/average-hue");
    assert_eq!(out.content_type, "application/json");
    assert_eq!(out.bytes, br#"{"RGB":"0x5c783b"}"#);
}

#[test]
fn grammar_errors() {
    let src = example();
    assert_eq!(
        err(src, "image/resize,s_700,limit_0/info").code,
        ErrorCode::InvalidArgument
    );
    assert_ec(
        &err(src, "image/"),
        ErrorCode::InvalidArgument,
        Some("0040-00000212"),
    );
    assert_ec(
        &err(src, "image/slim,1"),
        ErrorCode::InvalidArgument,
        Some("0040-00000213"),
    );
    let e = err(b"just some text, not an image", "image/resize,w_100");
    assert_ec(&e, ErrorCode::BadRequest, Some("0040-00000005"));
    assert_eq!(e.message, "This image format is not supported.");
    // A text watermark draws onto the image and keeps its size.
    let plain = ok(src, "image/format,png");
    let marked = ok(src, "image/watermark,text_SGVsbG8gV29ybGQ/format,png");
    assert_eq!(shape(&marked), shape(&plain));
    assert_ne!(marked.bytes, plain.bytes);
    // #92, #93: watermark parameters are validated.
    assert_ec(
        &err(src, "image/watermark,t_50"),
        ErrorCode::InvalidArgument,
        Some("0040-00000278"),
    );
    let e = err(src, "image/watermark,text_YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE");
    assert_ec(&e, ErrorCode::InvalidArgument, None);
    assert_eq!(e.message, "font content is too large");
}

struct Styles;

impl Resources for Styles {
    fn style(&self, name: &str) -> Result<Option<String>, Error> {
        Ok((name == "small").then(|| "image/resize,p_50".to_owned()))
    }
    fn watermark_object(&self, _key: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }
}

#[test]
fn styles() {
    let out = img::process(example(), "style/small", &Styles, &Limits::default()).unwrap();
    assert_eq!(shape(&out), (Format::Jpeg, 200, 134, 1));
    let e = img::process(example(), "style/missing", &Styles, &Limits::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoSuchStyle);
    assert_eq!(e.code.http_status(), 404);
    assert_eq!(e.message, "The style you get is not found.");
}

#[test]
fn saveas() {
    use ossimg::img::plan::split_saveas;
    let (process, save) = split_saveas("image/resize,w_100|sys/saveas,o_dGVzdC5qcGc,b_dGVzdA");
    assert_eq!(save, Some("o_dGVzdC5qcGc,b_dGVzdA"));
    assert_eq!(size(example(), process), (100, 67));
    let (process, save) = split_saveas("style/small|sys/saveas,o_b3V0L3RodW1iLmpwZw==");
    assert_eq!(save, Some("o_b3V0L3RodW1iLmpwZw=="));
    let out = img::process(example(), process, &Styles, &Limits::default()).unwrap();
    assert_eq!(shape(&out), (Format::Jpeg, 200, 134, 1));
    let e = err(example(), "image/resize,w_100|sys/saveas,o_dGVzdC5qcGc");
    assert_ec(&e, ErrorCode::InvalidArgument, None);
}

// --- shrink-on-load -----------------------------------------------------------

/// A resize that lets the JPEG decoder shrink on load gives the same size as,
/// and nearly the same pixels as, a full decode followed by the same resize.
#[test]
fn shrink_on_load_matches_full_decode() {
    use ossimg::img::pipeline;
    let src = jpeg(1200, 800);
    for process in ["image/resize,w_150", "image/resize,m_fill,w_100,h_90"] {
        let out = ok(&src, &format!("{process}/format,png"));
        let fast = &decode(&out, false).frames[0];
        let probe = codec::probe(&src, &Limits::default()).unwrap();
        let full = codec::decode(&src, &probe, &codec::DecodeOptions::default()).unwrap();
        let plan = img::plan::parse(process, &NoResources).unwrap();
        let reference = pipeline::execute(
            full,
            &plan,
            (1200, 800),
            false,
            &ossimg::img::NoResources,
            &Limits::default(),
        )
        .unwrap();
        let slow = &reference.frames[0];
        assert_eq!(
            (fast.width, fast.height),
            (slow.width, slow.height),
            "{process}"
        );
        let diff: u64 = fast
            .data
            .iter()
            .zip(&slow.data)
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        let mean = diff as f64 / fast.data.len() as f64;
        assert!(mean < 3.0, "{process}: mean difference {mean}");
    }
}
