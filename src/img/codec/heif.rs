//! HEIC and AVIF through the system libheif (1.15: libde265/x265 for HEVC,
//! dav1d/aom for AV1).
//!
//! libheif applies the container's rotation and mirror properties (`irot`,
//! `imir`) while decoding, so the decoded pixels are already upright and the
//! reported orientation is always 1.

use libheif_rs::{
    Channel, ColorSpace, CompressionFormat, EncoderParameterValue, EncoderQuality, HeifContext,
    RgbChroma,
};

use super::{color, Header};
use crate::img::frame::{Format, Frame, Image, PixelFormat};
use crate::img::Error;

/// Recognises the ISOBMFF `ftyp` brands of HEIC and AVIF.
pub(super) fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.get(4..8)? != b"ftyp" {
        return None;
    }
    let size = (super::be32(bytes, 0)? as usize).min(bytes.len().min(4096));
    let compatible = bytes.get(16..size).unwrap_or(&[]);
    let brands: Vec<&[u8]> = std::iter::once(bytes.get(8..12)?)
        .chain(compatible.chunks_exact(4))
        .collect();
    let has = |b: &[u8]| brands.contains(&b);
    if has(b"avif") || has(b"avis") {
        Some(Format::Avif)
    } else if [
        "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1",
    ]
    .iter()
    .any(|b| has(b.as_bytes()))
    {
        Some(Format::Heic)
    } else {
        None
    }
}

fn bad<T>(_: T) -> Error {
    Error::unsupported_format()
}

pub(super) fn probe(bytes: &[u8]) -> Result<Header, Error> {
    let ctx = HeifContext::read_from_bytes(bytes).map_err(bad)?;
    let handle = ctx.primary_image_handle().map_err(bad)?;
    Ok(Header {
        width: handle.width(),
        height: handle.height(),
        frames: 1,
        orientation: 1,
        quality: None,
        has_alpha: handle.has_alpha_channel(),
    })
}

/// The Exif block of the primary image (TIFF data), if any.
pub(super) fn exif(bytes: &[u8]) -> Option<Vec<u8>> {
    let ctx = HeifContext::read_from_bytes(bytes).ok()?;
    let handle = ctx.primary_image_handle().ok()?;
    let mut ids = [0u32; 1];
    if handle.metadata_block_ids(&mut ids, b"Exif") == 0 {
        return None;
    }
    let data = handle.metadata(ids[0]).ok()?;
    // The block starts with a 4-byte offset to the TIFF header.
    let off = super::be32(&data, 0)? as usize;
    data.get(4 + off..).map(|d| d.to_vec())
}

pub(super) fn decode(bytes: &[u8]) -> Result<Image, Error> {
    let ctx = HeifContext::read_from_bytes(bytes).map_err(bad)?;
    let handle = ctx.primary_image_handle().map_err(bad)?;
    let alpha = handle.has_alpha_channel();
    let (chroma, format) = if alpha {
        (RgbChroma::Rgba, PixelFormat::Rgba8)
    } else {
        (RgbChroma::Rgb, PixelFormat::Rgb8)
    };
    let img = handle.decode(ColorSpace::Rgb(chroma), None).map_err(bad)?;
    let planes = img.planes();
    let plane = planes.interleaved.ok_or_else(Error::unsupported_format)?;
    let (w, h) = (plane.width as usize, plane.height as usize);
    let row = w * format.channels();
    // Interleaved RGB(A) must come back as 8 bits per channel.
    if usize::from(plane.storage_bits_per_pixel) != 8 * format.channels() {
        return Err(Error::unsupported_format());
    }
    let mut data = Vec::with_capacity(row * h);
    for y in 0..h {
        let line = plane
            .data
            .get(y * plane.stride..y * plane.stride + row)
            .ok_or_else(Error::unsupported_format)?;
        data.extend_from_slice(line);
    }
    if let Some(icc) = handle.color_profile_raw() {
        color::rgb_icc_to_srgb(&mut data, format.channels(), &icc.data);
    }
    let (data, format) = if format == PixelFormat::Rgba8 && !super::rgba_has_alpha(&data) {
        (super::rgba_to_rgb(&data), PixelFormat::Rgb8)
    } else {
        (data, format)
    };
    Ok(Image {
        frames: vec![Frame {
            width: plane.width,
            height: plane.height,
            format,
            data,
            delay_ms: 0,
        }],
        loop_count: 0,
    })
}

pub(super) fn encode(frame: &Frame, format: Format, quality: u8) -> Result<Vec<u8>, Error> {
    let fail = |_| super::encode_failed(format.name());
    let mut ctx = HeifContext::new().map_err(fail)?;
    let compression = if format == Format::Avif {
        CompressionFormat::Av1
    } else {
        CompressionFormat::Hevc
    };
    let mut enc = ctx.encoder_for_format(compression).map_err(fail)?;
    enc.set_quality(EncoderQuality::Lossy(quality))
        .map_err(fail)?;
    // Speed over the last percent of compression (ignored if unknown).
    if format == Format::Avif {
        let _ = enc.set_parameter_value("speed", EncoderParameterValue::Int(8));
    } else {
        let _ =
            enc.set_parameter_value("preset", EncoderParameterValue::String("fast".to_string()));
    }
    let (chroma, bits) = match frame.format {
        PixelFormat::Rgb8 => (RgbChroma::Rgb, 24),
        PixelFormat::Rgba8 => (RgbChroma::Rgba, 32),
    };
    let mut img =
        libheif_rs::Image::new(frame.width, frame.height, ColorSpace::Rgb(chroma)).map_err(fail)?;
    img.create_plane(Channel::Interleaved, frame.width, frame.height, bits)
        .map_err(fail)?;
    {
        let planes = img.planes_mut();
        let plane = planes
            .interleaved
            .ok_or_else(|| super::encode_failed(format.name()))?;
        let row = frame.width as usize * frame.format.channels();
        for (y, src) in frame.data.chunks_exact(row).enumerate() {
            let dst = plane
                .data
                .get_mut(y * plane.stride..y * plane.stride + row)
                .ok_or_else(|| super::encode_failed(format.name()))?;
            dst.copy_from_slice(src);
        }
    }
    ctx.encode_image(&img, &mut enc, None).map_err(fail)?;
    ctx.write_to_bytes().map_err(fail)
}
