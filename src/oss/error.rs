//! OSS error codes.
