//! Whole-request settings: `format` (§5.12), `quality` (§5.13), `interlace`
//! (§5.14) and `auto-orient` (§5.7). Each is a single setting where the last
//! occurrence wins; they act at decode or encode time, not in the chain.

use std::fmt;

use crate::img::codec::Probe;
use crate::img::frame::Format;
use crate::img::plan::args::{uint_in, Args};
use crate::img::{Error, ErrorCode};

/// Parses `format,<name>`.
pub fn parse_format(args: &Args<'_>) -> Result<Format, Error> {
    let v = args.single(Some("0040-00000207"))?;
    Ok(match v {
        "jpg" | "jpeg" => Format::Jpeg,
        "png" => Format::Png,
        "webp" => Format::Webp,
        "bmp" => Format::Bmp,
        "gif" => Format::Gif,
        "tiff" => Format::Tiff,
        "heic" => Format::Heic,
        "avif" => Format::Avif,
        _ => return Err(Error::invalid_param(Some("0040-00000206"), "format", v)),
    })
}

/// Parses `interlace,0|1`: `true` for progressive.
pub fn parse_interlace(args: &Args<'_>) -> Result<bool, Error> {
    let v = args.single(Some("0040-00000281"))?;
    uint_in(v, 0, 1)
        .map(|n| n == 1)
        .ok_or_else(|| Error::invalid_param(Some("0040-00000282"), "interlace", v))
}

/// Parses `auto-orient,0|1`.
pub fn parse_auto_orient(args: &Args<'_>) -> Result<bool, Error> {
    let v = args.single(Some("0040-00000214"))?;
    uint_in(v, 0, 1)
        .map(|n| n == 1)
        .ok_or_else(|| Error::invalid_param(Some("0040-00000215"), "auto-orient", v))
}

/// A `quality` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quality {
    /// `q`: relative to the source's quality.
    Relative(u8),
    /// `Q`: absolute, capped at the source's quality.
    Absolute(u8),
}

/// Lossy quality when no `quality` is given.
pub const DEFAULT_QUALITY: u8 = 90;

impl Quality {
    /// Parses the arguments: `Q` wins over `q`; neither is `MissingArgument`.
    pub fn parse(args: &Args<'_>) -> Result<Quality, Error> {
        let big = args.uint("Q", 1, 100, Some("0040-00000308"))?;
        let small = args.uint("q", 1, 100, Some("0040-00000309"))?;
        match (big, small) {
            (Some(q), _) => Ok(Quality::Absolute(q as u8)),
            (None, Some(q)) => Ok(Quality::Relative(q as u8)),
            (None, None) => Err(Error::new(
                ErrorCode::MissingArgument,
                None,
                "The quality action needs the parameter q or Q.",
            )),
        }
    }

    /// The encoder quality for a source: relative only for JPEG sources; for
    /// WebP sources `q` acts like `Q`; other sources count as 100.
    pub fn resolve(quality: Option<Quality>, probe: &Probe) -> u8 {
        let source = match probe.format {
            Format::Jpeg | Format::Webp => probe.quality.unwrap_or(100).clamp(1, 100),
            _ => 100,
        };
        match quality {
            None => DEFAULT_QUALITY,
            Some(Quality::Relative(q)) if probe.format == Format::Jpeg => {
                let v = (u32::from(source) * u32::from(q) * 2 + 100) / 200;
                v.clamp(1, 100) as u8
            }
            Some(Quality::Relative(q)) | Some(Quality::Absolute(q)) => q.min(source),
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quality::Relative(q) => write!(f, "quality,q_{q}"),
            Quality::Absolute(q) => write!(f, "quality,Q_{q}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(format: Format, quality: Option<u8>) -> Probe {
        Probe {
            format,
            width: 1,
            height: 1,
            frames: 1,
            orientation: 1,
            quality,
            has_alpha: false,
        }
    }

    #[test]
    fn quality_arithmetic() {
        let q = |s: &str| Some(Quality::parse(&Args::split(s)).unwrap());
        let jpg = |n| probe(Format::Jpeg, Some(n));
        assert_eq!(Quality::resolve(q("quality,q_90"), &jpg(100)), 90);
        assert_eq!(Quality::resolve(q("quality,q_90"), &jpg(80)), 72);
        assert_eq!(Quality::resolve(q("quality,Q_90"), &jpg(95)), 90);
        assert_eq!(Quality::resolve(q("quality,Q_90"), &jpg(80)), 80);
        assert_eq!(Quality::resolve(q("quality,q_50,Q_70"), &jpg(80)), 70);
        assert_eq!(
            Quality::resolve(q("quality,q_90"), &probe(Format::Webp, Some(80))),
            80
        );
        assert_eq!(
            Quality::resolve(q("quality,q_90"), &probe(Format::Png, None)),
            90
        );
        assert_eq!(Quality::resolve(None, &jpg(70)), 90);
        assert_eq!(Quality::resolve(q("quality,q_1"), &jpg(10)), 1);
    }

    #[test]
    fn errors() {
        let e = |f: fn(&Args<'_>) -> Result<(), Error>, s: &str| f(&Args::split(s)).unwrap_err().ec;
        let fmt = |a: &Args<'_>| parse_format(a).map(|_| ());
        let qual = |a: &Args<'_>| Quality::parse(a).map(|_| ());
        let inter = |a: &Args<'_>| parse_interlace(a).map(|_| ());
        let orient = |a: &Args<'_>| parse_auto_orient(a).map(|_| ());
        assert_eq!(e(fmt, "format,dng"), Some("0040-00000206"));
        assert_eq!(e(fmt, "format,f_png"), Some("0040-00000206"));
        assert_eq!(e(fmt, "format,PNG"), Some("0040-00000206"));
        assert_eq!(e(fmt, "format"), Some("0040-00000207"));
        assert_eq!(e(qual, "quality,Q_101"), Some("0040-00000308"));
        assert_eq!(e(qual, "quality,q_0"), Some("0040-00000309"));
        let m = Quality::parse(&Args::split("quality")).unwrap_err();
        assert_eq!((m.code, m.ec), (ErrorCode::MissingArgument, None));
        assert_eq!(e(inter, "interlace"), Some("0040-00000281"));
        assert_eq!(e(inter, "interlace,2"), Some("0040-00000282"));
        assert_eq!(e(orient, "auto-orient"), Some("0040-00000214"));
        assert_eq!(e(orient, "auto-orient,2"), Some("0040-00000215"));
        assert_eq!(
            parse_format(&Args::split("format,jpeg")).unwrap(),
            Format::Jpeg
        );
    }
}
