//! ListObjects over the sorted `objects` table.
//!
//! A page costs one range scan that starts at the first candidate key. A
//! rolled-up common prefix is skipped in one seek (the scan restarts at the
//! prefix's successor), so the work per page depends on the page size, not
//! on how many keys the bucket, other buckets or other prefixes hold.

use std::ops::Bound;

use redb::ReadOnlyTable;

use crate::storage::index::{decode, object_key, prefix_successor, ObjectRecord};
use crate::storage::rules::list_page;
use crate::storage::{Error, ListEntry, ListPage, ListQuery, Result};

fn utf8(b: &[u8]) -> Result<&str> {
    std::str::from_utf8(b).map_err(|e| Error::Index(format!("stored key is not UTF-8: {e}")))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How much of the index one page cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ScanCost {
    /// Index entries read.
    pub(crate) entries: u64,
    /// Range scans opened: the first, then one per rolled-up common prefix
    /// skipped.
    pub(crate) seeks: u64,
}

/// One page of `bucket` (which must exist) per `q`.
///
/// `max_keys` of 0 is treated as 1.
pub(crate) fn list_objects(
    objects: &ReadOnlyTable<&'static [u8], &'static [u8]>,
    bucket: &str,
    q: &ListQuery,
) -> Result<ListPage> {
    list_objects_costed(objects, bucket, q).map(|(page, _)| page)
}

/// [`list_objects`], also telling how many index entries and range scans
/// the page took.
pub(crate) fn list_objects_costed(
    objects: &ReadOnlyTable<&'static [u8], &'static [u8]>,
    bucket: &str,
    q: &ListQuery,
) -> Result<(ListPage, ScanCost)> {
    let mut cost = ScanCost::default();
    let want = q.max_keys.max(1);
    let plen = bucket.len() + 1;
    let first = object_key(bucket, &q.prefix);
    // `first` ends with `\0` or a byte of UTF-8 text, never 0xFF.
    let Some(end) = prefix_successor(&first) else {
        return Ok((ListPage::default(), cost));
    };
    let mut lower = if q.start_after.as_str() >= q.prefix.as_str() {
        Bound::Excluded(object_key(bucket, &q.start_after))
    } else {
        Bound::Included(first)
    };
    let delim = q.delimiter.as_bytes();
    let mut entries = Vec::new();
    let mut truncated = false;
    'scan: loop {
        let lo = match &lower {
            Bound::Included(v) | Bound::Excluded(v) => v.as_slice(),
            Bound::Unbounded => &[],
        };
        if lo >= end.as_slice() {
            break;
        }
        let lower_ref = match &lower {
            Bound::Included(v) => Bound::Included(v.as_slice()),
            Bound::Excluded(v) => Bound::Excluded(v.as_slice()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let range = objects.range::<&[u8]>((lower_ref, Bound::Excluded(end.as_slice())))?;
        cost.seeks += 1;
        for item in range {
            let (k, v) = item?;
            cost.entries += 1;
            let full = k.value();
            let key = &full[plen..];
            let rest = &key[q.prefix.len()..];
            if let Some(i) = find(rest, delim) {
                let cp_len = q.prefix.len() + i + delim.len();
                let cp = utf8(&key[..cp_len])?;
                if cp > q.start_after.as_str() {
                    if entries.len() == want {
                        truncated = true;
                        break 'scan;
                    }
                    entries.push(ListEntry::CommonPrefix(cp.to_owned()));
                }
                match prefix_successor(&full[..plen + cp_len]) {
                    Some(next) => {
                        lower = Bound::Included(next);
                        continue 'scan;
                    }
                    None => break 'scan,
                }
            }
            if entries.len() == want {
                truncated = true;
                break 'scan;
            }
            let rec: ObjectRecord = decode(v.value())?;
            entries.push(ListEntry::Object(rec.info(utf8(key)?)));
        }
        break;
    }
    Ok((list_page(entries, truncated), cost))
}
