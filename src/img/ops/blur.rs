//! `blur` (image-processing.md §5.8): separable Gaussian with kernel radius
//! `r` and standard deviation `s`.

use std::fmt;

use crate::img::frame::Frame;
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
    pub fn apply(&self, frame: &mut Frame) {
        gaussian(frame, self.r, f64::from(self.s));
    }
}

/// Fixed-point Gaussian weights (sum 1 << 16) for offsets `-r..=r`.
fn kernel(r: u32, sigma: f64) -> Vec<u32> {
    let r = r as i32;
    let raw: Vec<f64> = (-r..=r)
        .map(|i| (-f64::from(i * i) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = raw.iter().sum();
    let mut k: Vec<u32> = raw
        .iter()
        .map(|v| (v / sum * 65536.0).round() as u32)
        .collect();
    // Put the rounding residue on the centre tap so the weights sum exactly.
    let total: u32 = k.iter().sum();
    let mid = r as usize;
    k[mid] = (k[mid] + 65536).saturating_sub(total);
    k
}

/// Gaussian blur of every channel (edges clamped), horizontal then vertical.
pub fn gaussian(frame: &mut Frame, r: u32, sigma: f64) {
    let (w, h) = (frame.width as usize, frame.height as usize);
    if w == 0 || h == 0 {
        return;
    }
    let ch = frame.format.channels();
    let k = kernel(r, sigma);
    let r = r as isize;
    let mut tmp = vec![0u8; frame.data.len()];
    // Horizontal pass: data → tmp.
    for y in 0..h {
        let row = &frame.data[y * w * ch..(y + 1) * w * ch];
        let out = &mut tmp[y * w * ch..(y + 1) * w * ch];
        for x in 0..w {
            for c in 0..ch {
                let mut acc = 0u32;
                for (i, wt) in k.iter().enumerate() {
                    let sx = (x as isize + i as isize - r).clamp(0, w as isize - 1) as usize;
                    acc += u32::from(row[sx * ch + c]) * wt;
                }
                out[x * ch + c] = ((acc + 32768) >> 16).min(255) as u8;
            }
        }
    }
    // Vertical pass: tmp → data.
    let stride = w * ch;
    for y in 0..h {
        for i in 0..stride {
            let mut acc = 0u32;
            for (t, wt) in k.iter().enumerate() {
                let sy = (y as isize + t as isize - r).clamp(0, h as isize - 1) as usize;
                acc += u32::from(tmp[sy * stride + i]) * wt;
            }
            frame.data[y * stride + i] = ((acc + 32768) >> 16).min(255) as u8;
        }
    }
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
        Blur { r: 3, s: 2 }.apply(&mut b);
        assert_eq!((b.width, b.height), (20, 20));
        assert!(px(&b, 10, 10)[0] < 255 && px(&b, 10, 10)[0] > 0);
        assert!(px(&b, 11, 10)[0] > 0);
        assert_eq!(px(&b, 0, 0), &[0, 0, 0]);
        let mut flat = gradient(8, 8);
        for p in flat.data.chunks_exact_mut(3) {
            p.copy_from_slice(&[90, 40, 200]);
        }
        let before = flat.clone();
        Blur { r: 50, s: 50 }.apply(&mut flat);
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
