//! JPEG (and MPO, read as its first image) through libjpeg-turbo.
//!
//! Headers are parsed here (markers up to the first scan); pixels go through
//! TurboJPEG with DCT-domain shrink-on-load.

use turbojpeg::{Colorspace, Decompressor, PixelFormat as TjPixel, ScalingFactor, Subsamp};

use super::{color, Header, Probe};
use crate::img::frame::{Frame, Image, PixelFormat};
use crate::img::Error;

/// What the marker segments before the first scan say.
#[derive(Debug, Default)]
pub(super) struct Meta<'a> {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    /// TIFF data of the first APP1 `Exif` segment.
    pub exif: Option<&'a [u8]>,
    /// JFIF density: units, x, y.
    pub jfif: Option<(u8, u16, u16)>,
    /// ICC profile chunks (sequence number, data).
    icc_chunks: Vec<(u8, &'a [u8])>,
    /// Adobe APP14 transform flag, when the segment is present.
    pub adobe: Option<u8>,
    /// Quantisation tables in zig-zag order, by slot.
    pub qtables: [Option<[u16; 64]>; 4],
    /// Number of images announced by an MPF index (MPO), if any.
    pub mpf_images: Option<u32>,
    /// The SOF marker (0xC0 baseline, 0xC2 progressive, ...).
    pub sof: u8,
    /// Sample precision in bits.
    pub precision: u8,
    /// Frame components in SOF order.
    pub frame: Vec<FrameComponent>,
    /// DHT segments before the first scan, in file order.
    pub huffman: Vec<&'a [u8]>,
    /// Restart interval in MCUs (DRI), 0 when none.
    pub restart_interval: u16,
    /// The first SOS segment and the offset of its entropy-coded data.
    pub scan: Option<(&'a [u8], usize)>,
}

/// One component of the SOF segment.
#[derive(Debug, Clone, Copy)]
pub(super) struct FrameComponent {
    pub id: u8,
    pub h: u8,
    pub v: u8,
    pub tq: u8,
}

impl Meta<'_> {
    /// The ICC profile, reassembled from its APP2 chunks.
    pub fn icc(&self) -> Option<Vec<u8>> {
        if self.icc_chunks.is_empty() {
            return None;
        }
        let mut chunks = self.icc_chunks.clone();
        chunks.sort_by_key(|c| c.0);
        Some(chunks.iter().flat_map(|c| c.1.iter().copied()).collect())
    }
}

/// Parses the marker segments up to the first SOS.
pub(super) fn parse(bytes: &[u8]) -> Result<Meta<'_>, Error> {
    let mut m = Meta::default();
    let mut pos = 2;
    let mut have_sof = false;
    loop {
        // Find the next marker, skipping fill bytes.
        while pos < bytes.len() && bytes[pos] != 0xFF {
            pos += 1;
        }
        while pos < bytes.len() && bytes[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else {
            break;
        };
        pos += 1;
        match marker {
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 => break,
            _ => {}
        }
        let Some(len) = super::be16(bytes, pos) else {
            break;
        };
        let len = usize::from(len);
        if len < 2 {
            break;
        }
        let Some(seg) = bytes.get(pos + 2..pos + len) else {
            break;
        };
        pos += len;
        match marker {
            0xDA => {
                m.scan = Some((seg, pos));
                break;
            }
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if have_sof || seg.len() < 6 {
                    continue;
                }
                have_sof = true;
                m.sof = marker;
                m.precision = seg[0];
                m.height = u32::from(super::be16(seg, 1).unwrap_or(0));
                m.width = u32::from(super::be16(seg, 3).unwrap_or(0));
                m.components = seg[5];
                for c in 0..usize::from(m.components) {
                    if let Some(&[id, hv, tq]) = seg.get(6 + c * 3..9 + c * 3) {
                        m.frame.push(FrameComponent {
                            id,
                            h: hv >> 4,
                            v: hv & 15,
                            tq,
                        });
                    }
                }
            }
            0xC4 => m.huffman.push(seg),
            0xDD => m.restart_interval = super::be16(seg, 0).unwrap_or(0),
            0xDB => parse_dqt(seg, &mut m.qtables),
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                m.jfif = Some((
                    seg[7],
                    super::be16(seg, 8).unwrap_or(0),
                    super::be16(seg, 10).unwrap_or(0),
                ));
            }
            0xE1 if seg.starts_with(b"Exif\0\0") && m.exif.is_none() => {
                m.exif = Some(&seg[6..]);
            }
            0xE2 if seg.starts_with(b"ICC_PROFILE\0") && seg.len() > 14 => {
                m.icc_chunks.push((seg[12], &seg[14..]));
            }
            0xE2 if seg.starts_with(b"MPF\0") => {
                m.mpf_images = mpf_image_count(&seg[4..]);
            }
            0xEE if seg.starts_with(b"Adobe") && seg.len() >= 12 => {
                m.adobe = Some(seg[11]);
            }
            _ => {}
        }
    }
    if !have_sof || m.width == 0 || m.height == 0 || m.components == 0 {
        return Err(Error::unsupported_format());
    }
    Ok(m)
}

fn parse_dqt(mut seg: &[u8], tables: &mut [Option<[u16; 64]>; 4]) {
    while let Some(&pq_tq) = seg.first() {
        let sixteen = pq_tq >> 4 != 0;
        let slot = usize::from(pq_tq & 3);
        let size = if sixteen { 128 } else { 64 };
        let Some(body) = seg.get(1..1 + size) else {
            return;
        };
        let mut t = [0u16; 64];
        for (i, v) in t.iter_mut().enumerate() {
            *v = if sixteen {
                u16::from_be_bytes([body[2 * i], body[2 * i + 1]])
            } else {
                u16::from(body[i])
            };
        }
        tables[slot] = Some(t);
        seg = &seg[1 + size..];
    }
}

/// Number of images in an MPF index (tag 0xB001 of the MP header).
fn mpf_image_count(tiff: &[u8]) -> Option<u32> {
    let le = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let r16 = |at| {
        if le {
            super::le16(tiff, at)
        } else {
            super::be16(tiff, at)
        }
    };
    let r32 = |at| {
        if le {
            super::le32(tiff, at)
        } else {
            super::be32(tiff, at)
        }
    };
    let ifd = r32(4)? as usize;
    let n = usize::from(r16(ifd)?);
    for i in 0..n.min(64) {
        let e = ifd + 2 + i * 12;
        if r16(e)? == 0xB001 {
            return r32(e + 8);
        }
    }
    None
}

pub(super) fn probe(bytes: &[u8]) -> Result<Header, Error> {
    let m = parse(bytes)?;
    Ok(Header {
        width: m.width,
        height: m.height,
        frames: m.mpf_images.filter(|&n| (1..=64).contains(&n)).unwrap_or(1),
        orientation: m.exif.and_then(super::exif_orientation).unwrap_or(1),
        quality: estimate_quality(&m),
        has_alpha: false,
    })
}

/// Natural (row-major) index of each zig-zag position.
pub(super) const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// The luminance table of ITU T.81 Annex K, natural order.
const STD_LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// The chrominance table of ITU T.81 Annex K, natural order.
const STD_CHROMA: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// libjpeg's scaling of a standard table entry for quality `q` (baseline).
fn scaled(base: u16, q: u32) -> u32 {
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
    ((u32::from(base) * scale + 50) / 100).clamp(1, 255)
}

/// Estimates the encoder quality 1..=100 from the quantisation tables: the
/// libjpeg quality whose scaled standard tables are closest (sum of absolute
/// differences over the luminance and, when present, chrominance tables).
///
/// Like ImageMagick's estimate this is exact for files written by libjpeg
/// and its descendants, and a close approximation for others.
pub(super) fn estimate_quality(m: &Meta<'_>) -> Option<u8> {
    let luma_slot = usize::from(m.frame.first()?.tq & 3);
    let luma = m.qtables.get(luma_slot)?.as_ref()?;
    let chroma = m
        .frame
        .get(1)
        .and_then(|c| m.qtables.get(usize::from(c.tq & 3)))
        .and_then(|t| t.as_ref())
        .filter(|_| m.components >= 3);
    let mut best = (u64::MAX, 100u32);
    for q in (1..=100u32).rev() {
        let mut err = 0u64;
        for k in 0..64 {
            let n = ZIGZAG[k];
            err += u64::from(u32::from(luma[k]).abs_diff(scaled(STD_LUMA[n], q)));
            if let Some(c) = chroma {
                err += u64::from(u32::from(c[k]).abs_diff(scaled(STD_CHROMA[n], q)));
            }
        }
        if err < best.0 {
            best = (err, q);
        }
    }
    u8::try_from(best.1).ok()
}

/// The smallest DCT scaling factor whose output keeps both sides at least
/// `min` (sizes round up, as libjpeg does).
pub(super) fn choose_scale(width: u32, height: u32, min: Option<(u32, u32)>) -> ScalingFactor {
    let Some((min_w, min_h)) = min else {
        return ScalingFactor::ONE;
    };
    let mut best = ScalingFactor::ONE;
    for f in Decompressor::supported_scaling_factors() {
        if f.num() > f.denom() {
            continue;
        }
        let w = f.scale(width as usize);
        let h = f.scale(height as usize);
        if w < min_w as usize || h < min_h as usize {
            continue;
        }
        // Smaller factor = smaller output.
        if f.num() * best.denom() < best.num() * f.denom() {
            best = f;
        }
    }
    best
}

/// Warnings libjpeg emits on files that still decode completely.
fn is_benign_warning(msg: &str) -> bool {
    msg.contains("extraneous bytes before marker")
        || msg.contains("Unknown JFIF revision")
        || msg.contains("Invalid SOS parameters for sequential JPEG")
        || msg.contains("Unsupported marker type")
}

pub(super) fn tj_result(r: Result<(), turbojpeg::Error>) -> Result<(), Error> {
    match r {
        Ok(()) => Ok(()),
        Err(turbojpeg::Error::TurboJpegError(msg)) if is_benign_warning(&msg) => Ok(()),
        Err(_) => Err(Error::unsupported_format()),
    }
}

/// Decompresses at the scale set on `d` into `format` pixels of size `w × h`.
pub(super) fn decompress(
    d: &mut Decompressor,
    bytes: &[u8],
    (w, h): (usize, usize),
    format: TjPixel,
) -> Result<Vec<u8>, Error> {
    let mut pixels = vec![0u8; w * h * format.size()];
    let img = turbojpeg::Image {
        pixels: &mut pixels[..],
        width: w,
        pitch: w * format.size(),
        height: h,
        format,
    };
    tj_result(d.decompress(bytes, img))?;
    Ok(pixels)
}

/// Decodes to RGB; the flag is `true` when an embedded colour profile was
/// honoured (see [`super::SourceColour`]).
pub(super) fn decode(
    bytes: &[u8],
    probe: &Probe,
    opts: &super::DecodeOptions,
) -> Result<(Image, bool), Error> {
    let meta = parse(bytes)?;
    let bad = Error::unsupported_format;
    let mut d = Decompressor::new().map_err(|_| bad())?;
    let header = d.read_header(bytes).map_err(|_| bad())?;
    if header.width != probe.width as usize || header.height != probe.height as usize {
        return Err(Error::unsupported_format());
    }
    let factor = if header.is_lossless {
        ScalingFactor::ONE
    } else {
        choose_scale(probe.width, probe.height, opts.min_size)
    };
    d.set_scaling_factor(factor).map_err(|_| bad())?;
    let out = header.scaled(factor);
    let (w, h) = (out.width, out.height);
    let icc = meta.icc();
    let mut profiled = false;
    let data = match header.colorspace {
        Colorspace::CMYK | Colorspace::YCCK => {
            let cmyk = decompress(&mut d, bytes, (w, h), TjPixel::CMYK)?;
            let (rgb, converted) = color::cmyk_to_rgb(&cmyk, meta.adobe.is_some(), icc.as_deref());
            profiled = converted;
            rgb
        }
        _ => {
            // At 1/8, 1/4 and 1/2 our own decoder gives libjpeg-turbo's
            // pixels faster; it declines what it does not reproduce exactly.
            let denom = factor.denom() / factor.num().max(1);
            let scaled = (factor.num() * denom == factor.denom() && matches!(denom, 2 | 4 | 8))
                .then(|| super::jpeg_scaled::decode_scaled(bytes, &meta, denom))
                .flatten()
                .filter(|&(dw, dh, _)| (dw, dh) == (w, h));
            let mut rgb = match scaled {
                Some((_, _, rgb)) => rgb,
                None => decompress(&mut d, bytes, (w, h), TjPixel::RGB)?,
            };
            if let Some(icc) = icc.as_deref() {
                if header.colorspace != Colorspace::Gray {
                    profiled = color::rgb_icc_to_srgb(&mut rgb, 3, icc);
                }
            }
            rgb
        }
    };
    let (width, height) = (
        u32::try_from(w).map_err(|_| bad())?,
        u32::try_from(h).map_err(|_| bad())?,
    );
    let image = Image {
        frames: vec![Frame {
            width,
            height,
            format: PixelFormat::Rgb8,
            data,
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    Ok((image, profiled))
}

/// Largest ICC profile one APP2 segment holds (65 535 − 2 length bytes − 14
/// bytes of `ICC_PROFILE\0`, sequence number and count).
const ICC_CHUNK: usize = 65_519;

/// Inserts `icc` as `ICC_PROFILE` APP2 segments right after the JFIF APP0
/// segment (or the SOI marker when there is none), as libjpeg writes them.
fn insert_icc(jpeg: Vec<u8>, icc: &[u8]) -> Vec<u8> {
    let chunks: Vec<&[u8]> = icc.chunks(ICC_CHUNK).collect();
    let Ok(count) = u8::try_from(chunks.len()) else {
        return jpeg; // a profile over 16 MiB is not ours to write
    };
    let mut at = 2;
    if jpeg.get(2..4) == Some(&[0xFF, 0xE0]) {
        if let Some(len) = super::be16(&jpeg, 4) {
            at = 4 + usize::from(len);
        }
    }
    if at > jpeg.len() {
        return jpeg;
    }
    let mut out = Vec::with_capacity(jpeg.len() + icc.len() + 18 * chunks.len());
    out.extend_from_slice(&jpeg[..at]);
    for (i, chunk) in chunks.iter().enumerate() {
        // Lengths fit: a chunk is at most ICC_CHUNK bytes.
        let len = (chunk.len() + 16) as u16;
        out.extend_from_slice(&[0xFF, 0xE2]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(b"ICC_PROFILE\0");
        out.push(i as u8 + 1);
        out.push(count);
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&jpeg[at..]);
    out
}

/// Encodes baseline (or progressive) JPEG; `icc`, when given, is embedded.
pub(super) fn encode(
    frame: &Frame,
    quality: u8,
    progressive: bool,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    let rgb = super::frame_rgb_on_white(frame);
    let fail = || super::encode_failed("JPEG");
    let mut c = turbojpeg::Compressor::new().map_err(|_| fail())?;
    c.set_quality(i32::from(quality)).map_err(|_| fail())?;
    // As libvips: no chroma subsampling at high quality.
    let subsamp = if quality >= 90 {
        Subsamp::None
    } else {
        Subsamp::Sub2x2
    };
    c.set_subsamp(subsamp).map_err(|_| fail())?;
    c.set_progressive(progressive).map_err(|_| fail())?;
    let img = turbojpeg::Image {
        pixels: &rgb[..],
        width: frame.width as usize,
        pitch: frame.width as usize * 3,
        height: frame.height as usize,
        format: TjPixel::RGB,
    };
    let jpeg = c.compress_to_vec(img).map_err(|_| fail())?;
    Ok(match icc {
        Some(icc) if !icc.is_empty() => insert_icc(jpeg, icc),
        _ => jpeg,
    })
}
