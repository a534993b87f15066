//! The embedded metadata index (redb): table layout, stored records and
//! their conversions to the public domain types.
//!
//! Tables (all sorted by key):
//!
//! | table | key | value |
//! | --- | --- | --- |
//! | `buckets` | bucket name | [`BucketRecord`] |
//! | `stats` | bucket name | (bytes, objects, unfinished uploads) |
//! | `objects` | bucket `\0` key bytes | [`ObjectRecord`] |
//! | `uploads` | (bucket, key, upload id) | [`UploadRecord`] |
//! | `parts` | (upload id, part number) | [`PartRecord`] |
//! | `styles` | (bucket, style name) | [`StyleRecord`] |
//! | `blobs` | blob id | `()`: every blob the index references |
//!
//! Bucket names never contain `\0`, so the keys of one bucket form one
//! contiguous range of `objects`, sorted by the key's bytes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::{Acl, BucketInfo, Error, ObjectInfo, ObjectMeta, ObjectType, PartInfo, Style};

pub(crate) const BUCKETS: TableDefinition<&str, &[u8]> = TableDefinition::new("buckets");
pub(crate) const STATS: TableDefinition<&str, (u64, u64, u64)> = TableDefinition::new("stats");
pub(crate) const OBJECTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("objects");
pub(crate) const UPLOADS: TableDefinition<(&str, &str, &str), &[u8]> =
    TableDefinition::new("uploads");
pub(crate) const PARTS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("parts");
pub(crate) const STYLES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("styles");
pub(crate) const BLOBS: TableDefinition<&str, ()> = TableDefinition::new("blobs");

/// The `objects` key of (bucket, key).
pub(crate) fn object_key(bucket: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(bucket.len() + 1 + key.len());
    k.extend_from_slice(bucket.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

/// The smallest byte string greater than every string starting with `p`,
/// or `None` when there is none (all bytes `0xFF`).
pub(crate) fn prefix_successor(p: &[u8]) -> Option<Vec<u8>> {
    let mut s = p.to_vec();
    while let Some(last) = s.pop() {
        if last < 0xFF {
            s.push(last + 1);
            return Some(s);
        }
    }
    None
}

macro_rules! index_error {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Index(e.to_string())
            }
        }
    )*};
}

index_error!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    serde_json::Error
);

/// Encodes a record.
pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, Error> {
    Ok(serde_json::to_vec(v)?)
}

/// Decodes a record.
pub(crate) fn decode<'a, T: Deserialize<'a>>(b: &'a [u8]) -> Result<T, Error> {
    Ok(serde_json::from_slice(b)?)
}

/// Seconds since the epoch, now.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A time from seconds since the epoch.
pub(crate) fn from_secs(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

/// A time from milliseconds since the epoch.
pub(crate) fn from_millis(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// Upper-case hex.
pub(crate) fn hex_upper(b: &[u8]) -> String {
    hex::encode_upper(b)
}

pub(crate) fn acl_to_u8(a: Acl) -> u8 {
    match a {
        Acl::Default => 0,
        Acl::Private => 1,
        Acl::PublicRead => 2,
        Acl::PublicReadWrite => 3,
    }
}

pub(crate) fn acl_from_u8(v: u8) -> Acl {
    match v {
        1 => Acl::Private,
        2 => Acl::PublicRead,
        3 => Acl::PublicReadWrite,
        _ => Acl::Default,
    }
}

/// The stored code of an object type.
pub(crate) fn type_to_u8(t: ObjectType) -> u8 {
    match t {
        ObjectType::Normal => 0,
        ObjectType::Multipart => 1,
        ObjectType::Appendable => 2,
    }
}

fn type_from_u8(v: u8) -> ObjectType {
    match v {
        1 => ObjectType::Multipart,
        2 => ObjectType::Appendable,
        _ => ObjectType::Normal,
    }
}

/// Stored form of a bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BucketRecord {
    /// Creation, seconds since the epoch.
    pub created: u64,
    /// ACL code.
    pub acl: u8,
}

impl BucketRecord {
    /// A new bucket, now; `Acl::Default` is stored as `Private`.
    pub(crate) fn new(acl: Acl) -> BucketRecord {
        BucketRecord {
            created: now_secs(),
            acl: bucket_acl_code(acl),
        }
    }

    /// The public description under `name`.
    pub(crate) fn info(&self, name: &str) -> BucketInfo {
        BucketInfo {
            name: name.to_owned(),
            created: from_secs(self.created),
            acl: acl_from_u8(bucket_acl_code(acl_from_u8(self.acl))),
        }
    }
}

/// The stored code of a bucket ACL: a bucket has no `Default`, which means
/// `Private`.
pub(crate) fn bucket_acl_code(acl: Acl) -> u8 {
    match acl {
        Acl::Default => acl_to_u8(Acl::Private),
        a => acl_to_u8(a),
    }
}

/// Stored form of [`ObjectMeta`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct MetaRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ct: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ex: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    user: Vec<(String, String)>,
}

impl From<ObjectMeta> for MetaRecord {
    fn from(m: ObjectMeta) -> Self {
        MetaRecord {
            ct: m.content_type,
            ce: m.content_encoding,
            cd: m.content_disposition,
            cl: m.content_language,
            cc: m.cache_control,
            ex: m.expires,
            user: m.user,
        }
    }
}

impl From<MetaRecord> for ObjectMeta {
    fn from(m: MetaRecord) -> Self {
        ObjectMeta {
            content_type: m.ct,
            content_encoding: m.ce,
            content_disposition: m.cd,
            content_language: m.cl,
            cache_control: m.cc,
            expires: m.ex,
            user: m.user,
        }
    }
}

/// Stored form of an object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ObjectRecord {
    /// Blob id.
    pub blob: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag without quotes.
    pub etag: String,
    /// Last modification, seconds since the epoch.
    pub mtime: u64,
    /// CRC-64/XZ.
    pub crc64: u64,
    /// Content MD5 (single PutObject only).
    #[serde(default)]
    pub md5: Option<[u8; 16]>,
    /// Object type code.
    pub otype: u8,
    /// ACL code.
    pub acl: u8,
    /// Client metadata.
    #[serde(default)]
    pub meta: MetaRecord,
}

impl ObjectRecord {
    /// The object's type.
    pub(crate) fn object_type(&self) -> ObjectType {
        type_from_u8(self.otype)
    }

    /// Sets the object's type.
    pub(crate) fn set_type(&mut self, t: ObjectType) {
        self.otype = type_to_u8(t);
    }

    /// The public description under `key`.
    pub(crate) fn info(&self, key: &str) -> ObjectInfo {
        ObjectInfo {
            key: key.to_owned(),
            size: self.size,
            etag: self.etag.clone(),
            last_modified: from_secs(self.mtime),
            crc64: self.crc64,
            content_md5: self.md5,
            object_type: self.object_type(),
            acl: acl_from_u8(self.acl),
            meta: self.meta.clone().into(),
        }
    }
}

/// Stored form of an unfinished multipart upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UploadRecord {
    /// Initiation, milliseconds since the epoch.
    pub initiated: u64,
    /// ACL code for the object.
    pub acl: u8,
    /// Metadata for the object.
    #[serde(default)]
    pub meta: MetaRecord,
}

/// Stored form of an uploaded part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PartRecord {
    /// Blob id.
    pub blob: String,
    /// Size.
    pub size: u64,
    /// MD5 of the part.
    pub md5: [u8; 16],
    /// CRC-64/XZ of the part.
    pub crc64: u64,
    /// Upload time, seconds since the epoch.
    pub mtime: u64,
}

impl PartRecord {
    /// The public description of part `n`.
    pub(crate) fn info(&self, n: u32) -> PartInfo {
        PartInfo {
            part_number: n,
            etag: hex_upper(&self.md5),
            size: self.size,
            crc64: self.crc64,
            last_modified: from_secs(self.mtime),
        }
    }
}

/// Stored form of a style.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StyleRecord {
    /// Processing string.
    pub content: String,
    /// Category.
    pub category: String,
    /// Creation, seconds since the epoch.
    pub created: u64,
    /// Last change, seconds since the epoch.
    pub modified: u64,
}

impl StyleRecord {
    /// The public description under `name`.
    pub(crate) fn style(&self, name: &str) -> Style {
        Style {
            name: name.to_owned(),
            content: self.content.clone(),
            category: self.category.clone(),
            created: from_secs(self.created),
            modified: from_secs(self.modified),
        }
    }
}

/// Adds signed deltas to a bucket's usage numbers.
pub(crate) fn adjust_stats(
    txn: &redb::WriteTransaction,
    bucket: &str,
    storage: i128,
    objects: i64,
    uploads: i64,
) -> Result<(), Error> {
    let mut t = txn.open_table(STATS)?;
    let (s, o, u) = t.get(bucket)?.map(|g| g.value()).unwrap_or((0, 0, 0));
    let add =
        |v: u64, d: i128| -> u64 { u64::try_from((i128::from(v) + d).max(0)).unwrap_or(u64::MAX) };
    let new = (
        add(s, storage),
        add(o, i128::from(objects)),
        add(u, i128::from(uploads)),
    );
    t.insert(bucket, new)?;
    Ok(())
}

/// Whether `bucket` exists, inside a write transaction.
pub(crate) fn bucket_exists_w(txn: &redb::WriteTransaction, bucket: &str) -> Result<bool, Error> {
    let t = txn.open_table(BUCKETS)?;
    let found = t.get(bucket)?.is_some();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_of_prefixes() {
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_successor(b"\xff\xff"), None);
        assert_eq!(prefix_successor(b""), None);
    }

    #[test]
    fn object_keys_group_by_bucket() {
        let a = object_key("b", "zzz");
        let b = object_key("b-1", "");
        assert!(a < b, "all keys of bucket `b` sort before bucket `b-1`");
        assert!(object_key("b", "a") < object_key("b", "a/"));
    }
}
