//! The OSS wire model: addressing, query decoding, signatures, error codes and
//! XML bodies. Pure functions over request views; no I/O, no HTTP framework.

pub mod addressing;
pub mod auth;
pub mod error;
pub mod query;
pub mod xml;
