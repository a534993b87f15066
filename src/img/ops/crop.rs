//! `crop` (image-processing.md §5.2): a box anchored on the nine-grid,
//! shifted by `(x, y)`, clipped to the image.

use std::fmt;

use crate::img::frame::Frame;
use crate::img::ops::crop_frame;
use crate::img::plan::args::Args;
use crate::img::{Error, ErrorCode};

/// A position of the nine-grid (§4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gravity {
    /// Top-left.
    Nw,
    /// Top-middle.
    North,
    /// Top-right.
    Ne,
    /// Middle-left.
    West,
    /// Centre.
    Center,
    /// Middle-right.
    East,
    /// Bottom-left.
    Sw,
    /// Bottom-middle.
    South,
    /// Bottom-right.
    Se,
}

impl Gravity {
    /// Parses a lower-case nine-grid name.
    pub fn parse(v: &str) -> Option<Gravity> {
        Some(match v {
            "nw" => Gravity::Nw,
            "north" => Gravity::North,
            "ne" => Gravity::Ne,
            "west" => Gravity::West,
            "center" => Gravity::Center,
            "east" => Gravity::East,
            "sw" => Gravity::Sw,
            "south" => Gravity::South,
            "se" => Gravity::Se,
            _ => return None,
        })
    }

    /// The name as written in a processing string.
    pub fn name(self) -> &'static str {
        match self {
            Gravity::Nw => "nw",
            Gravity::North => "north",
            Gravity::Ne => "ne",
            Gravity::West => "west",
            Gravity::Center => "center",
            Gravity::East => "east",
            Gravity::Sw => "sw",
            Gravity::South => "south",
            Gravity::Se => "se",
        }
    }
}

/// A validated `crop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crop {
    /// Width; 0 = to the image edge.
    pub w: u32,
    /// Height; 0 = to the image edge.
    pub h: u32,
    /// Offset right of the anchor.
    pub x: u32,
    /// Offset down from the anchor.
    pub y: u32,
    /// Anchor.
    pub g: Gravity,
}

/// Largest offset accepted (beyond any image side).
const OFFSET_MAX: u32 = 1_000_000_000;

impl Crop {
    /// Parses and validates the arguments.
    pub fn parse(args: &Args<'_>) -> Result<Crop, Error> {
        let w = args
            .uint("w", 0, 16384, Some("0040-00000225"))?
            .unwrap_or(0);
        let h = args
            .uint("h", 0, 16384, Some("0040-00000226"))?
            .unwrap_or(0);
        let x = args.uint("x", 0, OFFSET_MAX, None)?.unwrap_or(0);
        let y = args.uint("y", 0, OFFSET_MAX, None)?.unwrap_or(0);
        let g = match args.get("g") {
            None => Gravity::Nw,
            Some(v) => Gravity::parse(v)
                .ok_or_else(|| Error::invalid_param(Some("0040-00000209"), "g", v))?,
        };
        Ok(Crop { w, h, x, y, g })
    }

    /// The region `(left, top, width, height)` cut from a `W × H` image, or
    /// `BadRequest` when the start lies outside it.
    pub fn region(&self, iw: u32, ih: u32) -> Result<(u32, u32, u32, u32), Error> {
        let (iw64, ih64) = (i64::from(iw), i64::from(ih));
        let w = if self.w == 0 { iw64 } else { i64::from(self.w) };
        let h = if self.h == 0 { ih64 } else { i64::from(self.h) };
        let (cx, cy) = (iw64 / 2 - w / 2, ih64 / 2 - h / 2);
        let (ox, oy) = match self.g {
            Gravity::Nw => (0, 0),
            Gravity::North => (cx, 0),
            Gravity::Ne => (iw64 - w, 0),
            Gravity::West => (0, cy),
            Gravity::Center => (cx, cy),
            Gravity::East => (iw64 - w, cy),
            Gravity::Sw => (0, ih64 - h),
            Gravity::South => (cx, ih64 - h),
            Gravity::Se => (iw64 - w, ih64 - h),
        };
        let left = (ox + i64::from(self.x)).max(0);
        let top = (oy + i64::from(self.y)).max(0);
        if left >= iw64 || top >= ih64 {
            return Err(Error::new(
                ErrorCode::BadRequest,
                None,
                "Advance cut's position is out of image.",
            ));
        }
        let cw = w.min(iw64 - left);
        let ch = h.min(ih64 - top);
        Ok((left as u32, top as u32, cw as u32, ch as u32))
    }

    /// Crops one frame in place.
    pub fn apply(&self, frame: &mut Frame) -> Result<(), Error> {
        let (x, y, w, h) = self.region(frame.width, frame.height)?;
        if (x, y, w, h) != (0, 0, frame.width, frame.height) {
            *frame = crop_frame(frame, x, y, w, h)?;
        }
        Ok(())
    }
}

impl fmt::Display for Crop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "crop,w_{},h_{},x_{},y_{},g_{}",
            self.w,
            self.h,
            self.x,
            self.y,
            self.g.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::ops::testutil::{gradient, px};

    fn region(s: &str, w: u32, h: u32) -> Result<(u32, u32, u32, u32), Error> {
        Crop::parse(&Args::split(s))?.region(w, h)
    }

    #[test]
    fn spec_examples() {
        assert_eq!(
            region("crop,x_100,y_50", 400, 267).unwrap(),
            (100, 50, 300, 217)
        );
        assert_eq!(
            region("crop,x_100,y_50,w_100,h_100", 400, 267).unwrap(),
            (100, 50, 100, 100)
        );
        assert_eq!(
            region("crop,w_200,h_200,g_se", 400, 267).unwrap(),
            (200, 67, 200, 200)
        );
        assert_eq!(
            region("crop,x_10,y_10,w_200,h_200,g_se", 400, 267).unwrap(),
            (210, 77, 190, 190)
        );
        assert_eq!(
            region("crop,w_100,h_100,x_100,y_100,r_1", 400, 267).unwrap(),
            (100, 100, 100, 100)
        );
        let e = region("crop,x_500,y_10", 400, 267).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert_eq!(e.message, "Advance cut's position is out of image.");
        assert_eq!(e.ec, None);
    }

    #[test]
    fn anchors() {
        assert_eq!(
            region("crop,w_100,h_100,g_center", 400, 267).unwrap(),
            (150, 83, 100, 100)
        );
        assert_eq!(
            region("crop,w_100,h_100,g_north", 400, 267).unwrap(),
            (150, 0, 100, 100)
        );
        assert_eq!(
            region("crop,w_100,h_100,g_east", 400, 267).unwrap(),
            (300, 83, 100, 100)
        );
        assert_eq!(
            region("crop,w_100,h_100,g_sw", 400, 267).unwrap(),
            (0, 167, 100, 100)
        );
        // A box larger than the image, centred: negative origin raised to 0.
        assert_eq!(
            region("crop,w_1000,h_1000,g_center", 400, 267).unwrap(),
            (0, 0, 400, 267)
        );
        assert!(region("crop,y_267", 400, 267).is_err());
        assert_eq!(region("crop,y_266", 400, 267).unwrap(), (0, 266, 400, 1));
    }

    #[test]
    fn errors() {
        let ec = |s: &str| Crop::parse(&Args::split(s)).unwrap_err().ec;
        assert_eq!(ec("crop,w_abc"), Some("0040-00000225"));
        assert_eq!(ec("crop,w_-1"), Some("0040-00000225"));
        assert_eq!(ec("crop,w_16385"), Some("0040-00000225"));
        assert_eq!(ec("crop,h_x"), Some("0040-00000226"));
        assert_eq!(ec("crop,g_middle"), Some("0040-00000209"));
        assert_eq!(ec("crop,g_SE"), Some("0040-00000209"));
        let e = Crop::parse(&Args::split("crop,x_-5")).unwrap_err();
        assert_eq!((e.code, e.ec), (ErrorCode::InvalidArgument, None));
    }

    #[test]
    fn pixels() {
        let mut c = gradient(400, 267);
        let crop = Crop::parse(&Args::split("crop,w_200,h_200,g_se")).unwrap();
        crop.apply(&mut c).unwrap();
        assert_eq!((c.width, c.height), (200, 200));
        assert_eq!(px(&c, 0, 0), &[200, 67, 7]);
    }
}
