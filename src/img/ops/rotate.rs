//! `rotate` (image-processing.md §5.6): clockwise by any angle, on the
//! bounding-box canvas; uncovered corners white (opaque images) or
//! transparent (images with alpha).

use std::fmt;

use crate::img::frame::{Frame, PixelFormat};
use crate::img::ops::orient::rotate_right_angle;
use crate::img::plan::args::{uint_in, Args};
use crate::img::{Error, ErrorCode};

/// A validated `rotate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rotate {
    /// Clockwise angle in degrees, 0–360.
    pub degrees: u32,
}

/// Largest side of an image entering `rotate`.
pub const MAX_SIDE: u32 = 4096;

/// `BadRequest` for an image above [`MAX_SIDE`] entering `rotate`.
pub fn too_large() -> Error {
    Error::new(
        ErrorCode::BadRequest,
        None,
        "Picture exceed the maximum allowable rotation range.",
    )
}

impl Rotate {
    /// Parses the single value.
    pub fn parse(args: &Args<'_>) -> Result<Rotate, Error> {
        let v = args.single(Some("0040-00000216"))?;
        let degrees = uint_in(v, 0, 360)
            .ok_or_else(|| Error::invalid_param(Some("0040-00000217"), "rotate", v))?;
        Ok(Rotate { degrees })
    }

    /// The output size for a `W × H` input (§5.6 bounding box).
    pub fn output_size(&self, w: u32, h: u32) -> (u32, u32) {
        match self.degrees % 360 {
            0 | 180 => (w, h),
            90 | 270 => (h, w),
            d => {
                let t = f64::from(d).to_radians();
                let (c, s) = (t.cos().abs(), t.sin().abs());
                let (wf, hf) = (f64::from(w), f64::from(h));
                let ow = (wf * c + hf * s - 1e-6).ceil().max(1.0);
                let oh = (wf * s + hf * c - 1e-6).ceil().max(1.0);
                (ow as u32, oh as u32)
            }
        }
    }

    /// Rotates one frame in place.
    pub fn apply(&self, frame: &mut Frame) -> Result<(), Error> {
        if frame.width > MAX_SIDE || frame.height > MAX_SIDE {
            return Err(too_large());
        }
        let d = self.degrees % 360;
        if d == 0 {
            return Ok(());
        }
        *frame = if d % 90 == 0 {
            rotate_right_angle(frame, d)
        } else {
            let size = self.output_size(frame.width, frame.height);
            rotate_any(frame, f64::from(d), size)
        };
        Ok(())
    }
}

/// Bilinear rotation about the centre onto an `ow × oh` canvas, in
/// premultiplied alpha so that the background never bleeds colour.
fn rotate_any(frame: &Frame, degrees: f64, (ow, oh): (u32, u32)) -> Frame {
    let ch = frame.format.channels();
    let has_alpha = frame.format == PixelFormat::Rgba8;
    // Background: transparent for RGBA, white for RGB (premultiplied values).
    let bg: [f32; 4] = if has_alpha {
        [0.0; 4]
    } else {
        [255.0, 255.0, 255.0, 255.0]
    };
    let (sw, sh) = (frame.width as usize, frame.height as usize);
    let sample = |x: isize, y: isize| -> [f32; 4] {
        if x < 0 || y < 0 || x as usize >= sw || y as usize >= sh {
            return bg;
        }
        let at = (y as usize * sw + x as usize) * ch;
        let p = &frame.data[at..at + ch];
        let a = if has_alpha { f32::from(p[3]) } else { 255.0 };
        let k = a / 255.0;
        [
            f32::from(p[0]) * k,
            f32::from(p[1]) * k,
            f32::from(p[2]) * k,
            a,
        ]
    };
    let t = degrees.to_radians();
    let (cos, sin) = (t.cos(), t.sin());
    let (scx, scy) = (sw as f64 / 2.0, sh as f64 / 2.0);
    let (ocx, ocy) = (f64::from(ow) / 2.0, f64::from(oh) / 2.0);
    let mut data = Vec::with_capacity(ow as usize * oh as usize * ch);
    for y in 0..oh {
        for x in 0..ow {
            let dx = f64::from(x) + 0.5 - ocx;
            let dy = f64::from(y) + 0.5 - ocy;
            // Inverse of the clockwise rotation (y axis pointing down).
            let sx = dx * cos + dy * sin + scx - 0.5;
            let sy = -dx * sin + dy * cos + scy - 0.5;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = ((sx - x0) as f32, (sy - y0) as f32);
            let (x0, y0) = (x0 as isize, y0 as isize);
            let p00 = sample(x0, y0);
            let p10 = sample(x0 + 1, y0);
            let p01 = sample(x0, y0 + 1);
            let p11 = sample(x0 + 1, y0 + 1);
            let mut v = [0f32; 4];
            for c in 0..4 {
                let top = p00[c] + (p10[c] - p00[c]) * fx;
                let bottom = p01[c] + (p11[c] - p01[c]) * fx;
                v[c] = top + (bottom - top) * fy;
            }
            let a = v[3];
            let un = if a > 0.0 { 255.0 / a } else { 0.0 };
            for c in &v[..3] {
                data.push((c * un).round().clamp(0.0, 255.0) as u8);
            }
            if has_alpha {
                data.push(a.round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    Frame {
        width: ow,
        height: oh,
        format: frame.format,
        data,
        delay_ms: frame.delay_ms,
    }
}

impl fmt::Display for Rotate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rotate,{}", self.degrees)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::ops::testutil::{gradient, px};
    use crate::img::ops::to_rgba;

    fn parse(s: &str) -> Result<Rotate, Error> {
        Rotate::parse(&Args::split(s))
    }

    #[test]
    fn sizes() {
        assert_eq!(
            parse("rotate,90").unwrap().output_size(400, 267),
            (267, 400)
        );
        assert_eq!(
            parse("rotate,90").unwrap().output_size(579, 572),
            (572, 579)
        );
        assert_eq!(
            parse("rotate,70").unwrap().output_size(400, 267),
            (388, 468)
        );
        assert_eq!(
            parse("rotate,360").unwrap().output_size(400, 267),
            (400, 267)
        );
        assert_eq!(parse("rotate,45").unwrap().output_size(1, 1), (2, 2));
    }

    #[test]
    fn any_angle_pixels() {
        let f = gradient(400, 267);
        let mut o = f.clone();
        parse("rotate,70").unwrap().apply(&mut o).unwrap();
        assert_eq!((o.width, o.height, o.format), (388, 468, PixelFormat::Rgb8));
        assert_eq!(px(&o, 0, 0), &[255, 255, 255]);
        assert_eq!(px(&o, 387, 467), &[255, 255, 255]);
        // The centre maps to the centre.
        let c = px(&o, 194, 234);
        assert!(
            (i32::from(c[0]) - 200).abs() <= 2 && (i32::from(c[1]) - 133).abs() <= 2,
            "{c:?}"
        );
        let mut a = gradient(40, 20);
        to_rgba(&mut a);
        parse("rotate,30").unwrap().apply(&mut a).unwrap();
        assert_eq!(a.format, PixelFormat::Rgba8);
        assert_eq!(px(&a, 0, 0)[3], 0);
        let mut same = f.clone();
        parse("rotate,360").unwrap().apply(&mut same).unwrap();
        assert_eq!(same, f);
    }

    #[test]
    fn limits_and_errors() {
        let mut big = gradient(4097, 1);
        let e = parse("rotate,90").unwrap().apply(&mut big).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert_eq!(
            e.message,
            "Picture exceed the maximum allowable rotation range."
        );
        let ec = |s: &str| parse(s).unwrap_err().ec;
        assert_eq!(ec("rotate"), Some("0040-00000216"));
        assert_eq!(ec("rotate,400"), Some("0040-00000217"));
        assert_eq!(ec("rotate,-1"), Some("0040-00000217"));
        assert_eq!(ec("rotate,a_90"), Some("0040-00000217"));
        assert_eq!(ec("rotate,90,200,300"), Some("0040-00000203"));
    }
}
