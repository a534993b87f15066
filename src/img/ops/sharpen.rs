//! `sharpen` (image-processing.md §5.11): unsharp mask, sigma 1.0, amount
//! `v / 100`.

use std::fmt;

use crate::img::frame::Frame;
use crate::img::ops::blur::gaussian;
use crate::img::plan::args::{uint_in, Args};
use crate::img::Error;

/// A validated `sharpen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sharpen {
    /// Strength, 50–399.
    pub v: u32,
}

impl Sharpen {
    /// Parses the single value.
    pub fn parse(args: &Args<'_>) -> Result<Sharpen, Error> {
        let v = args.single(Some("0040-00000279"))?;
        let n = uint_in(v, 50, 399)
            .ok_or_else(|| Error::invalid_param(Some("0040-00000280"), "sharpen", v))?;
        Ok(Sharpen { v: n })
    }

    /// Sharpens one frame in place (alpha untouched).
    pub fn apply(&self, frame: &mut Frame) -> Result<(), Error> {
        let mut blurred = frame.clone();
        gaussian(&mut blurred, 3, 1.0)?;
        let ch = frame.format.channels();
        let amount = i64::from(self.v);
        for (p, b) in frame
            .data
            .chunks_exact_mut(ch)
            .zip(blurred.data.chunks_exact(ch))
        {
            for c in 0..3 {
                let v = i64::from(p[c]);
                let diff = v - i64::from(b[c]);
                // v + diff·amount/100, rounded half up.
                let n = v * 100 + diff * amount;
                p[c] = (2 * n + 100).div_euclid(200).clamp(0, 255) as u8;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Sharpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sharpen,{}", self.v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::ops::testutil::{gradient, px};

    #[test]
    fn increases_edge_contrast() {
        let mut f = gradient(10, 3);
        for (i, p) in f.data.chunks_exact_mut(3).enumerate() {
            let v = if i % 10 < 5 { 100 } else { 150 };
            p.copy_from_slice(&[v, v, v]);
        }
        Sharpen { v: 100 }.apply(&mut f).unwrap();
        assert!(px(&f, 4, 1)[0] < 100);
        assert!(px(&f, 5, 1)[0] > 150);
        assert_eq!(px(&f, 0, 1)[0], 100);
    }

    #[test]
    fn errors() {
        let ec = |s: &str| Sharpen::parse(&Args::split(s)).unwrap_err().ec;
        assert_eq!(ec("sharpen"), Some("0040-00000279"));
        assert_eq!(ec("sharpen,49"), Some("0040-00000280"));
        assert_eq!(ec("sharpen,400"), Some("0040-00000280"));
    }
}
