//! One module per OSS action, each over decoded frames: the action's typed
//! parameters, their parsing from [`Args`](crate::img::plan::args::Args), and
//! the pixel work.

pub mod average_hue;
pub mod blur;
pub mod bright;
pub mod circle;
pub mod contrast;
pub mod crop;
pub mod indexcrop;
pub mod orient;
pub mod output;
pub mod resize;
pub mod rotate;
pub mod rounded_corners;
pub mod sharpen;

use crate::img::frame::{Frame, PixelFormat};
use crate::img::plan::args::Rgb;
use crate::img::{Error, ErrorCode, Limits};

/// EC of an output above the size limits (§4.8).
pub const EC_OUTPUT_TOO_LARGE: &str = "0040-00000007";

/// Fails with EC `0040-00000007` when `w × h` exceeds the output limits.
pub fn check_output_size(w: u32, h: u32, limits: &Limits) -> Result<(), Error> {
    if w > limits.max_output_side
        || h > limits.max_output_side
        || u64::from(w) * u64::from(h) > limits.max_output_pixels
    {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            Some(EC_OUTPUT_TOO_LARGE),
            format!("The output image size {w}x{h} exceeds the limit."),
        ));
    }
    Ok(())
}

/// An `InternalError` for a broken invariant (never caused by input).
pub(crate) fn internal(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::InternalError, None, what.to_string())
}

/// A new frame filled with one pixel value.
pub(crate) fn filled(w: u32, h: u32, format: PixelFormat, px: &[u8], delay_ms: u32) -> Frame {
    let n = w as usize * h as usize;
    let data = match format {
        PixelFormat::Rgb8 => px[..3].repeat(n),
        PixelFormat::Rgba8 => px[..4].repeat(n),
    };
    Frame {
        width: w,
        height: h,
        format,
        data,
        delay_ms,
    }
}

/// Converts a frame to RGBA in place (opaque alpha); no-op for RGBA.
pub fn to_rgba(frame: &mut Frame) {
    if frame.format == PixelFormat::Rgba8 {
        return;
    }
    let mut out = Vec::with_capacity(frame.data.len() / 3 * 4);
    for px in frame.data.chunks_exact(3) {
        out.extend_from_slice(&[px[0], px[1], px[2], 255]);
    }
    frame.data = out;
    frame.format = PixelFormat::Rgba8;
}

/// Composites an RGBA frame onto an opaque colour and returns it as RGB
/// (§4.3: JPEG output is flattened onto white); no-op for RGB.
pub fn flatten(frame: &mut Frame, bg: Rgb) {
    if frame.format == PixelFormat::Rgb8 {
        return;
    }
    let mut out = Vec::with_capacity(frame.data.len() / 4 * 3);
    for px in frame.data.chunks_exact(4) {
        let a = u32::from(px[3]);
        for (c, b) in px[..3].iter().zip(bg.0) {
            let v = (u32::from(*c) * a + u32::from(b) * (255 - a) + 127) / 255;
            out.push(v as u8);
        }
    }
    frame.data = out;
    frame.format = PixelFormat::Rgb8;
}

/// Copies the rectangle `(x, y, w, h)` out of a frame; the rectangle must lie
/// inside it.
pub fn crop_frame(frame: &Frame, x: u32, y: u32, w: u32, h: u32) -> Result<Frame, Error> {
    if x.checked_add(w).is_none_or(|r| r > frame.width)
        || y.checked_add(h).is_none_or(|b| b > frame.height)
    {
        return Err(internal("crop rectangle outside the frame"));
    }
    let ch = frame.format.channels();
    let stride = frame.width as usize * ch;
    let row_len = w as usize * ch;
    let mut data = Vec::with_capacity(row_len * h as usize);
    for row in y as usize..(y + h) as usize {
        let start = row * stride + x as usize * ch;
        data.extend_from_slice(&frame.data[start..start + row_len]);
    }
    Ok(Frame {
        width: w,
        height: h,
        format: frame.format,
        data,
        delay_ms: frame.delay_ms,
    })
}

/// Anti-aliased coverage (0..=255) of a pixel whose centre lies `dist2`
/// (squared distance) from the centre of a disc of radius `r`: full up to
/// `r`, none from `r + 0.5`, linear in between.
pub(crate) fn disc_coverage(dist2: f64, r: f64) -> u8 {
    let d = dist2.sqrt();
    let c = ((r + 0.5 - d) * 2.0).clamp(0.0, 1.0);
    (c * 255.0).round() as u8
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Synthetic frames for the action tests.
    use crate::img::frame::{Frame, PixelFormat};

    /// An RGB frame where pixel `(x, y)` is `(x mod 256, y mod 256, 7)`.
    pub fn gradient(w: u32, h: u32) -> Frame {
        let mut data = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 7]);
            }
        }
        Frame {
            width: w,
            height: h,
            format: PixelFormat::Rgb8,
            data,
            delay_ms: 0,
        }
    }

    /// The pixel at `(x, y)`.
    pub fn px(f: &Frame, x: u32, y: u32) -> &[u8] {
        let ch = f.format.channels();
        let i = (y as usize * f.width as usize + x as usize) * ch;
        &f.data[i..i + ch]
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn crop_and_convert() {
        let f = gradient(10, 8);
        let c = crop_frame(&f, 2, 3, 4, 5).unwrap();
        assert_eq!((c.width, c.height), (4, 5));
        assert_eq!(px(&c, 0, 0), &[2, 3, 7]);
        assert_eq!(px(&c, 3, 4), &[5, 7, 7]);
        assert!(crop_frame(&f, 8, 0, 4, 1).is_err());
        let mut r = c.clone();
        to_rgba(&mut r);
        assert_eq!(px(&r, 3, 4), &[5, 7, 7, 255]);
        r.data[3] = 0;
        flatten(&mut r, Rgb::WHITE);
        assert_eq!(px(&r, 0, 0), &[255, 255, 255]);
        assert_eq!(px(&r, 3, 4), &[5, 7, 7]);
    }

    #[test]
    fn output_limits() {
        let l = Limits::default();
        assert!(check_output_size(16384, 1024, &l).is_ok());
        let e = check_output_size(5000, 5000, &l).unwrap_err();
        assert_eq!(e.ec, Some(EC_OUTPUT_TOO_LARGE));
        assert!(check_output_size(16385, 1, &l).is_err());
    }
}
