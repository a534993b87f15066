//! The `info` JSON (image-processing.md §5.16).
//!
//! Members are sorted by name (a `BTreeMap` serialises in byte order); every
//! value is `{"value": "<string>"}`. EXIF tags come from IFD0, the Exif and
//! GPS sub-IFDs, then IFD1 (thumbnail) tags whose names are not already
//! present (this is where `Compression` and `JPEGInterchangeFormat` live).
//! EXIF never replaces the five base members: an EXIF `ImageWidth` tag may
//! disagree with the stored size, which is what `info` reports. PNG reports
//! no EXIF at all (§5.16), even with an `eXIf` chunk.

use std::collections::BTreeMap;

use exif::{Context, In, Tag, Value};

use super::{heif, jpeg, webp, Probe};
use crate::img::error::ErrorCode;
use crate::img::frame::Format;
use crate::img::Error;

/// The members every `info` body has; EXIF tags of the same name are dropped.
const BASE_MEMBERS: [&str; 5] = [
    "FileSize",
    "Format",
    "FrameCount",
    "ImageHeight",
    "ImageWidth",
];

pub(super) fn info_json(bytes: &[u8], probe: &Probe) -> Result<String, Error> {
    let mut members: BTreeMap<String, String> = BTreeMap::new();
    members.insert("FileSize".into(), bytes.len().to_string());
    members.insert("Format".into(), probe.format.name().into());
    members.insert("FrameCount".into(), probe.frames.to_string());
    members.insert("ImageHeight".into(), probe.height.to_string());
    members.insert("ImageWidth".into(), probe.width.to_string());

    let mut jfif = None;
    let exif_blob: Option<Vec<u8>> = match probe.format {
        Format::Jpeg => {
            let m = jpeg::parse(bytes)?;
            jfif = m.jfif;
            m.exif.map(<[u8]>::to_vec)
        }
        // "PNG files never report EXIF" (§5.16), whatever `eXIf` holds.
        Format::Png => None,
        Format::Webp => webp::parse(bytes)
            .ok()
            .and_then(|m| m.exif.map(<[u8]>::to_vec)),
        Format::Heic | Format::Avif => heif::exif(bytes),
        _ => None,
    };
    if let Some(blob) = exif_blob {
        add_exif(&mut members, blob);
    }
    if let Some((units, x, y)) = jfif {
        let unit = match units {
            1 => "2",
            2 => "3",
            _ => "1",
        };
        members
            .entry("ResolutionUnit".into())
            .or_insert_with(|| unit.into());
        members
            .entry("XResolution".into())
            .or_insert_with(|| format!("{x}/1"));
        members
            .entry("YResolution".into())
            .or_insert_with(|| format!("{y}/1"));
    }
    let body: BTreeMap<String, serde_json::Value> = members
        .into_iter()
        .map(|(k, v)| (k, serde_json::json!({ "value": v })))
        .collect();
    serde_json::to_string(&body)
        .map_err(|e| Error::new(ErrorCode::InternalError, None, e.to_string()))
}

/// Standard (exiv2-style) name of a tag, or `None` for tags without one.
fn tag_name(tag: Tag) -> Option<String> {
    tag.description()?;
    Some(match tag {
        Tag::ExifIFDPointer => "ExifTag".into(),
        Tag::GPSInfoIFDPointer => "GPSTag".into(),
        Tag::InteropIFDPointer => "InteroperabilityTag".into(),
        other => other.to_string(),
    })
}

/// LONG (or SHORT) values of `tags` in IFD0 of a TIFF structure: the
/// sub-IFD pointers, which `kamadak-exif` follows but does not list.
fn ifd0_pointers(tiff: &[u8], tags: &[(u16, &'static str)]) -> Vec<(&'static str, u32)> {
    let le = match tiff.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return Vec::new(),
    };
    let r16 = |at| {
        if le {
            super::le16(tiff, at)
        } else {
            super::be16(tiff, at)
        }
    };
    let r32 = |at| {
        if le {
            super::le32(tiff, at)
        } else {
            super::be32(tiff, at)
        }
    };
    let mut found = Vec::new();
    let Some(ifd) = r32(4).map(|v| v as usize) else {
        return found;
    };
    let n = r16(ifd).unwrap_or(0);
    for i in 0..usize::from(n).min(1000) {
        let e = ifd + 2 + i * 12;
        let (Some(tag), Some(kind)) = (r16(e), r16(e + 2)) else {
            break;
        };
        if let Some(&(_, name)) = tags.iter().find(|t| t.0 == tag) {
            let v = if kind == 3 {
                r16(e + 8).map(u32::from)
            } else {
                r32(e + 8)
            };
            if let Some(v) = v {
                found.push((name, v));
            }
        }
    }
    found
}

fn add_exif(members: &mut BTreeMap<String, String>, blob: Vec<u8>) {
    for (name, offset) in ifd0_pointers(&blob, &[(0x8769, "ExifTag"), (0x8825, "GPSTag")]) {
        members.insert(name.into(), offset.to_string());
    }
    let Ok(exif) = exif::Reader::new().read_raw(blob) else {
        return;
    };
    for pass in [In::PRIMARY, In::THUMBNAIL] {
        for field in exif.fields().filter(|f| f.ifd_num == pass) {
            if !matches!(
                field.tag.context(),
                Context::Tiff | Context::Exif | Context::Gps
            ) {
                continue;
            }
            // Vendor binary blobs are not shown.
            if field.tag == Tag::MakerNote {
                continue;
            }
            let Some(name) = tag_name(field.tag) else {
                continue;
            };
            if BASE_MEMBERS.contains(&name.as_str())
                || (pass == In::THUMBNAIL && members.contains_key(&name))
            {
                continue;
            }
            members.insert(name, format_value(field.tag, &field.value));
        }
    }
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(" ")
}

/// A rational as a short decimal (`30.75`, `22`).
fn decimal(num: f64, den: f64) -> String {
    if den == 0.0 {
        return "0".into();
    }
    let v = num / den;
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The `info` string of one EXIF value (formatting rules of §5.16).
pub(super) fn format_value(tag: Tag, value: &Value) -> String {
    match (tag, value) {
        (
            Tag::GPSLatitude | Tag::GPSLongitude | Tag::GPSDestLatitude | Tag::GPSDestLongitude,
            Value::Rational(r),
        ) => {
            if r.iter().all(|x| x.num == 0) {
                return "0deg ".into();
            }
            let part = |i: usize| {
                r.get(i)
                    .map(|x| decimal(f64::from(x.num), f64::from(x.denom)))
                    .unwrap_or_else(|| "0".into())
            };
            format!("{}deg {}' {}\"", part(0), part(1), part(2))
        }
        (
            Tag::GPSLatitudeRef
            | Tag::GPSLongitudeRef
            | Tag::GPSDestLatitudeRef
            | Tag::GPSDestLongitudeRef,
            Value::Ascii(v),
        ) => {
            let s = v
                .first()
                .map(|s| String::from_utf8_lossy(s).trim().to_string())
                .unwrap_or_default();
            match s.as_str() {
                "N" => "North".into(),
                "S" => "South".into(),
                "E" => "East".into(),
                "W" => "West".into(),
                _ => s,
            }
        }
        (_, Value::Byte(v)) => join(v),
        (_, Value::SByte(v)) => join(v),
        (_, Value::Short(v)) => join(v),
        (_, Value::SShort(v)) => join(v),
        (_, Value::Long(v)) => join(v),
        (_, Value::SLong(v)) => join(v),
        (_, Value::Rational(v)) => v
            .iter()
            .map(|r| format!("{}/{}", r.num, r.denom))
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::SRational(v)) => v
            .iter()
            .map(|r| format!("{}/{}", r.num, r.denom))
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::Ascii(v)) => v
            .iter()
            .map(|s| {
                let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
                String::from_utf8_lossy(&s[..end]).into_owned()
            })
            .collect::<Vec<_>>()
            .join(" "),
        (Tag::UserComment, Value::Undefined(b, _)) if b.len() >= 8 => {
            // 8-byte character code, then the text.
            let text = &b[8..];
            let end = text.iter().position(|&c| c == 0).unwrap_or(text.len());
            String::from_utf8_lossy(&text[..end]).trim_end().to_string()
        }
        (_, Value::Undefined(b, _)) => {
            if !b.is_empty() && b.iter().all(|c| (0x20..0x7f).contains(c)) {
                String::from_utf8_lossy(b).into_owned()
            } else {
                join(b)
            }
        }
        (_, Value::Float(v)) => join(v),
        (_, Value::Double(v)) => join(v),
        (_, Value::Unknown(..)) => String::new(),
    }
}
