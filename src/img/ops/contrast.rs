//! `contrast` (image-processing.md §5.10): `128 + (c − 128) × (100 + v) / 100`.

use std::fmt;

use crate::img::frame::Frame;
use crate::img::ops::bright::apply_lut;
use crate::img::plan::args::{int_in, Args};
use crate::img::Error;

/// A validated `contrast`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Contrast {
    /// Change, −100…100.
    pub v: i32,
}

impl Contrast {
    /// Parses the single value (no EC is documented for this action).
    pub fn parse(args: &Args<'_>) -> Result<Contrast, Error> {
        let v = args.single(None)?;
        let n = int_in(v, -100, 100).ok_or_else(|| Error::invalid_param(None, "contrast", v))?;
        Ok(Contrast { v: n })
    }

    /// Changes the contrast of one frame in place (alpha untouched).
    pub fn apply(&self, frame: &mut Frame) {
        let k = i64::from(100 + self.v);
        let lut: Vec<u8> = (0..=255i64)
            .map(|c| {
                // round((12800 + (c − 128)·k) / 100), half up, floor division.
                let n = 12800 + (c - 128) * k;
                (2 * n + 100).div_euclid(200).clamp(0, 255) as u8
            })
            .collect();
        apply_lut(frame, &lut);
    }
}

impl fmt::Display for Contrast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "contrast,{}", self.v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::ops::testutil::{gradient, px};

    #[test]
    fn spreads() {
        let mut f = gradient(256, 1);
        Contrast { v: -50 }.apply(&mut f);
        assert_eq!(px(&f, 0, 0)[0], 64);
        assert_eq!(px(&f, 255, 0)[0], 192);
        assert_eq!(px(&f, 128, 0)[0], 128);
        let mut g = gradient(256, 1);
        Contrast { v: -100 }.apply(&mut g);
        assert!(g.data.chunks_exact(3).all(|p| p == [128, 128, 128]));
        let mut h = gradient(256, 1);
        Contrast { v: 100 }.apply(&mut h);
        assert_eq!(px(&h, 0, 0)[0], 0);
        assert_eq!(px(&h, 200, 0)[0], 255);
    }

    #[test]
    fn errors() {
        let e = Contrast::parse(&Args::split("contrast,101")).unwrap_err();
        assert_eq!(
            (e.code, e.ec),
            (crate::img::ErrorCode::InvalidArgument, None)
        );
        assert!(Contrast::parse(&Args::split("contrast")).is_err());
        assert_eq!(
            Contrast::parse(&Args::split("contrast,-50")).unwrap().v,
            -50
        );
    }
}
