//! Multipart rules both backends share: upload ids, part numbers, which
//! parts a completion takes, the multipart ETag, and the uploads listing.

use md5::{Digest as _, Md5};

use super::index::{from_millis, hex_upper, ObjectRecord, PartRecord};
use super::{Error, ListEntry, ListPage, Result, UploadInfo, UploadsPage, WriteOptions};

/// Highest part number the store accepts (OSS's limit).
pub const MAX_PART_NUMBER: u32 = 10_000;

/// `FileAlreadyExists` when overwriting is forbidden and `old` exists.
pub(crate) fn forbid_check(forbid: bool, old: Option<&ObjectRecord>) -> Result<()> {
    if forbid && old.is_some() {
        Err(Error::FileAlreadyExists)
    } else {
        Ok(())
    }
}

/// A ListObjects page from its entries; the next marker is the last entry
/// when truncated.
pub(crate) fn list_page(entries: Vec<ListEntry>, truncated: bool) -> ListPage {
    let next_marker = if truncated {
        entries.last().map(|e| match e {
            ListEntry::Object(o) => o.key.clone(),
            ListEntry::CommonPrefix(p) => p.clone(),
        })
    } else {
        None
    };
    ListPage {
        entries,
        is_truncated: truncated,
        next_marker,
    }
}

/// A new upload id: 32 upper-case hex digits, time-ordered, so that sorting
/// by id sorts the uploads of one key by initiation.
pub(crate) fn new_upload_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    format!("{nanos:016X}{:016X}", rand::random::<u64>())
}

/// An ETag as clients send it back: without quotes, upper-case.
pub(crate) fn normalize_etag(e: &str) -> String {
    e.trim().trim_matches('"').to_ascii_uppercase()
}

/// `InvalidPart` (with an empty ETag) outside 1..=10000.
pub(crate) fn check_part_number(n: u32) -> Result<()> {
    if (1..=MAX_PART_NUMBER).contains(&n) {
        Ok(())
    } else {
        Err(Error::InvalidPart {
            part_number: n,
            etag: String::new(),
        })
    }
}

/// The parts a completion takes: the listed (number, ETag) pairs checked
/// against `uploaded` (ascending), or all of `uploaded` when `listed` is
/// `None`. Also checks order, `opts.min_part_size` (every part but the
/// last) and `opts.max_size` (the assembled total), and returns the
/// object's ETag (`<MD5 of the part MD5s>-<count>`).
pub(crate) fn choose_parts(
    uploaded: Vec<(u32, PartRecord)>,
    listed: Option<Vec<(u32, String)>>,
    opts: &WriteOptions,
) -> Result<(Vec<(u32, PartRecord)>, String)> {
    let chosen: Vec<(u32, PartRecord)> = match listed {
        None => uploaded,
        Some(list) => {
            if list.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(Error::InvalidPartOrder);
            }
            let mut chosen = Vec::with_capacity(list.len());
            for (n, etag) in list {
                let found = uploaded
                    .binary_search_by_key(&n, |(m, _)| *m)
                    .ok()
                    .and_then(|i| uploaded.get(i))
                    .filter(|(_, p)| normalize_etag(&etag) == hex_upper(&p.md5));
                match found {
                    Some(p) => chosen.push(p.clone()),
                    None => {
                        return Err(Error::InvalidPart {
                            part_number: n,
                            etag,
                        })
                    }
                }
            }
            chosen
        }
    };
    let Some((_, init)) = chosen.split_last() else {
        return Err(Error::InvalidPart {
            part_number: 0,
            etag: String::new(),
        });
    };
    if init.iter().any(|(_, p)| p.size < opts.min_part_size) {
        return Err(Error::EntityTooSmall);
    }
    let total: u64 = chosen.iter().map(|(_, p)| p.size).sum();
    if total > opts.max_size {
        return Err(Error::EntityTooLarge);
    }
    let mut md5s = Md5::new();
    for (_, p) in &chosen {
        md5s.update(p.md5);
    }
    let etag = format!("{}-{}", hex_upper(&md5s.finalize()), chosen.len());
    Ok((chosen, etag))
}

/// One page of ListMultipartUploads from `uploads`: (key, upload id,
/// initiation in ms), sorted by key then id, starting at or before the
/// first candidate (at `max(key_marker, prefix)`).
///
/// Uploads come by key, then initiation. With `upload_id_marker` empty,
/// listing starts after all uploads of `key_marker`; otherwise after that
/// upload of `key_marker`. Each common prefix counts once toward
/// `max_uploads` (0 is treated as 1). The next markers are the last upload
/// or prefix returned when truncated, else empty.
pub(crate) fn page_uploads(
    uploads: impl IntoIterator<Item = Result<(String, String, u64)>>,
    prefix: &str,
    delimiter: &str,
    key_marker: &str,
    upload_id_marker: &str,
    max_uploads: usize,
) -> Result<UploadsPage> {
    let want = max_uploads.max(1);
    let mut page = UploadsPage::default();
    let mut count = 0usize;
    let mut last: Option<(String, String)> = None;
    for item in uploads {
        let (key, id, initiated) = item?;
        if !key.starts_with(prefix) {
            if key.as_str() > prefix {
                break;
            }
            continue;
        }
        let after_marker = if upload_id_marker.is_empty() {
            key.as_str() > key_marker
        } else {
            key.as_str() > key_marker || (key == key_marker && id.as_str() > upload_id_marker)
        };
        if !after_marker {
            continue;
        }
        let rest = &key[prefix.len()..];
        let cp = if delimiter.is_empty() {
            None
        } else {
            rest.find(delimiter)
                .map(|i| &key[..prefix.len() + i + delimiter.len()])
        };
        if let Some(cp) = cp {
            if page.common_prefixes.last().map(String::as_str) == Some(cp) || cp <= key_marker {
                continue;
            }
            if count == want {
                page.is_truncated = true;
                break;
            }
            page.common_prefixes.push(cp.to_owned());
            last = Some((cp.to_owned(), String::new()));
            count += 1;
            continue;
        }
        if count == want {
            page.is_truncated = true;
            break;
        }
        page.uploads.push(UploadInfo {
            key: key.clone(),
            upload_id: id.clone(),
            initiated: from_millis(initiated),
        });
        last = Some((key, id));
        count += 1;
    }
    if page.is_truncated {
        if let Some((k, u)) = last {
            page.next_key_marker = k;
            page.next_upload_id_marker = u;
        }
    }
    Ok(page)
}
