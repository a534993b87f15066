//! Decoded pixels: frames of 8-bit RGB or RGBA, and the image they form.

/// Image container formats ossimg reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JPEG (also MPO).
    Jpeg,
    /// PNG (APNG is read as its first frame).
    Png,
    /// GIF, possibly animated.
    Gif,
    /// WebP, lossy or lossless, possibly animated.
    Webp,
    /// BMP.
    Bmp,
    /// TIFF.
    Tiff,
    /// HEIC (HEIF with HEVC).
    Heic,
    /// AVIF.
    Avif,
}

impl Format {
    /// The `Content-Type` of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
            Format::Bmp => "image/bmp",
            Format::Tiff => "image/tiff",
            Format::Heic => "image/heic",
            Format::Avif => "image/avif",
        }
    }

    /// The name `info` reports and `format,<name>` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Heic => "heic",
            Format::Avif => "avif",
        }
    }
}

/// Layout of a frame's pixel buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 3 bytes per pixel, no alpha.
    Rgb8,
    /// 4 bytes per pixel, straight (not premultiplied) alpha.
    Rgba8,
}

impl PixelFormat {
    /// Bytes per pixel.
    pub fn channels(self) -> usize {
        match self {
            PixelFormat::Rgb8 => 3,
            PixelFormat::Rgba8 => 4,
        }
    }
}

/// One frame of pixels, rows top to bottom, no padding between rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Layout of `data`.
    pub format: PixelFormat,
    /// `width × height × channels` bytes.
    pub data: Vec<u8>,
    /// Display time of this frame in milliseconds (animations only).
    pub delay_ms: u32,
}

/// A decoded image: one frame, or several for an animation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Frames in display order; never empty.
    pub frames: Vec<Frame>,
    /// Animation loop count (0 = forever).
    pub loop_count: u16,
}
