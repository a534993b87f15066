//! Codec tests over the fixtures in `fixtures/images` (see its SOURCES.md).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;
use crate::img::frame::Frame;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/images")
}

fn fixture(name: &str) -> Vec<u8> {
    let p = fixtures_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn limits() -> Limits {
    Limits::default()
}

fn all_frames() -> DecodeOptions {
    DecodeOptions {
        min_size: None,
        all_frames: true,
    }
}

/// Probe then decode, as the pipeline does.
fn load(bytes: &[u8], opts: &DecodeOptions) -> Result<(Probe, Image), Error> {
    let p = probe(bytes, &limits())?;
    let img = decode(bytes, &p, opts)?;
    Ok((p, img))
}

struct Row {
    file: String,
    width: u32,
    height: u32,
    frames: u32,
    ok: bool,
}

fn manifest(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest.tsv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let file = c.first()?.to_string();
            Some(Row {
                width: c.get(1)?.parse().unwrap_or(0),
                height: c.get(2)?.parse().unwrap_or(0),
                frames: c.get(3)?.parse().unwrap_or(0),
                ok: !file.starts_with("bad-") && !file.starts_with("bomb-"),
                file,
            })
        })
        .collect()
}

/// Frames that `decode` with `all_frames` returns: every frame of GIF and
/// WebP animations, the first image of everything else.
fn expected_decoded_frames(format: Format, frames: u32) -> usize {
    match format {
        Format::Gif | Format::Webp => frames as usize,
        _ => 1,
    }
}

fn check_manifest_dir(dir: &Path) -> usize {
    let mut checked = 0;
    for row in manifest(dir) {
        let path = dir.join(&row.file);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        checked += 1;
        let result = load(&bytes, &all_frames());
        if !row.ok {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{} must fail", row.file));
            assert_eq!(err.code.http_status(), 400, "{}: {err:?}", row.file);
            continue;
        }
        let (p, img) = result.unwrap_or_else(|e| panic!("{}: {e:?}", row.file));
        assert_eq!(
            (p.width, p.height, p.frames),
            (row.width, row.height, row.frames),
            "{}",
            row.file
        );
        assert_eq!(
            img.frames.len(),
            expected_decoded_frames(p.format, p.frames),
            "{}",
            row.file
        );
        let f = &img.frames[0];
        assert_eq!((f.width, f.height), (row.width, row.height), "{}", row.file);
        assert_eq!(
            f.data.len(),
            (f.width * f.height) as usize * f.format.channels()
        );
    }
    checked
}

#[test]
fn every_fixture_probes_to_its_manifest_and_decodes() {
    let n = check_manifest_dir(&fixtures_dir());
    assert!(n >= 20, "only {n} fixtures checked");
}

/// The full shared fixture set, when this machine has it (not needed by CI).
#[test]
fn every_shared_fixture_when_present() {
    let dir = Path::new("/work/shared/fixtures");
    if dir.join("manifest.tsv").exists() {
        assert!(check_manifest_dir(dir) >= 40);
    }
}

#[test]
fn bad_fixtures_are_unsupported_format() {
    for name in ["bad-empty.jpg", "bad-not-an-image.jpg", "bad-truncated.jpg"] {
        let err = load(&fixture(name), &DecodeOptions::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadRequest, "{name}");
        assert_eq!(err.ec, Some("0040-00000005"), "{name}");
        assert_eq!(err.message, "This image format is not supported.");
    }
}

#[test]
fn truncated_copies_fail_with_4xx() {
    for row in manifest(&fixtures_dir()).into_iter().filter(|r| r.ok) {
        let bytes = fixture(&row.file);
        for cut in [bytes.len() / 2, 10] {
            // The first image of an MPO ends before half of the file: cut
            // at 50 % it is still complete and decodes, as documented.
            if row.file.ends_with(".mpo") && cut != 10 {
                continue;
            }
            let result = load(&bytes[..cut], &all_frames());
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{} cut at {cut} decoded", row.file));
            assert_eq!(err.code.http_status(), 400, "{}: {err:?}", row.file);
        }
    }
}

#[test]
fn bomb_is_refused_by_probe_quickly() {
    let bytes = fixture("bomb-50000x50000.png");
    let start = Instant::now();
    let err = probe(&bytes, &limits()).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(err.code, ErrorCode::MemLimitExceeded);
    assert_eq!(err.ec, Some("0040-00000009"));
    // Side within limits but too many pixels: the pixel limit applies.
    let lax = Limits {
        max_source_side: 60_000,
        ..Limits::default()
    };
    let err = probe(&bytes, &lax).unwrap_err();
    assert_eq!(err.ec, Some("0040-00000012"));
}

#[test]
fn source_above_byte_quota_is_image_too_large() {
    let bytes = fixture("static.gif");
    let small = Limits {
        max_source_bytes: 100,
        ..Limits::default()
    };
    let err = probe(&bytes, &small).unwrap_err();
    assert_eq!(err.code, ErrorCode::ImageTooLarge);
    assert_eq!(err.ec, Some("0040-00000001"));
}

#[test]
fn jpeg_shrink_on_load_picks_the_smallest_dct_scale() {
    let bytes = fixture("photo-12mp.jpg");
    let p = probe(&bytes, &limits()).unwrap();
    let opts = DecodeOptions {
        min_size: Some((200, 150)),
        all_frames: false,
    };
    let img = decode(&bytes, &p, &opts).unwrap();
    assert_eq!((img.frames[0].width, img.frames[0].height), (500, 375));
    // 800 px wide needs 1/4 (1000×750); 3/8 would be bigger.
    assert_eq!(jpeg::choose_scale(4000, 3000, Some((800, 1))).num(), 1);
    assert_eq!(jpeg::choose_scale(4000, 3000, Some((800, 1))).denom(), 4);
    // Sizes round up as in libjpeg: 1/8 of 1001 is 126.
    let f = jpeg::choose_scale(1001, 1001, Some((126, 126)));
    assert_eq!((f.num(), f.denom()), (1, 8));
    let f = jpeg::choose_scale(4000, 3000, None);
    assert_eq!((f.num(), f.denom()), (1, 1));
}

#[test]
fn jpeg_orientation_and_kinds() {
    let p = probe(&fixture("orientation-6.jpg"), &limits()).unwrap();
    assert_eq!((p.width, p.height, p.orientation), (480, 640, 6));
    assert_eq!(p.format, Format::Jpeg);
    assert_eq!(
        probe(&fixture("orientation-1.jpg"), &limits())
            .unwrap()
            .orientation,
        1
    );
    // Stored orientation is decoded.
    let (_, img) = load(&fixture("orientation-6.jpg"), &DecodeOptions::default()).unwrap();
    assert_eq!((img.frames[0].width, img.frames[0].height), (480, 640));
    // MPO: detected as JPEG, two images, first one decoded.
    let (p, img) = load(&fixture("stereo.mpo"), &all_frames()).unwrap();
    assert_eq!((p.format, p.frames, img.frames.len()), (Format::Jpeg, 2, 1));
    // Grey and CMYK come out as RGB.
    for name in ["gray.jpg", "cmyk-small.jpg", "cmyk.jpg"] {
        let (_, img) = load(&fixture(name), &DecodeOptions::default()).unwrap();
        assert_eq!(img.frames[0].format, PixelFormat::Rgb8, "{name}");
    }
}

fn mean_rgb(f: &Frame) -> [f64; 3] {
    let ch = f.format.channels();
    let mut sum = [0f64; 3];
    for p in f.data.chunks_exact(ch) {
        for c in 0..3 {
            sum[c] += f64::from(p[c]);
        }
    }
    let n = (f.width * f.height) as f64;
    [sum[0] / n, sum[1] / n, sum[2] / n]
}

#[test]
fn cmyk_with_profile_is_converted_through_it() {
    // cmyk.jpg and photo.tif are both made from the same coffee photo; the
    // CMYK file must come out close to the RGB one, and closer through its
    // ICC profile than with the naive formula (which is too saturated).
    let bytes = fixture("cmyk.jpg");
    let (_, via_icc) = load(&bytes, &DecodeOptions::default()).unwrap();
    let (_, rgb) = load(&fixture("photo.tif"), &DecodeOptions::default()).unwrap();
    let meta = jpeg::parse(&bytes).unwrap();
    assert!(meta.icc().is_some() && meta.adobe.is_some());
    let mut d = turbojpeg::Decompressor::new().unwrap();
    let (w, h) = (600usize, 400usize);
    let mut cmyk = vec![0u8; w * h * 4];
    let out = turbojpeg::Image {
        pixels: &mut cmyk[..],
        width: w,
        pitch: w * 4,
        height: h,
        format: turbojpeg::PixelFormat::CMYK,
    };
    d.decompress(&bytes, out).unwrap();
    let naive = Frame {
        width: 600,
        height: 400,
        format: PixelFormat::Rgb8,
        data: color::cmyk_to_rgb(&cmyk, true, None).0,
        delay_ms: 0,
    };
    let (a, n, b) = (
        mean_rgb(&via_icc.frames[0]),
        mean_rgb(&naive),
        mean_rgb(&rgb.frames[0]),
    );
    let dist = |x: [f64; 3]| (0..3).map(|c| (x[c] - b[c]).abs()).sum::<f64>();
    assert!(dist(a) < dist(n), "icc {a:?} naive {n:?} rgb {b:?}");
    for c in 0..3 {
        assert!((a[c] - b[c]).abs() < 15.0, "channel {c}: {a:?} vs {b:?}");
    }
}

fn decoded(name: &str) -> Image {
    load(&fixture(name), &all_frames()).unwrap().1
}

fn enc(format: Format, quality: u8) -> EncodeOptions {
    EncodeOptions {
        format,
        quality,
        progressive: false,
    }
}

#[test]
fn every_output_format_round_trips() {
    let photo = decoded("orientation-1.jpg");
    let alpha = decoded("alpha-small.png");
    assert_eq!(alpha.frames[0].format, PixelFormat::Rgba8);
    for format in [
        Format::Jpeg,
        Format::Png,
        Format::Gif,
        Format::Webp,
        Format::Bmp,
        Format::Tiff,
        Format::Heic,
        Format::Avif,
    ] {
        for src in [&photo, &alpha] {
            let out = encode(src, &enc(format, 80)).unwrap_or_else(|e| panic!("{format:?}: {e:?}"));
            assert_eq!(sniff(&out), Some(format), "{format:?}");
            let (p, back) =
                load(&out, &all_frames()).unwrap_or_else(|e| panic!("{format:?}: {e:?}"));
            assert_eq!(p.format, format);
            let (f, s) = (&back.frames[0], &src.frames[0]);
            assert_eq!((f.width, f.height), (s.width, s.height), "{format:?}");
            let keeps_alpha = !matches!(format, Format::Jpeg);
            if s.format == PixelFormat::Rgba8 && keeps_alpha {
                assert_eq!(f.format, PixelFormat::Rgba8, "{format:?} lost alpha");
            }
        }
    }
}

#[test]
fn png_round_trip_is_pixel_exact() {
    for name in ["alpha-small.png", "palette-alpha.png", "orientation-1.jpg"] {
        let src = decoded(name);
        let out = encode(&src, &enc(Format::Png, 90)).unwrap();
        let back = decoded_bytes(&out);
        assert_eq!(back.frames[0], src.frames[0], "{name}");
    }
}

fn decoded_bytes(bytes: &[u8]) -> Image {
    load(bytes, &all_frames()).unwrap().1
}

#[test]
fn sixteen_bit_and_grey_png_decode_to_8_bit_rgb() {
    let mut out = Vec::new();
    {
        let mut e = ::png::Encoder::new(&mut out, 3, 2);
        e.set_color(::png::ColorType::Rgb);
        e.set_depth(::png::BitDepth::Sixteen);
        let mut w = e.write_header().unwrap();
        let data: Vec<u8> = (0..36).map(|i| (i * 7) as u8).collect();
        w.write_image_data(&data).unwrap();
    }
    let img = decoded_bytes(&out);
    assert_eq!(img.frames[0].format, PixelFormat::Rgb8);
    assert_eq!(img.frames[0].data.len(), 18);
    // The high byte of each sample is kept.
    assert_eq!(img.frames[0].data[..3], [0, 14, 28]);
}

#[test]
fn jpeg_output_flattens_alpha_onto_white() {
    let img = Image {
        frames: vec![Frame {
            width: 16,
            height: 16,
            format: PixelFormat::Rgba8,
            data: [0, 0, 0, 0].repeat(256),
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    let out = encode(&img, &enc(Format::Jpeg, 90)).unwrap();
    let back = decoded_bytes(&out);
    assert!(back.frames[0].data.iter().all(|&v| v >= 250));
}

fn delays(img: &Image) -> Vec<u32> {
    img.frames.iter().map(|f| f.delay_ms).collect()
}

#[test]
fn animations_keep_frames_delays_and_loop_count() {
    for name in ["animated.gif", "animated.webp", "animated-transparent.gif"] {
        let src = decoded(name);
        for format in [Format::Gif, Format::Webp] {
            let out = encode(&src, &enc(format, 90)).unwrap();
            let back = decoded_bytes(&out);
            assert_eq!(back.frames.len(), src.frames.len(), "{name} → {format:?}");
            assert_eq!(delays(&back), delays(&src), "{name} → {format:?}");
            assert_eq!(back.loop_count, src.loop_count, "{name} → {format:?}");
        }
    }
    let gif = decoded("animated.gif");
    assert_eq!(gif.frames.len(), 42);
    assert_eq!(gif.loop_count, 0);
    assert_eq!(decoded("animated.webp").frames.len(), 42);
    // Without all_frames only the first frame is decoded.
    let (_, first) = load(&fixture("animated.gif"), &DecodeOptions::default()).unwrap();
    assert_eq!(first.frames.len(), 1);
}

#[test]
fn gif_transparency_survives() {
    let src = decoded("tiny-1x1.gif");
    assert_eq!(src.frames[0].format, PixelFormat::Rgba8);
    assert_eq!(src.frames[0].data[3], 0);
    let back = decoded_bytes(&encode(&src, &enc(Format::Gif, 90)).unwrap());
    assert_eq!(back.frames[0].data[3], 0);
}

#[test]
fn jpeg_quality_estimate_is_close() {
    let src = decoded("orientation-1.jpg");
    for q in [30u8, 50, 72, 80, 90, 95, 100] {
        let out = encode(&src, &enc(Format::Jpeg, q)).unwrap();
        let p = probe(&out, &limits()).unwrap();
        let est = p.quality.unwrap();
        assert!(est.abs_diff(q) <= 2, "q{q} estimated as {est}");
    }
    // The README's estimates for the fixtures.
    assert_eq!(
        probe(&fixture("photo-12mp.jpg"), &limits())
            .unwrap()
            .quality,
        Some(92)
    );
    assert_eq!(
        probe(&fixture("orientation-6.jpg"), &limits())
            .unwrap()
            .quality,
        Some(90)
    );
    assert_eq!(
        probe(&fixture("alpha-small.png"), &limits())
            .unwrap()
            .quality,
        None
    );
}

#[test]
fn webp_quality_estimate_is_close() {
    let src = decoded("orientation-1.jpg");
    for q in [50u8, 75, 80, 90] {
        let out = encode(&src, &enc(Format::Webp, q)).unwrap();
        let est = probe(&out, &limits()).unwrap().quality.unwrap();
        assert!(est.abs_diff(q) <= 6, "q{q} estimated as {est}");
    }
    let lossy = probe(&fixture("lossy.webp"), &limits())
        .unwrap()
        .quality
        .unwrap();
    assert!(lossy.abs_diff(80) <= 6, "lossy.webp: {lossy}");
    let lossless = probe(&fixture("lossless-alpha.webp"), &limits()).unwrap();
    assert_eq!(lossless.quality, None);
    assert!(lossless.has_alpha);
}

#[test]
fn lossless_webp_is_pixel_exact() {
    let src = decoded("alpha-small.png");
    let out = encode_webp_lossless(&src).unwrap();
    let back = decoded_bytes(&out);
    // libwebp may change the colour of fully transparent pixels.
    let (a, b) = (&src.frames[0].data, &back.frames[0].data);
    assert_eq!(a.len(), b.len());
    for (p, q) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        assert_eq!(p[3], q[3]);
        if p[3] != 0 {
            assert_eq!(p, q);
        }
    }
}

#[test]
fn webp_shrink_on_load_picks_the_smallest_power_of_two() {
    // 1680×1050 for 200×125: 1/8 is 210×132 (sizes round up), 1/16 too small.
    assert_eq!(webp::scaled_size(1680, 1050, Some((200, 125))), (210, 132));
    assert_eq!(webp::scaled_size(1680, 1050, Some((840, 1))), (840, 525));
    assert_eq!(webp::scaled_size(1680, 1050, Some((841, 1))), (1680, 1050));
    assert_eq!(webp::scaled_size(1680, 1050, None), (1680, 1050));
    assert_eq!(
        webp::scaled_size(1680, 1050, Some((5000, 5000))),
        (1680, 1050)
    );
    // Beyond 1/8 when the target is that small (libwebp has no DCT limit).
    assert_eq!(webp::scaled_size(4000, 3000, Some((100, 1))), (125, 94));
    assert_eq!(webp::scaled_size(3, 3, Some((0, 0))), (1, 1));
}

/// Peak signal-to-noise ratio (dB) of two equally sized RGBA frames, on
/// premultiplied values (the colour of a transparent pixel does not count).
fn psnr_rgba(a: &Frame, b: &Frame) -> f64 {
    let (a, b) = (gif_like_rgba(a), gif_like_rgba(b));
    assert_eq!(a.len(), b.len());
    let pre = |p: &[u8], c: usize| f64::from(p[c]) * f64::from(p[3]) / 255.0;
    let mut se = 0.0;
    for (p, q) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..3 {
            se += (pre(p, c) - pre(q, c)).powi(2);
        }
        se += (f64::from(p[3]) - f64::from(q[3])).powi(2);
    }
    let mse = se / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

fn gif_like_rgba(f: &Frame) -> Vec<u8> {
    match f.format {
        PixelFormat::Rgba8 => f.data.clone(),
        PixelFormat::Rgb8 => f
            .data
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
    }
}

/// Decodes `name` with shrink-on-load for a `w × h` target and resizes to
/// it, and the same from a full decode; returns (decoded size, PSNR).
fn webp_scaled_vs_full(name: &str, w: u32, h: u32) -> ((u32, u32), f64) {
    use crate::img::ops::resize::resample;
    let bytes = fixture(name);
    let p = probe(&bytes, &limits()).unwrap();
    let scaled = decode(
        &bytes,
        &p,
        &DecodeOptions {
            min_size: Some((w, h)),
            all_frames: false,
        },
    )
    .unwrap();
    let full = decode(&bytes, &p, &DecodeOptions::default()).unwrap();
    let sf = &scaled.frames[0];
    assert_eq!(sf.format, full.frames[0].format, "{name}");
    let a = resample(sf, None, w, h).unwrap();
    let b = resample(&full.frames[0], None, w, h).unwrap();
    ((sf.width, sf.height), psnr_rgba(&a, &b))
}

#[test]
fn webp_scaled_decode_matches_the_full_decode_path() {
    // Two resampling paths of the same picture (libwebp's area average to a
    // power of two, then Lanczos-3; or Lanczos-3 alone) differ only in
    // filter round-off and a little sharpness. Measured: 39.6 dB (1/8),
    // 41.8 dB (1/4), 48.3 dB (lossless with alpha, 1/4). 36 dB is past the
    // point where the difference shows side by side; a wrong scale, a
    // shift or a channel swap gives well under 25 dB.
    const LIMIT: f64 = 36.0;
    let (size, db) = webp_scaled_vs_full("lossy.webp", 200, 125);
    assert_eq!(size, (210, 132));
    assert!(db > LIMIT, "lossy.webp: {db:.1} dB");
    let (size, db) = webp_scaled_vs_full("lossy.webp", 400, 250);
    assert_eq!(size, (420, 263));
    assert!(db > LIMIT, "lossy.webp at 1/4: {db:.1} dB");
    // Lossless with alpha: libwebp premultiplies before rescaling.
    let (size, db) = webp_scaled_vs_full("lossless-alpha.webp", 100, 100);
    assert_eq!(size, (125, 125));
    assert!(db > 42.0, "lossless-alpha.webp: {db:.1} dB");
    // (The JPEG path, DCT 1/8 then Lanczos, gives 28.7 dB on photo-2mp.jpg,
    // the source of lossy.webp, for the same 200×125 target.)
}

#[test]
fn lossy_webp_with_alpha_is_not_scaled_on_load() {
    let src = decoded("alpha-small.png");
    let bytes = encode(&src, &enc(Format::Webp, 80)).unwrap();
    let p = probe(&bytes, &limits()).unwrap();
    assert!(p.has_alpha && p.quality.is_some());
    let opts = DecodeOptions {
        min_size: Some((10, 10)),
        all_frames: false,
    };
    let img = decode(&bytes, &p, &opts).unwrap();
    let f = &img.frames[0];
    assert_eq!((f.width, f.height), (p.width, p.height));
    assert_eq!(f.format, PixelFormat::Rgba8);
}

#[test]
fn webp_resize_in_the_pipeline_keeps_real_sizes() {
    let bytes = fixture("lossy.webp");
    let l = limits();
    let out =
        crate::img::process(&bytes, "image/resize,w_200", &crate::img::NoResources, &l).unwrap();
    let back = decoded_bytes(&out.bytes);
    assert_eq!((back.frames[0].width, back.frames[0].height), (200, 125));
    let info = crate::img::process(&bytes, "image/info", &crate::img::NoResources, &l).unwrap();
    let m: serde_json::Value = serde_json::from_slice(&info.bytes).unwrap();
    assert_eq!(m["ImageWidth"]["value"], "1680");
    assert_eq!(m["ImageHeight"]["value"], "1050");
    // The pixel limit is checked on the source size, not the decoded one.
    let tight = Limits {
        max_source_pixels: 1680 * 1050 - 1,
        ..Limits::default()
    };
    assert!(crate::img::process(
        &bytes,
        "image/resize,w_200",
        &crate::img::NoResources,
        &tight
    )
    .is_err());
    // Full decodes are unchanged: same pixels as libwebp's plain RGB decode.
    let p = probe(&bytes, &l).unwrap();
    let full = decode(&bytes, &p, &DecodeOptions::default()).unwrap();
    let plain = ::webp::Decoder::new(&bytes).decode().unwrap();
    assert_eq!(full.frames[0].data, plain.to_vec());
}

fn solid(width: u32, height: u32) -> Image {
    Image {
        frames: vec![Frame {
            width,
            height,
            format: PixelFormat::Rgb8,
            data: vec![128; (width * height * 3) as usize],
            delay_ms: 0,
        }],
        loop_count: 0,
    }
}

#[test]
fn output_size_limits() {
    let err = encode(&solid(16_384, 1), &enc(Format::Webp, 80)).unwrap_err();
    assert_eq!(
        (err.code, err.ec),
        (ErrorCode::InvalidArgument, Some("0040-00000011"))
    );
    let err = encode(&solid(4097, 1), &enc(Format::Heic, 80)).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    let err = encode(&solid(4097, 2304), &enc(Format::Avif, 80)).unwrap_err();
    assert_eq!(
        (err.code, err.ec),
        (ErrorCode::InvalidArgument, Some("0040-00000014"))
    );
}

fn info_map(name: &str) -> serde_json::Map<String, serde_json::Value> {
    let bytes = fixture(name);
    let p = probe(&bytes, &limits()).unwrap();
    let json = info_json(&bytes, &p).unwrap();
    let keys: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json)
            .unwrap()
            .keys()
            .cloned()
            .collect();
    // Members appear in byte order in the text itself.
    let mut pos = 0;
    for k in &keys {
        let at = json[pos..]
            .find(&format!("\"{k}\":"))
            .map(|i| i + pos)
            .unwrap();
        assert!(at >= pos);
        pos = at;
    }
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    serde_json::from_str(&json).unwrap()
}

fn value<'a>(m: &'a serde_json::Map<String, serde_json::Value>, k: &str) -> &'a str {
    m.get(k)
        .and_then(|v| v.get("value"))
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no {k}"))
}

#[test]
fn info_of_a_jpeg_with_exif() {
    let m = info_map("orientation-6.jpg");
    assert_eq!(value(&m, "Orientation"), "6");
    assert_eq!(value(&m, "Format"), "jpg");
    assert_eq!(value(&m, "FileSize"), "102716");
    assert_eq!(value(&m, "FrameCount"), "1");
    assert_eq!(value(&m, "ImageWidth"), "480");
    assert_eq!(value(&m, "ImageHeight"), "640");
    // Every value is a one-member object.
    assert!(m
        .values()
        .all(|v| v.as_object().map(|o| o.len()) == Some(1)));
}

#[test]
fn info_of_a_jpeg_without_exif_uses_jfif_density() {
    let out = encode(&solid(40, 30), &enc(Format::Jpeg, 90)).unwrap();
    let p = probe(&out, &limits()).unwrap();
    let json = info_json(&out, &p).unwrap();
    let expected = format!(
        "{{\"FileSize\":{{\"value\":\"{}\"}},\"Format\":{{\"value\":\"jpg\"}},\"FrameCount\":{{\"value\":\"1\"}},\"ImageHeight\":{{\"value\":\"30\"}},\"ImageWidth\":{{\"value\":\"40\"}},\"ResolutionUnit\":{{\"value\":\"1\"}},\"XResolution\":{{\"value\":\"1/1\"}},\"YResolution\":{{\"value\":\"1/1\"}}}}",
        out.len()
    );
    assert_eq!(json, expected);
}

#[test]
fn info_of_animations_and_other_formats() {
    let m = info_map("animated.gif");
    assert_eq!(value(&m, "FrameCount"), "42");
    assert_eq!(value(&m, "Format"), "gif");
    assert!(!m.contains_key("XResolution"));
    assert_eq!(value(&info_map("photo.heic"), "Format"), "heic");
    assert_eq!(value(&info_map("photo.avif"), "Format"), "avif");
    assert_eq!(value(&info_map("lossy.webp"), "ImageWidth"), "1680");
}

#[test]
fn sniffing_uses_content_not_names() {
    assert_eq!(sniff(&fixture("stereo.mpo")), Some(Format::Jpeg));
    assert_eq!(sniff(&fixture("bad-not-an-image.jpg")), None);
    assert_eq!(sniff(b""), None);
    assert_eq!(sniff(&fixture("photo.heic")), Some(Format::Heic));
    assert_eq!(sniff(&fixture("photo.avif")), Some(Format::Avif));
}

#[test]
fn garbage_never_panics() {
    // Valid signatures followed by junk, and junk inside valid files.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for name in [
        "tiny-1x1.jpg",
        "static.gif",
        "rle8.bmp",
        "palette-alpha.png",
        "lossy.webp",
    ] {
        let clean = fixture(name);
        for _ in 0..20 {
            let mut b = clean.clone();
            for _ in 0..8 {
                let i = (next() as usize) % b.len();
                b[i] = next() as u8;
            }
            if let Err(e) = load(&b, &all_frames()) {
                assert_eq!(e.code.http_status(), 400, "{name}: {e:?}");
            }
        }
    }
}

#[test]
fn tiny_images_encode_in_every_format() {
    for (w, h) in [(1u32, 1u32), (3, 5)] {
        for alpha in [false, true] {
            let (format, ch) = if alpha {
                (PixelFormat::Rgba8, 4)
            } else {
                (PixelFormat::Rgb8, 3)
            };
            let img = Image {
                frames: vec![Frame {
                    width: w,
                    height: h,
                    format,
                    data: (0..w * h * ch).map(|i| (i * 37) as u8).collect(),
                    delay_ms: 0,
                }],
                loop_count: 0,
            };
            for out_format in [
                Format::Jpeg,
                Format::Png,
                Format::Gif,
                Format::Webp,
                Format::Bmp,
                Format::Tiff,
                Format::Heic,
                Format::Avif,
            ] {
                let out = encode(&img, &enc(out_format, 90))
                    .unwrap_or_else(|e| panic!("{out_format:?} {w}x{h}: {e:?}"));
                let back = decoded_bytes(&out);
                assert_eq!(
                    (back.frames[0].width, back.frames[0].height),
                    (w, h),
                    "{out_format:?}"
                );
            }
        }
    }
}

/// Rough timings of the hot paths; run with
/// `cargo test --release --no-default-features --lib codec_timings -- --ignored --nocapture`.
#[test]
#[ignore]
fn codec_timings() {
    let time = |what: &str, f: &mut dyn FnMut()| {
        f();
        let start = Instant::now();
        for _ in 0..5 {
            f();
        }
        println!("{what}: {:.1} ms", start.elapsed().as_secs_f64() * 200.0);
    };
    let big = fixture("photo-12mp.jpg");
    let p = probe(&big, &limits()).unwrap();
    time("12MP JPEG decode, full", &mut || {
        decode(&big, &p, &DecodeOptions::default()).unwrap();
    });
    let shrink = DecodeOptions {
        min_size: Some((200, 150)),
        all_frames: false,
    };
    time("12MP JPEG decode, min 200x150 (1/8)", &mut || {
        decode(&big, &p, &shrink).unwrap();
    });
    let mid = decoded("orientation-1.jpg");
    time("640x480 JPEG encode q85", &mut || {
        encode(&mid, &enc(Format::Jpeg, 85)).unwrap();
    });
    time("640x480 WebP encode q90", &mut || {
        encode(&mid, &enc(Format::Webp, 90)).unwrap();
    });
    let alpha = decoded("alpha-small.png");
    time("500x500 RGBA PNG decode", &mut || {
        decoded("alpha-small.png");
    });
    time("500x500 RGBA PNG encode", &mut || {
        encode(&alpha, &enc(Format::Png, 90)).unwrap();
    });
    let gif = decoded("animated.gif");
    time("42-frame GIF decode", &mut || {
        decoded("animated.gif");
    });
    time("42-frame GIF encode", &mut || {
        encode(&gif, &enc(Format::Gif, 90)).unwrap();
    });
    time("640x480 HEIC encode", &mut || {
        encode(&mid, &enc(Format::Heic, 80)).unwrap();
    });
    time("640x480 AVIF encode", &mut || {
        encode(&mid, &enc(Format::Avif, 80)).unwrap();
    });
}

#[test]
fn exif_values_are_formatted_as_documented() {
    use exif::{Rational, Tag, Value};
    let r = |num, denom| Rational { num, denom };
    let f = info::format_value;
    assert_eq!(
        f(Tag::GPSVersionID, &Value::Byte(vec![2, 2, 0, 0])),
        "2 2 0 0"
    );
    assert_eq!(
        f(
            Tag::GPSLatitude,
            &Value::Rational(vec![r(30, 1), r(15, 1), r(3075, 100)])
        ),
        "30deg 15' 30.75\""
    );
    assert_eq!(
        f(
            Tag::GPSLongitude,
            &Value::Rational(vec![r(0, 1), r(0, 1), r(0, 1)])
        ),
        "0deg "
    );
    assert_eq!(
        f(Tag::GPSLatitudeRef, &Value::Ascii(vec![b"S".to_vec()])),
        "South"
    );
    assert_eq!(
        f(Tag::GPSLongitudeRef, &Value::Ascii(vec![b"E".to_vec()])),
        "East"
    );
    assert_eq!(
        f(Tag::XResolution, &Value::Rational(vec![r(96, 1)])),
        "96/1"
    );
    assert_eq!(
        f(Tag::ExposureTime, &Value::Rational(vec![r(10, 2000)])),
        "10/2000"
    );
    assert_eq!(f(Tag::Orientation, &Value::Short(vec![6])), "6");
    assert_eq!(
        f(Tag::Make, &Value::Ascii(vec![b"Canon".to_vec()])),
        "Canon"
    );
    assert_eq!(
        f(Tag::ExifVersion, &Value::Undefined(b"0230".to_vec(), 0)),
        "0230"
    );
}

#[test]
fn info_lists_exif_pointers_and_thumbnail_tags() {
    let m = info_map("stereo.mpo");
    assert_eq!(value(&m, "ExifTag"), "188");
    assert_eq!(value(&m, "Make"), "Nintendo");
    assert_eq!(value(&m, "XResolution"), "72/1");
    assert_eq!(value(&m, "ResolutionUnit"), "2");
    assert_eq!(value(&m, "Compression"), "6");
    assert_eq!(value(&m, "FrameCount"), "2");
    assert!(!m.contains_key("MakerNote"));
    let m = info_map("tiny-1x1.jpg");
    assert_eq!(value(&m, "GPSTag"), "234");
    assert_eq!(value(&m, "UserComment"), "Created with GIMP");
}

#[test]
fn jpeg_output_is_baseline_or_progressive_without_metadata() {
    let src = decoded("orientation-6.jpg");
    for progressive in [false, true] {
        let opts = EncodeOptions {
            format: Format::Jpeg,
            quality: 85,
            progressive,
        };
        let out = encode(&src, &opts).unwrap();
        let has = |marker: [u8; 2]| out.windows(2).any(|w| w == marker);
        assert_eq!(has([0xFF, 0xC2]), progressive);
        assert!(!out.windows(6).any(|w| w == b"Exif\0\0"));
        assert!(!out.windows(12).any(|w| w == b"ICC_PROFILE\0"));
        let p = probe(&out, &limits()).unwrap();
        assert_eq!((p.width, p.height, p.orientation), (480, 640, 1));
    }
}

/// RGBA frames as a GIF can show them: alpha < 128 is `[0, 0, 0, 0]`, the
/// rest opaque.
fn gif_visible(img: &Image) -> Vec<Vec<u8>> {
    img.frames
        .iter()
        .map(|f| {
            let ch = f.format.channels();
            f.data
                .chunks_exact(ch)
                .flat_map(|p| {
                    if ch == 4 && p[3] < 128 {
                        [0, 0, 0, 0]
                    } else {
                        [p[0], p[1], p[2], 255]
                    }
                })
                .collect()
        })
        .collect()
}

fn gif_round_trip(img: &Image) -> (Vec<u8>, Image) {
    let out = encode(img, &enc(Format::Gif, 90)).unwrap();
    let back = decoded_bytes(&out);
    assert_eq!(back.frames.len(), img.frames.len());
    assert_eq!(delays(&back), delays(img));
    assert_eq!(back.loop_count, img.loop_count);
    (out, back)
}

fn rgba_frame(width: u32, height: u32, delay_ms: u32, px: impl Fn(u32, u32) -> [u8; 4]) -> Frame {
    let mut data = Vec::with_capacity((width * height * 4) as usize);
    for y in 0..height {
        for x in 0..width {
            data.extend_from_slice(&px(x, y));
        }
    }
    Frame {
        width,
        height,
        format: PixelFormat::Rgba8,
        data,
        delay_ms,
    }
}

#[test]
fn gif_animations_with_few_colours_round_trip_exactly() {
    for name in ["animated.gif", "animated-transparent.gif", "static.gif"] {
        let src = decoded(name);
        let (_, back) = gif_round_trip(&src);
        for (i, (a, b)) in gif_visible(&src).iter().zip(gif_visible(&back)).enumerate() {
            assert!(*a == b, "{name}: frame {i} differs");
        }
    }
}

#[test]
fn gif_frames_with_their_own_colours_round_trip_exactly() {
    // 200 colours per frame, 400 together: exact local palettes. The third
    // frame has 256 opaque colours and only partly changes (no room for a
    // transparent index), the fourth has transparent pixels.
    let frames = vec![
        rgba_frame(20, 10, 50, |x, y| [(y * 20 + x) as u8, 0, 9, 255]),
        rgba_frame(20, 10, 60, |x, y| [0, (y * 20 + x) as u8, 9, 255]),
        rgba_frame(32, 8, 70, |x, y| {
            if y < 4 {
                [0, (y * 20 + x) as u8, 9, 255]
            } else {
                [7, 7, (y * 32 + x) as u8, 255]
            }
        }),
        rgba_frame(20, 10, 80, |x, y| {
            if (x + y) % 3 == 0 {
                [0, 0, 0, 0]
            } else {
                [(x * 10) as u8, (y * 20) as u8, 1, 255]
            }
        }),
    ];
    let img = Image {
        frames,
        loop_count: 0,
    };
    let (_, back) = gif_round_trip(&img);
    // Frames smaller than the 32×10 screen sit at its top left.
    for (i, (src, out)) in img.frames.iter().zip(&back.frames).enumerate() {
        assert_eq!((out.width, out.height), (32, 10));
        let want = gif_visible(&Image {
            frames: vec![src.clone()],
            loop_count: 0,
        })
        .remove(0);
        let got = &gif_visible(&Image {
            frames: vec![out.clone()],
            loop_count: 0,
        })[0];
        for y in 0..src.height as usize {
            let (a, b) = (y * src.width as usize * 4, y * 32 * 4);
            let n = src.width as usize * 4;
            assert_eq!(want[a..a + n], got[b..b + n], "frame {i} row {y}");
        }
    }
}

#[test]
fn gif_frame_with_256_new_colours_is_written_without_transparency() {
    // 272 pixels; the second frame brings 256 new colours (no room for a
    // transparent index) and one pixel equal to the first frame's.
    let b = |x: u32, y: u32| [((y * 17 + x) % 256) as u8, 50, 60, 255];
    let frames = vec![
        rgba_frame(17, 16, 10, |x, y| {
            if (x, y) == (16, 0) {
                b(x, y)
            } else {
                [255, 255, 255, 255]
            }
        }),
        rgba_frame(17, 16, 20, b),
        // A small change after that: a local palette again.
        rgba_frame(
            17,
            16,
            30,
            |x, y| if x < 3 { [9, 9, 9, 255] } else { b(x, y) },
        ),
    ];
    let img = Image {
        frames,
        loop_count: 1,
    };
    let (_, back) = gif_round_trip(&img);
    let (want, got) = (gif_visible(&img), gif_visible(&back));
    for i in 0..want.len() {
        assert!(want[i] == got[i], "frame {i} differs");
    }
}

#[test]
fn gif_transparency_over_a_changing_background_stays_correct() {
    let clear = [0, 0, 0, 0];
    let frames = vec![
        // Opaque red.
        rgba_frame(16, 16, 10, |_, _| [255, 0, 0, 255]),
        // A transparent left half over what was red: must not show red.
        rgba_frame(
            16,
            16,
            20,
            |x, _| if x < 8 { clear } else { [0, 0, 255, 255] },
        ),
        // Back to opaque, but a transparent hole in the middle.
        rgba_frame(16, 16, 30, |x, y| {
            if (6..10).contains(&x) && (6..10).contains(&y) {
                clear
            } else {
                [255, 255, 255, 255]
            }
        }),
        // The hole stays, the background around it changes.
        rgba_frame(16, 16, 40, |x, y| {
            if (6..10).contains(&x) && (6..10).contains(&y) {
                clear
            } else {
                [(x * 16) as u8, (y * 16) as u8, 0, 255]
            }
        }),
        // Fully transparent, twice (the repeat writes nothing new).
        rgba_frame(16, 16, 50, |_, _| clear),
        rgba_frame(16, 16, 60, |_, _| clear),
        // One opaque corner pixel, then a different one (the first clears).
        rgba_frame(
            16,
            16,
            70,
            |x, y| if x + y == 0 { [1, 2, 3, 255] } else { clear },
        ),
        rgba_frame(16, 16, 80, |x, y| {
            if x == 15 && y == 15 {
                [4, 5, 6, 255]
            } else {
                clear
            }
        }),
        // Semi-transparent pixels are binarised at 128.
        rgba_frame(16, 16, 90, |x, _| [9, 9, 9, if x < 8 { 127 } else { 128 }]),
    ];
    let img = Image {
        frames,
        loop_count: 2,
    };
    let (_, back) = gif_round_trip(&img);
    let (want, got) = (gif_visible(&img), gif_visible(&back));
    for i in 0..want.len() {
        assert!(want[i] == got[i], "frame {i} differs");
    }
}

#[test]
fn gif_quantised_colours_keep_white_opaque() {
    // 1024 colours (NeuQuant) with a white band in both frames.
    let px = |x: u32, y: u32| {
        if y < 4 {
            [255, 255, 255, 255]
        } else {
            [(x * 8) as u8, (y * 8) as u8, 128, 255]
        }
    };
    let img = Image {
        frames: vec![
            rgba_frame(32, 32, 10, px),
            rgba_frame(
                32,
                32,
                10,
                |x, y| if x < 2 { [0, 0, 0, 255] } else { px(x, y) },
            ),
        ],
        loop_count: 0,
    };
    let (_, back) = gif_round_trip(&img);
    for (i, f) in gif_visible(&back).iter().enumerate() {
        for p in f[..32 * 4 * 4]
            .chunks_exact(4)
            .enumerate()
            .filter(|(i, _)| i % 32 >= 2)
            .map(|(_, p)| p)
        {
            assert!(
                p[3] == 255 && p[..3].iter().all(|&c| c > 200),
                "frame {i}: {p:?}"
            );
        }
    }
}

/// `animated.gif` (245×245, 42 frames) resized to 100×100, as
/// `image/resize,w_100` hands it to the encoder.
fn animated_w100() -> Image {
    let src = decoded("animated.gif");
    Image {
        frames: src
            .frames
            .iter()
            .map(|f| {
                let mut g = crate::img::ops::resize::resample(f, None, 100, 100).unwrap();
                g.delay_ms = f.delay_ms;
                g
            })
            .collect(),
        loop_count: src.loop_count,
    }
}

#[test]
fn resized_gif_animation_is_small_and_close_to_its_frames() {
    let img = animated_w100();
    let (out, back) = gif_round_trip(&img);
    // One full frame each with its own palette made 385 889 bytes; libvips
    // 8.14 writes 144 944.
    // The encoder before frame differencing wrote 385 889 bytes (one full
    // frame each, a local palette each); libvips 8.14 writes 144 944; this
    // one about 57 000.
    assert!(out.len() < 100_000, "{} bytes", out.len());
    // One global palette.
    assert_ne!(out[10] & 0x80, 0, "no global colour table");
    let (want, got) = (gif_visible(&img), gif_visible(&back));
    for (i, (a, b)) in want.iter().zip(&got).enumerate() {
        let diff: u64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| u64::from(x.abs_diff(y)))
            .sum();
        let mean = diff as f64 / (a.len() / 4 * 3) as f64;
        // About 2 (as with the earlier full-frame encoder: NeuQuant's error).
        assert!(mean < 4.0, "frame {i}: mean error {mean:.2}");
        let worst = a.iter().zip(b).map(|(&x, &y)| x.abs_diff(y)).max();
        assert!(worst < Some(64), "frame {i}: worst error {worst:?}");
    }
}

#[test]
fn zero_delays_and_repeated_frames_survive_in_both_animation_formats() {
    let frame = |v: u8, delay_ms| Frame {
        width: 8,
        height: 8,
        format: PixelFormat::Rgb8,
        data: vec![v; 8 * 8 * 3],
        delay_ms,
    };
    let img = Image {
        frames: vec![frame(10, 0), frame(10, 0), frame(200, 100), frame(200, 30)],
        loop_count: 3,
    };
    for format in [Format::Gif, Format::Webp] {
        let back = decoded_bytes(&encode(&img, &enc(format, 90)).unwrap());
        assert_eq!(delays(&back), vec![0, 0, 100, 30], "{format:?}");
        assert_eq!(back.loop_count, 3, "{format:?}");
    }
}

#[test]
fn a_one_frame_animated_webp_decodes() {
    let frame = Frame {
        width: 4,
        height: 4,
        format: PixelFormat::Rgb8,
        data: vec![90; 48],
        delay_ms: 70,
    };
    let two = Image {
        frames: vec![frame.clone(), frame],
        loop_count: 0,
    };
    let bytes = encode(&two, &enc(Format::Webp, 90)).unwrap();
    // Drop the second ANMF chunk and fix the RIFF size.
    let meta = webp::parse(&bytes).unwrap();
    assert_eq!(meta.frames, 2);
    let mut pos = 12;
    let mut anmf = vec![];
    while pos + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        if &bytes[pos..pos + 4] == b"ANMF" {
            anmf.push(pos);
        }
        pos += 8 + size + (size & 1);
    }
    let mut one = bytes[..anmf[1]].to_vec();
    let riff = (one.len() - 8) as u32;
    one[4..8].copy_from_slice(&riff.to_le_bytes());
    let (p, img) = load(&one, &all_frames()).unwrap();
    assert_eq!((p.frames, img.frames.len()), (1, 1));
    assert_eq!(img.frames[0].delay_ms, 70);
}

/// Longer mutation run over every small fixture; run with
/// `cargo test --release --no-default-features --lib mutation_fuzz -- --ignored`.
#[test]
#[ignore]
fn mutation_fuzz() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for name in [
        "tiny-1x1.jpg",
        "cmyk-small.jpg",
        "static.gif",
        "animated-transparent.gif",
        "rle8.bmp",
        "palette-alpha.png",
        "lossy.webp",
        "animated.webp",
        "lossless-alpha.webp",
        "photo.heic",
        "photo.avif",
        "photo.tif",
        "orientation-6.jpg",
    ] {
        let clean = fixture(name);
        for round in 0..300 {
            let mut b = clean.clone();
            let n = 1 + (next() % 16) as usize;
            for _ in 0..n {
                let i = (next() as usize) % b.len();
                b[i] = next() as u8;
            }
            if round % 10 == 0 {
                let cut = (next() as usize) % b.len();
                b.truncate(cut.max(1));
            }
            if let Ok(p) = probe(&b, &limits()) {
                let _ = info_json(&b, &p);
                if let Err(e) = decode(&b, &p, &all_frames()) {
                    assert_eq!(e.code.http_status(), 400, "{name}: {e:?}");
                }
            }
        }
    }
}

/// The `iCCP` profile of a PNG fixture.
fn png_icc(name: &str) -> Vec<u8> {
    let bytes = fixture(name);
    let dec = ::png::Decoder::new(std::io::Cursor::new(&bytes[..]));
    let reader = dec.read_info().unwrap();
    reader.info().icc_profile.as_ref().unwrap().to_vec()
}

#[test]
fn srgb_profiles_are_recognised_by_their_colorants_and_curves() {
    use moxcms::{ColorProfile, LocalizableString, ProfileText, ToneReprCurve};
    let parse = |icc: &[u8]| ColorProfile::new_from_slice(icc).unwrap();
    // Real sRGB profiles: HP's (4096-entry curves, in alpha-small.png),
    // GIMP's built-in one (parametric curves, alpha-photo.png), moxcms's
    // own (what tagged outputs carry).
    assert!(color::is_srgb(&parse(&png_icc("alpha-small.png"))));
    assert!(color::is_srgb(&parse(&png_icc("alpha-photo.png"))));
    assert!(color::is_srgb(&parse(color::srgb_icc())));
    assert!(
        color::srgb_icc().len() < 1024,
        "{}",
        color::srgb_icc().len()
    );
    // Other spaces, whatever their name says.
    let mut p3 = ColorProfile::new_display_p3();
    p3.description = Some(ProfileText::Localizable(vec![LocalizableString::new(
        "en".into(),
        "US".into(),
        "sRGB".into(),
    )]));
    assert!(!color::is_srgb(&parse(&p3.encode().unwrap())));
    assert!(!color::is_srgb(&ColorProfile::new_adobe_rgb()));
    // sRGB primaries with a plain 2.2 gamma are not sRGB either (dark
    // tones differ by several levels).
    let mut gamma = ColorProfile::new_srgb();
    let g22 = ToneReprCurve::Parametric(vec![2.2]);
    gamma.red_trc = Some(g22.clone());
    gamma.green_trc = Some(g22.clone());
    gamma.blue_trc = Some(g22);
    assert!(!color::is_srgb(&gamma));
}

#[test]
fn encoders_tag_only_when_asked() {
    let img = Image {
        frames: vec![Frame {
            width: 16,
            height: 16,
            format: PixelFormat::Rgb8,
            data: [200u8, 60, 40].repeat(256),
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    let tagged = EncodeExtras {
        webp_lossless: false,
        tag_srgb: true,
    };
    for format in [Format::Tiff, Format::Jpeg, Format::Webp] {
        let plain = encode(&img, &enc(format, 80)).unwrap();
        let with = encode_with(&img, &enc(format, 80), &tagged).unwrap();
        let p = probe(&with, &limits()).unwrap();
        let (a, colour) = decode_with_colour(&with, &p, &DecodeOptions::default()).unwrap();
        assert_eq!(colour, SourceColour::Srgb, "{format:?}");
        let p = probe(&plain, &limits()).unwrap();
        let (b, colour) = decode_with_colour(&plain, &p, &DecodeOptions::default()).unwrap();
        assert_eq!(colour, SourceColour::Unspecified, "{format:?}");
        // The tag changes no pixel.
        let (ma, mb) = (mean_rgb(&a.frames[0]), mean_rgb(&b.frames[0]));
        for c in 0..3 {
            assert!((ma[c] - mb[c]).abs() < 1.0, "{format:?}: {ma:?} vs {mb:?}");
        }
    }
    // BMP output carries no profile.
    let bmp = encode_with(&img, &enc(Format::Bmp, 80), &tagged).unwrap();
    assert_eq!(bmp, encode(&img, &enc(Format::Bmp, 80)).unwrap());
    // Neither do HEIC and AVIF (libheif-rs 0.18 cannot set a profile).
    for format in [Format::Heic, Format::Avif] {
        let with = encode_with(&img, &enc(format, 80), &tagged).unwrap();
        assert_eq!(with, encode(&img, &enc(format, 80)).unwrap(), "{format:?}");
    }
}
