//! `bright` (image-processing.md §5.9): adds `round(2.55 × v)` to each colour
//! channel.

use std::fmt;

use crate::img::frame::Frame;
use crate::img::plan::args::{div_round, int_in, Args};
use crate::img::Error;

/// A validated `bright`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bright {
    /// Change, −100…100.
    pub v: i32,
}

impl Bright {
    /// Parses the single value.
    pub fn parse(args: &Args<'_>) -> Result<Bright, Error> {
        let v = args.single(Some("0040-00000245"))?;
        let n = int_in(v, -100, 100)
            .ok_or_else(|| Error::invalid_param(Some("0040-00000246"), "bright", v))?;
        Ok(Bright { v: n })
    }

    /// Brightens or darkens one frame in place (alpha untouched).
    pub fn apply(&self, frame: &mut Frame) {
        let delta = div_round(u64::from(self.v.unsigned_abs()) * 255, 100) as i32 * self.v.signum();
        let lut: Vec<u8> = (0..=255i32)
            .map(|c| (c + delta).clamp(0, 255) as u8)
            .collect();
        apply_lut(frame, &lut);
    }
}

/// Maps the colour channels (not alpha) of a frame through `lut`.
pub(crate) fn apply_lut(frame: &mut Frame, lut: &[u8]) {
    let ch = frame.format.channels();
    for px in frame.data.chunks_exact_mut(ch) {
        for c in &mut px[..3] {
            *c = lut[usize::from(*c)];
        }
    }
}

impl fmt::Display for Bright {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bright,{}", self.v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::ops::testutil::{gradient, px};

    #[test]
    fn shifts() {
        let mut f = gradient(3, 1);
        Bright { v: 50 }.apply(&mut f);
        assert_eq!(px(&f, 0, 0), &[128, 128, 135]);
        let mut f = gradient(3, 1);
        Bright { v: -100 }.apply(&mut f);
        assert_eq!(px(&f, 2, 0), &[0, 0, 0]);
    }

    #[test]
    fn errors() {
        let ec = |s: &str| Bright::parse(&Args::split(s)).unwrap_err().ec;
        assert_eq!(ec("bright"), Some("0040-00000245"));
        assert_eq!(ec("bright,200"), Some("0040-00000246"));
        assert_eq!(ec("bright,+5"), Some("0040-00000246"));
        assert_eq!(ec("bright,1,2"), Some("0040-00000203"));
        assert_eq!(Bright::parse(&Args::split("bright,-100")).unwrap().v, -100);
    }
}
