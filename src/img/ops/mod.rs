//! One module per OSS action, each over decoded frames.
