//! The processing string → a typed, validated plan (image-processing.md §2).

use crate::img::{Error, Resources};

/// A validated processing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {}

/// Parses a processing string (`image/...` or `style/NAME`).
pub fn parse(process: &str, resources: &dyn Resources) -> Result<Plan, Error> {
    let _ = (process, resources);
    todo!("img::plan::parse")
}
