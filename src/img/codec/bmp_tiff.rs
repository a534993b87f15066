//! BMP and TIFF through the `image` crate (only its `bmp` and `tiff`
//! features). TIFF reads the first page only. Embedded ICC profiles (TIFF
//! tag 34675, BMP V5 `PROFILE_EMBEDDED`) are converted to sRGB.

use std::io::Cursor;

use image::{DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat, ImageReader};

use super::{color, Header, Probe};
use crate::img::frame::{Format, Frame, Image, PixelFormat};
use crate::img::Error;

fn dimensions(bytes: &[u8], format: ImageFormat) -> Result<(u32, u32), Error> {
    ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| Error::unsupported_format())
}

pub(super) fn probe_bmp(bytes: &[u8]) -> Result<Header, Error> {
    let (width, height) = dimensions(bytes, ImageFormat::Bmp)?;
    let bpp = super::le16(bytes, 28).unwrap_or(0);
    Ok(Header {
        width,
        height,
        frames: 1,
        orientation: 1,
        quality: None,
        has_alpha: bpp == 32,
    })
}

/// Readers of 16- and 32-bit values at a byte offset of a classic TIFF, in
/// the file's byte order (`II` little-endian, otherwise big-endian).
#[allow(clippy::type_complexity)]
fn tiff_readers(
    bytes: &[u8],
) -> (
    impl Fn(usize) -> Option<u16> + '_,
    impl Fn(usize) -> Option<u32> + '_,
) {
    let le = bytes.starts_with(b"II");
    let r16 = move |at| {
        if le {
            super::le16(bytes, at)
        } else {
            super::be16(bytes, at)
        }
    };
    let r32 = move |at| {
        if le {
            super::le32(bytes, at)
        } else {
            super::be32(bytes, at)
        }
    };
    (r16, r32)
}

/// Number of IFDs (pages) in a classic TIFF, following the chain with a cap.
fn tiff_pages(bytes: &[u8]) -> u32 {
    let (r16, r32) = tiff_readers(bytes);
    let mut pages = 0;
    let mut off = r32(4).unwrap_or(0) as usize;
    let mut seen = std::collections::HashSet::new();
    while off != 0 && pages < 10_000 && seen.insert(off) {
        let Some(n) = r16(off) else { break };
        pages += 1;
        off = r32(off + 2 + usize::from(n) * 12).unwrap_or(0) as usize;
    }
    pages.max(1)
}

/// The ICC profile of the first page of a classic TIFF (tag 34675,
/// `InterColorProfile`, BYTE or UNDEFINED), read from the IFD directly: the
/// `image` crate caps tag values by the size of the pixel buffer, which
/// drops the profile of small images.
fn tiff_icc(bytes: &[u8]) -> Option<&[u8]> {
    let (r16, r32) = tiff_readers(bytes);
    let ifd = r32(4)? as usize;
    let n = usize::from(r16(ifd)?);
    (0..n).find_map(|i| {
        let e = ifd.checked_add(2 + i * 12)?;
        if r16(e)? != 34675 || !matches!(r16(e + 2)?, 1 | 7) {
            return None;
        }
        let count = r32(e + 4)? as usize;
        if count <= 4 {
            return None; // no profile is that small
        }
        let offset = r32(e + 8)? as usize;
        bytes.get(offset..offset.checked_add(count)?)
    })
}

pub(super) fn probe_tiff(bytes: &[u8]) -> Result<Header, Error> {
    let (width, height) = dimensions(bytes, ImageFormat::Tiff)?;
    Ok(Header {
        width,
        height,
        frames: tiff_pages(bytes),
        orientation: super::exif_orientation(bytes).unwrap_or(1),
        quality: None,
        has_alpha: false,
    })
}

/// Size of a `BITMAPV5HEADER`.
const BMP_V5_HEADER: u32 = 124;

/// The embedded ICC profile of a BMP with a `BITMAPV5HEADER`
/// (`bV5CSType` = `PROFILE_EMBEDDED`, 'MBED'; the profile offset counts from
/// the start of that header). Linked profiles (a file name) are not read.
fn bmp_icc(bytes: &[u8]) -> Option<&[u8]> {
    const INFO: usize = 14;
    if super::le32(bytes, INFO)? != BMP_V5_HEADER || super::le32(bytes, INFO + 56)? != 0x4D42_4544 {
        return None;
    }
    let offset = super::le32(bytes, INFO + 112)? as usize;
    let size = super::le32(bytes, INFO + 116)? as usize;
    let start = INFO.checked_add(offset)?;
    bytes.get(start..start.checked_add(size)?)
}

/// Decodes the first page (TIFF) or the bitmap (BMP); the flag is `true`
/// when an embedded ICC profile was honoured.
pub(super) fn decode(bytes: &[u8], probe: &Probe) -> Result<(Image, bool), Error> {
    let format = match probe.format {
        Format::Bmp => ImageFormat::Bmp,
        _ => ImageFormat::Tiff,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(probe.width);
    limits.max_image_height = Some(probe.height);
    limits.max_alloc = Some(
        u64::from(probe.width)
            .saturating_mul(u64::from(probe.height))
            .saturating_mul(16)
            .saturating_add(1 << 20),
    );
    reader.limits(limits);
    let icc = match probe.format {
        Format::Bmp => bmp_icc(bytes),
        _ => tiff_icc(bytes),
    };
    let img = reader.decode().map_err(|_| Error::unsupported_format())?;
    let (width, height) = (img.width(), img.height());
    // Grey images expand to RGB below; an ICC profile only applies to RGB.
    let rgb_source = !matches!(
        img.color(),
        image::ColorType::L8
            | image::ColorType::La8
            | image::ColorType::L16
            | image::ColorType::La16
    );
    let (mut data, format) = if img.color().has_alpha() {
        let rgba = img.into_rgba8().into_raw();
        if super::rgba_has_alpha(&rgba) {
            (rgba, PixelFormat::Rgba8)
        } else {
            (super::rgba_to_rgb(&rgba), PixelFormat::Rgb8)
        }
    } else {
        (into_rgb(img), PixelFormat::Rgb8)
    };
    let profiled = match icc {
        Some(icc) if rgb_source => color::rgb_icc_to_srgb(&mut data, format.channels(), icc),
        _ => false,
    };
    let image = Image {
        frames: vec![Frame {
            width,
            height,
            format,
            data,
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    Ok((image, profiled))
}

fn into_rgb(img: DynamicImage) -> Vec<u8> {
    match img {
        DynamicImage::ImageRgb8(b) => b.into_raw(),
        other => other.into_rgb8().into_raw(),
    }
}

/// Encodes BMP or (uncompressed) TIFF; `icc`, when given, is written as the
/// TIFF ICC tag (BMP output carries no profile).
pub(super) fn encode(frame: &Frame, format: Format, icc: Option<&[u8]>) -> Result<Vec<u8>, Error> {
    let color = match frame.format {
        PixelFormat::Rgb8 => ExtendedColorType::Rgb8,
        PixelFormat::Rgba8 => ExtendedColorType::Rgba8,
    };
    let mut out = Vec::new();
    let r = match format {
        Format::Bmp => image::codecs::bmp::BmpEncoder::new(&mut out).write_image(
            &frame.data,
            frame.width,
            frame.height,
            color,
        ),
        _ => {
            let mut enc = image::codecs::tiff::TiffEncoder::new(Cursor::new(&mut out));
            if let Some(icc) = icc.filter(|icc| !icc.is_empty()) {
                enc.set_icc_profile(icc.to_vec())
                    .map_err(|_| super::encode_failed(format.name()))?;
            }
            enc.write_image(&frame.data, frame.width, frame.height, color)
        }
    };
    r.map_err(|_| super::encode_failed(format.name()))?;
    Ok(out)
}
