//! `circle` (image-processing.md §5.3): the `(2r + 1)²` square around the
//! image centre, transparent outside the circle.

use std::fmt;

use crate::img::frame::Frame;
use crate::img::ops::{crop_frame, disc_coverage, to_rgba};
use crate::img::plan::args::Args;
use crate::img::Error;

/// A validated `circle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Circle {
    /// Requested radius, 1–4096.
    pub r: u32,
}

impl Circle {
    /// Parses and validates the arguments.
    pub fn parse(args: &Args<'_>) -> Result<Circle, Error> {
        Ok(Circle {
            r: args.required_uint("r", 1, 4096, Some("0040-00000233"))?,
        })
    }

    /// The radius used on a `W × H` image: reduced to `⌊(min − 1) / 2⌋`
    /// when the `(2r + 1)` square would not fit.
    pub fn effective_radius(&self, w: u32, h: u32) -> u32 {
        let min = w.min(h).max(1);
        if 2 * u64::from(self.r) + 1 > u64::from(min) {
            (min - 1) / 2
        } else {
            self.r
        }
    }

    /// Cuts the circle out of one frame; the result is RGBA.
    pub fn apply(&self, frame: &Frame) -> Result<Frame, Error> {
        let r = self.effective_radius(frame.width, frame.height);
        let (cx, cy) = (frame.width / 2, frame.height / 2);
        let side = 2 * r + 1;
        let mut out = crop_frame(frame, cx - r, cy - r, side, side)?;
        to_rgba(&mut out);
        let rf = f64::from(r);
        for (i, px) in out.data.chunks_exact_mut(4).enumerate() {
            let dx = f64::from(i as u32 % side) - rf;
            let dy = f64::from(i as u32 / side) - rf;
            let cov = disc_coverage(dx * dx + dy * dy, rf);
            px[3] = ((u32::from(px[3]) * u32::from(cov) + 127) / 255) as u8;
        }
        Ok(out)
    }
}

impl fmt::Display for Circle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "circle,r_{}", self.r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::frame::PixelFormat;
    use crate::img::ops::testutil::{gradient, px};

    #[test]
    fn sizes_and_transparency() {
        let f = gradient(400, 267);
        let c = Circle { r: 100 }.apply(&f).unwrap();
        assert_eq!(
            (c.width, c.height, c.format),
            (201, 201, PixelFormat::Rgba8)
        );
        assert_eq!(px(&c, 0, 0)[3], 0);
        assert_eq!(px(&c, 100, 100), &[200, 133, 7, 255]);
        assert_eq!(px(&c, 100, 0)[3], 255);
        assert_eq!(px(&c, 200, 200)[3], 0);
        let c = Circle { r: 200 }.apply(&f).unwrap();
        assert_eq!((c.width, c.height), (267, 267));
        let c = Circle { r: 5 }.apply(&gradient(1, 1)).unwrap();
        assert_eq!((c.width, c.height), (1, 1));
    }

    #[test]
    fn errors() {
        for s in [
            "circle",
            "circle,r_0",
            "circle,r_5000",
            "circle,r_a",
            "circle,r",
        ] {
            let e = Circle::parse(&Args::split(s)).unwrap_err();
            assert_eq!(e.ec, Some("0040-00000233"), "{s}");
        }
    }
}
