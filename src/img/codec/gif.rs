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
    while let Some(f) = d.read_next_frame().map_err(|_| bad())? {
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

/// A small open-addressing map from packed RGB to palette index, for the
/// exact-palette path (at most 256 entries in 1024 slots).
struct ColorTable {
    keys: [u32; 1024],
    values: [u8; 1024],
    len: usize,
}

impl ColorTable {
    const EMPTY: u32 = u32::MAX;

    fn new() -> Self {
        ColorTable {
            keys: [Self::EMPTY; 1024],
            values: [0; 1024],
            len: 0,
        }
    }

    /// The index of `rgb`, inserting it if there is room (`None` when full).
    fn index(&mut self, rgb: u32, max: usize) -> Option<u8> {
        let mut slot = (rgb.wrapping_mul(0x9E37_79B1) >> 22) as usize;
        loop {
            let k = self.keys[slot];
            if k == rgb {
                return Some(self.values[slot]);
            }
            if k == Self::EMPTY {
                if self.len >= max {
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

/// Trains NeuQuant once for a whole animation (or still) on an even sample
/// of at most 256 Ki pixels taken from every frame.
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

/// Quantises one RGBA frame to at most 256 colours; pixels with alpha < 128
/// become the transparent index (255). A frame with few colours gets its own
/// exact palette; others are mapped through the shared NeuQuant palette
/// (`nq`, trained on first use).
fn quantise(
    rgba: &[u8],
    width: u16,
    height: u16,
    transparent: bool,
    nq: &mut dyn FnMut() -> std::rc::Rc<color_quant::NeuQuant>,
) -> gif::Frame<'static> {
    let max_colors = if transparent { 255 } else { 256 };
    let mut table = ColorTable::new();
    let mut indices = Vec::with_capacity(rgba.len() / 4);
    for p in rgba.chunks_exact(4) {
        if p[3] < 128 {
            indices.push(255);
            continue;
        }
        let rgb = u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]);
        match table.index(rgb, max_colors) {
            Some(i) => indices.push(i),
            None => break,
        }
    }
    let palette = if indices.len() == rgba.len() / 4 {
        table.palette()
    } else {
        let nq = nq();
        // Direct-mapped cache in front of NeuQuant's search: GIF frames
        // repeat few colours many times.
        let mut keys = vec![u32::MAX; 4096];
        let mut vals = vec![0u8; 4096];
        indices.clear();
        indices.extend(rgba.chunks_exact(4).map(|p| {
            if p[3] < 128 {
                return 255;
            }
            let rgb = u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]);
            let slot = (rgb.wrapping_mul(0x9E37_79B1) >> 20) as usize;
            if keys[slot] != rgb {
                keys[slot] = rgb;
                vals[slot] = nq.index_of(&[p[0], p[1], p[2], 255]) as u8;
            }
            vals[slot]
        }));
        nq.color_map_rgb()
    };
    let mut palette = palette;
    if transparent {
        palette.resize(256 * 3, 0);
    }
    if palette.len() < 6 {
        palette.resize(6, 0);
    }
    gif::Frame {
        width,
        height,
        buffer: std::borrow::Cow::Owned(indices),
        palette: Some(palette),
        transparent: transparent.then_some(255),
        dispose: if transparent {
            gif::DisposalMethod::Background
        } else {
            gif::DisposalMethod::Keep
        },
        ..gif::Frame::default()
    }
}

pub(super) fn encode(image: &Image) -> Result<Vec<u8>, Error> {
    let fail = || super::encode_failed("GIF");
    let (w, h) = image
        .frames
        .iter()
        .fold((1u32, 1u32), |(w, h), f| (w.max(f.width), h.max(f.height)));
    let (w, h) = (
        u16::try_from(w).map_err(|_| fail())?,
        u16::try_from(h).map_err(|_| fail())?,
    );
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w, h, &[]).map_err(|_| fail())?;
        if image.frames.len() > 1 {
            match image.loop_count {
                0 => enc.set_repeat(gif::Repeat::Infinite).map_err(|_| fail())?,
                1 => {}
                n => enc
                    .set_repeat(gif::Repeat::Finite(n - 1))
                    .map_err(|_| fail())?,
            }
        }
        let transparent = image
            .frames
            .iter()
            .any(|f| f.format == PixelFormat::Rgba8 && f.data.chunks_exact(4).any(|p| p[3] < 128));
        let max_colors = if transparent { 255 } else { 256 };
        let mut trained: Option<std::rc::Rc<color_quant::NeuQuant>> = None;
        let mut nq = || {
            trained
                .get_or_insert_with(|| std::rc::Rc::new(train(image, max_colors)))
                .clone()
        };
        for f in &image.frames {
            let rgba = super::frame_rgba(f);
            let mut gf = quantise(&rgba, f.width as u16, f.height as u16, transparent, &mut nq);
            gf.delay = u16::try_from(f.delay_ms.div_ceil(10)).unwrap_or(u16::MAX);
            enc.write_frame(&gf).map_err(|_| fail())?;
        }
    }
    Ok(out)
}
