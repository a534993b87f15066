//! PNG through the `png` crate (APNG is read as its default image).

use std::io::Cursor;

use super::{color, Header, Probe};
use crate::img::frame::{Frame, Image, PixelFormat};
use crate::img::Error;

/// What the chunk headers say, read without inflating anything.
#[derive(Debug, Default)]
pub(super) struct Meta<'a> {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub frames: u32,
    /// TIFF data of an `eXIf` chunk.
    pub exif: Option<&'a [u8]>,
    /// Physical pixel dimensions: x, y per unit, unit (1 = metre).
    pub phys: Option<(u32, u32, u8)>,
}

pub(super) fn parse(bytes: &[u8]) -> Result<Meta<'_>, Error> {
    let bad = Error::unsupported_format;
    if super::be32(bytes, 8) != Some(13) || bytes.get(12..16) != Some(b"IHDR") {
        return Err(bad());
    }
    let mut m = Meta {
        width: super::be32(bytes, 16).ok_or_else(bad)?,
        height: super::be32(bytes, 20).ok_or_else(bad)?,
        frames: 1,
        ..Meta::default()
    };
    let color_type = *bytes.get(25).ok_or_else(bad)?;
    m.has_alpha = matches!(color_type, 4 | 6);
    let mut pos = 8usize;
    let mut complete = false;
    while let (Some(len), Some(kind)) = (super::be32(bytes, pos), bytes.get(pos + 4..pos + 8)) {
        let data = bytes.get(pos + 8..(pos + 8).saturating_add(len as usize));
        match (kind, data) {
            (b"acTL", Some(d)) => {
                if let Some(n) = super::be32(d, 0) {
                    m.frames = n.max(1);
                }
            }
            (b"tRNS", _) => m.has_alpha = true,
            (b"eXIf", Some(d)) => m.exif = Some(d),
            (b"pHYs", Some(d)) if d.len() >= 9 => {
                m.phys = Some((
                    super::be32(d, 0).unwrap_or(0),
                    super::be32(d, 4).unwrap_or(0),
                    d[8],
                ));
            }
            (b"IEND", _) => {
                complete = true;
                break;
            }
            // A chunk runs past the end: the file is truncated.
            (_, None) => return Err(bad()),
            _ => {}
        }
        pos = pos.saturating_add(12).saturating_add(len as usize);
    }
    if !complete {
        return Err(bad()); // no IEND: truncated
    }
    Ok(m)
}

pub(super) fn probe(bytes: &[u8]) -> Result<Header, Error> {
    let m = parse(bytes)?;
    Ok(Header {
        width: m.width,
        height: m.height,
        frames: m.frames,
        orientation: m.exif.and_then(super::exif_orientation).unwrap_or(1),
        quality: None,
        has_alpha: m.has_alpha,
    })
}

/// Decodes the default image; the flag is `true` when the file's colour
/// information was honoured: an `sRGB` chunk, or an `iCCP` profile that was
/// converted from (or is sRGB).
pub(super) fn decode(bytes: &[u8], probe: &Probe) -> Result<(Image, bool), Error> {
    let bad = Error::unsupported_format;
    let mut dec = png::Decoder::new(Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    // The header was checked against the limits by `probe`; allow what it
    // implies (16-bit RGBA at most) and nothing more.
    let budget = (probe.width as usize)
        .saturating_mul(probe.height as usize)
        .saturating_mul(8)
        .saturating_add(1 << 20);
    dec.set_limits(png::Limits { bytes: budget });
    let mut reader = dec.read_info().map_err(|_| bad())?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(Error::unsupported_format)?;
    let mut buf = vec![0u8; size];
    let info = reader.next_frame(&mut buf).map_err(|_| bad())?;
    buf.truncate(info.buffer_size());
    let srgb_chunk = reader.info().srgb.is_some();
    let icc = reader.info().icc_profile.as_ref().map(|c| c.to_vec());
    let (mut data, format) = match info.color_type {
        png::ColorType::Rgb => (buf, PixelFormat::Rgb8),
        png::ColorType::Rgba => (buf, PixelFormat::Rgba8),
        png::ColorType::Grayscale => (color::gray_to_rgb(&buf), PixelFormat::Rgb8),
        png::ColorType::GrayscaleAlpha => (color::gray_alpha_to_rgba(&buf), PixelFormat::Rgba8),
        png::ColorType::Indexed => return Err(Error::unsupported_format()),
    };
    let profiled = match (icc, srgb_chunk) {
        (_, true) => true,
        (Some(icc), false) => color::rgb_icc_to_srgb(&mut data, format.channels(), &icc),
        (None, false) => false,
    };
    let (data, format) = if format == PixelFormat::Rgba8 && !super::rgba_has_alpha(&data) {
        (super::rgba_to_rgb(&data), PixelFormat::Rgb8)
    } else {
        (data, format)
    };
    let image = Image {
        frames: vec![Frame {
            width: info.width,
            height: info.height,
            format,
            data,
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    Ok((image, profiled))
}

/// Encodes 8-bit RGB(A); with `srgb` the file gets an `sRGB` chunk
/// (perceptual intent).
pub(super) fn encode(frame: &Frame, srgb: bool) -> Result<Vec<u8>, Error> {
    let fail = || super::encode_failed("PNG");
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, frame.width, frame.height);
        enc.set_color(match frame.format {
            PixelFormat::Rgb8 => png::ColorType::Rgb,
            PixelFormat::Rgba8 => png::ColorType::Rgba,
        });
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        if srgb {
            enc.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
        }
        let mut w = enc.write_header().map_err(|_| fail())?;
        w.write_image_data(&frame.data).map_err(|_| fail())?;
        w.finish().map_err(|_| fail())?;
    }
    Ok(out)
}
