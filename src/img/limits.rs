//! Processing limits (image-processing.md §4.8), checked from headers before
//! decoding and on the final image.

/// Limits applied to every processing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest source object in bytes (default 20 MiB).
    pub max_source_bytes: u64,
    /// Largest source width or height (default 30 000).
    pub max_source_side: u32,
    /// Largest `width × height × frames` of a source (default 250 000 000).
    pub max_source_pixels: u64,
    /// Largest output width or height (default 16 384).
    pub max_output_side: u32,
    /// Largest output `width × height` (default 16 777 216).
    pub max_output_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_source_bytes: 20 * 1024 * 1024,
            max_source_side: 30_000,
            max_source_pixels: 250_000_000,
            max_output_side: 16_384,
            max_output_pixels: 16_777_216,
        }
    }
}
