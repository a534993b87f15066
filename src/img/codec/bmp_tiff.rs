//! BMP and TIFF through the `image` crate (only its `bmp` and `tiff`
//! features). TIFF reads the first page only.

use std::io::Cursor;

use image::{DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat, ImageReader};

use super::{Header, Probe};
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

/// Number of IFDs (pages) in a classic TIFF, following the chain with a cap.
fn tiff_pages(bytes: &[u8]) -> u32 {
    let le = bytes.starts_with(b"II");
    let r16 = |at| {
        if le {
            super::le16(bytes, at)
        } else {
            super::be16(bytes, at)
        }
    };
    let r32 = |at| {
        if le {
            super::le32(bytes, at)
        } else {
            super::be32(bytes, at)
        }
    };
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

pub(super) fn decode(bytes: &[u8], probe: &Probe) -> Result<Image, Error> {
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
    let img = reader.decode().map_err(|_| Error::unsupported_format())?;
    let (width, height) = (img.width(), img.height());
    let (data, format) = if img.color().has_alpha() {
        let rgba = img.into_rgba8().into_raw();
        if super::rgba_has_alpha(&rgba) {
            (rgba, PixelFormat::Rgba8)
        } else {
            (super::rgba_to_rgb(&rgba), PixelFormat::Rgb8)
        }
    } else {
        (into_rgb(img), PixelFormat::Rgb8)
    };
    Ok(Image {
        frames: vec![Frame {
            width,
            height,
            format,
            data,
            delay_ms: 0,
        }],
        loop_count: 0,
    })
}

fn into_rgb(img: DynamicImage) -> Vec<u8> {
    match img {
        DynamicImage::ImageRgb8(b) => b.into_raw(),
        other => other.into_rgb8().into_raw(),
    }
}

pub(super) fn encode(frame: &Frame, format: Format) -> Result<Vec<u8>, Error> {
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
        _ => image::codecs::tiff::TiffEncoder::new(Cursor::new(&mut out)).write_image(
            &frame.data,
            frame.width,
            frame.height,
            color,
        ),
    };
    r.map_err(|_| super::encode_failed(format.name()))?;
    Ok(out)
}
