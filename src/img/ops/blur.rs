//! `blur` (image-processing.md §5.8): separable Gaussian with kernel radius
//! `r` and standard deviation `s`.

use std::fmt;

use libblur::{
    BlurImage, BlurImageMut, BufferStore, ConvolutionMode, EdgeMode, EdgeMode2D, FastBlurChannels,
    GaussianBlurParams, ThreadingPolicy,
};

use crate::img::frame::{Frame, PixelFormat};
use crate::img::ops::internal;
use crate::img::plan::args::Args;
use crate::img::Error;

/// A validated `blur`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Blur {
    /// Kernel radius, 1–50.
    pub r: u32,
    /// Sigma, 1–50.
    pub s: u32,
}

impl Blur {
    /// Parses and validates the arguments.
    pub fn parse(args: &Args<'_>) -> Result<Blur, Error> {
        Ok(Blur {
            r: args.required_uint("r", 1, 50, Some("0040-00000241"))?,
            s: args.required_uint("s", 1, 50, None)?,
        })
    }

    /// Blurs one frame in place.
    pub fn apply(&self, frame: &mut Frame) -> Result<(), Error> {
        gaussian(frame, self.r, f64::from(self.s))
    }
}

/// Gaussian blur of every channel (edges clamped) through `libblur`,
/// kernel `2r + 1` taps.
pub fn gaussian(frame: &mut Frame, r: u32, sigma: f64) -> Result<(), Error> {
    let channels = match frame.format {
        PixelFormat::Rgb8 => FastBlurChannels::Channels3,
        PixelFormat::Rgba8 => FastBlurChannels::Channels4,
    };
    let (w, h) = (frame.width, frame.height);
    let src = BlurImage::borrow(&frame.data, w, h, channels);
    let mut dst = BlurImageMut::alloc(w, h, channels);
    libblur::gaussian_blur(
        &src,
        &mut dst,
        GaussianBlurParams::new(2 * r + 1, sigma),
        EdgeMode2D::new(EdgeMode::Clamp),
        ThreadingPolicy::Single,
        ConvolutionMode::Exact,
    )
    .map_err(internal)?;
    frame.data = match dst.data {
        BufferStore::Owned(v) => v,
        BufferStore::Borrowed(b) => b.to_vec(),
    };
    Ok(())
}

impl fmt::Display for Blur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "blur,r_{},s_{}", self.r, self.s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::ops::testutil::{gradient, px};
    use crate::img::ErrorCode;

    #[test]
    fn blurs_edges_keeps_flat() {
        let mut f = gradient(20, 20);
        for p in f.data.chunks_exact_mut(3) {
            p.copy_from_slice(&[0, 0, 0]);
        }
        let at = (10 * 20 + 10) * 3;
        f.data[at..at + 3].copy_from_slice(&[255, 255, 255]);
        let mut b = f.clone();
        Blur { r: 3, s: 2 }.apply(&mut b).unwrap();
        assert_eq!((b.width, b.height), (20, 20));
        assert!(px(&b, 10, 10)[0] < 255 && px(&b, 10, 10)[0] > 0);
        assert!(px(&b, 11, 10)[0] > 0);
        assert_eq!(px(&b, 0, 0), &[0, 0, 0]);
        let mut flat = gradient(8, 8);
        for p in flat.data.chunks_exact_mut(3) {
            p.copy_from_slice(&[90, 40, 200]);
        }
        let before = flat.clone();
        Blur { r: 50, s: 50 }.apply(&mut flat).unwrap();
        assert_eq!(flat, before);
    }

    #[test]
    fn errors() {
        let e = |s: &str| Blur::parse(&Args::split(s)).unwrap_err();
        assert_eq!(e("blur,r_0,s_2").ec, Some("0040-00000241"));
        assert_eq!(e("blur,r_51,s_2").ec, Some("0040-00000241"));
        assert_eq!(e("blur,s_2").ec, Some("0040-00000241"));
        let s = e("blur,r_3");
        assert_eq!((s.code, s.ec), (ErrorCode::InvalidArgument, None));
        assert_eq!(e("blur,r_3,s_51").ec, None);
    }
}
