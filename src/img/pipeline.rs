//! Runs a plan over a source: probe, decode (shrink-on-load), orientation,
//! actions in written order, output checks, encode (image-processing.md §3).

use crate::img::codec::{self, DecodeOptions, EncodeExtras, EncodeOptions, Probe, SourceColour};
use crate::img::frame::{Format, Frame, Image};
use crate::img::ops::output::Quality;
use crate::img::ops::resize::{resample, Geometry};
use crate::img::ops::{average_hue, check_output_size, flatten, orient, rotate};
use crate::img::plan::args::Rgb;
use crate::img::plan::{Op, Report};
use crate::img::{Error, Limits, Output, Plan, Resources};

/// `Content-Type` of `info` and `average-hue`.
pub const JSON: &str = "application/json";

/// Runs `plan` over `source`.
pub fn run(
    source: &[u8],
    plan: &Plan,
    resources: &dyn Resources,
    limits: &Limits,
) -> Result<Output, Error> {
    let probe = codec::probe(source, limits)?;
    if plan.report == Some(Report::Info) {
        return Ok(Output {
            bytes: codec::info_json(source, &probe)?.into_bytes(),
            content_type: JSON,
        });
    }
    let orientation = if plan.orient() { probe.orientation } else { 1 };
    let swapped = (5..=8).contains(&orientation);
    let logical = if swapped {
        (probe.height, probe.width)
    } else {
        (probe.width, probe.height)
    };
    let animated = probe.frames > 1 && plan.keeps_animation(probe.format);
    if plan.report.is_none() {
        // Every size-only error (output too large, rotate input too large,
        // crop outside the image) is found before decoding.
        let (w, h) = predict(plan, logical, animated, limits)?;
        check_output(w, h, plan.output_format(probe.format), limits)?;
    }
    let min_size = if plan.report.is_none() {
        shrink_target(plan, logical, animated).map(|(w, h)| if swapped { (h, w) } else { (w, h) })
    } else {
        None
    };
    let (mut image, colour) = codec::decode_with_colour(
        source,
        &probe,
        &DecodeOptions {
            min_size,
            all_frames: animated,
        },
    )?;
    if !animated {
        image.frames.truncate(1);
    }
    if image.frames.is_empty() {
        return Err(Error::unsupported_format());
    }
    if orientation != 1 {
        for frame in &mut image.frames {
            *frame = orient::apply_orientation(frame, orientation);
        }
    }
    if plan.report == Some(Report::AverageHue) {
        let rgb = average_hue::average_hue(&image.frames[0]);
        return Ok(Output {
            bytes: average_hue::json(rgb).into_bytes(),
            content_type: JSON,
        });
    }
    let image = execute(image, plan, logical, animated, resources, limits)?;
    encode(image, plan, &probe, colour, limits)
}

/// The minimum decoded size (output orientation) that lets the decoder shrink
/// on load: only when the first action is a resize that shrinks the image.
pub fn shrink_target(plan: &Plan, logical: (u32, u32), animated: bool) -> Option<(u32, u32)> {
    let Some(Op::Resize(resize)) = plan.ops.first() else {
        return None;
    };
    match resize.geometry(logical.0, logical.1, animated) {
        Geometry::Scale { w, h, .. }
            if w <= logical.0 && h <= logical.1 && (w < logical.0 || h < logical.1) =>
        {
            Some((w, h))
        }
        _ => None,
    }
}

/// The output size of `plan` for an oriented `logical` input, computed from
/// sizes alone; fails with the error the pixel run would give on size
/// grounds (resize output limits, rotate input side, crop start).
pub fn predict(
    plan: &Plan,
    logical: (u32, u32),
    animated: bool,
    limits: &Limits,
) -> Result<(u32, u32), Error> {
    let (mut w, mut h) = logical;
    for op in &plan.ops {
        (w, h) = match op {
            Op::Resize(r) => {
                let out = r.geometry(w, h, animated).output_size(w, h);
                check_output_size(out.0, out.1, limits)?;
                out
            }
            Op::Crop(c) => {
                let (_, _, cw, ch) = c.region(w, h)?;
                (cw, ch)
            }
            Op::IndexCrop(c) => c.region(w, h).map_or((w, h), |(_, _, cw, ch)| (cw, ch)),
            Op::Circle(c) => {
                let side = 2 * c.effective_radius(w, h) + 1;
                (side, side)
            }
            Op::Rotate(r) => {
                if w > rotate::MAX_SIDE || h > rotate::MAX_SIDE {
                    return Err(rotate::too_large());
                }
                r.output_size(w, h)
            }
            _ => (w, h),
        };
    }
    Ok((w, h))
}

/// Runs the actions over a decoded, oriented image. `logical` is the size
/// the image has at full resolution: it differs from the frames' size only
/// after a shrink-on-load decode, and sizes are always computed from it.
pub fn execute(
    mut image: Image,
    plan: &Plan,
    mut logical: (u32, u32),
    animated: bool,
    resources: &dyn Resources,
    limits: &Limits,
) -> Result<Image, Error> {
    for op in &plan.ops {
        if let Op::Watermark(w) = op {
            // A watermark works on the whole image: it decides per frame
            // itself and fetches its own objects.
            ensure_full_size(&mut image, logical)?;
            crate::img::watermark::apply(&mut image, w, resources, limits)?;
        } else if let Op::Resize(resize) = op {
            let geom = resize.geometry(logical.0, logical.1, animated);
            for frame in &mut image.frames {
                if geom != Geometry::Keep || (frame.width, frame.height) != logical {
                    *frame = resize.apply(frame, &geom, logical, limits)?;
                }
            }
        } else {
            ensure_full_size(&mut image, logical)?;
            for frame in &mut image.frames {
                apply_op(op, frame)?;
            }
        }
        let first = image
            .frames
            .first()
            .ok_or_else(|| super::ops::internal("no frame"))?;
        logical = (first.width, first.height);
    }
    ensure_full_size(&mut image, logical)?;
    Ok(image)
}

/// Brings frames decoded smaller than `logical` to that size (only reached
/// when a shrunk decode is not consumed by a resize).
fn ensure_full_size(image: &mut Image, logical: (u32, u32)) -> Result<(), Error> {
    for frame in &mut image.frames {
        if (frame.width, frame.height) != logical {
            *frame = resample(frame, None, logical.0, logical.1)?;
        }
    }
    Ok(())
}

/// Applies one non-resize action to one frame.
fn apply_op(op: &Op, frame: &mut Frame) -> Result<(), Error> {
    match op {
        Op::Crop(c) => c.apply(frame)?,
        Op::IndexCrop(c) => c.apply(frame)?,
        Op::Circle(c) => *frame = c.apply(frame)?,
        Op::RoundedCorners(c) => c.apply(frame),
        Op::Rotate(r) => r.apply(frame)?,
        Op::Blur(b) => b.apply(frame)?,
        Op::Bright(b) => b.apply(frame),
        Op::Contrast(c) => c.apply(frame),
        Op::Sharpen(s) => s.apply(frame)?,
        Op::Resize(_) => return Err(super::ops::internal("resize reached apply_op")),
        Op::Watermark(_) => return Err(super::ops::internal("watermark reached apply_op")),
    }
    Ok(())
}

/// The encoder settings for a plan and a source.
pub fn encode_options(plan: &Plan, probe: &Probe) -> EncodeOptions {
    let format = plan.output_format(probe.format);
    EncodeOptions {
        format,
        quality: Quality::resolve(plan.quality, probe),
        progressive: format == Format::Jpeg && plan.interlace == Some(true),
    }
}

/// The source-dependent encoder choices for a plan and a source:
///
/// - WebP output is lossless when the source is lossless WebP (every frame
///   VP8L) and the plan has no `quality` action; otherwise it is lossy at the
///   §5.13 quality (docs/codecs.md, "WebP output: lossy or lossless").
/// - The output is tagged as sRGB when the source's colour profile was
///   honoured (§4.6); sources without one stay untagged.
pub fn encode_extras(plan: &Plan, probe: &Probe, colour: SourceColour) -> EncodeExtras {
    EncodeExtras {
        webp_lossless: probe.is_lossless_webp() && plan.quality.is_none(),
        tag_srgb: colour == SourceColour::Srgb,
    }
}

/// Checks the output limits of §4.8 for the final image in `format`.
pub fn check_output(w: u32, h: u32, format: Format, limits: &Limits) -> Result<(), Error> {
    check_output_size(w, h, limits)?;
    codec::check_format_limits(format, w, h)
}

/// Output checks, JPEG flattening onto white (§4.3), encoding.
fn encode(
    mut image: Image,
    plan: &Plan,
    probe: &Probe,
    colour: SourceColour,
    limits: &Limits,
) -> Result<Output, Error> {
    let opts = encode_options(plan, probe);
    let extras = encode_extras(plan, probe, colour);
    let first = image
        .frames
        .first()
        .ok_or_else(|| super::ops::internal("no frame"))?;
    check_output(first.width, first.height, opts.format, limits)?;
    if opts.format == Format::Jpeg {
        for frame in &mut image.frames {
            flatten(frame, Rgb::WHITE);
        }
    }
    let bytes = codec::encode_with(&image, &opts, &extras)?;
    Ok(Output {
        bytes,
        content_type: opts.format.content_type(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::frame::PixelFormat;
    use crate::img::ops::testutil::{gradient, px};
    use crate::img::ErrorCode;
    use crate::img::NoResources;

    fn plan(s: &str) -> Plan {
        crate::img::plan::parse(s, &NoResources).unwrap()
    }

    fn still(w: u32, h: u32) -> Image {
        Image {
            frames: vec![gradient(w, h)],
            loop_count: 0,
        }
    }

    fn run_on(s: &str, w: u32, h: u32) -> Result<Image, Error> {
        execute(
            still(w, h),
            &plan(s),
            (w, h),
            false,
            &crate::img::NoResources,
            &Limits::default(),
        )
    }

    fn size(img: &Image) -> (u32, u32) {
        (img.frames[0].width, img.frames[0].height)
    }

    #[test]
    fn chains_run_in_written_order() {
        let a = run_on(
            "image/auto-orient,0/resize,m_lfit,h_2000,w_2000,limit_1/rotate,90",
            2550,
            1500,
        )
        .unwrap();
        assert_eq!(size(&a), (1176, 2000));
        let b = run_on("image/resize,w_200/rotate,90", 400, 267).unwrap();
        assert_eq!(size(&b), (134, 200));
        let c = run_on("image/rotate,90/resize,w_200", 400, 267).unwrap();
        assert_eq!(size(&c), (200, 300));
        let d = run_on(
            "image/crop,w_100,h_100/rounded-corners,r_10/format,png",
            400,
            267,
        )
        .unwrap();
        assert_eq!(size(&d), (100, 100));
        assert_eq!(d.frames[0].format, PixelFormat::Rgba8);
        assert_eq!(px(&d.frames[0], 0, 0)[3], 0);
    }

    #[test]
    fn rotate_limit_is_checked_on_the_entering_image() {
        let e = run_on("image/rotate,90", 5100, 30).unwrap_err();
        assert_eq!(
            e.message,
            "Picture exceed the maximum allowable rotation range."
        );
    }

    #[test]
    fn shrink_on_load_gives_identical_geometry() {
        let p = plan("image/resize,m_fill,w_150,h_80");
        assert_eq!(shrink_target(&p, (1000, 500), false), Some((160, 80)));
        assert_eq!(
            shrink_target(&plan("image/resize,w_3000"), (1000, 500), false),
            None
        );
        assert_eq!(
            shrink_target(&plan("image/crop,w_10/resize,w_5"), (1000, 500), false),
            None
        );
        assert_eq!(
            shrink_target(&plan("image/resize,p_120"), (1000, 500), false),
            None
        );
        // A decoder that shrank 1000×500 to 250×125 (≥ 160×80): same result
        // size and nearly the same pixels as a full decode.
        let full = execute(
            still(1000, 500),
            &p,
            (1000, 500),
            false,
            &crate::img::NoResources,
            &Limits::default(),
        )
        .unwrap();
        let shrunk_src = resample(&gradient(1000, 500), None, 250, 125).unwrap();
        let small = Image {
            frames: vec![shrunk_src],
            loop_count: 0,
        };
        let shrunk = execute(
            small,
            &p,
            (1000, 500),
            false,
            &crate::img::NoResources,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(size(&full), (150, 80));
        assert_eq!(size(&shrunk), (150, 80));
        // Round-off of 500/160 vs 125/80 source pixels per output pixel:
        // the green channel (row index) must agree within a few levels.
        let g_full = i32::from(px(&full.frames[0], 75, 20)[1]);
        let g_small = i32::from(px(&shrunk.frames[0], 75, 20)[1]);
        assert!((g_full - g_small).abs() <= 8, "{g_full} vs {g_small}");
        // A shrunk decode never consumed by a resize is brought back to size.
        let odd = Image {
            frames: vec![gradient(50, 25)],
            loop_count: 0,
        };
        let back = execute(
            odd,
            &plan("image/bright,10"),
            (100, 50),
            false,
            &crate::img::NoResources,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(size(&back), (100, 50));
    }

    #[test]
    fn animated_frames_keep_count_and_delays() {
        let frames: Vec<Frame> = (0..10)
            .map(|i| Frame {
                delay_ms: 40 + i,
                ..gradient(320, 240)
            })
            .collect();
        let img = Image {
            frames,
            loop_count: 3,
        };
        let out = execute(
            img.clone(),
            &plan("image/resize,w_160"),
            (320, 240),
            true,
            &crate::img::NoResources,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(out.frames.len(), 10);
        assert_eq!(out.loop_count, 3);
        assert!(out.frames.iter().all(|f| (f.width, f.height) == (160, 120)));
        assert_eq!(
            out.frames.iter().map(|f| f.delay_ms).collect::<Vec<_>>(),
            (40..50).collect::<Vec<_>>()
        );
        let big = execute(
            img,
            &plan("image/resize,w_640,limit_0"),
            (320, 240),
            true,
            &crate::img::NoResources,
            &Limits::default(),
        )
        .unwrap();
        assert!(big.frames.iter().all(|f| (f.width, f.height) == (320, 240)));
    }

    #[test]
    fn predicted_sizes_match_and_fail_early() {
        let l = Limits::default();
        let cases = [
            "image/resize,w_200/rotate,70/circle,r_50",
            "image/crop,x_10,y_10,w_200,h_200,g_se/indexcrop,y_50,i_3/rounded-corners,r_5",
            "image/resize,m_pad,w_150,h_80/rotate,90/bright,5",
            "image/indexcrop,x_300,i_1/resize,p_150",
        ];
        for s in cases {
            let predicted = predict(&plan(s), (400, 267), false, &l).unwrap();
            assert_eq!(predicted, size(&run_on(s, 400, 267).unwrap()), "{s}");
        }
        let e = predict(&plan("image/rotate,90"), (5100, 3000), false, &l).unwrap_err();
        assert_eq!(
            e.message,
            "Picture exceed the maximum allowable rotation range."
        );
        let e = predict(
            &plan("image/resize,m_fixed,w_5000,h_5000"),
            (6000, 6000),
            false,
            &l,
        )
        .unwrap_err();
        assert_eq!(e.ec, Some("0040-00000007"));
        let e = predict(&plan("image/crop,x_500,y_10"), (400, 267), false, &l).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
    }

    #[test]
    fn tiny_images_never_panic() {
        let plans = [
            "image/resize,w_1",
            "image/resize,m_fill,w_3,h_1",
            "image/resize,m_pad,w_1,h_5,limit_0",
            "image/resize,m_mfit,w_7,h_2,limit_0",
            "image/resize,p_1",
            "image/resize,p_1000",
            "image/resize,l_1,s_1,m_fixed",
            "image/crop,w_1,h_1,g_se,x_0,y_0",
            "image/crop,g_center,w_5,h_5",
            "image/circle,r_1",
            "image/circle,r_4096",
            "image/indexcrop,x_1,i_2",
            "image/indexcrop,y_1,i_0",
            "image/rounded-corners,r_4096",
            "image/rotate,1",
            "image/rotate,359",
            "image/rotate,180",
            "image/blur,r_50,s_50",
            "image/sharpen,399",
            "image/bright,-100/contrast,100",
        ];
        let l = Limits::default();
        for (w, h) in [(1, 1), (1, 3), (3, 1), (2, 2)] {
            for s in plans {
                let p = plan(s);
                let predicted = predict(&p, (w, h), false, &l);
                let ran = execute(still(w, h), &p, (w, h), false, &crate::img::NoResources, &l);
                match (predicted, ran) {
                    (Ok(size_a), Ok(img)) => assert_eq!(size_a, size(&img), "{s} on {w}x{h}"),
                    (Err(a), Err(b)) => assert_eq!(a, b, "{s} on {w}x{h}"),
                    (a, b) => panic!(
                        "{s} on {w}x{h}: predicted {a:?}, ran {:?}",
                        b.map(|i| size(&i))
                    ),
                }
            }
        }
    }

    #[test]
    fn random_strings_never_panic() {
        use rand::{Rng, SeedableRng};
        let alphabet: Vec<char> = "image/style,_-0123456789wlhspmrxyigQqfF|=.abcdefz"
            .chars()
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..5000 {
            let len = rng.random_range(0..40);
            let mut s: String = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            if rng.random_bool(0.7) {
                s.insert_str(0, "image/");
            }
            if let Ok(p) = crate::img::plan::parse(&s, &NoResources) {
                let reparsed = crate::img::plan::parse(&p.to_string(), &NoResources);
                assert_eq!(reparsed.as_ref(), Ok(&p), "{s} -> {p}");
                let _ = execute(
                    still(3, 2),
                    &p,
                    (3, 2),
                    false,
                    &crate::img::NoResources,
                    &Limits::default(),
                );
            }
        }
    }

    #[test]
    fn output_checks() {
        let l = Limits::default();
        assert_eq!(
            check_output(16384, 10, Format::Webp, &l).unwrap_err().ec,
            Some("0040-00000011")
        );
        assert!(check_output(16383, 10, Format::Webp, &l).is_ok());
        assert_eq!(
            check_output(4097, 10, Format::Heic, &l).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            check_output(4096, 2305, Format::Avif, &l).unwrap_err().ec,
            Some("0040-00000014")
        );
        assert_eq!(
            check_output(16385, 1, Format::Png, &l).unwrap_err().ec,
            Some("0040-00000007")
        );
    }

    #[test]
    fn encode_settings() {
        let probe = Probe {
            format: Format::Jpeg,
            width: 400,
            height: 267,
            frames: 1,
            orientation: 1,
            quality: Some(80),
            has_alpha: false,
        };
        let o = encode_options(&plan("image/resize,w_100/quality,q_90"), &probe);
        assert_eq!(
            (o.format, o.quality, o.progressive),
            (Format::Jpeg, 72, false)
        );
        let o = encode_options(&plan("image/resize,w_100/quality,Q_90"), &probe);
        assert_eq!(o.quality, 80);
        let o = encode_options(&plan("image/resize,w_200/format,gif"), &probe);
        assert_eq!(o.format, Format::Jpeg);
        let png = Probe {
            format: Format::Png,
            quality: None,
            ..probe
        };
        let o = encode_options(&plan("image/format,jpg/interlace,1"), &png);
        assert_eq!(
            (o.format, o.quality, o.progressive),
            (Format::Jpeg, 90, true)
        );
        let o = encode_options(&plan("image/interlace,1"), &png);
        assert!(!o.progressive);
    }

    #[test]
    fn webp_is_lossless_only_for_lossless_sources_without_quality() {
        let lossless = Probe {
            format: Format::Webp,
            width: 10,
            height: 10,
            frames: 1,
            orientation: 1,
            quality: None,
            has_alpha: true,
        };
        let lossy = Probe {
            quality: Some(80),
            ..lossless.clone()
        };
        let png = Probe {
            format: Format::Png,
            ..lossless.clone()
        };
        let x = |p: &str, probe: &Probe| encode_extras(&plan(p), probe, SourceColour::Unspecified);
        assert!(x("image/resize,w_5", &lossless).webp_lossless);
        assert!(x("image/format,webp", &lossless).webp_lossless);
        assert!(!x("image/resize,w_5/quality,Q_80", &lossless).webp_lossless);
        assert!(!x("image/quality,q_100", &lossless).webp_lossless);
        assert!(!x("image/resize,w_5", &lossy).webp_lossless);
        assert!(!x("image/format,webp", &png).webp_lossless);
        assert!(!x("image/format,webp", &png).tag_srgb);
        let tagged = encode_extras(&plan("image/format,png"), &png, SourceColour::Srgb);
        assert!(tagged.tag_srgb);
    }
}
