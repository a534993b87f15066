//! The arguments of `sys/saveas` in a POST body (image-processing.md §7.1,
//! §2.9): Base64 target key and bucket, in either alphabet.

use base64::alphabet;
use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine;

use crate::img::{Error, ErrorCode};

/// Where a processed image is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveAs {
    /// Target object key (decoded `o_`).
    pub object: String,
    /// Target bucket (decoded `b_`); `None` = the source's bucket.
    pub bucket: Option<String>,
}

/// Decodes Base64 in the URL-safe or the standard alphabet, padded or not,
/// to a UTF-8 string.
pub fn decode_base64(value: &str) -> Option<String> {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let url_safe = GeneralPurpose::new(&alphabet::URL_SAFE, config);
    let normalised: String = value
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    let bytes = url_safe.decode(normalised).ok()?;
    String::from_utf8(bytes).ok()
}

/// Parses the text after `sys/saveas,` (split on `,` only; keys `o`, `b`).
///
/// Errors (§7.1): no `o` → `MissingArgument`; an `o` that is empty, does not
/// decode or is not UTF-8 → `InvalidObjectName`; the same for `b` →
/// `InvalidBucketName`. Whether a decoded name is a valid key or bucket name
/// is checked by the caller, which knows the storage rules.
pub fn parse_saveas(args: &str) -> Result<SaveAs, Error> {
    let mut object = None;
    let mut bucket = None;
    for arg in args.split(',').filter(|a| !a.is_empty()) {
        let (key, value) = arg.split_once('_').unwrap_or((arg, ""));
        let (slot, code, what) = match key {
            "o" => (&mut object, ErrorCode::InvalidObjectName, "object"),
            "b" => (&mut bucket, ErrorCode::InvalidBucketName, "bucket"),
            _ => continue,
        };
        let invalid = || {
            let message =
                format!("The sys/saveas {what} name {key}_{value} is not valid Base64 of a name.");
            Error::new(code, None, message)
        };
        let decoded = decode_base64(value)
            .filter(|s| !s.is_empty())
            .ok_or_else(invalid)?;
        *slot = Some(decoded);
    }
    let object = object.ok_or_else(|| {
        Error::new(
            ErrorCode::MissingArgument,
            None,
            "The sys/saveas action needs the parameter o.",
        )
    })?;
    Ok(SaveAs { object, bucket })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets() {
        let s = parse_saveas("o_dGVzdC5qcGc,b_dGVzdA").unwrap();
        assert_eq!(s.object, "test.jpg");
        assert_eq!(s.bucket.as_deref(), Some("test"));
        let s = parse_saveas("o_b3V0L3RodW1iLmpwZw==").unwrap();
        assert_eq!(s.object, "out/thumb.jpg");
        assert_eq!(s.bucket, None);
        // `?>` encodes to `Pz4` (standard) with `+`/`/` in longer inputs.
        assert_eq!(decode_base64("Pz8/Pw==").as_deref(), Some("????"));
        assert_eq!(decode_base64("Pz8_Pw").as_deref(), Some("????"));
        assert_eq!(decode_base64("+/+/").map(|s| s.len()), None);
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse_saveas("b_dGVzdA").unwrap_err().code,
            ErrorCode::MissingArgument
        );
        for bad in ["o_!!!", "o_", "o", "o_/w", "o_/w==="] {
            assert_eq!(
                parse_saveas(bad).unwrap_err().code,
                ErrorCode::InvalidObjectName,
                "{bad}"
            );
        }
        // Base64 of the bytes FF FE: not UTF-8.
        assert_eq!(
            parse_saveas("o___4").unwrap_err().code,
            ErrorCode::InvalidObjectName
        );
        for bad in ["o_YQ,b_!!", "o_YQ,b_", "b_%%,o_YQ"] {
            assert_eq!(
                parse_saveas(bad).unwrap_err().code,
                ErrorCode::InvalidBucketName,
                "{bad}"
            );
        }
    }
}
