//! Image-processing errors with OSS's code, EC and message
//! (image-processing.md §8).

/// The OSS error code of an image-processing failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400 `InvalidArgument`.
    InvalidArgument,
    /// 400 `BadRequest` (undecodable source, crop outside the image, ...).
    BadRequest,
    /// 400 `MissingArgument`.
    MissingArgument,
    /// 400 `ImageTooLarge` (source above the byte quota).
    ImageTooLarge,
    /// 400 `MemLimitExceeded` (source dimensions or pixels above the limits).
    MemLimitExceeded,
    /// 400 `WatermarkError`.
    WatermarkError,
    /// 400 `InvalidObjectName` (a `sys/saveas` target key that does not
    /// decode or is not a valid key).
    InvalidObjectName,
    /// 400 `InvalidBucketName` (a `sys/saveas` target bucket that does not
    /// decode or is not a valid bucket name).
    InvalidBucketName,
    /// 404 `NoSuchStyle`.
    NoSuchStyle,
    /// 404 `NoSuchKey` (watermark or source object missing on the processing path).
    NoSuchKey,
    /// 501 `NotImplemented`.
    NotImplemented,
    /// 500 `InternalError`: a bug, never bad input.
    InternalError,
}

impl ErrorCode {
    /// The code as OSS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "InvalidArgument",
            ErrorCode::BadRequest => "BadRequest",
            ErrorCode::MissingArgument => "MissingArgument",
            ErrorCode::ImageTooLarge => "ImageTooLarge",
            ErrorCode::MemLimitExceeded => "MemLimitExceeded",
            ErrorCode::WatermarkError => "WatermarkError",
            ErrorCode::InvalidObjectName => "InvalidObjectName",
            ErrorCode::InvalidBucketName => "InvalidBucketName",
            ErrorCode::NoSuchStyle => "NoSuchStyle",
            ErrorCode::NoSuchKey => "NoSuchKey",
            ErrorCode::NotImplemented => "NotImplemented",
            ErrorCode::InternalError => "InternalError",
        }
    }

    /// The HTTP status OSS answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::NoSuchStyle | ErrorCode::NoSuchKey => 404,
            ErrorCode::NotImplemented => 501,
            ErrorCode::InternalError => 500,
            _ => 400,
        }
    }
}

/// An image-processing failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct Error {
    /// OSS error code.
    pub code: ErrorCode,
    /// OSS fine-grained error code (`0040-00000312`), when known.
    pub ec: Option<&'static str>,
    /// Message for the error body.
    pub message: String,
}

impl Error {
    /// An error with a code, an optional EC and a message.
    pub fn new(code: ErrorCode, ec: Option<&'static str>, message: impl Into<String>) -> Error {
        Error {
            code,
            ec,
            message: message.into(),
        }
    }

    /// `InvalidArgument` with the standard parameter message of §2.6:
    /// `The value: <value> of parameter: <key> is invalid.`
    pub fn invalid_param(ec: Option<&'static str>, key: &str, value: &str) -> Error {
        Error::new(
            ErrorCode::InvalidArgument,
            ec,
            format!("The value: {value} of parameter: {key} is invalid."),
        )
    }

    /// `BadRequest` for an undecodable or unsupported source (EC `0040-00000005`).
    pub fn unsupported_format() -> Error {
        Error::new(
            ErrorCode::BadRequest,
            Some("0040-00000005"),
            "This image format is not supported.",
        )
    }
}
