//! Image watermarks (§5.15.3): fetching the object, refusing unsupported
//! formats, and the nested preprocessing of §5.15.4 (including `P`).

use std::fmt;

use crate::img::codec::{self, DecodeOptions};
use crate::img::frame::{Format, Frame};
use crate::img::ops::crop::Crop;
use crate::img::ops::indexcrop::IndexCrop;
use crate::img::ops::orient::apply_orientation;
use crate::img::ops::output::{parse_auto_orient, parse_format, parse_interlace, Quality};
use crate::img::ops::resize::{resample, Geometry, Mode, Resize, Sizing};
use crate::img::ops::rotate::Rotate;
use crate::img::ops::rounded_corners::RoundedCorners;
use crate::img::ops::to_rgba;
use crate::img::plan::args::{div_round, uint_in, Args, Rgb};
use crate::img::plan::split::{split_actions, ACTIONS};
use crate::img::{Error, ErrorCode, Limits, Resources};

use super::{
    ImageMark, EC_IMAGE, EC_NESTED_INFO, EC_NESTED_WATERMARK, EC_OBJECT_FORMAT, EC_OBJECT_MISSING,
};

/// One step of a watermark's nested preprocessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prep {
    /// `resize` with the ordinary keys.
    Resize(Resize),
    /// `resize,P_<n>`: fit into `n` % of the watermarked image (lfit, may
    /// enlarge).
    Percent(u32),
    /// `crop`.
    Crop(Crop),
    /// `indexcrop`.
    IndexCrop(IndexCrop),
    /// `rounded-corners`.
    RoundedCorners(RoundedCorners),
    /// `rotate`.
    Rotate(Rotate),
    /// `auto-orient` (last wins; default on).
    AutoOrient(bool),
}

impl fmt::Display for Prep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prep::Resize(r) => r.fmt(f),
            Prep::Percent(p) => write!(f, "resize,P_{p}"),
            Prep::Crop(c) => c.fmt(f),
            Prep::IndexCrop(c) => c.fmt(f),
            Prep::RoundedCorners(c) => c.fmt(f),
            Prep::Rotate(r) => r.fmt(f),
            Prep::AutoOrient(o) => write!(f, "auto-orient,{}", u8::from(*o)),
        }
    }
}

/// Parses the processing string after `?x-oss-process=` (§5.15.4). `raw` is
/// the `image_` value as written, for error messages.
pub fn parse_prep(process: &str, raw: &str) -> Result<Vec<Prep>, Error> {
    let refuse = |ec: Option<&'static str>| Error::invalid_param(ec, "image", raw);
    if process.contains('|') {
        return Err(refuse(Some(EC_IMAGE)));
    }
    let body = process
        .strip_prefix("image/")
        .or((process == "image").then_some(""))
        .ok_or_else(|| refuse(Some(EC_IMAGE)))?;
    let mut prep = Vec::new();
    for segment in split_actions(body) {
        let args = Args::split(segment);
        match args.action {
            "resize" => match args.get("P") {
                Some(v) => prep.push(Prep::Percent(
                    uint_in(v, 1, 100).ok_or_else(|| Error::invalid_param(None, "P", v))?,
                )),
                None => prep.push(Prep::Resize(Resize::parse(&args)?)),
            },
            "crop" => prep.push(Prep::Crop(Crop::parse(&args)?)),
            "indexcrop" => prep.push(Prep::IndexCrop(IndexCrop::parse(&args)?)),
            "rounded-corners" => prep.push(Prep::RoundedCorners(RoundedCorners::parse(&args)?)),
            "rotate" => prep.push(Prep::Rotate(Rotate::parse(&args)?)),
            "auto-orient" => prep.push(Prep::AutoOrient(parse_auto_orient(&args)?)),
            // Accepted and validated; they have no visible effect on a
            // watermark, which is composited, not encoded.
            "format" => {
                parse_format(&args)?;
            }
            "quality" => {
                Quality::parse(&args)?;
            }
            "interlace" => {
                parse_interlace(&args)?;
            }
            "watermark" => return Err(refuse(Some(EC_NESTED_WATERMARK))),
            "info" => return Err(refuse(Some(EC_NESTED_INFO))),
            other if ACTIONS.contains(&other) => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    None,
                    format!("The action {other} is not allowed in watermark preprocessing."),
                ))
            }
            other => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    Some("0040-00000213"),
                    format!("The value: {other} of parameter: x-oss-process is invalid."),
                ))
            }
        }
    }
    Ok(prep)
}

/// `WatermarkError` for an unsupported or undecodable watermark object.
fn unsupported() -> Error {
    Error::new(
        ErrorCode::WatermarkError,
        Some(EC_OBJECT_FORMAT),
        "The watermark image format is not supported.",
    )
}

/// Fetches, decodes and preprocesses a watermark object. `base` is the size
/// of the image being watermarked (the base of `P`). The result is RGBA.
pub fn load(
    mark: &ImageMark,
    base: (u32, u32),
    resources: &dyn Resources,
    limits: &Limits,
) -> Result<Frame, Error> {
    let bytes = resources.watermark_object(&mark.key)?.ok_or_else(|| {
        Error::new(
            ErrorCode::WatermarkError,
            Some(EC_OBJECT_MISSING),
            format!("The watermark object {} does not exist.", mark.key),
        )
    })?;
    match codec::sniff(&bytes) {
        Some(Format::Jpeg | Format::Png | Format::Bmp | Format::Webp | Format::Tiff) => {}
        _ => return Err(unsupported()),
    }
    let remap = |e: Error| {
        if e.ec == Some("0040-00000005") {
            unsupported()
        } else {
            e
        }
    };
    let probe = codec::probe(&bytes, limits).map_err(remap)?;
    let orient = mark
        .prep
        .iter()
        .rev()
        .find_map(|p| match p {
            Prep::AutoOrient(o) => Some(*o),
            _ => None,
        })
        .unwrap_or(true);
    let swapped = orient && (5..=8).contains(&probe.orientation);
    // The size the object has once oriented, at full resolution: every
    // geometry is computed from it, even when the decoder shrinks on load.
    let mut logical = if swapped {
        (probe.height, probe.width)
    } else {
        (probe.width, probe.height)
    };
    let min_size =
        shrink_target(&mark.prep, logical, base)
            .map(|(w, h)| if swapped { (h, w) } else { (w, h) });
    let decoded = codec::decode(
        &bytes,
        &probe,
        &DecodeOptions {
            min_size,
            all_frames: false,
        },
    )
    .map_err(remap)?;
    let mut frame = decoded.frames.into_iter().next().ok_or_else(unsupported)?;
    if orient && probe.orientation != 1 {
        frame = apply_orientation(&frame, probe.orientation);
    }
    frame.delay_ms = 0;
    to_rgba(&mut frame);
    for step in &mark.prep {
        frame = run(step, frame, logical, base, limits)?;
        if !matches!(step, Prep::AutoOrient(_)) {
            logical = (frame.width, frame.height);
        }
    }
    if (frame.width, frame.height) != logical {
        frame = resample(&frame, None, logical.0, logical.1)?;
    }
    Ok(frame)
}

/// The resize a preprocessing step stands for, if it is one.
fn as_resize(step: &Prep, base: (u32, u32)) -> Option<Resize> {
    match step {
        Prep::Resize(r) => Some(*r),
        Prep::Percent(n) => Some(percent_resize(*n, base)),
        _ => None,
    }
}

/// The smallest decoded size (oriented) that still serves the first
/// preprocessing step, when that step is a shrinking resize.
fn shrink_target(prep: &[Prep], logical: (u32, u32), base: (u32, u32)) -> Option<(u32, u32)> {
    let first = prep.iter().find(|p| !matches!(p, Prep::AutoOrient(_)))?;
    let resize = as_resize(first, base)?;
    match resize.geometry(logical.0, logical.1, false) {
        Geometry::Scale { w, h, .. }
            if w <= logical.0 && h <= logical.1 && (w < logical.0 || h < logical.1) =>
        {
            Some((w, h))
        }
        _ => None,
    }
}

/// The resize that `P_<n>` stands for on a `base` image: lfit into
/// `round(W·n/100) × round(H·n/100)`, enlargement allowed (§5.15.4).
pub fn percent_resize(n: u32, base: (u32, u32)) -> Resize {
    let side = |v: u32| div_round(u64::from(v) * u64::from(n), 100).clamp(1, 16384) as u32;
    Resize {
        mode: Mode::Lfit,
        sizing: Sizing::Both(side(base.0), side(base.1)),
        limit: false,
        color: Rgb::WHITE,
    }
}

/// Runs one preprocessing step on an RGBA frame whose full-resolution size
/// is `logical` (the frame is smaller only after a shrink-on-load decode,
/// and then the step is a resize).
fn run(
    step: &Prep,
    mut frame: Frame,
    logical: (u32, u32),
    base: (u32, u32),
    limits: &Limits,
) -> Result<Frame, Error> {
    if let Prep::AutoOrient(_) = step {
        return Ok(frame); // applied at decode time
    }
    if let Some(r) = as_resize(step, base) {
        let geom = r.geometry(logical.0, logical.1, false);
        return r.apply(&frame, &geom, logical, limits);
    }
    if (frame.width, frame.height) != logical {
        frame = resample(&frame, None, logical.0, logical.1)?;
    }
    match step {
        Prep::Crop(c) => c.apply(&mut frame)?,
        Prep::IndexCrop(c) => c.apply(&mut frame)?,
        Prep::RoundedCorners(c) => c.apply(&mut frame),
        Prep::Rotate(r) => r.apply(&mut frame)?,
        Prep::Resize(_) | Prep::Percent(_) | Prep::AutoOrient(_) => {}
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prep(s: &str) -> Result<Vec<Prep>, Error> {
        parse_prep(s, "raw")
    }

    #[test]
    fn percent_box_on_non_square_bases() {
        // §10.5 #87: P_30 of 300×200 is the box 90×60.
        assert_eq!(percent_resize(30, (300, 200)).sizing, Sizing::Both(90, 60));
        // §10.5 #88: P_20 of 400×267 is 80×53 (53.4 rounds down).
        assert_eq!(percent_resize(20, (400, 267)).sizing, Sizing::Both(80, 53));
        let g = percent_resize(20, (400, 267)).geometry(120, 40, false);
        assert_eq!(g.output_size(120, 40), (80, 27));
        // Documented square examples: P_10 of 100×100 → 10×10, of 200×200 → 20×20.
        let g = percent_resize(10, (100, 100)).geometry(50, 50, false);
        assert_eq!(g.output_size(50, 50), (10, 10));
        let g = percent_resize(10, (200, 200)).geometry(50, 50, false);
        assert_eq!(g.output_size(50, 50), (20, 20));
        // Enlargement is allowed.
        let g = percent_resize(50, (400, 400)).geometry(20, 20, false);
        assert_eq!(g.output_size(20, 20), (200, 200));
    }

    #[test]
    fn prep_actions() {
        assert_eq!(prep("image/resize,P_30").unwrap(), vec![Prep::Percent(30)]);
        // P wins over the other resize keys.
        assert_eq!(
            prep("image/resize,w_10,P_5").unwrap(),
            vec![Prep::Percent(5)]
        );
        let p = prep("image/resize,w_50/crop,w_10,h_10/indexcrop,x_5,i_1/rounded-corners,r_3/rotate,90/auto-orient,0/format,png/quality,q_80/interlace,1")
            .unwrap();
        assert_eq!(p.len(), 6);
        assert!(matches!(p[0], Prep::Resize(_)));
        assert_eq!(p[5], Prep::AutoOrient(false));
        assert_eq!(
            p.iter().map(ToString::to_string).collect::<Vec<_>>()[4],
            "rotate,90"
        );
    }

    #[test]
    fn shrink_on_load_only_for_a_leading_shrinking_resize() {
        let base = (400, 267);
        let big = (4000, 3000);
        let target = |p: &[Prep]| shrink_target(p, big, base);
        assert_eq!(
            target(&[Prep::AutoOrient(true), Prep::Percent(10)]),
            Some((36, 27))
        );
        // P_100 is the 400×267 box: 356×267.
        assert_eq!(target(&[Prep::Percent(100)]), Some((356, 267)));
        assert_eq!(
            target(&[Prep::Rotate(Rotate { degrees: 90 }), Prep::Percent(10)]),
            None
        );
        assert_eq!(target(&[]), None);
        // No shrink when the resize enlarges.
        assert_eq!(shrink_target(&[Prep::Percent(50)], (20, 20), base), None);
    }

    #[test]
    fn prep_errors() {
        let ec = |s: &str| prep(s).unwrap_err().ec;
        assert_eq!(ec("image/watermark,text_YQ"), Some(EC_NESTED_WATERMARK));
        assert_eq!(ec("image/resize,w_10/info"), Some(EC_NESTED_INFO));
        assert_eq!(ec("image/resize,P_0"), None);
        assert_eq!(ec("image/resize,P_101"), None);
        assert_eq!(ec("image/resize,w_99999"), Some("0040-00000312"));
        assert_eq!(ec("image/slim,1"), Some("0040-00000213"));
        assert_eq!(ec("style/small"), Some(EC_IMAGE));
        assert_eq!(ec("image/resize,w_10|sys/saveas,o_YQ"), Some(EC_IMAGE));
        let circle = prep("image/circle,r_10").unwrap_err();
        assert_eq!(circle.code, ErrorCode::InvalidArgument);
        assert_eq!(circle.ec, None);
        assert!(prep("image/blur,r_3,s_2").is_err());
    }
}
