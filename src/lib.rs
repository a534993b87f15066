//! ossimg: a self-hosted, Alibaba-Cloud-OSS-compatible object store and image
//! processing server.
//!
//! # Layout
//!
//! - [`img`]: the image pipeline (`x-oss-process`): plan parsing, codecs, actions.
//!   No async, no HTTP, no storage; usable from the CLI and as a library.
//! - [`oss`]: the OSS wire model: addressing, query decoding, signatures, error
//!   codes and XML bodies. No I/O.
//! - `storage`: objects on local disk plus the embedded metadata index.
//! - `server`: HTTP routing and handlers; the only module that sees axum.
//!
//! Dependencies point one way: `server` → {`oss`, `storage`, `img`}.
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "server")]
pub mod config;
pub mod img;
pub mod oss;

#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod storage;
