//! The watermark block (text, image, or both side by side, §5.15.5), its
//! placement on the nine-grid or on the tiling lattice (§5.15.1), and
//! compositing at the `t` opacity.

use crate::img::frame::{Frame, Image, PixelFormat};
use crate::img::ops::crop::Gravity;
use crate::img::Error;

use super::text::TextBlock;
use super::{Align, Order, Params};

/// A rectangle in pixels; `x`, `y` may be negative where it lies partly
/// outside what it is placed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x: i64,
    /// Top.
    pub y: i64,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

impl Rect {
    /// The intersection, if not empty.
    pub fn intersect(&self, o: &Rect) -> Option<Rect> {
        let x0 = self.x.max(o.x);
        let y0 = self.y.max(o.y);
        let x1 = (self.x + i64::from(self.w)).min(o.x + i64::from(o.w));
        let y1 = (self.y + i64::from(self.h)).min(o.y + i64::from(o.h));
        (x1 > x0 && y1 > y0).then(|| Rect {
            x: x0,
            y: y0,
            w: (x1 - x0) as u32,
            h: (y1 - y0) as u32,
        })
    }
}

/// The watermark block: an image part and/or a text part at their offsets.
#[derive(Debug)]
pub struct Block {
    /// Block width.
    pub w: u32,
    /// Block height.
    pub h: u32,
    /// The image part (RGBA) and its top-left corner in the block.
    pub image: Option<(Frame, (u32, u32))>,
    /// The text part and its top-left corner in the block.
    pub text: Option<(TextBlock, (u32, u32))>,
}

impl Block {
    /// Lays out the parts: alone, or side by side per `order`, `align` and
    /// `interval` (block `iw + interval + tw` wide, `max(ih, th)` tall).
    pub fn new(image: Option<Frame>, text: Option<TextBlock>, params: &Params) -> Block {
        let isz = image.as_ref().map(|f| (f.width, f.height));
        let tsz = text.as_ref().map(|t| t.size_px);
        match (isz, tsz) {
            (Some((iw, ih)), Some((tw, th))) => {
                let h = ih.max(th);
                let gap = params.interval;
                let v = |ph: u32| match params.align {
                    Align::Top => 0,
                    Align::Middle => (h - ph) / 2,
                    Align::Bottom => h - ph,
                };
                let (ix, tx) = match params.order {
                    Order::ImageFirst => (0, iw + gap),
                    Order::TextFirst => (tw + gap, 0),
                };
                Block {
                    w: iw + gap + tw,
                    h,
                    image: image.map(|f| (f, (ix, v(ih)))),
                    text: text.map(|t| (t, (tx, v(th)))),
                }
            }
            _ => {
                let (w, h) = isz.or(tsz).unwrap_or((1, 1));
                Block {
                    w,
                    h,
                    image: image.map(|f| (f, (0, 0))),
                    text: text.map(|t| (t, (0, 0))),
                }
            }
        }
    }

    /// The part of the block inside `win` (block coordinates), as RGBA.
    pub fn render(&self, win: Rect) -> Result<Frame, Error> {
        let mut out = Frame {
            width: win.w,
            height: win.h,
            format: PixelFormat::Rgba8,
            data: vec![0; win.w as usize * win.h as usize * 4],
            delay_ms: 0,
        };
        if let Some((frame, (ox, oy))) = &self.image {
            let r = Rect {
                x: i64::from(*ox),
                y: i64::from(*oy),
                w: frame.width,
                h: frame.height,
            };
            if let Some(part) = r.intersect(&win) {
                copy(frame, part.x - r.x, part.y - r.y, &mut out, part, win);
            }
        }
        if let Some((text, (ox, oy))) = &self.text {
            let r = Rect {
                x: i64::from(*ox),
                y: i64::from(*oy),
                w: text.size_px.0,
                h: text.size_px.1,
            };
            if let Some(part) = r.intersect(&win) {
                let local = Rect {
                    x: part.x - r.x,
                    y: part.y - r.y,
                    ..part
                };
                let raster = text.render(local)?;
                copy(&raster, 0, 0, &mut out, part, win);
            }
        }
        Ok(out)
    }
}

/// Copies `part.w × part.h` RGBA pixels from `(sx, sy)` of `src` into `dst`
/// (which covers `win`) at the position of `part`.
fn copy(src: &Frame, sx: i64, sy: i64, dst: &mut Frame, part: Rect, win: Rect) {
    let row = part.w as usize * 4;
    for r in 0..part.h as usize {
        let s = ((sy as usize + r) * src.width as usize + sx as usize) * 4;
        let d =
            (((part.y - win.y) as usize + r) * dst.width as usize + (part.x - win.x) as usize) * 4;
        dst.data[d..d + row].copy_from_slice(&src.data[s..s + row]);
    }
}

/// Top-left corner of a `w × h` block on a `W × H` image (§5.15.1 table).
pub fn position(params: &Params, img: (u32, u32), block: (u32, u32)) -> (i64, i64) {
    let (iw, ih) = (i64::from(img.0), i64::from(img.1));
    let (w, h) = (i64::from(block.0), i64::from(block.1));
    let (x, y) = (i64::from(params.x), i64::from(params.y));
    let centre_x = (iw - w).div_euclid(2);
    let middle_y = (ih - h).div_euclid(2) + i64::from(params.voffset);
    match params.gravity {
        Gravity::Nw => (x, y),
        Gravity::North => (centre_x, y),
        Gravity::Ne => (iw - w - x, y),
        Gravity::West => (x, middle_y),
        Gravity::Center => (centre_x, middle_y),
        Gravity::East => (iw - w - x, middle_y),
        Gravity::Sw => (x, ih - h - y),
        Gravity::South => (centre_x, ih - h - y),
        Gravity::Se => (iw - w - x, ih - h - y),
    }
}

/// Top-left corners of the tiles of `fill_1`: a lattice with steps
/// `w + padx`, `h + pady` from `(0, 0)` until the image is covered.
#[cfg(test)]
pub fn tiles(params: &Params, img: (u32, u32), block: (u32, u32)) -> Vec<(i64, i64)> {
    let (sx, sy) = steps(params, block);
    let mut out = Vec::new();
    for y in (0..img.1).step_by(sy as usize) {
        for x in (0..img.0).step_by(sx as usize) {
            out.push((i64::from(x), i64::from(y)));
        }
    }
    out
}

/// The lattice steps of `fill_1`.
fn steps(params: &Params, block: (u32, u32)) -> (u32, u32) {
    (
        block.0.saturating_add(params.padx).max(1),
        block.1.saturating_add(params.pady).max(1),
    )
}

/// Composites the block onto every frame of `image`, placed or tiled.
pub fn stamp(image: &mut Image, block: &Block, params: &Params) -> Result<(), Error> {
    let Some(first) = image.frames.first() else {
        return Ok(());
    };
    let img = (first.width, first.height);
    if params.fill {
        // Every tile starts inside the image, so the visible part of any
        // tile lies within the block's top-left `min(w, W) × min(h, H)`.
        let win = Rect {
            x: 0,
            y: 0,
            w: block.w.min(img.0),
            h: block.h.min(img.1),
        };
        let raster = block.render(win)?;
        let (sx, sy) = steps(params, (block.w, block.h));
        for frame in &mut image.frames {
            blend_tiled(frame, &raster, (sx, sy), params.opacity);
        }
        return Ok(());
    }
    let (x, y) = position(params, img, (block.w, block.h));
    let placed = Rect {
        x,
        y,
        w: block.w,
        h: block.h,
    };
    let bounds = Rect {
        x: 0,
        y: 0,
        w: img.0,
        h: img.1,
    };
    let Some(visible) = placed.intersect(&bounds) else {
        return Ok(()); // entirely outside the image
    };
    let win = Rect {
        x: visible.x - x,
        y: visible.y - y,
        ..visible
    };
    let raster = block.render(win)?;
    for frame in &mut image.frames {
        blend(frame, &raster, visible.x, visible.y, params.opacity);
    }
    Ok(())
}

/// Draws straight-alpha RGBA `src` over `dst` at `(x, y)`, its alpha scaled
/// by `opacity` percent; the parts outside `dst` are clipped.
pub fn blend(dst: &mut Frame, src: &Frame, x: i64, y: i64, opacity: u8) {
    let ch = dst.format.channels();
    let (dw, dh) = (i64::from(dst.width), i64::from(dst.height));
    for sy in 0..i64::from(src.height) {
        let ty = y + sy;
        if ty < 0 || ty >= dh {
            continue;
        }
        for sx in 0..i64::from(src.width) {
            let tx = x + sx;
            if tx < 0 || tx >= dw {
                continue;
            }
            let si = ((sy * i64::from(src.width) + sx) * 4) as usize;
            let di = ((ty * dw + tx) as usize) * ch;
            over(&mut dst.data[di..di + ch], &src.data[si..si + 4], opacity);
        }
    }
}

/// Draws `src` (the top-left of a tile) over every pixel of `dst`: pixel
/// `(x, y)` takes the tile pixel `(x mod sx, y mod sy)` when that lies
/// inside `src`. Cost is one pass over `dst`, whatever the tile count.
fn blend_tiled(dst: &mut Frame, src: &Frame, (sx, sy): (u32, u32), opacity: u8) {
    let ch = dst.format.channels();
    let (dw, dh) = (dst.width as usize, dst.height as usize);
    let (sw, sh) = (src.width as usize, src.height as usize);
    let (sx, sy) = (sx as usize, sy as usize);
    for y in 0..dh {
        let ry = y % sy;
        if ry >= sh {
            continue;
        }
        for x in 0..dw {
            let rx = x % sx;
            if rx >= sw {
                continue;
            }
            let si = (ry * sw + rx) * 4;
            let di = (y * dw + x) * ch;
            over(&mut dst.data[di..di + ch], &src.data[si..si + 4], opacity);
        }
    }
}

/// One pixel of the "over" operator: straight-alpha RGBA `s` with its alpha
/// scaled by `opacity` percent, onto an RGB or straight-alpha RGBA `d`, in
/// integer arithmetic rounded half up.
fn over(d: &mut [u8], s: &[u8], opacity: u8) {
    const FULL: u64 = 25500;
    // Source alpha on a 0..=25500 scale (alpha × t).
    let a = u64::from(s[3]) * u64::from(opacity);
    if a == 0 {
        return;
    }
    if d.len() == 3 {
        for c in 0..3 {
            let v = u64::from(s[c]) * a + u64::from(d[c]) * (FULL - a);
            d[c] = ((v + FULL / 2) / FULL) as u8;
        }
    } else {
        let da = u64::from(d[3]);
        // den = out_alpha × 25500 × 255.
        let den = a * 255 + da * (FULL - a);
        for c in 0..3 {
            let num = u64::from(s[c]) * a * 255 + u64::from(d[c]) * da * (FULL - a);
            d[c] = ((num + den / 2) / den) as u8;
        }
        d[3] = ((den + FULL / 2) / FULL) as u8;
    }
}
