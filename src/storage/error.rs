//! Storage errors: each names the bucket/object condition, never HTTP.

/// Result of a storage operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bucket does not exist.
    #[error("The specified bucket does not exist.")]
    NoSuchBucket,
    /// The key does not exist.
    #[error("The specified key does not exist.")]
    NoSuchKey,
    /// The upload ID is unknown or finished.
    #[error("The specified upload does not exist.")]
    NoSuchUpload,
    /// The style does not exist.
    #[error("The style you get is not found.")]
    NoSuchStyle,
    /// The bucket exists already.
    #[error("The requested bucket name is not available.")]
    BucketAlreadyExists,
    /// The bucket has objects or unfinished uploads.
    #[error("The bucket you tried to delete is not empty.")]
    BucketNotEmpty,
    /// `forbid_overwrite` and the key exists.
    #[error("The object you specified already exists and can not be overwritten.")]
    FileAlreadyExists,
    /// Append position differs from the object length.
    #[error("Position is not equal to file length")]
    PositionNotEqualToLength {
        /// The current length, i.e. the position to use.
        next_position: u64,
    },
    /// Append on a Normal or Multipart object.
    #[error("The object is not appendable")]
    ObjectNotAppendable,
    /// The body's MD5 differs from `Content-MD5`.
    #[error("The Content-MD5 you specified did not match what we received.")]
    InvalidDigest,
    /// The body exceeds the size limit.
    #[error("Your proposed upload exceeds the maximum allowed object size.")]
    EntityTooLarge,
    /// A non-last part is below 100 KiB.
    #[error("Your proposed upload is smaller than the minimum allowed object size.")]
    EntityTooSmall,
    /// A listed part is missing or has another ETag.
    #[error("One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.")]
    InvalidPart {
        /// The part number.
        part_number: u32,
        /// The ETag that was given.
        etag: String,
    },
    /// Part numbers are not strictly ascending.
    #[error("The list of parts was not in ascending order. Parts list must be specified in order by part number.")]
    InvalidPartOrder,
    /// More than 50 styles.
    #[error("Too many styles.")]
    TooManyStyles,
    /// A copy range is outside the source.
    #[error("The requested range is not satisfiable")]
    InvalidRange,
    /// Reading the request body failed (client went away, bad framing).
    #[error("reading the request body failed: {0}")]
    Body(std::io::Error),
    /// A disk operation failed.
    #[error("storage I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The metadata index failed.
    #[error("metadata index error: {0}")]
    Index(String),
    /// The key is too long for the backend (the S3 backend spends part of
    /// S3's 1,024 bytes on its layout).
    #[error("The key is too long for this storage backend (at most {max} encoded bytes).")]
    KeyTooLong {
        /// Most bytes of the encoded key.
        max: usize,
    },
    /// The S3-compatible store failed or could not be reached.
    #[error("S3 backend error: {0}")]
    Backend(String),
}
