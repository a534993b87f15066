//! The image pipeline behind `x-oss-process` (image-processing.md).
//!
//! No async, no HTTP, no storage: bytes in, bytes out. The server and the
//! `ossimg process` CLI call [`process`] on the same code path.
//!
//! - [`plan`]: the processing string → a typed, validated [`Plan`].
//! - [`codec`]: probe, decode (with shrink-on-load) and encode per format.
//! - [`ops`]: one module per action, over [`frame::Image`] buffers.
//! - [`pipeline`]: runs a plan over a decoded image.

pub mod codec;
pub mod error;
pub mod frame;
pub mod limits;
pub mod ops;
pub mod pipeline;
pub mod plan;
pub mod watermark;

pub use error::{Error, ErrorCode};
pub use limits::Limits;
pub use plan::Plan;

/// The result of processing: encoded bytes and their media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Encoded image, or JSON for `info` and `average-hue`.
    pub bytes: Vec<u8>,
    /// `Content-Type` of `bytes`.
    pub content_type: &'static str,
}

/// What the pipeline may need from outside: named styles and watermark objects.
///
/// The server implements it over the store; the CLI over local files.
pub trait Resources {
    /// The content (`image/...`) of a style, or `None` if there is no such style.
    fn style(&self, name: &str) -> Result<Option<String>, Error>;
    /// The bytes of a watermark object in the source's bucket, or `None` if missing.
    fn watermark_object(&self, key: &str) -> Result<Option<Vec<u8>>, Error>;
}

/// Resources that know no styles and no watermark objects.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResources;

impl Resources for NoResources {
    fn style(&self, _name: &str) -> Result<Option<String>, Error> {
        Ok(None)
    }
    fn watermark_object(&self, _key: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }
}

/// Parses `process` and runs it over `source`.
pub fn process(
    source: &[u8],
    process: &str,
    resources: &dyn Resources,
    limits: &Limits,
) -> Result<Output, Error> {
    let plan = plan::parse(process, resources)?;
    pipeline::run(source, &plan, resources, limits)
}
