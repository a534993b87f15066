//! `rounded-corners` (image-processing.md §5.5): quarter-circle corners cut
//! to transparency; the size is unchanged.

use std::fmt;

use crate::img::frame::Frame;
use crate::img::ops::{disc_coverage, to_rgba};
use crate::img::plan::args::Args;
use crate::img::Error;

/// A validated `rounded-corners`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoundedCorners {
    /// Requested radius, 1–4096.
    pub r: u32,
}

impl RoundedCorners {
    /// Parses and validates the arguments.
    pub fn parse(args: &Args<'_>) -> Result<RoundedCorners, Error> {
        Ok(RoundedCorners {
            r: args.required_uint("r", 1, 4096, Some("0040-00000237"))?,
        })
    }

    /// Rounds the corners of one frame in place; the result is RGBA.
    pub fn apply(&self, frame: &mut Frame) {
        let (w, h) = (frame.width, frame.height);
        let r = self.r.min(w.min(h) / 2);
        if r == 0 {
            return;
        }
        to_rgba(frame);
        let rf = f64::from(r);
        // Corner pixel (i, j) from the corner: distance of its centre to the
        // quarter circle's centre at (r, r).
        for j in 0..r {
            for i in 0..r {
                let dx = f64::from(r - i) - 0.5;
                let dy = f64::from(r - j) - 0.5;
                let cov = disc_coverage(dx * dx + dy * dy, rf - 0.25);
                if cov == 255 {
                    continue;
                }
                for (x, y) in [
                    (i, j),
                    (w - 1 - i, j),
                    (i, h - 1 - j),
                    (w - 1 - i, h - 1 - j),
                ] {
                    let at = (y as usize * w as usize + x as usize) * 4 + 3;
                    frame.data[at] =
                        ((u32::from(frame.data[at]) * u32::from(cov) + 127) / 255) as u8;
                }
            }
        }
    }
}

impl fmt::Display for RoundedCorners {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rounded-corners,r_{}", self.r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::frame::PixelFormat;
    use crate::img::ops::testutil::{gradient, px};

    #[test]
    fn corners_transparent() {
        let mut f = gradient(100, 100);
        RoundedCorners { r: 10 }.apply(&mut f);
        assert_eq!(
            (f.width, f.height, f.format),
            (100, 100, PixelFormat::Rgba8)
        );
        for (x, y) in [(0, 0), (99, 0), (0, 99), (99, 99), (1, 1), (98, 98)] {
            assert_eq!(px(&f, x, y)[3], 0, "({x},{y})");
        }
        for (x, y) in [(10, 0), (0, 10), (50, 50), (89, 99), (9, 9)] {
            assert_eq!(px(&f, x, y)[3], 255, "({x},{y})");
        }
        // Radius reduced to half the shorter side.
        let mut g = gradient(40, 20);
        RoundedCorners { r: 4000 }.apply(&mut g);
        assert_eq!(px(&g, 0, 0)[3], 0);
        assert_eq!(px(&g, 20, 10)[3], 255);
    }

    #[test]
    fn errors() {
        for s in [
            "rounded-corners",
            "rounded-corners,r_0",
            "rounded-corners,r_4097",
            "rounded-corners,r_x",
        ] {
            let e = RoundedCorners::parse(&Args::split(s)).unwrap_err();
            assert_eq!(e.ec, Some("0040-00000237"), "{s}");
        }
    }
}
