//! Runs a plan over a source: probe, decode (shrink-on-load), actions in
//! written order, encode.

use crate::img::{Error, Limits, Output, Plan, Resources};

/// Runs `plan` over `source`.
pub fn run(
    source: &[u8],
    plan: &Plan,
    resources: &dyn Resources,
    limits: &Limits,
) -> Result<Output, Error> {
    let _ = (source, plan, resources, limits);
    todo!("img::pipeline::run")
}
