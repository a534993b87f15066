//! Text watermarks (§5.15.2): one-line layout over a font chain, and
//! rasterisation of the text, its shadow and its rotation into RGBA.

use ab_glyph::{Font, FontArc, GlyphId, PxScale, ScaleFont};

use crate::img::frame::{Frame, PixelFormat};
use crate::img::ops::rotate::Rotate;
use crate::img::{Error, ErrorCode};

use super::fonts::{self, FontChain};
use super::place::Rect;
use super::TextMark;

/// Largest unrotated text raster, in pixels, drawn for a rotated text (an
/// unrotated text is only drawn where it can be seen).
const MAX_ROTATED_PIXELS: u64 = 16_777_216;

/// One positioned glyph.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    /// Index of the face in the chain.
    pub face: usize,
    /// Glyph in that face.
    pub id: GlyphId,
    /// Pen position of the glyph origin, relative to the text's left edge.
    pub x: f32,
}

/// A laid-out text: glyphs, the text box and the block it makes.
#[derive(Debug, Clone)]
pub struct TextBlock {
    chain: FontChain,
    /// Glyphs in order.
    pub glyphs: Vec<Placed>,
    size: f32,
    /// Origin of the first pen position and the baseline inside the text box.
    origin: (f32, f32),
    /// Unrotated text box (ascent + descent tall, advances or ink wide).
    pub text_size: (u32, u32),
    /// Shadow offset (0 without shadow).
    pub shadow_offset: u32,
    color: [u8; 3],
    shadow: u8,
    rotate: u32,
    /// Size of the block: text box grown by the shadow offset, then the
    /// bounding box of its rotation.
    pub size_px: (u32, u32),
}

/// The scale that makes `size` pixels one em in `face`.
fn em_scale(face: &FontArc, size: f32) -> PxScale {
    let upem = face.units_per_em().unwrap_or(1000.0).max(1.0);
    PxScale::from(size * face.height_unscaled() / upem)
}

/// Lays out a text watermark on one line.
pub fn layout(mark: &TextMark) -> Result<TextBlock, Error> {
    let chain = fonts::chain(mark.font)?;
    let size = mark.size as f32;
    let mut glyphs = Vec::new();
    let mut pen = 0.0f32;
    let mut prev: Option<(usize, GlyphId)> = None;
    let mut used = vec![0usize];
    for c in mark.text.chars() {
        let (fi, id) = chain.glyph(c);
        let face = chain.faces[fi].as_scaled(em_scale(&chain.faces[fi], size));
        if let Some((pf, pid)) = prev {
            if pf == fi {
                pen += face.kern(pid, id);
            }
        }
        glyphs.push(Placed {
            face: fi,
            id,
            x: pen,
        });
        pen += face.h_advance(id);
        prev = Some((fi, id));
        if !used.contains(&fi) {
            used.push(fi);
        }
    }
    // Vertical extent: the largest ascent and descent of the faces used.
    let (mut ascent, mut descent) = (0.0f32, 0.0f32);
    for &fi in &used {
        let face = chain.faces[fi].as_scaled(em_scale(&chain.faces[fi], size));
        ascent = ascent.max(face.ascent());
        descent = descent.min(face.descent());
    }
    // Ink that leaves the advance box widens the text box.
    let (mut left, mut right, mut top, mut bottom) = (0.0f32, pen, -ascent, -descent);
    for g in &glyphs {
        let face = &chain.faces[g.face];
        let glyph =
            g.id.with_scale_and_position(em_scale(face, size), ab_glyph::point(g.x, 0.0));
        if let Some(outline) = face.outline_glyph(glyph) {
            let b = outline.px_bounds();
            left = left.min(b.min.x);
            right = right.max(b.max.x);
            top = top.min(b.min.y);
            bottom = bottom.max(b.max.y);
        }
    }
    let (left, top) = (left.floor(), top.floor());
    let w = ((right.ceil() - left) as u32).max(1);
    let h = ((bottom.ceil() - top) as u32).max(1);
    let shadow_offset = if mark.shadow > 0 {
        (mark.size / 20).max(1)
    } else {
        0
    };
    let grown = (w + shadow_offset, h + shadow_offset);
    let size_px = Rotate {
        degrees: mark.rotate,
    }
    .output_size(grown.0, grown.1);
    Ok(TextBlock {
        chain,
        glyphs,
        size,
        origin: (-left, -top),
        text_size: (w, h),
        shadow_offset,
        color: mark.color.0,
        shadow: mark.shadow,
        rotate: mark.rotate % 360,
        size_px,
    })
}

impl TextBlock {
    /// The unrotated block size (text box grown by the shadow offset).
    fn unrotated(&self) -> (u32, u32) {
        (
            self.text_size.0 + self.shadow_offset,
            self.text_size.1 + self.shadow_offset,
        )
    }

    /// Accumulates glyph coverage (0..=1) into `cov`, a `win` sized buffer,
    /// with the text drawn at `(dx, dy)` in block coordinates.
    fn coverage(&self, cov: &mut [f32], win: Rect, dx: f32, dy: f32) {
        for g in &self.glyphs {
            let face = &self.chain.faces[g.face];
            let glyph = g.id.with_scale_and_position(
                em_scale(face, self.size),
                ab_glyph::point(self.origin.0 + g.x + dx, self.origin.1 + dy),
            );
            let Some(outline) = face.outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            let (bx, by) = (b.min.x as i64, b.min.y as i64);
            let glyph_rect = Rect {
                x: bx,
                y: by,
                w: b.width() as u32,
                h: b.height() as u32,
            };
            if glyph_rect.intersect(&win).is_none() {
                continue; // nothing of it is visible
            }
            outline.draw(|x, y, c| {
                let px = bx + i64::from(x) - win.x;
                let py = by + i64::from(y) - win.y;
                if px >= 0 && py >= 0 && px < i64::from(win.w) && py < i64::from(win.h) {
                    let i = py as usize * win.w as usize + px as usize;
                    cov[i] = (cov[i] + c).min(1.0);
                }
            });
        }
    }

    /// The unrotated block (text over its shadow) inside `win`, as RGBA.
    fn render_unrotated(&self, win: Rect) -> Frame {
        let n = win.w as usize * win.h as usize;
        let mut text = vec![0.0f32; n];
        self.coverage(&mut text, win, 0.0, 0.0);
        let mut shade = vec![0.0f32; n];
        if self.shadow_offset > 0 {
            let d = self.shadow_offset as f32;
            self.coverage(&mut shade, win, d, d);
        }
        let strength = f32::from(self.shadow) / 100.0;
        let mut data = Vec::with_capacity(n * 4);
        for (t, s) in text.iter().zip(&shade) {
            let sa = s * strength;
            let a = t + sa * (1.0 - t);
            if a <= 0.0 {
                data.extend_from_slice(&[0, 0, 0, 0]);
                continue;
            }
            // Text colour over black shadow, straight alpha.
            let k = t / a;
            let c = |v: u8| (f32::from(v) * k).round().clamp(0.0, 255.0) as u8;
            data.extend_from_slice(&[
                c(self.color[0]),
                c(self.color[1]),
                c(self.color[2]),
                (a * 255.0).round().clamp(0.0, 255.0) as u8,
            ]);
        }
        Frame {
            width: win.w,
            height: win.h,
            format: PixelFormat::Rgba8,
            data,
            delay_ms: 0,
        }
    }

    /// The block inside `win` (block coordinates, within `size_px`), RGBA.
    pub fn render(&self, win: Rect) -> Result<Frame, Error> {
        if self.rotate == 0 {
            return Ok(self.render_unrotated(win));
        }
        let (uw, uh) = self.unrotated();
        if u64::from(uw) * u64::from(uh) > MAX_ROTATED_PIXELS {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                None,
                "The rotated text watermark is too large.",
            ));
        }
        let src = self.render_unrotated(Rect {
            x: 0,
            y: 0,
            w: uw,
            h: uh,
        });
        Ok(rotate_window(&src, self.rotate, self.size_px, win))
    }
}

/// The window `win` of `src` rotated clockwise by `degrees` about its
/// centre onto an `out` sized canvas (bilinear, premultiplied alpha;
/// uncovered pixels transparent).
fn rotate_window(src: &Frame, degrees: u32, out: (u32, u32), win: Rect) -> Frame {
    let t = f64::from(degrees).to_radians();
    let (sin, cos) = t.sin_cos();
    let (sw, sh) = (f64::from(src.width), f64::from(src.height));
    let (ocx, ocy) = (f64::from(out.0) / 2.0, f64::from(out.1) / 2.0);
    let premul = |x: i64, y: i64| -> [f64; 4] {
        if x < 0 || y < 0 || x >= i64::from(src.width) || y >= i64::from(src.height) {
            return [0.0; 4];
        }
        let i = (y as usize * src.width as usize + x as usize) * 4;
        let p = &src.data[i..i + 4];
        let a = f64::from(p[3]) / 255.0;
        [
            f64::from(p[0]) * a,
            f64::from(p[1]) * a,
            f64::from(p[2]) * a,
            f64::from(p[3]),
        ]
    };
    let mut data = Vec::with_capacity(win.w as usize * win.h as usize * 4);
    for py in 0..i64::from(win.h) {
        for px in 0..i64::from(win.w) {
            let ox = (win.x + px) as f64 + 0.5 - ocx;
            let oy = (win.y + py) as f64 + 0.5 - ocy;
            // Inverse of the clockwise rotation (y points down).
            let sx = ox * cos + oy * sin + sw / 2.0 - 0.5;
            let sy = -ox * sin + oy * cos + sh / 2.0 - 0.5;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let mut acc = [0.0f64; 4];
            for (dx, dy, w) in [
                (0, 0, (1.0 - fx) * (1.0 - fy)),
                (1, 0, fx * (1.0 - fy)),
                (0, 1, (1.0 - fx) * fy),
                (1, 1, fx * fy),
            ] {
                if w == 0.0 {
                    continue;
                }
                let p = premul(x0 + dx, y0 + dy);
                for (a, v) in acc.iter_mut().zip(p) {
                    *a += v * w;
                }
            }
            let a = acc[3];
            if a < 0.5 {
                data.extend_from_slice(&[0, 0, 0, 0]);
                continue;
            }
            let k = 255.0 / a;
            let c = |v: f64| (v * k).round().clamp(0.0, 255.0) as u8;
            data.extend_from_slice(&[
                c(acc[0]),
                c(acc[1]),
                c(acc[2]),
                a.round().clamp(0.0, 255.0) as u8,
            ]);
        }
    }
    Frame {
        width: win.w,
        height: win.h,
        format: PixelFormat::Rgba8,
        data,
        delay_ms: 0,
    }
}
