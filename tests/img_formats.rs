//! Format-specific rules of image-processing.md, seen through
//! `img::process`: one section per rule.

use std::path::Path;

use moxcms::{ColorProfile, LocalizableString, ProfileText};
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

/// The bodies of every `marker` segment before the first scan.
fn segments(jpeg: &[u8], marker: u8) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() && jpeg[pos] == 0xFF {
        let m = jpeg[pos + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        if m == 0xDA {
            break;
        }
        if m == marker {
            found.push(jpeg[pos + 4..pos + 2 + len].to_vec());
        }
        pos += 2 + len;
    }
    found
}

/// The ICC profile of a JPEG's `ICC_PROFILE` APP2 segments, if any.
fn jpeg_icc(jpeg: &[u8]) -> Option<Vec<u8>> {
    let chunks: Vec<Vec<u8>> = segments(jpeg, 0xE2)
        .into_iter()
        .filter(|s| s.starts_with(b"ICC_PROFILE\0"))
        .collect();
    (!chunks.is_empty()).then(|| chunks.iter().flat_map(|c| c[14..].to_vec()).collect())
}

/// A JPEG with `icc` as one APP2 segment.
fn jpeg_with_icc(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut body = b"ICC_PROFILE\0\x01\x01".to_vec();
    body.extend_from_slice(icc);
    insert_segment(jpeg, 0xE2, &body)
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

/// Documented deviation: libheif applies `irot`/`imir` while decoding, so
/// a rotated HEIC shows its displayed picture to `info` and to the
/// pipeline, with or without `auto-orient,0`. (`thumb-rot-primary.heic`
/// has `irot` 3; libheif shows it as 300×480.)
#[test]
fn heic_orientation_is_applied_by_libheif() {
    let source = fixture("thumb-rot-primary.heic");
    let m = info(&source);
    assert_eq!(
        (member(&m, "ImageWidth"), member(&m, "ImageHeight")),
        ("300", "480")
    );
    let upright = decode_all(&ok(&source, "image/format,png").bytes);
    let kept = decode_all(&ok(&source, "image/auto-orient,0/format,png").bytes);
    assert_eq!(
        (upright.frames[0].width, upright.frames[0].height),
        (300, 480)
    );
    assert_eq!(upright, kept);
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

// --- colour profiles (§4.6) -----------------------------------------------------

/// The sRGB curve, encoded → linear.
fn srgb_to_linear(v: f64) -> f64 {
    if v <= 0.040_45 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

fn linear_to_srgb8(l: f64) -> f64 {
    let v = if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    };
    v * 255.0
}

/// Display P3 (D65) linear RGB → sRGB linear RGB.
const P3_TO_SRGB: [[f64; 3]; 3] = [
    [1.224_940_1, -0.224_940_4, 0.0],
    [-0.042_056_9, 1.042_057_1, 0.0],
    [-0.019_637_6, -0.078_636_1, 1.098_273_5],
];

/// Adobe RGB (1998) linear RGB → sRGB linear RGB.
const ADOBE_TO_SRGB: [[f64; 3]; 3] = [
    [1.398_283_2, -0.398_283_1, 0.0],
    [0.0, 1.0, 0.0],
    [0.0, -0.042_938_3, 1.042_938_3],
];

/// What an 8-bit colour of a matrix/TRC space should become in sRGB.
fn expected_srgb(rgb: [u8; 3], to_linear: fn(f64) -> f64, m: [[f64; 3]; 3]) -> [f64; 3] {
    let lin = rgb.map(|v| to_linear(f64::from(v) / 255.0));
    let mut out = [0.0; 3];
    for (o, row) in out.iter_mut().zip(m) {
        *o = linear_to_srgb8(row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2]);
    }
    out
}

fn adobe_to_linear(v: f64) -> f64 {
    v.powf(563.0 / 256.0)
}

/// A saturated Display P3 red and its sRGB value (in gamut).
const P3_RED: [u8; 3] = [200, 60, 40];
/// A saturated Adobe RGB orange and its sRGB value (in gamut).
const ADOBE_ORANGE: [u8; 3] = [200, 120, 60];

fn p3_icc() -> Vec<u8> {
    ColorProfile::new_display_p3().encode().unwrap()
}

fn adobe_icc() -> Vec<u8> {
    ColorProfile::new_adobe_rgb().encode().unwrap()
}

/// The centre pixel of the first frame of an encoded output.
fn centre(bytes: &[u8]) -> [u8; 3] {
    let f = &decode_all(bytes).frames[0];
    let ch = f.format.channels();
    let i = ((f.height / 2 * f.width + f.width / 2) as usize) * ch;
    [f.data[i], f.data[i + 1], f.data[i + 2]]
}

fn assert_colour(got: [u8; 3], want: [f64; 3], source: [u8; 3], what: &str) {
    for c in 0..3 {
        assert!(
            (f64::from(got[c]) - want[c]).abs() <= 2.5,
            "{what}: got {got:?}, want {want:?}"
        );
    }
    // The test means something: unconverted pixels would be far off.
    assert!(
        (0..3).any(|c| (f64::from(source[c]) - want[c]).abs() > 8.0),
        "{what}: {source:?} vs {want:?}"
    );
}

fn assert_srgb_profile(icc: &[u8], what: &str) {
    let p = ColorProfile::new_from_slice(icc).unwrap_or_else(|e| panic!("{what}: {e:?}"));
    let s = ColorProfile::new_srgb();
    for (a, b) in [
        (p.red_colorant, s.red_colorant),
        (p.green_colorant, s.green_colorant),
        (p.blue_colorant, s.blue_colorant),
    ] {
        assert!(
            (a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3,
            "{what}"
        );
    }
}

/// PNG with an `iCCP` chunk.
fn png_with_icc(image: &Image, icc: &[u8]) -> Vec<u8> {
    let f = &image.frames[0];
    let mut info = png::Info::with_size(f.width, f.height);
    info.color_type = png::ColorType::Rgb;
    info.bit_depth = png::BitDepth::Eight;
    info.icc_profile = Some(std::borrow::Cow::Owned(icc.to_vec()));
    let mut out = Vec::new();
    {
        let enc = png::Encoder::with_info(&mut out, info).unwrap();
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&f.data).unwrap();
        w.finish().unwrap();
    }
    out
}

#[test]
fn display_p3_jpeg_is_converted_and_tagged() {
    let want = expected_srgb(P3_RED, srgb_to_linear, P3_TO_SRGB);
    let plain = encode(&solid(32, 32, P3_RED), Format::Jpeg, 100);
    let source = jpeg_with_icc(&plain, &p3_icc());

    let png = ok(&source, "image/format,png");
    assert_colour(centre(&png.bytes), want, P3_RED, "P3 JPEG → PNG");
    assert!(png_chunks(&png.bytes).iter().any(|c| c == "sRGB"));

    let jpg = ok(&source, "image/resize,w_16");
    assert_colour(centre(&jpg.bytes), want, P3_RED, "P3 JPEG → JPEG");
    assert_srgb_profile(&jpeg_icc(&jpg.bytes).expect("ICC in the JPEG"), "JPEG");

    let webp = ok(&source, "image/format,webp");
    assert_colour(centre(&webp.bytes), want, P3_RED, "P3 JPEG → WebP");
    assert!(webp_chunks(&webp.bytes).iter().any(|c| c == "ICCP"));

    let tif = ok(&source, "image/format,tiff");
    assert_colour(centre(&tif.bytes), want, P3_RED, "P3 JPEG → TIFF");
    // Decoding our own tagged outputs does not convert again.
    let again = ok(&jpg.bytes, "image/format,png");
    assert_colour(centre(&again.bytes), want, P3_RED, "tagged JPEG → PNG");
}

#[test]
fn a_profile_is_recognised_as_srgb_by_its_contents_not_its_name() {
    // Display P3 colorants and curves, but a description mentioning sRGB.
    let mut p3 = ColorProfile::new_display_p3();
    p3.description = Some(ProfileText::Localizable(vec![LocalizableString::new(
        "en".into(),
        "US".into(),
        "sRGB IEC61966-2.1 look-alike (Display P3)".into(),
    )]));
    let icc = p3.encode().unwrap();
    assert!(icc.windows(8).any(|w| w == b"\0s\0R\0G\0B"));
    let source = jpeg_with_icc(&encode(&solid(16, 16, P3_RED), Format::Jpeg, 100), &icc);
    let want = expected_srgb(P3_RED, srgb_to_linear, P3_TO_SRGB);
    assert_colour(
        centre(&ok(&source, "image/format,png").bytes),
        want,
        P3_RED,
        "P3 named sRGB",
    );
    // A real sRGB profile changes nothing.
    let srgb = ColorProfile::new_srgb().encode().unwrap();
    let source = jpeg_with_icc(&encode(&solid(16, 16, P3_RED), Format::Jpeg, 100), &srgb);
    let got = centre(&ok(&source, "image/format,png").bytes);
    for c in 0..3 {
        assert!(got[c].abs_diff(P3_RED[c]) <= 1, "{got:?}");
    }
}

#[test]
fn adobe_rgb_png_is_converted_and_tagged() {
    let want = expected_srgb(ADOBE_ORANGE, adobe_to_linear, ADOBE_TO_SRGB);
    let source = png_with_icc(&solid(24, 24, ADOBE_ORANGE), &adobe_icc());
    let png = ok(&source, "image/resize,w_12");
    assert_colour(centre(&png.bytes), want, ADOBE_ORANGE, "Adobe PNG → PNG");
    let chunks = png_chunks(&png.bytes);
    assert!(chunks.iter().any(|c| c == "sRGB"), "{chunks:?}");
    assert!(!chunks.iter().any(|c| c == "iCCP"), "{chunks:?}");
    let jpg = ok(&source, "image/format,jpg");
    assert_colour(centre(&jpg.bytes), want, ADOBE_ORANGE, "Adobe PNG → JPEG");
    assert_srgb_profile(&jpeg_icc(&jpg.bytes).expect("ICC in the JPEG"), "JPEG");
}

#[test]
fn tiff_icc_tag_is_converted() {
    use image::ImageEncoder;
    let want = expected_srgb(P3_RED, srgb_to_linear, P3_TO_SRGB);
    let f = solid(20, 10, P3_RED).frames.remove(0);
    let mut source = Vec::new();
    let mut enc = image::codecs::tiff::TiffEncoder::new(std::io::Cursor::new(&mut source));
    enc.set_icc_profile(p3_icc()).unwrap();
    enc.write_image(&f.data, f.width, f.height, image::ExtendedColorType::Rgb8)
        .unwrap();
    // Tag 34675 (0x8773) is in the file.
    assert!(source.windows(2).any(|w| w == [0x73, 0x87]));
    let png = ok(&source, "image/format,png");
    assert_colour(centre(&png.bytes), want, P3_RED, "P3 TIFF → PNG");
    assert!(png_chunks(&png.bytes).iter().any(|c| c == "sRGB"));
}

#[test]
fn bmp_v5_embedded_profile_is_converted() {
    let (w, h) = (8u32, 4u32);
    let icc = adobe_icc();
    let row = (w * 3).next_multiple_of(4) as usize;
    let pixels_at = 14 + 124;
    let profile_at = pixels_at + row * h as usize;
    let mut bmp = b"BM".to_vec();
    bmp.extend_from_slice(&((profile_at + icc.len()) as u32).to_le_bytes());
    bmp.extend_from_slice(&[0; 4]);
    bmp.extend_from_slice(&(pixels_at as u32).to_le_bytes());
    let mut v5 = vec![0u8; 124];
    v5[0..4].copy_from_slice(&124u32.to_le_bytes());
    v5[4..8].copy_from_slice(&w.to_le_bytes());
    v5[8..12].copy_from_slice(&h.to_le_bytes());
    v5[12..14].copy_from_slice(&1u16.to_le_bytes()); // planes
    v5[14..16].copy_from_slice(&24u16.to_le_bytes()); // bits per pixel
    v5[20..24].copy_from_slice(&((row * h as usize) as u32).to_le_bytes());
    v5[56..60].copy_from_slice(&0x4D42_4544u32.to_le_bytes()); // 'MBED'
    v5[108..112].copy_from_slice(&4u32.to_le_bytes()); // LCS_GM_IMAGES
    v5[112..116].copy_from_slice(&((profile_at - 14) as u32).to_le_bytes());
    v5[116..120].copy_from_slice(&(icc.len() as u32).to_le_bytes());
    bmp.extend_from_slice(&v5);
    for _ in 0..h {
        let mut line: Vec<u8> = (0..w)
            .flat_map(|_| [ADOBE_ORANGE[2], ADOBE_ORANGE[1], ADOBE_ORANGE[0]])
            .collect();
        line.resize(row, 0);
        bmp.extend_from_slice(&line);
    }
    bmp.extend_from_slice(&icc);
    let want = expected_srgb(ADOBE_ORANGE, adobe_to_linear, ADOBE_TO_SRGB);
    let png = ok(&bmp, "image/format,png");
    assert_colour(centre(&png.bytes), want, ADOBE_ORANGE, "Adobe BMP → PNG");
}

#[test]
fn sources_without_a_profile_stay_untagged() {
    let source = fixture("orientation-1.jpg");
    assert!(jpeg_icc(&source).is_none());
    let png = ok(&source, "image/resize,w_50/format,png");
    let chunks = png_chunks(&png.bytes);
    assert!(
        !chunks.iter().any(|c| c == "sRGB" || c == "iCCP"),
        "{chunks:?}"
    );
    let jpg = ok(&source, "image/resize,w_50");
    assert!(jpeg_icc(&jpg.bytes).is_none());
    let webp = ok(&source, "image/resize,w_50/format,webp");
    assert!(!webp_chunks(&webp.bytes).iter().any(|c| c == "ICCP"));
    // Same bytes as encoding the same pixels without any tag.
    let pixels = decode_all(&ok(&source, "image/resize,w_50/format,png").bytes);
    assert_eq!(png.bytes, encode(&pixels, Format::Png, 90));
}

#[test]
fn an_srgb_profile_is_kept_as_an_srgb_tag() {
    // alpha-small.png embeds an sRGB profile (8 940 bytes): no conversion,
    // the output says sRGB in a few bytes.
    let source = fixture("alpha-small.png");
    assert!(png_chunks(&source).iter().any(|c| c == "iCCP"));
    let png = ok(&source, "image/crop,w_50,h_50");
    assert!(png_chunks(&png.bytes).iter().any(|c| c == "sRGB"));
    let jpg = ok(&source, "image/crop,w_50,h_50/format,jpg");
    assert_srgb_profile(&jpeg_icc(&jpg.bytes).expect("ICC"), "JPEG");
}

// --- per-format source limits (§4.8) ---------------------------------------------

fn ec(source: &[u8]) -> Option<&'static str> {
    codec::probe(source, &Limits::default())
        .err()
        .and_then(|e| e.ec)
}

/// An uncompressed 8-bit grey TIFF header claiming `w × h` (no pixel data).
fn tiff_header(w: u32, h: u32) -> Vec<u8> {
    let long = |v: u32| v.to_le_bytes().to_vec();
    let short = |v: u16| v.to_le_bytes().to_vec();
    tiff(&[
        (256, 4, 1, long(w)),
        (257, 4, 1, long(h)),
        (258, 3, 1, short(8)),
        (259, 3, 1, short(1)),
        (262, 3, 1, short(1)),
        (273, 4, 1, long(8)),
        (277, 3, 1, short(1)),
        (278, 4, 1, long(h)),
        (279, 4, 1, long(w.saturating_mul(h))),
    ])
}

/// A 24-bit BMP header claiming `w × h` (no pixel data).
fn bmp_header(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"BM".to_vec();
    b.extend_from_slice(&54u32.to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&54u32.to_le_bytes());
    b.extend_from_slice(&40u32.to_le_bytes());
    b.extend_from_slice(&w.to_le_bytes());
    b.extend_from_slice(&h.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&24u16.to_le_bytes());
    b.extend_from_slice(&[0; 24]);
    b
}

/// `thumb.avif` with every `ispe` box set to `w × h`.
fn avif_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut b = fixture("thumb.avif");
    let at: Vec<usize> = b
        .windows(4)
        .enumerate()
        .filter(|(_, x)| *x == b"ispe")
        .map(|(i, _)| i)
        .collect();
    assert!(!at.is_empty());
    for i in at {
        b[i + 8..i + 12].copy_from_slice(&w.to_be_bytes());
        b[i + 12..i + 16].copy_from_slice(&h.to_be_bytes());
    }
    b
}

#[test]
fn tiff_sources_over_16384_px_are_refused() {
    assert_eq!(ec(&tiff_header(16_385, 8)), Some("0040-00000018"));
    assert_eq!(ec(&tiff_header(8, 16_385)), Some("0040-00000018"));
    let p = codec::probe(&tiff_header(16_384, 8), &Limits::default()).unwrap();
    assert_eq!((p.format, p.width, p.height), (Format::Tiff, 16_384, 8));
    // Through the pipeline the same error comes back.
    let e = run(&tiff_header(16_385, 8), "image/resize,w_10").unwrap_err();
    assert_eq!(e.ec, Some("0040-00000018"));
}

#[test]
fn bmp_sources_over_30000_px_are_refused() {
    assert_eq!(ec(&bmp_header(30_001, 2)), Some("0040-00000017"));
    assert_eq!(ec(&bmp_header(2, 30_001)), Some("0040-00000017"));
    let p = codec::probe(&bmp_header(30_000, 2), &Limits::default()).unwrap();
    assert_eq!((p.format, p.width, p.height), (Format::Bmp, 30_000, 2));
}

#[test]
fn avif_sources_over_10000_px_are_refused() {
    let p = codec::probe(&avif_claiming(480, 300), &Limits::default()).unwrap();
    assert_eq!((p.format, p.width, p.height), (Format::Avif, 480, 300));
    assert_eq!(ec(&avif_claiming(10_001, 300)), Some("0040-00000014"));
    assert_eq!(ec(&avif_claiming(300, 10_001)), Some("0040-00000014"));
    let p = codec::probe(&avif_claiming(10_000, 300), &Limits::default()).unwrap();
    assert_eq!((p.width, p.height), (10_000, 300));
}
