//! Object keys as S3 path segments, in the same sort order.
//!
//! An OSS key may hold any UTF-8 (`a//b`, `../x`, `dir/`, control
//! characters); an `object_store` path segment may not hold `/`, control
//! characters or be `.`/`..`. Each key byte is written as one code:
//!
//! | key byte | code |
//! | --- | --- |
//! | `0x00`-`0x2F` (controls, space, `!`-`/`) | `!` and two upper-case hex digits |
//! | `0x30`-`0x7D` | itself |
//! | `~` | `~0` |
//! | DEL `0x7F` | `~1` |
//! | `0x80`-`0xFF` (inside multi-byte UTF-8) | itself |
//!
//! The codes are prefix-free and increase with the byte they stand for, so
//! byte order of keys equals byte order of codes (S3 lists in byte order)
//! and the code of a prefix is a prefix of the code of every key that
//! starts with it. The result is valid UTF-8 because multi-byte sequences
//! pass through whole.

/// The largest character, for "everything starting with X" bounds.
pub(crate) const MAX_CHAR: char = '\u{10FFFF}';

/// Encodes a key (see the module docs).
pub(crate) fn encode(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + key.len() / 4);
    for c in key.chars() {
        match c {
            '\0'..='/' => {
                out.push('!');
                out.push_str(&format!("{:02X}", c as u32));
            }
            '~' => out.push_str("~0"),
            '\u{7f}' => out.push_str("~1"),
            _ => out.push(c),
        }
    }
    out
}

/// Decodes what [`encode`] wrote; `None` for anything it cannot have written.
pub(crate) fn decode(code: &str) -> Option<String> {
    let mut out = String::with_capacity(code.len());
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '!' => {
                let hi = chars.next()?.to_digit(16)?;
                let lo = chars.next()?.to_digit(16)?;
                let b = hi * 16 + lo;
                if b > 0x2F {
                    return None;
                }
                out.push(char::from_u32(b)?);
            }
            '~' => match chars.next()? {
                '0' => out.push('~'),
                '1' => out.push('\u{7f}'),
                _ => return None,
            },
            c if (c as u32) < 0x30 || c == '\u{7f}' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A string that sorts before `code` (an encoded, non-empty key) and after
/// every encoded key that sorts before it, usable as a listing offset
/// ("strictly after"). Never holds `/` or a control character.
pub(crate) fn just_before(code: &str) -> String {
    let mut s = code.to_owned();
    let Some(last) = s.pop() else {
        return String::new();
    };
    let prev = match last as u32 {
        // No encoded key holds a raw byte below `0`: `.` sorts below `0` and
        // above every code that starts with `!`.
        0x30 => '.',
        // Below `!` (never the last char of a code, but be safe).
        0..=0x21 => ' ',
        // No encoded key holds a raw DEL: `~` plus MAX_CHAR sorts above
        // every `~` code.
        0x80 => '~',
        0xE000 => '\u{D7FF}',
        n => char::from_u32(n - 1).unwrap_or(' '),
    };
    s.push(prev);
    s.push(MAX_CHAR);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[&str] = &[
        "a",
        "a/",
        "a//b",
        "../x",
        ".",
        "..",
        "a.b",
        "a-b",
        "a!b",
        "a b",
        "a~b",
        "a\u{7f}",
        "a\u{1}b",
        "a0",
        "a9",
        "a:b",
        "A",
        "z",
        "{",
        "}",
        "~",
        "中文/图片.jpg",
        "日本",
        "한국어",
        "é",
        "\u{FFFF}",
        "\u{10000}",
        "photos/2024/img-01.jpg",
        "photos/2024/img_01.jpg",
        "photos/2024!",
        "%2F",
    ];

    #[test]
    fn round_trips_and_stays_a_path_segment() {
        for k in SAMPLES {
            let e = encode(k);
            assert_eq!(decode(&e).as_deref(), Some(*k), "{k:?} -> {e:?}");
            assert!(!e.contains('/'), "{e}");
            assert!(!e.chars().any(|c| c.is_ascii_control()), "{e:?}");
            assert!(e != "." && e != "..");
            assert!(object_store::path::PathPart::parse(&e).is_ok(), "{e:?}");
        }
    }

    #[test]
    fn order_and_prefixes_are_kept() {
        for a in SAMPLES {
            for b in SAMPLES {
                let (ea, eb) = (encode(a), encode(b));
                assert_eq!(a.cmp(b), ea.cmp(&eb), "{a:?} vs {b:?}");
                assert_eq!(b.starts_with(a), eb.starts_with(&ea), "{a:?} in {b:?}");
            }
        }
    }

    #[test]
    fn just_before_is_between() {
        for k in SAMPLES {
            let e = encode(k);
            let before = just_before(&e);
            assert!(before < e, "{k:?}");
            assert!(
                object_store::path::PathPart::parse(&before).is_ok(),
                "{before:?}"
            );
            for other in SAMPLES {
                let o = encode(other);
                if o < e {
                    assert!(o < before, "{other:?} must sort before the bound of {k:?}");
                }
            }
        }
    }

    #[test]
    fn garbage_does_not_decode() {
        for bad in ["!", "!4", "!41", "~", "~2", "a/b", " "] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
