//! `resize` (image-processing.md §5.1): the sizing rules in exact integer
//! arithmetic, and SIMD resampling through `fast_image_resize`.

use std::fmt;

use fast_image_resize as fr;

use crate::img::frame::{Frame, PixelFormat};
use crate::img::ops::{check_output_size, filled, internal};
use crate::img::plan::args::{div_round, Args, Rgb};
use crate::img::{Error, ErrorCode, Limits};

/// How the target box is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Largest image that fits in the box.
    Lfit,
    /// Smallest image that covers the box.
    Mfit,
    /// Cover the box, then crop it centred.
    Fill,
    /// Fit in the box, then pad to it with `color`.
    Pad,
    /// Stretch to the box.
    Fixed,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Lfit => "lfit",
            Mode::Mfit => "mfit",
            Mode::Fill => "fill",
            Mode::Pad => "pad",
            Mode::Fixed => "fixed",
        }
    }
}

/// The sizing rule, after the precedence rules of §5.1 (w/h over l/s over p).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sizing {
    /// `w` only.
    Width(u32),
    /// `h` only.
    Height(u32),
    /// `w` and `h`.
    Both(u32, u32),
    /// `l` only.
    Long(u32),
    /// `s` only.
    Short(u32),
    /// `l` and `s`.
    LongShort(u32, u32),
    /// `p` percent.
    Percent(u32),
}

/// A validated `resize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resize {
    /// Mode (normalised to `lfit` where the mode is ignored).
    pub mode: Mode,
    /// Sizing rule.
    pub sizing: Sizing,
    /// `limit_1`: never enlarge (normalised to `true` for `p`).
    pub limit: bool,
    /// Pad colour (normalised to white unless the mode is `pad`).
    pub color: Rgb,
}

/// What a resize does to an image of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Geometry {
    /// Nothing: the resize is declined (limit) or already at the target size.
    Keep,
    /// Scale to `w × h`, then finish.
    Scale {
        /// Scaled width.
        w: u32,
        /// Scaled height.
        h: u32,
        /// Crop or pad after scaling.
        finish: Finish,
    },
}

/// The step after scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// The scaled image is the output.
    None,
    /// Keep the region `(x, y, w, h)` of the scaled image (`fill`).
    Crop {
        /// Left.
        x: u32,
        /// Top.
        y: u32,
        /// Width.
        w: u32,
        /// Height.
        h: u32,
    },
    /// Place the scaled image at `(x, y)` on a `w × h` canvas (`pad`).
    Pad {
        /// Left.
        x: u32,
        /// Top.
        y: u32,
        /// Canvas width.
        w: u32,
        /// Canvas height.
        h: u32,
    },
}

impl Geometry {
    /// The output size for a `w × h` input.
    pub fn output_size(&self, w: u32, h: u32) -> (u32, u32) {
        match *self {
            Geometry::Keep => (w, h),
            Geometry::Scale { finish, w, h } => match finish {
                Finish::None => (w, h),
                Finish::Crop { w, h, .. } | Finish::Pad { w, h, .. } => (w, h),
            },
        }
    }
}

const SIDE_MAX: u32 = 16384;

impl Resize {
    /// Parses and validates the arguments (ECs of §5.1).
    pub fn parse(args: &Args<'_>) -> Result<Resize, Error> {
        let mode = match args.get("m") {
            None => Mode::Lfit,
            Some("lfit") => Mode::Lfit,
            Some("mfit") => Mode::Mfit,
            Some("fill") => Mode::Fill,
            Some("pad") => Mode::Pad,
            Some("fixed") => Mode::Fixed,
            Some(v) => return Err(Error::invalid_param(Some("0040-00000311"), "m", v)),
        };
        if let (Some(w), Some(h)) = (args.get("w"), args.get("h")) {
            let zero = |v: &str| !v.is_empty() && v.bytes().all(|b| b == b'0');
            if zero(w) && zero(h) {
                return Err(Error::invalid_param(Some("0040-00000321"), "w", w));
            }
        }
        let w = args.uint("w", 1, SIDE_MAX, Some("0040-00000312"))?;
        let h = args.uint("h", 1, SIDE_MAX, Some("0040-00000313"))?;
        let l = args.uint("l", 1, SIDE_MAX, Some("0040-00000314"))?;
        let s = args.uint("s", 1, SIDE_MAX, Some("0040-00000315"))?;
        let p = args.uint("p", 1, 1000, Some("0040-00000317"))?;
        let color = match args.get("color") {
            None => Rgb::WHITE,
            Some(v) => Rgb::parse(v)
                .ok_or_else(|| Error::invalid_param(Some("0040-00000318"), "color", v))?,
        };
        let limit = args.uint("limit", 0, 1, Some("0040-00000319"))? != Some(0);
        let (sizing, mode_matters) = match (w, h, l, s, p) {
            (Some(w), Some(h), ..) => (Sizing::Both(w, h), true),
            (Some(w), None, ..) => (Sizing::Width(w), true),
            (None, Some(h), ..) => (Sizing::Height(h), true),
            (None, None, Some(l), Some(s), _) => (Sizing::LongShort(l, s), true),
            (None, None, Some(l), None, _) => (Sizing::Long(l), false),
            (None, None, None, Some(s), _) => (Sizing::Short(s), false),
            (None, None, None, None, Some(p)) => (Sizing::Percent(p), false),
            (None, None, None, None, None) => {
                return Err(Error::new(
                    ErrorCode::MissingArgument,
                    None,
                    "The resize action needs one of the parameters w, h, l, s or p.",
                ))
            }
        };
        let mode = if mode_matters { mode } else { Mode::Lfit };
        Ok(Resize {
            mode,
            sizing,
            limit: limit || matches!(sizing, Sizing::Percent(_)),
            color: if mode == Mode::Pad { color } else { Rgb::WHITE },
        })
    }

    /// The geometry for a `w × h` input, in exact integer arithmetic (§4.1).
    /// `never_enlarge` forces `limit_1` (animated sources, §4.7).
    pub fn geometry(&self, w: u32, h: u32, never_enlarge: bool) -> Geometry {
        let (sw, sh) = (u64::from(w.max(1)), u64::from(h.max(1)));
        let limit = self.limit || never_enlarge;
        let side = |v: u64| v.clamp(1, u64::from(u32::MAX)) as u32;
        // Proportional scale by num/den: returns the scaled size.
        let scale = |num: u64, den: u64| {
            (
                side(div_round(sw * num, den)),
                side(div_round(sh * num, den)),
            )
        };
        let proportional = |num: u64, den: u64, exact: (Option<u32>, Option<u32>)| {
            if limit && num > den {
                return Geometry::Keep;
            }
            let (mut ow, mut oh) = scale(num, den);
            if let Some(x) = exact.0 {
                ow = x;
            }
            if let Some(y) = exact.1 {
                oh = y;
            }
            scaled(ow, oh, w, h, Finish::None)
        };
        match self.sizing {
            Sizing::Percent(p) => {
                let (ow, oh) = scale(u64::from(p), 100);
                scaled(ow, oh, w, h, Finish::None)
            }
            Sizing::Long(l) => {
                let long = sw.max(sh);
                let exact = if sw >= sh {
                    (Some(l), None)
                } else {
                    (None, Some(l))
                };
                proportional(u64::from(l), long, exact)
            }
            Sizing::Short(s) => {
                let short = sw.min(sh);
                let exact = if sw <= sh {
                    (Some(s), None)
                } else {
                    (None, Some(s))
                };
                proportional(u64::from(s), short, exact)
            }
            Sizing::Width(bw) if matches!(self.mode, Mode::Lfit | Mode::Mfit | Mode::Fixed) => {
                proportional(u64::from(bw), sw, (Some(bw), None))
            }
            Sizing::Height(bh) if matches!(self.mode, Mode::Lfit | Mode::Mfit | Mode::Fixed) => {
                proportional(u64::from(bh), sh, (None, Some(bh)))
            }
            Sizing::Width(b) | Sizing::Height(b) => self.boxed(b, b, w, h, limit),
            Sizing::Both(bw, bh) => self.boxed(bw, bh, w, h, limit),
            Sizing::LongShort(l, s) => {
                if w >= h {
                    self.boxed(l, s, w, h, limit)
                } else {
                    self.boxed(s, l, w, h, limit)
                }
            }
        }
    }

    /// Box rules for a `bw × bh` box.
    fn boxed(&self, bw: u32, bh: u32, w: u32, h: u32, limit: bool) -> Geometry {
        let (sw, sh) = (u64::from(w.max(1)), u64::from(h.max(1)));
        let (bw64, bh64) = (u64::from(bw), u64::from(bh));
        let side = |v: u64| v.clamp(1, u64::from(u32::MAX)) as u32;
        if self.mode == Mode::Fixed {
            if limit && (bw > w || bh > h) {
                return Geometry::Keep;
            }
            return scaled(bw, bh, w, h, Finish::None);
        }
        // rw = bw/W, rh = bh/H; compare bw·H with bh·W.
        let width_smaller = bw64 * sh <= bh64 * sw;
        let use_width = match self.mode {
            Mode::Lfit | Mode::Pad => width_smaller,
            _ => !width_smaller || bw64 * sh == bh64 * sw,
        };
        let (num, den) = if use_width { (bw64, sw) } else { (bh64, sh) };
        if limit && num > den {
            return Geometry::Keep;
        }
        let (ow, oh) = if use_width {
            (bw, side(div_round(sh * bw64, sw)))
        } else {
            (side(div_round(sw * bh64, sh)), bh)
        };
        let finish = match self.mode {
            Mode::Fill => Finish::Crop {
                x: ow.saturating_sub(bw) / 2,
                y: oh.saturating_sub(bh) / 2,
                w: bw.min(ow),
                h: bh.min(oh),
            },
            Mode::Pad => Finish::Pad {
                x: bw.saturating_sub(ow) / 2,
                y: bh.saturating_sub(oh) / 2,
                w: bw.max(ow),
                h: bh.max(oh),
            },
            _ => Finish::None,
        };
        scaled(ow, oh, w, h, finish)
    }

    /// Resizes one frame. `geom` was computed on the logical size `logical`
    /// (which differs from the frame's size after a shrink-on-load decode).
    pub fn apply(
        &self,
        frame: &Frame,
        geom: &Geometry,
        logical: (u32, u32),
        limits: &Limits,
    ) -> Result<Frame, Error> {
        let (ow, oh) = geom.output_size(logical.0, logical.1);
        check_output_size(ow, oh, limits)?;
        let Geometry::Scale {
            w: sw,
            h: sh,
            finish,
        } = *geom
        else {
            if (frame.width, frame.height) == logical {
                return Ok(frame.clone());
            }
            return resample(frame, None, logical.0, logical.1);
        };
        match finish {
            Finish::None => resample(frame, None, sw, sh),
            Finish::Crop { x, y, w, h } => {
                // Crop in the source directly: the region (x, y, w, h) of the
                // scaled image maps back to fractional source coordinates.
                let fx = f64::from(frame.width) / f64::from(sw);
                let fy = f64::from(frame.height) / f64::from(sh);
                let (fw, fh) = (f64::from(frame.width), f64::from(frame.height));
                let (left, top) = (f64::from(x) * fx, f64::from(y) * fy);
                // Clamp against floating-point round-off at the far edges.
                let crop = (
                    left,
                    top,
                    (f64::from(w) * fx).min(fw - left),
                    (f64::from(h) * fy).min(fh - top),
                );
                resample(frame, Some(crop), w, h)
            }
            Finish::Pad { x, y, w, h } => {
                let inner = resample(frame, None, sw, sh)?;
                let ch = inner.format.channels();
                let c = self.color.0;
                let mut canvas =
                    filled(w, h, inner.format, &[c[0], c[1], c[2], 255], frame.delay_ms);
                let stride = w as usize * ch;
                let row_len = sw as usize * ch;
                for row in 0..sh as usize {
                    let dst = (row + y as usize) * stride + x as usize * ch;
                    canvas.data[dst..dst + row_len]
                        .copy_from_slice(&inner.data[row * row_len..(row + 1) * row_len]);
                }
                Ok(canvas)
            }
        }
    }
}

/// `Scale` unless the scaled size equals the input with nothing to finish.
fn scaled(ow: u32, oh: u32, w: u32, h: u32, finish: Finish) -> Geometry {
    let noop_finish = match finish {
        Finish::None => true,
        Finish::Crop { x, y, w, h } | Finish::Pad { x, y, w, h } => {
            x == 0 && y == 0 && w == ow && h == oh
        }
    };
    if ow == w && oh == h && noop_finish {
        Geometry::Keep
    } else {
        Geometry::Scale {
            w: ow,
            h: oh,
            finish,
        }
    }
}

/// Resamples `frame` (optionally only the fractional `crop` region) to
/// `w × h`: Lanczos-3 when shrinking, Catmull-Rom when enlarging, alpha
/// premultiplied for RGBA.
pub fn resample(
    frame: &Frame,
    crop: Option<(f64, f64, f64, f64)>,
    w: u32,
    h: u32,
) -> Result<Frame, Error> {
    let pt = match frame.format {
        PixelFormat::Rgb8 => fr::PixelType::U8x3,
        PixelFormat::Rgba8 => fr::PixelType::U8x4,
    };
    let src =
        fr::images::ImageRef::new(frame.width, frame.height, &frame.data, pt).map_err(internal)?;
    let (cw, ch) = crop.map_or((f64::from(frame.width), f64::from(frame.height)), |c| {
        (c.2, c.3)
    });
    let filter = if f64::from(w) < cw || f64::from(h) < ch {
        fr::FilterType::Lanczos3
    } else {
        fr::FilterType::CatmullRom
    };
    let mut opts = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(filter));
    if let Some((l, t, cw, ch)) = crop {
        opts = opts.crop(l, t, cw, ch);
    }
    let mut dst = fr::images::Image::new(w, h, pt);
    fr::Resizer::new()
        .resize(&src, &mut dst, &opts)
        .map_err(internal)?;
    Ok(Frame {
        width: w,
        height: h,
        format: frame.format,
        data: dst.into_vec(),
        delay_ms: frame.delay_ms,
    })
}

impl fmt::Display for Resize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resize")?;
        match self.sizing {
            Sizing::Long(_) | Sizing::Short(_) | Sizing::Percent(_) => {}
            _ => write!(f, ",m_{}", self.mode.name())?,
        }
        match self.sizing {
            Sizing::Width(w) => write!(f, ",w_{w}")?,
            Sizing::Height(h) => write!(f, ",h_{h}")?,
            Sizing::Both(w, h) => write!(f, ",w_{w},h_{h}")?,
            Sizing::Long(l) => write!(f, ",l_{l}")?,
            Sizing::Short(s) => write!(f, ",s_{s}")?,
            Sizing::LongShort(l, s) => write!(f, ",l_{l},s_{s}")?,
            Sizing::Percent(p) => return write!(f, ",p_{p}"),
        }
        write!(f, ",limit_{}", u8::from(self.limit))?;
        if self.mode == Mode::Pad {
            write!(f, ",color_{}", self.color)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::ops::testutil::{gradient, px};

    fn parse(s: &str) -> Result<Resize, Error> {
        Resize::parse(&Args::split(s))
    }

    fn out(s: &str, w: u32, h: u32) -> (u32, u32) {
        parse(s).unwrap().geometry(w, h, false).output_size(w, h)
    }

    #[test]
    fn spec_sizes() {
        assert_eq!(out("resize,w_150,h_80", 200, 100), (150, 75));
        assert_eq!(out("resize,m_mfit,w_150,h_80", 200, 100), (160, 80));
        assert_eq!(out("resize,m_fill,w_150,h_80", 200, 100), (150, 80));
        assert_eq!(out("resize,m_pad,w_150,h_80", 200, 100), (150, 80));
        assert_eq!(out("resize,m_fixed,w_150,h_80", 200, 100), (150, 80));
        assert_eq!(out("resize,p_50", 2500, 1875), (1250, 938));
        assert_eq!(out("resize,p_120", 2500, 1875), (3000, 2250));
        assert_eq!(out("resize,w_200", 2500, 1875), (200, 150));
        assert_eq!(out("resize,w_3000", 2500, 1875), (2500, 1875));
        assert_eq!(out("resize,w_3000,limit_0", 2500, 1875), (3000, 2250));
        assert_eq!(out("resize,h_100", 2500, 1875), (133, 100));
        assert_eq!(out("resize,h_2000,limit_0", 2500, 1875), (2667, 2000));
        assert_eq!(out("resize,l_200", 2500, 1875), (200, 150));
        assert_eq!(out("resize,s_200", 2500, 1875), (267, 200));
        assert_eq!(out("resize,m_fixed,w_100,h_100", 2500, 1875), (100, 100));
        assert_eq!(out("resize,h_100", 256, 144), (178, 100));
        assert_eq!(out("resize,m_pad,h_100", 256, 144), (100, 100));
        assert_eq!(out("resize,m_fill,h_100", 256, 144), (100, 100));
        assert_eq!(out("resize,l_923,h_600", 3924, 2550), (923, 600));
        assert_eq!(out("resize,h_100", 400, 267), (150, 100));
        assert_eq!(out("resize,l_100", 400, 267), (100, 67));
        assert_eq!(out("resize,l_100,m_mfit", 400, 267), (100, 67));
        assert_eq!(out("resize,m_lfit,h_100,w_100", 400, 267), (100, 67));
        assert_eq!(out("resize,m_mfit,h_100,w_100", 400, 267), (150, 100));
        assert_eq!(out("resize,w_500,limit_0", 400, 267), (500, 334));
        assert_eq!(out("resize,w_500", 400, 267), (400, 267));
        assert_eq!(out("resize,w_200", 400, 267), (200, 134));
        assert_eq!(out("resize,p_50", 400, 267), (200, 134));
        assert_eq!(
            out("resize,m_lfit,h_2000,w_2000,limit_1", 5100, 3000),
            (2000, 1176)
        );
        assert_eq!(out("resize,w_100", 333, 424), (100, 127));
        assert_eq!(out("resize,w_100", 424, 333), (100, 79));
        assert_eq!(out("resize,l_200,s_100", 2500, 1875), (133, 100));
        assert_eq!(out("resize,l_200,s_100,m_fixed", 1875, 2500), (100, 200));
    }

    #[test]
    fn finishes() {
        let g = parse("resize,m_fill,w_150,h_80")
            .unwrap()
            .geometry(200, 100, false);
        assert_eq!(
            g,
            Geometry::Scale {
                w: 160,
                h: 80,
                finish: Finish::Crop {
                    x: 5,
                    y: 0,
                    w: 150,
                    h: 80
                }
            }
        );
        let g = parse("resize,m_pad,w_150,h_80")
            .unwrap()
            .geometry(200, 100, false);
        assert_eq!(
            g,
            Geometry::Scale {
                w: 150,
                h: 75,
                finish: Finish::Pad {
                    x: 0,
                    y: 2,
                    w: 150,
                    h: 80
                }
            }
        );
        let g = parse("resize,m_pad,w_100,h_100,color_FF0000")
            .unwrap()
            .geometry(2500, 1875, false);
        assert_eq!(
            g,
            Geometry::Scale {
                w: 100,
                h: 75,
                finish: Finish::Pad {
                    x: 0,
                    y: 12,
                    w: 100,
                    h: 100
                }
            }
        );
        let g = parse("resize,m_fill,w_100,h_100")
            .unwrap()
            .geometry(2500, 1875, false);
        assert_eq!(
            g,
            Geometry::Scale {
                w: 133,
                h: 100,
                finish: Finish::Crop {
                    x: 16,
                    y: 0,
                    w: 100,
                    h: 100
                }
            }
        );
        let g = parse("resize,m_pad,h_100")
            .unwrap()
            .geometry(256, 144, false);
        assert_eq!(
            g,
            Geometry::Scale {
                w: 100,
                h: 56,
                finish: Finish::Pad {
                    x: 0,
                    y: 22,
                    w: 100,
                    h: 100
                }
            }
        );
        let g = parse("resize,m_fill,h_100")
            .unwrap()
            .geometry(256, 144, false);
        assert_eq!(
            g,
            Geometry::Scale {
                w: 178,
                h: 100,
                finish: Finish::Crop {
                    x: 39,
                    y: 0,
                    w: 100,
                    h: 100
                }
            }
        );
        let g = parse("resize,m_pad,h_100,w_100,color_FF0000")
            .unwrap()
            .geometry(400, 267, false);
        assert_eq!(
            g,
            Geometry::Scale {
                w: 100,
                h: 67,
                finish: Finish::Pad {
                    x: 0,
                    y: 16,
                    w: 100,
                    h: 100
                }
            }
        );
        let g = parse("resize,m_fill,w_300,h_300,limit_0")
            .unwrap()
            .geometry(400, 267, false);
        assert_eq!(
            g,
            Geometry::Scale {
                w: 449,
                h: 300,
                finish: Finish::Crop {
                    x: 74,
                    y: 0,
                    w: 300,
                    h: 300
                }
            }
        );
        // limit_1 declines the whole fill/pad when it would enlarge.
        let g = parse("resize,m_fill,w_300,h_300")
            .unwrap()
            .geometry(400, 267, false);
        assert_eq!(g, Geometry::Keep);
        // Animated: never enlarged even with limit_0.
        let g = parse("resize,w_640,limit_0")
            .unwrap()
            .geometry(320, 240, true);
        assert_eq!(g, Geometry::Keep);
        assert_eq!(
            parse("resize,m_fixed,w_500,h_100")
                .unwrap()
                .geometry(400, 267, false),
            Geometry::Keep
        );
    }

    #[test]
    fn parse_errors() {
        let ec = |s: &str| parse(s).unwrap_err().ec;
        let e = parse("resize,w_99999999").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert_eq!(e.ec, Some("0040-00000312"));
        assert_eq!(e.message, "The value: 99999999 of parameter: w is invalid.");
        assert_eq!(ec("resize,m_abc,w_100"), Some("0040-00000311"));
        assert_eq!(ec("resize,m_LFIT,w_100"), Some("0040-00000311"));
        assert_eq!(ec("resize,w_0,h_0"), Some("0040-00000321"));
        assert_eq!(ec("resize,w_0"), Some("0040-00000312"));
        assert_eq!(ec("resize,w_"), Some("0040-00000312"));
        assert_eq!(ec("resize,w"), Some("0040-00000312"));
        assert_eq!(ec("resize,w_1.5"), Some("0040-00000312"));
        assert_eq!(ec("resize,w_16385"), Some("0040-00000312"));
        assert_eq!(ec("resize,h_abc"), Some("0040-00000313"));
        assert_eq!(ec("resize,l_16385"), Some("0040-00000314"));
        assert_eq!(ec("resize,s_0"), Some("0040-00000315"));
        assert_eq!(ec("resize,p_1001"), Some("0040-00000317"));
        assert_eq!(ec("resize,p_0"), Some("0040-00000317"));
        assert_eq!(ec("resize,w_10,color_AABBCCDD"), Some("0040-00000318"));
        assert_eq!(ec("resize,w_10,limit_2"), Some("0040-00000319"));
        let e = parse("resize,m_pad").unwrap_err();
        assert_eq!((e.code, e.ec), (ErrorCode::MissingArgument, None));
        assert!(parse("resize,w_16384,h_0100").is_ok());
        assert!(parse("resize,w_100,foo_bar,zzz").is_ok());
    }

    #[test]
    fn normalised_display() {
        let d = |s: &str| parse(s).unwrap().to_string();
        assert_eq!(d("resize,w_100"), "resize,m_lfit,w_100,limit_1");
        assert_eq!(
            d("resize,h_10,w_20,m_pad,color_ff0000"),
            "resize,m_pad,w_20,h_10,limit_1,color_FF0000"
        );
        assert_eq!(d("resize,p_50,limit_0,m_fill"), "resize,p_50");
        assert_eq!(
            d("resize,l_50,m_fill,w_30,p_2"),
            "resize,m_fill,w_30,limit_1"
        );
        assert_eq!(d("resize,l_50,m_fill"), "resize,l_50,limit_1");
    }

    #[test]
    fn pixels_pad_and_fill() {
        let src = gradient(200, 100);
        let l = Limits::default();
        let r = parse("resize,m_pad,w_150,h_80,color_FF0000").unwrap();
        let g = r.geometry(200, 100, false);
        let o = r.apply(&src, &g, (200, 100), &l).unwrap();
        assert_eq!((o.width, o.height), (150, 80));
        assert_eq!(px(&o, 0, 0), &[255, 0, 0]);
        assert_eq!(px(&o, 149, 1), &[255, 0, 0]);
        assert_eq!(px(&o, 75, 77), &[255, 0, 0]);
        assert_eq!(px(&o, 75, 79), &[255, 0, 0]);
        assert_eq!(px(&o, 0, 2)[2], 7);
        assert_eq!(px(&o, 75, 76)[2], 7);

        let r = parse("resize,m_fill,w_150,h_80").unwrap();
        let g = r.geometry(200, 100, false);
        let o = r.apply(&src, &g, (200, 100), &l).unwrap();
        assert_eq!((o.width, o.height), (150, 80));
        // Scaled 160 wide, cut from x = 5: source x ≈ (5 + 0.5) / 0.8 − 0.5.
        let x0 = i32::from(px(&o, 0, 40)[0]);
        assert!((x0 - 6).abs() <= 1, "{x0}");
        let x1 = i32::from(px(&o, 149, 40)[0]);
        assert!((x1 - 192).abs() <= 1, "{x1}");

        let big = parse("resize,m_fixed,w_5000,h_5000").unwrap();
        let g = big.geometry(6000, 6000, false);
        let e = big.apply(&src, &g, (6000, 6000), &l).unwrap_err();
        assert_eq!(e.ec, Some("0040-00000007"));
    }

    #[test]
    fn rgba_is_premultiplied() {
        // Half transparent red, half opaque blue: a transparent pixel's colour
        // must not bleed into the result.
        let mut f = gradient(4, 1);
        crate::img::ops::to_rgba(&mut f);
        for (i, p) in f.data.chunks_exact_mut(4).enumerate() {
            if i < 2 {
                p.copy_from_slice(&[255, 0, 0, 0]);
            } else {
                p.copy_from_slice(&[0, 0, 255, 255]);
            }
        }
        let o = resample(&f, None, 2, 1).unwrap();
        let p = px(&o, 1, 0);
        assert!(p[0] < 10 && p[2] > 240, "{p:?}");
    }
}
