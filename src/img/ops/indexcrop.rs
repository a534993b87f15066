//! `indexcrop` (image-processing.md §5.4): one slice of equal strips.

use std::fmt;

use crate::img::frame::Frame;
use crate::img::ops::crop_frame;
use crate::img::plan::args::{uint_in, Args};
use crate::img::Error;

/// The cutting axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    /// Vertical strips of this width (`x`).
    X(u32),
    /// Horizontal strips of this height (`y`).
    Y(u32),
}

/// A validated `indexcrop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexCrop {
    /// Strip size and axis (`y` wins when both are given).
    pub axis: Axis,
    /// Zero-based slice index.
    pub i: u32,
}

const EC_SIZE: &str = "0040-00000230";

impl IndexCrop {
    /// Parses and validates the arguments.
    pub fn parse(args: &Args<'_>) -> Result<IndexCrop, Error> {
        let i = args
            .uint("i", 0, u32::MAX, Some("0040-00000229"))?
            .unwrap_or(0);
        let axis = if let Some(v) = args.get("y") {
            let ec = if uint_in(v, 0, u32::MAX).is_some() {
                EC_SIZE
            } else {
                "0040-00000224"
            };
            Axis::Y(uint_in(v, 1, u32::MAX).ok_or_else(|| Error::invalid_param(Some(ec), "y", v))?)
        } else if let Some(v) = args.get("x") {
            Axis::X(
                uint_in(v, 1, u32::MAX)
                    .ok_or_else(|| Error::invalid_param(Some(EC_SIZE), "x", v))?,
            )
        } else {
            return Err(Error::invalid_param(Some(EC_SIZE), "x", ""));
        };
        Ok(IndexCrop { axis, i })
    }

    /// The region `(x, y, w, h)` of a `W × H` image, `None` when the index is
    /// past the last slice (the image is returned unchanged).
    pub fn region(&self, w: u32, h: u32) -> Option<(u32, u32, u32, u32)> {
        let (size, len) = match self.axis {
            Axis::X(s) => (s.min(w), w),
            Axis::Y(s) => (s.min(h), h),
        };
        let start = u64::from(self.i) * u64::from(size);
        if start >= u64::from(len) {
            return None;
        }
        let start = start as u32;
        let extent = size.min(len - start);
        Some(match self.axis {
            Axis::X(_) => (start, 0, extent, h),
            Axis::Y(_) => (0, start, w, extent),
        })
    }

    /// Cuts one frame in place.
    pub fn apply(&self, frame: &mut Frame) -> Result<(), Error> {
        if let Some((x, y, w, h)) = self.region(frame.width, frame.height) {
            *frame = crop_frame(frame, x, y, w, h)?;
        }
        Ok(())
    }
}

impl fmt::Display for IndexCrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.axis {
            Axis::X(x) => write!(f, "indexcrop,x_{x},i_{}", self.i),
            Axis::Y(y) => write!(f, "indexcrop,y_{y},i_{}", self.i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::ops::testutil::{gradient, px};

    fn parse(s: &str) -> Result<IndexCrop, Error> {
        IndexCrop::parse(&Args::split(s))
    }

    #[test]
    fn spec_examples() {
        assert_eq!(
            parse("indexcrop,x_100,i_0").unwrap().region(400, 267),
            Some((0, 0, 100, 267))
        );
        assert_eq!(
            parse("indexcrop,y_100,i_10").unwrap().region(400, 267),
            None
        );
        assert_eq!(
            parse("indexcrop,y_100,i_2").unwrap().region(400, 267),
            Some((0, 200, 400, 67))
        );
        assert_eq!(
            parse("indexcrop,x_1000,i_0").unwrap().region(400, 267),
            Some((0, 0, 400, 267))
        );
        assert_eq!(
            parse("indexcrop,x_10,y_100,i_1").unwrap().region(400, 267),
            Some((0, 100, 400, 100))
        );
        let mut o = gradient(400, 267);
        parse("indexcrop,y_100,i_2").unwrap().apply(&mut o).unwrap();
        assert_eq!((o.width, o.height), (400, 67));
        assert_eq!(px(&o, 3, 0), &[3, 200, 7]);
    }

    #[test]
    fn errors() {
        let ec = |s: &str| parse(s).unwrap_err().ec;
        assert_eq!(ec("indexcrop,x_0"), Some("0040-00000230"));
        assert_eq!(ec("indexcrop,y_0"), Some("0040-00000230"));
        assert_eq!(ec("indexcrop,i_1"), Some("0040-00000230"));
        assert_eq!(ec("indexcrop,x_a"), Some("0040-00000230"));
        assert_eq!(ec("indexcrop,y_a"), Some("0040-00000224"));
        assert_eq!(ec("indexcrop,y_10,i_a"), Some("0040-00000229"));
        assert_eq!(ec("indexcrop,y_10,i_-1"), Some("0040-00000229"));
    }
}
