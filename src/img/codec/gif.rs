//! GIF through the `gif` crate; frames are composited onto the logical screen
//! (disposal handled) so that every decoded frame is a full picture.
//!
//! Loop counts: [`Image::loop_count`] counts plays (0 = forever). A GIF
//! without a NETSCAPE2.0 block plays once (1); a NETSCAPE count `n > 0` repeats
//! `n` times after the first play (`n + 1`).

use std::io::Cursor;

use super::{Header, Probe};
use crate::img::frame::{Frame, Image, PixelFormat};
use crate::img::Error;

/// Walks the block structure without decoding any LZW data.
pub(super) fn probe(bytes: &[u8]) -> Result<Header, Error> {
    let bad = Error::unsupported_format;
    let width = u32::from(super::le16(bytes, 6).ok_or_else(bad)?);
    let height = u32::from(super::le16(bytes, 8).ok_or_else(bad)?);
    let packed = *bytes.get(10).ok_or_else(bad)?;
    let mut pos = 13usize;
    if packed & 0x80 != 0 {
        pos += 3 << ((packed & 7) + 1);
    }
    let mut frames = 0u32;
    let mut has_alpha = false;
    // Skips data sub-blocks starting at `p`; `None` when the data ends first.
    let skip_blocks = |mut p: usize| -> Option<usize> {
        loop {
            let n = usize::from(*bytes.get(p)?);
            p += 1;
            if n == 0 {
                return Some(p);
            }
            p += n;
        }
    };
    // Ending on a block boundary without a trailer is tolerated.
    while let Some(&b) = bytes.get(pos) {
        match b {
            0x3B => break,
            0x21 => {
                let label = *bytes.get(pos + 1).ok_or_else(bad)?;
                if label == 0xF9 {
                    if let Some(&flags) = bytes.get(pos + 3) {
                        has_alpha |= flags & 1 != 0;
                    }
                }
                pos = skip_blocks(pos + 2).ok_or_else(bad)?;
            }
            0x2C => {
                let flags = *bytes.get(pos + 9).ok_or_else(bad)?;
                pos += 10;
                if flags & 0x80 != 0 {
                    pos += 3 << ((flags & 7) + 1);
                }
                // LZW minimum code size, then the data.
                pos = skip_blocks(pos + 1).ok_or_else(bad)?;
                frames += 1;
            }
            _ => break,
        }
    }
    if frames == 0 {
        return Err(bad());
    }
    Ok(Header {
        width,
        height,
        frames,
        orientation: 1,
        quality: None,
        has_alpha,
    })
}

pub(super) fn decode(
    bytes: &[u8],
    probe: &Probe,
    opts: &super::DecodeOptions,
) -> Result<Image, Error> {
    let bad = Error::unsupported_format;
    let mut o = gif::DecodeOptions::new();
    o.set_color_output(gif::ColorOutput::RGBA);
    // A frame may not need more than the (already checked) canvas.
    let budget = u64::from(probe.width) * u64::from(probe.height) * 4 + (1 << 20);
    if let Some(limit) = std::num::NonZeroU64::new(budget) {
        o.set_memory_limit(gif::MemoryLimit::Bytes(limit));
    }
    let mut d = o.read_info(Cursor::new(bytes)).map_err(|_| bad())?;
    let (cw, ch) = (usize::from(d.width()), usize::from(d.height()));
    if cw != probe.width as usize || ch != probe.height as usize {
        return Err(Error::unsupported_format());
    }
    let mut canvas = vec![0u8; cw * ch * 4];
    let mut frames = Vec::new();
    loop {
        let f = match d.read_next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            // `probe` accepts a file that ends on a block boundary without
            // the trailer byte; after the last frame it counted, the end of
            // the data is the end of the animation.
            Err(_) if frames.len() == probe.frames as usize => break,
            Err(_) => return Err(bad()),
        };
        let (fl, ft) = (usize::from(f.left), usize::from(f.top));
        let (fw, fh) = (usize::from(f.width), usize::from(f.height));
        let saved = (f.dispose == gif::DisposalMethod::Previous).then(|| canvas.clone());
        for y in 0..fh {
            let cy = ft + y;
            if cy >= ch {
                break;
            }
            for x in 0..fw {
                let cx = fl + x;
                if cx >= cw {
                    break;
                }
                let s = (y * fw + x) * 4;
                let Some(px) = f.buffer.get(s..s + 4) else {
                    return Err(Error::unsupported_format());
                };
                if px[3] != 0 {
                    let c = (cy * cw + cx) * 4;
                    canvas[c..c + 4].copy_from_slice(px);
                }
            }
        }
        frames.push(Frame {
            width: cw as u32,
            height: ch as u32,
            format: PixelFormat::Rgba8,
            data: canvas.clone(),
            delay_ms: u32::from(f.delay) * 10,
        });
        match (f.dispose, saved) {
            (gif::DisposalMethod::Background, _) => {
                for y in ft..(ft + fh).min(ch) {
                    let row = y * cw;
                    let (a, b) = ((row + fl.min(cw)) * 4, (row + (fl + fw).min(cw)) * 4);
                    canvas[a..b].fill(0);
                }
            }
            (gif::DisposalMethod::Previous, Some(s)) => canvas = s,
            _ => {}
        }
        if !opts.all_frames {
            break;
        }
    }
    if frames.is_empty() {
        return Err(Error::unsupported_format());
    }
    let loop_count = match d.repeat() {
        gif::Repeat::Infinite => 0,
        gif::Repeat::Finite(n) => n.saturating_add(1),
    };
    if !frames.iter().any(|f| super::rgba_has_alpha(&f.data)) {
        for f in &mut frames {
            f.data = super::rgba_to_rgb(&f.data);
            f.format = PixelFormat::Rgb8;
        }
    }
    Ok(Image { frames, loop_count })
}

/// A small open-addressing map from opaque pixels ([`Px`]) to palette index
/// (at most 256 entries in 1024 slots).
struct ColorTable {
    keys: [u32; 1024],
    values: [u8; 1024],
    len: usize,
}

impl ColorTable {
    /// [`CLEAR`], which is never a key.
    const EMPTY: u32 = CLEAR;

    fn new() -> Self {
        ColorTable {
            keys: [Self::EMPTY; 1024],
            values: [0; 1024],
            len: 0,
        }
    }

    fn slot(rgb: u32) -> usize {
        (rgb.wrapping_mul(0x9E37_79B1) >> 22) as usize
    }

    /// The index of `rgb`, inserting it as the next index if there is room
    /// (`None` when `max` colours are already taken).
    fn index(&mut self, rgb: u32, max: usize) -> Option<u8> {
        let mut slot = Self::slot(rgb);
        loop {
            let k = self.keys[slot];
            if k == rgb {
                return Some(self.values[slot]);
            }
            if k == Self::EMPTY {
                if self.len >= max.min(256) {
                    return None;
                }
                self.keys[slot] = rgb;
                self.values[slot] = self.len as u8;
                self.len += 1;
                return Some(self.values[slot]);
            }
            slot = (slot + 1) & 1023;
        }
    }

    /// The index of `rgb`, if present.
    fn get(&self, rgb: u32) -> Option<u8> {
        let mut slot = Self::slot(rgb);
        loop {
            match self.keys[slot] {
                k if k == rgb => return Some(self.values[slot]),
                Self::EMPTY => return None,
                _ => slot = (slot + 1) & 1023,
            }
        }
    }

    /// Maps `rgb` to palette position `i` unless it is already mapped (a
    /// palette with duplicate colours keeps the first).
    fn insert_at(&mut self, rgb: u32, i: u8) {
        let mut slot = Self::slot(rgb);
        while self.keys[slot] != Self::EMPTY {
            if self.keys[slot] == rgb {
                return;
            }
            slot = (slot + 1) & 1023;
        }
        self.keys[slot] = rgb;
        self.values[slot] = i;
        self.len += 1;
    }

    /// The palette in index order, 3 bytes per colour.
    fn palette(&self) -> Vec<u8> {
        let mut palette = vec![0u8; self.len * 3];
        for (&k, &v) in self.keys.iter().zip(&self.values) {
            if k != Self::EMPTY {
                let i = usize::from(v) * 3;
                palette[i..i + 3].copy_from_slice(&[(k >> 16) as u8, (k >> 8) as u8, k as u8]);
            }
        }
        palette
    }
}

/// A quantised pixel: `0` is transparent, anything else `0xFF_RR_GG_BB`.
type Px = u32;
const CLEAR: Px = 0;

fn opaque(r: u8, g: u8, b: u8) -> Px {
    0xFF00_0000 | u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b)
}

/// The binarised pixels of a frame on the `w × h` screen: alpha < 128 is
/// transparent, a frame smaller than the screen sits at the top left with
/// transparency around it.
fn screen_pixels(f: &Frame, w: usize, h: usize) -> Vec<Px> {
    let ch = f.format.channels();
    let fw = f.width as usize;
    let mut out = vec![CLEAR; w * h];
    if fw == 0 {
        return out;
    }
    for (y, row) in f.data.chunks_exact(fw * ch).take(h).enumerate() {
        for (x, p) in row.chunks_exact(ch).take(w).enumerate() {
            if ch == 3 || p[3] >= 128 {
                out[y * w + x] = opaque(p[0], p[1], p[2]);
            }
        }
    }
    out
}

/// Trains NeuQuant once for a whole animation (or still) on an even sample
/// of at most 256 Ki opaque pixels taken from every frame.
fn train(image: &Image, max_colors: usize) -> color_quant::NeuQuant {
    const BUDGET: usize = 1 << 18;
    let total: usize = image
        .frames
        .iter()
        .map(|f| f.width as usize * f.height as usize)
        .sum();
    let step = total.div_ceil(BUDGET).max(1);
    let mut sample = Vec::with_capacity(total.min(BUDGET + image.frames.len()) * 4);
    for f in &image.frames {
        let ch = f.format.channels();
        for p in f.data.chunks_exact(ch).step_by(step) {
            if ch == 3 || p[3] >= 128 {
                sample.extend_from_slice(&[p[0], p[1], p[2], 255]);
            }
        }
    }
    if sample.is_empty() {
        sample.extend_from_slice(&[0, 0, 0, 255]);
    }
    color_quant::NeuQuant::new(10, max_colors, &sample)
}

/// How the frames' colours are written.
enum Palette {
    /// One global palette holding every colour exactly (the table maps a
    /// colour to its index).
    Exact(ColorTable),
    /// An exact local palette for each frame's rectangle (tried when the
    /// frames together have too many colours for one palette).
    Local,
    /// One global NeuQuant palette for all frames; `table` maps each palette
    /// colour to its (first) index.
    Quantised {
        nq: color_quant::NeuQuant,
        table: ColorTable,
    },
}

/// One exact global palette if all frames together have at most
/// `max_colors` colours.
fn exact_palette(image: &Image, w: usize, h: usize, max_colors: usize) -> Option<ColorTable> {
    let mut global = ColorTable::new();
    for f in &image.frames {
        let px = screen_pixels(f, w, h);
        for &p in px.iter().filter(|&&p| p != CLEAR) {
            global.index(p, max_colors)?;
        }
    }
    Some(global)
}

/// One NeuQuant palette trained on a sample of all frames.
fn quantised_palette(image: &Image, max_colors: usize) -> Palette {
    let nq = train(image, max_colors);
    let mut table = ColorTable::new();
    for (i, c) in nq.color_map_rgb().chunks_exact(3).take(256).enumerate() {
        table.insert_at(opaque(c[0], c[1], c[2]), i as u8);
    }
    Palette::Quantised { nq, table }
}

/// Maps a frame's pixels to the colours the GIF will show. `prev` holds the
/// previous frame's source pixels and their mapping: a pixel the same as
/// there maps the same, which skips the search over the still parts of an
/// animation.
fn quantise(px: &mut [Px], nq: &color_quant::NeuQuant, prev: Option<(&[Px], &[Px])>) {
    let map = nq.color_map_rgb();
    // Direct-mapped cache in front of NeuQuant's search: animation frames
    // repeat few colours many times.
    let mut keys = vec![CLEAR; 4096];
    let mut vals = vec![CLEAR; 4096];
    for (j, p) in px.iter_mut().enumerate() {
        if *p == CLEAR {
            continue;
        }
        if let Some((src, q)) = prev {
            if src.get(j) == Some(p) {
                if let Some(&v) = q.get(j) {
                    *p = v;
                    continue;
                }
            }
        }
        let slot = (p.wrapping_mul(0x9E37_79B1) >> 20) as usize;
        if keys[slot] != *p {
            keys[slot] = *p;
            let [_, r, g, b] = p.to_be_bytes();
            let i = nq.index_of(&[r, g, b, 255]) * 3;
            vals[slot] = map.get(i..i + 3).map_or(*p, |c| opaque(c[0], c[1], c[2]));
        }
        *p = vals[slot];
    }
}

/// A rectangle on the screen, `x0..x1 × y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rect {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl Rect {
    const EMPTY: Rect = Rect {
        x0: usize::MAX,
        y0: usize::MAX,
        x1: 0,
        y1: 0,
    };

    fn is_empty(&self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }

    fn union(self, o: Rect) -> Rect {
        if o.is_empty() {
            return self;
        }
        if self.is_empty() {
            return o;
        }
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    /// The bounding box of the pixels where `pred(i)` holds.
    fn bounding(w: usize, h: usize, pred: impl Fn(usize) -> bool) -> Rect {
        let mut r = Rect::EMPTY;
        for y in 0..h {
            let row = y * w;
            let Some(first) = (0..w).find(|&x| pred(row + x)) else {
                continue;
            };
            let last = (first..w).rev().find(|&x| pred(row + x)).unwrap_or(first);
            r = r.union(Rect {
                x0: first,
                y0: y,
                x1: last + 1,
                y1: y + 1,
            });
        }
        r
    }
}

/// Writes `image` as a GIF.
///
/// The screen holds the largest frame. Every frame after the first is written
/// as the rectangle that changed since the previous shown picture, with the
/// unchanged pixels inside it set to a reserved transparent index (disposal
/// "keep"), so LZW sees long runs. When the next frame has transparent
/// pixels where this one is opaque, this frame's rectangle is widened to
/// cover them and disposed to background (cleared), so transparency is never
/// filled by an older frame. Colours: one exact global palette when all frames together have at most
/// 255 colours (256 for an opaque still); else exact local palettes of each
/// frame's rectangle when every rectangle fits; else one NeuQuant palette
/// trained on a sample of all frames.
pub(super) fn encode(image: &Image) -> Result<Vec<u8>, Error> {
    let fail = || super::encode_failed("GIF");
    let (w, h) = image
        .frames
        .iter()
        .fold((1u32, 1u32), |(w, h), f| (w.max(f.width), h.max(f.height)));
    let screen = (
        u16::try_from(w).map_err(|_| fail())?,
        u16::try_from(h).map_err(|_| fail())?,
    );
    let (w, h) = (usize::from(screen.0), usize::from(screen.1));
    let any_clear = image
        .frames
        .iter()
        .any(|f| f.format == PixelFormat::Rgba8 && f.data.chunks_exact(4).any(|p| p[3] < 128));
    // Several frames always reserve an index for "unchanged".
    let need_transparent = image.frames.len() > 1 || any_clear;
    let max_colors = if need_transparent { 255 } else { 256 };
    if let Some(table) = exact_palette(image, w, h, max_colors) {
        return write(image, screen, Palette::Exact(table), need_transparent)?.ok_or_else(fail);
    }
    if image.frames.len() > 1 {
        if let Some(out) = write(image, screen, Palette::Local, need_transparent)? {
            return Ok(out);
        }
    }
    let palette = quantised_palette(image, max_colors);
    write(image, screen, palette, need_transparent)?.ok_or_else(fail)
}

/// Writes the frames with `palette`; `None` when a frame's rectangle has too
/// many colours for an exact local palette.
fn write(
    image: &Image,
    screen: (u16, u16),
    palette: Palette,
    need_transparent: bool,
) -> Result<Option<Vec<u8>>, Error> {
    let fail = || super::encode_failed("GIF");
    let (w, h) = (usize::from(screen.0), usize::from(screen.1));
    // The global palette and its transparent index (right after the colours,
    // so small palettes keep small LZW code sizes).
    let global: Option<(Vec<u8>, u8)> = match &palette {
        Palette::Exact(t) => Some((t.palette(), t.len as u8)),
        Palette::Quantised { nq, .. } => {
            let map = nq.color_map_rgb();
            let len = (map.len() / 3) as u8;
            Some((map, len))
        }
        Palette::Local => None,
    };
    let mut out = Vec::new();
    {
        let mut global_bytes = Vec::new();
        if let Some((p, _)) = &global {
            global_bytes.clone_from(p);
            if need_transparent {
                global_bytes.extend_from_slice(&[0, 0, 0]);
            }
            // Two entries at least (a 1-bit table).
            global_bytes.resize(global_bytes.len().max(6), 0);
        }
        let mut enc =
            gif::Encoder::new(&mut out, screen.0, screen.1, &global_bytes).map_err(|_| fail())?;
        if image.frames.len() > 1 {
            match image.loop_count {
                0 => enc.set_repeat(gif::Repeat::Infinite).map_err(|_| fail())?,
                1 => {}
                n => enc
                    .set_repeat(gif::Repeat::Finite(n - 1))
                    .map_err(|_| fail())?,
            }
        }
        // Frame `i` as the GIF will show it, and (when quantising) its source
        // pixels; `prev` is the same pair for frame `i - 1`.
        let target = |i: usize, prev: Option<(&[Px], &[Px])>| -> Option<(Vec<Px>, Vec<Px>)> {
            let f = image.frames.get(i)?;
            let src = screen_pixels(f, w, h);
            match &palette {
                Palette::Quantised { nq, .. } => {
                    let mut px = src.clone();
                    quantise(&mut px, nq, prev);
                    Some((px, src))
                }
                _ => Some((src, Vec::new())),
            }
        };
        // What the screen shows before the current frame is drawn (after the
        // previous frame's disposal); decoders start from transparent.
        let mut shown = vec![CLEAR; w * h];
        let (mut cur, mut cur_src) = target(0, None).ok_or_else(fail)?;
        for (i, f) in image.frames.iter().enumerate() {
            let next = target(i + 1, Some((&cur_src, &cur)));
            let mut rect = if i == 0 {
                Rect {
                    x0: 0,
                    y0: 0,
                    x1: w,
                    y1: h,
                }
            } else {
                Rect::bounding(w, h, |p| cur[p] != shown[p])
            };
            // Pixels the next frame wants transparent but this one covers can
            // only be cleared by disposing this frame's rectangle.
            let clear_next = next.as_ref().map_or(Rect::EMPTY, |n| {
                Rect::bounding(w, h, |p| n.0[p] == CLEAR && cur[p] != CLEAR)
            });
            let dispose = if clear_next.is_empty() {
                gif::DisposalMethod::Keep
            } else {
                rect = rect.union(clear_next);
                gif::DisposalMethod::Background
            };
            if rect.is_empty() {
                // Nothing changed: one transparent pixel keeps the frame
                // (and its delay).
                rect = Rect {
                    x0: 0,
                    y0: 0,
                    x1: 1,
                    y1: 1,
                };
            }
            let Some(gf) = frame_in(&cur, &shown, w, rect, &palette, &global, need_transparent)
            else {
                return Ok(None);
            };
            let gf = gif::Frame {
                delay: u16::try_from(f.delay_ms.div_ceil(10)).unwrap_or(u16::MAX),
                dispose,
                ..gf
            };
            enc.write_frame(&gf).map_err(|_| fail())?;
            // The screen after this frame and its disposal.
            std::mem::swap(&mut shown, &mut cur);
            if dispose == gif::DisposalMethod::Background {
                for y in rect.y0..rect.y1 {
                    shown[y * w + rect.x0..y * w + rect.x1].fill(CLEAR);
                }
            }
            match next {
                Some(n) => (cur, cur_src) = n,
                None => break,
            }
        }
    }
    Ok(Some(out))
}

/// The GIF frame for `rect` of the target picture `cur`, drawn over `shown`:
/// pixels equal to what is shown become the transparent index.
fn frame_in(
    cur: &[Px],
    shown: &[Px],
    w: usize,
    rect: Rect,
    palette: &Palette,
    global: &Option<(Vec<u8>, u8)>,
    need_transparent: bool,
) -> Option<gif::Frame<'static>> {
    let (rw, rh) = (rect.x1 - rect.x0, rect.y1 - rect.y0);
    let pixels = |f: &mut dyn FnMut(Px, bool)| {
        for y in rect.y0..rect.y1 {
            for p in y * w + rect.x0..y * w + rect.x1 {
                f(cur[p], cur[p] == shown[p]);
            }
        }
    };
    let mut indices = Vec::with_capacity(rw * rh);
    let (local, transparent) = match (palette, global) {
        (Palette::Exact(table) | Palette::Quantised { table, .. }, Some((_, t))) => {
            let mut ok = true;
            pixels(&mut |px, same| {
                let i = if same || px == CLEAR {
                    Some(*t)
                } else {
                    table.get(px)
                };
                ok &= i.is_some();
                indices.push(i.unwrap_or(*t));
            });
            if !ok {
                return None;
            }
            (None, need_transparent.then_some(*t))
        }
        _ => {
            // An exact palette of the colours this rectangle writes, the
            // transparent index after them.
            let mut table = ColorTable::new();
            let mut fits = true;
            pixels(&mut |px, same| {
                if !fits {
                    return;
                }
                if same || px == CLEAR {
                    indices.push(u8::MAX); // fixed below
                } else if let Some(i) = table.index(px, 255) {
                    indices.push(i);
                } else {
                    fits = false;
                }
            });
            if fits {
                let t = table.len as u8;
                for i in indices.iter_mut().filter(|i| **i == u8::MAX) {
                    *i = t;
                }
                // Index 255 is a colour only when the table is full, which
                // `table.index(.., 255)` prevents.
                let mut p = table.palette();
                p.extend_from_slice(&[0, 0, 0]);
                p.resize(p.len().max(6), 0);
                (Some(p), Some(t))
            } else {
                // No room for a transparent index: write every pixel of the
                // rectangle as its colour, if they are all opaque and at
                // most 256.
                indices.clear();
                let mut table = ColorTable::new();
                let mut fits = true;
                pixels(&mut |px, _| {
                    let i = if px == CLEAR {
                        None
                    } else {
                        table.index(px, 256)
                    };
                    fits &= i.is_some();
                    indices.push(i.unwrap_or(0));
                });
                if !fits {
                    return None;
                }
                (Some(table.palette()), None)
            }
        }
    };
    Some(gif::Frame {
        left: rect.x0 as u16,
        top: rect.y0 as u16,
        width: rw as u16,
        height: rh as u16,
        buffer: std::borrow::Cow::Owned(indices),
        palette: local,
        transparent,
        ..gif::Frame::default()
    })
}
