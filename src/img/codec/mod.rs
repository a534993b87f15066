//! Probing, decoding and encoding of every supported format.

use crate::img::frame::{Format, Image};
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

/// Identifies the format and reads dimensions, frame count and orientation,
/// then checks the source limits.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, Error> {
    let _ = (bytes, limits);
    todo!("img::codec::probe")
}

/// Decodes a probed source to 8-bit RGB(A) in sRGB.
pub fn decode(bytes: &[u8], probe: &Probe, opts: &DecodeOptions) -> Result<Image, Error> {
    let _ = (bytes, probe, opts);
    todo!("img::codec::decode")
}

/// Encodes an image.
pub fn encode(image: &Image, opts: &EncodeOptions) -> Result<Vec<u8>, Error> {
    let _ = (image, opts);
    todo!("img::codec::encode")
}

/// The JSON body of the `info` action for a source (image-processing.md §5.16).
pub fn info_json(bytes: &[u8], probe: &Probe) -> Result<String, Error> {
    let _ = (bytes, probe);
    todo!("img::codec::info_json")
}
