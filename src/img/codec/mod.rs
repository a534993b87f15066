//! Probing, decoding and encoding of every supported format.
//!
//! One file per format family; this file identifies the format from the bytes,
//! checks the limits of image-processing.md §4.8 from the header before any
//! pixel is decoded, and dispatches. See `docs/codecs.md` for the libraries
//! behind each format and the choices made.

mod bmp_tiff;
mod color;
mod gif;
mod heif;
mod heif_boxes;
mod info;
mod jpeg;
mod jpeg_scaled;
mod png;
mod webp;

use crate::img::error::ErrorCode;
use crate::img::frame::{Format, Image, PixelFormat};
use crate::img::{Error, Limits};

/// What a header says about a source, read before any pixel is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Container format, identified from the content.
    pub format: Format,
    /// Stored width (before orientation correction).
    pub width: u32,
    /// Stored height (before orientation correction).
    pub height: u32,
    /// Number of frames (1 for still images).
    pub frames: u32,
    /// EXIF orientation 1..=8 (1 when absent).
    pub orientation: u8,
    /// Estimated quality 1..=100 of a JPEG (from its quantisation tables) or
    /// a lossy WebP; `None` for other sources.
    pub quality: Option<u8>,
    /// Whether the source has an alpha channel.
    pub has_alpha: bool,
}

impl Probe {
    /// `true` for a lossless WebP source: every frame is VP8L (WebP sources
    /// have a quality estimate exactly when some frame is lossy).
    pub fn is_lossless_webp(&self) -> bool {
        self.format == Format::Webp && self.quality.is_none()
    }
}

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodeOptions {
    /// Shrink-on-load: the decoder may return a smaller image, but each side at
    /// least this big (in stored orientation). `None` = full size.
    pub min_size: Option<(u32, u32)>,
    /// Decode every frame of an animation (otherwise the first only).
    pub all_frames: bool,
}

/// How to encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Output format.
    pub format: Format,
    /// Quality 1..=100 for lossy formats.
    pub quality: u8,
    /// Progressive JPEG.
    pub progressive: bool,
}

/// What the source said about its colours, as far as the output is concerned
/// (image-processing.md §4.6: the profile is kept, or the pixels are
/// converted to sRGB and tagged as such).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceColour {
    /// No colour information, or none that could be used: the pixels are
    /// taken as sRGB and outputs stay untagged.
    #[default]
    Unspecified,
    /// An embedded colour profile (ICC, or PNG's `sRGB` chunk) was honoured:
    /// the pixels were converted to sRGB, or were sRGB already. Outputs are
    /// tagged as sRGB.
    Srgb,
}

/// Encoder choices that follow from the source rather than from the
/// processing string; the default is what [`encode`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncodeExtras {
    /// WebP output is lossless (VP8L). Ignored by other formats.
    pub webp_lossless: bool,
    /// Tag the output as sRGB: PNG gets an `sRGB` chunk; JPEG, WebP and TIFF
    /// embed an sRGB ICC profile. BMP, GIF, HEIC and AVIF stay untagged
    /// (see `docs/codecs.md`).
    pub tag_srgb: bool,
}

/// Largest WebP output side (EC `0040-00000011`).
pub const WEBP_MAX_SIDE: u32 = 16_383;
/// Largest HEIC output side.
pub const HEIC_MAX_SIDE: u32 = 4096;
/// Largest AVIF output `width × height` (EC `0040-00000014`).
pub const AVIF_MAX_PIXELS: u64 = 9_437_184;
/// Largest TIFF source side (EC `0040-00000018`).
pub const TIFF_MAX_SOURCE_SIDE: u32 = 16_384;
/// Largest BMP source side (EC `0040-00000017`).
pub const BMP_MAX_SOURCE_SIDE: u32 = 30_000;
/// Largest AVIF source side (EC `0040-00000014`).
pub const AVIF_MAX_SOURCE_SIDE: u32 = 10_000;

/// What a format-specific header parser finds.
#[derive(Debug, Clone, Default)]
struct Header {
    width: u32,
    height: u32,
    frames: u32,
    orientation: u8,
    quality: Option<u8>,
    has_alpha: bool,
}

/// Identifies the container format from the first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.len() >= 3 && bytes[..3] == [0xFF, 0xD8, 0xFF] {
        return Some(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(Format::Gif);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(Format::Webp);
    }
    if bytes.starts_with(b"BM") && bytes.len() >= 26 {
        return Some(Format::Bmp);
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Some(Format::Tiff);
    }
    heif::sniff(bytes)
}

/// Identifies the format and reads dimensions, frame count and orientation,
/// then checks the source limits.
///
/// Only headers are read: no pixel buffer is allocated, so a decompression
/// bomb is refused cheaply.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, Error> {
    guarded(|| probe_inner(bytes, limits), Error::unsupported_format)
}

/// Runs `f`, turning a panic inside a codec library into `on_panic()`: bad
/// input must never take a worker down.
fn guarded<T>(f: impl FnOnce() -> Result<T, Error>, on_panic: fn() -> Error) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| Err(on_panic()))
}

fn probe_inner(bytes: &[u8], limits: &Limits) -> Result<Probe, Error> {
    if bytes.len() as u64 > limits.max_source_bytes {
        return Err(Error::new(
            ErrorCode::ImageTooLarge,
            Some("0040-00000001"),
            "The image file size exceeds the limit.",
        ));
    }
    let format = sniff(bytes).ok_or_else(Error::unsupported_format)?;
    let h = match format {
        Format::Jpeg => jpeg::probe(bytes)?,
        Format::Png => png::probe(bytes)?,
        Format::Gif => gif::probe(bytes)?,
        Format::Webp => webp::probe(bytes)?,
        Format::Bmp => bmp_tiff::probe_bmp(bytes)?,
        Format::Tiff => bmp_tiff::probe_tiff(bytes)?,
        Format::Heic | Format::Avif => heif::probe(bytes)?,
    };
    if h.width == 0 || h.height == 0 {
        return Err(Error::unsupported_format());
    }
    check_source_limits(format, &h, limits)?;
    Ok(Probe {
        format,
        width: h.width,
        height: h.height,
        frames: h.frames.max(1),
        orientation: if (1..=8).contains(&h.orientation) {
            h.orientation
        } else {
            1
        },
        quality: h.quality,
        has_alpha: h.has_alpha,
    })
}

fn check_source_limits(format: Format, h: &Header, limits: &Limits) -> Result<(), Error> {
    let side = h.width.max(h.height);
    let mem = |ec: &'static str, msg: &str| Error::new(ErrorCode::MemLimitExceeded, Some(ec), msg);
    match format {
        Format::Tiff if side > TIFF_MAX_SOURCE_SIDE => {
            return Err(mem(
                "0040-00000018",
                "The width or height of the TIFF image exceeds the limit.",
            ))
        }
        Format::Bmp if side > BMP_MAX_SOURCE_SIDE => {
            return Err(mem(
                "0040-00000017",
                "The width or height of the BMP image exceeds the limit.",
            ))
        }
        Format::Avif if side > AVIF_MAX_SOURCE_SIDE => {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                Some("0040-00000014"),
                "The width or height of the AVIF image exceeds the limit.",
            ))
        }
        _ => {}
    }
    if side > limits.max_source_side {
        return Err(mem(
            "0040-00000009",
            "The width or height of the image exceeds the limit.",
        ));
    }
    let pixels = u64::from(h.width) * u64::from(h.height) * u64::from(h.frames.max(1));
    if pixels > limits.max_source_pixels {
        return Err(mem(
            "0040-00000012",
            "The total pixels of the image exceed the limit.",
        ));
    }
    Ok(())
}

/// Decodes a probed source to 8-bit RGB(A) in sRGB.
///
/// Frames are in stored orientation (the pipeline applies EXIF orientation).
/// Opaque sources come out as [`PixelFormat::Rgb8`], sources with alpha as
/// [`PixelFormat::Rgba8`]. Undecodable or truncated data is `BadRequest`
/// (EC `0040-00000005`).
pub fn decode(bytes: &[u8], probe: &Probe, opts: &DecodeOptions) -> Result<Image, Error> {
    decode_with_colour(bytes, probe, opts).map(|(image, _)| image)
}

/// [`decode`], also telling whether the source's colour profile was honoured
/// (see [`SourceColour`]).
pub fn decode_with_colour(
    bytes: &[u8],
    probe: &Probe,
    opts: &DecodeOptions,
) -> Result<(Image, SourceColour), Error> {
    guarded(
        || decode_inner(bytes, probe, opts),
        Error::unsupported_format,
    )
}

fn decode_inner(
    bytes: &[u8],
    probe: &Probe,
    opts: &DecodeOptions,
) -> Result<(Image, SourceColour), Error> {
    let (image, profiled) = match probe.format {
        Format::Jpeg => jpeg::decode(bytes, probe, opts)?,
        Format::Png => png::decode(bytes, probe)?,
        Format::Gif => (gif::decode(bytes, probe, opts)?, false),
        Format::Webp => webp::decode(bytes, probe, opts)?,
        Format::Bmp | Format::Tiff => bmp_tiff::decode(bytes, probe)?,
        Format::Heic | Format::Avif => heif::decode(bytes, opts)?,
    };
    if image.frames.is_empty()
        || image.frames.iter().any(|f| {
            f.width == 0
                || f.height == 0
                || f.data.len() != f.width as usize * f.height as usize * f.format.channels()
        })
    {
        return Err(Error::unsupported_format());
    }
    let colour = if profiled {
        SourceColour::Srgb
    } else {
        SourceColour::Unspecified
    };
    Ok((image, colour))
}

/// Encodes an image: lossy WebP, no colour tag (see [`encode_with`]).
///
/// JPEG output flattens alpha onto white; no EXIF, XMP or comment is
/// written. Animated GIF and WebP keep every frame, its delay and the loop
/// count; other formats encode the first frame. Output size limits of §5.12
/// are checked here. HEIC and AVIF ignore `opts.quality` (§5.13): they are
/// encoded at libheif's default quality for each encoder.
pub fn encode(image: &Image, opts: &EncodeOptions) -> Result<Vec<u8>, Error> {
    encode_with(image, opts, &EncodeExtras::default())
}

/// [`encode`] with the source-dependent choices of `extras`: lossless WebP
/// and the sRGB tag.
pub fn encode_with(
    image: &Image,
    opts: &EncodeOptions,
    extras: &EncodeExtras,
) -> Result<Vec<u8>, Error> {
    guarded(
        || encode_inner(image, opts, extras),
        || encode_failed("the image"),
    )
}

fn encode_inner(
    image: &Image,
    opts: &EncodeOptions,
    extras: &EncodeExtras,
) -> Result<Vec<u8>, Error> {
    let first = image.frames.first().ok_or_else(|| {
        Error::new(
            ErrorCode::InternalError,
            None,
            "cannot encode an image without frames",
        )
    })?;
    check_output_limits(opts.format, image)?;
    let quality = opts.quality.clamp(1, 100);
    let icc = if extras.tag_srgb {
        Some(color::srgb_icc()).filter(|icc| !icc.is_empty())
    } else {
        None
    };
    match opts.format {
        Format::Jpeg => jpeg::encode(first, quality, opts.progressive, icc),
        Format::Png => png::encode(first, extras.tag_srgb),
        Format::Gif => gif::encode(image),
        Format::Webp => webp::encode(image, quality, extras.webp_lossless, icc),
        Format::Bmp => bmp_tiff::encode(first, Format::Bmp, None),
        Format::Tiff => bmp_tiff::encode(first, Format::Tiff, icc),
        Format::Heic | Format::Avif => heif::encode(first, opts.format),
    }
}

/// Encodes an image as lossless WebP (all frames when animated), untagged.
pub fn encode_webp_lossless(image: &Image) -> Result<Vec<u8>, Error> {
    let opts = EncodeOptions {
        format: Format::Webp,
        quality: 100,
        progressive: false,
    };
    let extras = EncodeExtras {
        webp_lossless: true,
        tag_srgb: false,
    };
    encode_with(image, &opts, &extras)
}

fn check_output_limits(format: Format, image: &Image) -> Result<(), Error> {
    let (w, h) = image
        .frames
        .iter()
        .fold((0u32, 0u32), |(w, h), f| (w.max(f.width), h.max(f.height)));
    check_format_limits(format, w, h)
}

/// The output limits of one format (WebP, HEIC and AVIF sides or pixels,
/// and what the GIF/PNG/JPEG containers can hold) for a `w × h` image.
pub fn check_format_limits(format: Format, w: u32, h: u32) -> Result<(), Error> {
    match format {
        Format::Webp if w.max(h) > WEBP_MAX_SIDE => Err(Error::new(
            ErrorCode::InvalidArgument,
            Some("0040-00000011"),
            "The width or height of the WebP image exceeds 16383.",
        )),
        Format::Heic if w.max(h) > HEIC_MAX_SIDE => Err(Error::new(
            ErrorCode::InvalidArgument,
            None,
            "The width or height of the HEIC image exceeds 4096.",
        )),
        Format::Avif if u64::from(w) * u64::from(h) > AVIF_MAX_PIXELS => Err(Error::new(
            ErrorCode::InvalidArgument,
            Some("0040-00000014"),
            "The pixels of the AVIF image exceed 9437184.",
        )),
        Format::Gif | Format::Png | Format::Jpeg if w.max(h) > 65_535 => Err(Error::new(
            ErrorCode::InvalidArgument,
            Some("0040-00000007"),
            "The image is too large for the output format.",
        )),
        _ => Ok(()),
    }
}

/// The JSON body of the `info` action for a source (image-processing.md §5.16).
pub fn info_json(bytes: &[u8], probe: &Probe) -> Result<String, Error> {
    guarded(|| info::info_json(bytes, probe), Error::unsupported_format)
}

/// An encoder failure on valid pixels: a bug or resource problem, not bad input.
fn encode_failed(what: &str) -> Error {
    Error::new(
        ErrorCode::InternalError,
        None,
        format!("failed to encode {what}"),
    )
}

/// `true` if any pixel of an RGBA buffer is not fully opaque.
fn rgba_has_alpha(data: &[u8]) -> bool {
    data.chunks_exact(4).any(|p| p[3] != 255)
}

/// Drops the alpha channel of an RGBA buffer.
fn rgba_to_rgb(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    for p in data.chunks_exact(4) {
        out.extend_from_slice(&p[..3]);
    }
    out
}

/// The RGB bytes of a frame, alpha composited onto white (§4.3).
fn frame_rgb_on_white(frame: &crate::img::frame::Frame) -> std::borrow::Cow<'_, [u8]> {
    match frame.format {
        PixelFormat::Rgb8 => std::borrow::Cow::Borrowed(&frame.data),
        PixelFormat::Rgba8 => {
            let mut out = Vec::with_capacity(frame.data.len() / 4 * 3);
            for p in frame.data.chunks_exact(4) {
                let a = u32::from(p[3]);
                let inv = 255 - a;
                for &c in &p[..3] {
                    // c·a/255 + 255·(255−a)/255, rounded.
                    let v = (u32::from(c) * a + 255 * inv + 127) / 255;
                    out.push(v as u8);
                }
            }
            std::borrow::Cow::Owned(out)
        }
    }
}

/// Reads a big-endian u16 at `at`, if in bounds.
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Reads a big-endian u32 at `at`, if in bounds.
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Reads a little-endian u16 at `at`, if in bounds.
fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Reads a little-endian u32 at `at`, if in bounds.
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Reads a little-endian 24-bit integer at `at`, if in bounds.
fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// The EXIF orientation (1..=8) in a TIFF-structured EXIF blob, if any.
fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let exif = ::exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
    let field = exif.get_field(::exif::Tag::Orientation, ::exif::In::PRIMARY)?;
    let v = field.value.get_uint(0)?;
    u8::try_from(v).ok().filter(|v| (1..=8).contains(v))
}

#[cfg(test)]
mod tests;
