//! Objects on local disk plus the embedded metadata index.
//!
//! Bucket and object semantics live here with their own domain types; the
//! HTTP layer translates them to and from the OSS wire model.

use std::path::Path;
use std::time::SystemTime;

use tokio::io::AsyncRead;

pub mod error;

pub use error::{Error, Result};

/// An access control setting of a bucket or an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Acl {
    /// Objects only: inherit the bucket's ACL.
    #[default]
    Default,
    /// Only signed requests.
    Private,
    /// Anonymous reads allowed.
    PublicRead,
    /// Anonymous reads and writes allowed.
    PublicReadWrite,
}

/// How an object was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    /// PutObject or CopyObject.
    Normal,
    /// CompleteMultipartUpload.
    Multipart,
    /// AppendObject.
    Appendable,
}

/// A bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketInfo {
    /// Name.
    pub name: String,
    /// Creation time.
    pub created: SystemTime,
    /// Bucket ACL (never `Default`).
    pub acl: Acl,
}

/// Usage numbers of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BucketStat {
    /// Total bytes of all objects.
    pub storage: u64,
    /// Number of objects.
    pub object_count: u64,
    /// Number of unfinished multipart uploads.
    pub multipart_upload_count: u64,
}

/// Metadata the client sets on an object and gets back verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectMeta {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Expires`.
    pub expires: Option<String>,
    /// User metadata: (lower-cased name without the `x-oss-meta-` prefix, value).
    pub user: Vec<(String, String)>,
}

/// A stored object's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag without quotes: upper-case hex MD5, or `<hex>-<parts>` for multipart.
    pub etag: String,
    /// Last modification time (whole seconds).
    pub last_modified: SystemTime,
    /// CRC-64/XZ of the whole object.
    pub crc64: u64,
    /// MD5 of the content, for objects created by a single PutObject.
    pub content_md5: Option<[u8; 16]>,
    /// How it was created.
    pub object_type: ObjectType,
    /// Object ACL (`Default` = the bucket's).
    pub acl: Acl,
    /// Client-set metadata.
    pub meta: ObjectMeta,
}

/// Options of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Fail with `FileAlreadyExists` when the key exists.
    pub forbid_overwrite: bool,
    /// The body must have this MD5 (`InvalidDigest` otherwise).
    pub expected_md5: Option<[u8; 16]>,
    /// Largest accepted body (`EntityTooLarge` beyond).
    pub max_size: u64,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            forbid_overwrite: false,
            expected_md5: None,
            max_size: 5 * 1024 * 1024 * 1024,
        }
    }
}

/// What CopyObject does with metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataDirective {
    /// Keep the source's metadata.
    Copy,
    /// Replace it with this.
    Replace(ObjectMeta),
}

/// An open object: its description and a file handle positioned at 0.
///
/// The handle stays valid if the object is overwritten or deleted meanwhile.
#[derive(Debug)]
pub struct ObjectReader {
    /// The object.
    pub info: ObjectInfo,
    /// The blob, opened for reading.
    pub file: tokio::fs::File,
}

/// A listing request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Only keys starting with this.
    pub prefix: String,
    /// Roll keys up at the first occurrence of this after the prefix (empty = none).
    pub delimiter: String,
    /// Only keys (and common prefixes) strictly greater than this.
    pub start_after: String,
    /// Most entries (objects plus common prefixes) to return (1..=1000).
    pub max_keys: usize,
}

/// One listed entry, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// An object.
    Object(ObjectInfo),
    /// A rolled-up prefix (ends with the delimiter).
    CommonPrefix(String),
}

/// A page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListPage {
    /// Entries in ascending byte order.
    pub entries: Vec<ListEntry>,
    /// More entries follow.
    pub is_truncated: bool,
    /// The last key or prefix returned, when truncated.
    pub next_marker: Option<String>,
}

/// An unfinished multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadInfo {
    /// Key.
    pub key: String,
    /// Upload ID.
    pub upload_id: String,
    /// When it was initiated.
    pub initiated: SystemTime,
}

/// A page of ListMultipartUploads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UploadsPage {
    /// Uploads ordered by key, then initiation.
    pub uploads: Vec<UploadInfo>,
    /// Rolled-up prefixes when a delimiter was given.
    pub common_prefixes: Vec<String>,
    /// More follow.
    pub is_truncated: bool,
    /// Key marker for the next page.
    pub next_key_marker: String,
    /// Upload-id marker for the next page.
    pub next_upload_id_marker: String,
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    /// Part number (1..=10000).
    pub part_number: u32,
    /// ETag without quotes (upper-case hex MD5).
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// CRC-64/XZ of the part.
    pub crc64: u64,
    /// Upload time.
    pub last_modified: SystemTime,
}

/// A page of ListParts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartsPage {
    /// Parts in ascending number.
    pub parts: Vec<PartInfo>,
    /// More follow.
    pub is_truncated: bool,
    /// Marker for the next page (0 when empty).
    pub next_part_number_marker: u32,
}

/// A stored image-processing style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// Name.
    pub name: String,
    /// Processing string (`image/...`).
    pub content: String,
    /// Category (`image`).
    pub category: String,
    /// Creation time.
    pub created: SystemTime,
    /// Last change.
    pub modified: SystemTime,
}

/// The object store: blobs on disk plus the metadata index. Cheap to clone.
#[derive(Clone)]
pub struct Store {}

impl Store {
    /// Opens (creating if needed) a store in `dir` and sweeps stale temp files.
    pub fn open(dir: &Path) -> Result<Store> {
        todo!("{dir:?}")
    }

    // ---- buckets ----------------------------------------------------------

    /// Creates a bucket (`BucketAlreadyExists` if it exists).
    pub fn create_bucket(&self, name: &str, acl: Acl) -> Result<BucketInfo> {
        todo!("{name} {acl:?}")
    }

    /// Deletes an empty bucket with its styles.
    pub fn delete_bucket(&self, name: &str) -> Result<()> {
        todo!("{name}")
    }

    /// Looks a bucket up (`NoSuchBucket`).
    pub fn bucket(&self, name: &str) -> Result<BucketInfo> {
        todo!("{name}")
    }

    /// Buckets with names starting with `prefix` and greater than `marker`,
    /// sorted; the flag says whether more follow.
    pub fn list_buckets(
        &self,
        prefix: &str,
        marker: &str,
        max: usize,
    ) -> Result<(Vec<BucketInfo>, bool)> {
        todo!("{prefix} {marker} {max}")
    }

    /// Sets a bucket's ACL.
    pub fn set_bucket_acl(&self, name: &str, acl: Acl) -> Result<()> {
        todo!("{name} {acl:?}")
    }

    /// Usage numbers of a bucket.
    pub fn bucket_stat(&self, name: &str) -> Result<BucketStat> {
        todo!("{name}")
    }

    // ---- objects ----------------------------------------------------------

    /// Writes an object from a body stream; replaces any existing one atomically.
    pub async fn put_object<R: AsyncRead + Unpin + Send>(
        &self,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        acl: Acl,
        body: R,
        opts: WriteOptions,
    ) -> Result<ObjectInfo> {
        let _ = (bucket, key, meta, acl, body, opts);
        todo!()
    }

    /// Describes an object (`NoSuchBucket`, `NoSuchKey`).
    pub fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo> {
        todo!("{bucket} {key}")
    }

    /// Opens an object for reading.
    pub async fn open_object(&self, bucket: &str, key: &str) -> Result<ObjectReader> {
        todo!("{bucket} {key}")
    }

    /// Deletes an object; a missing key is not an error (a missing bucket is).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<()> {
        todo!("{bucket} {key}")
    }

    /// Copies an object (possibly onto itself); the copy is `Normal` and keeps
    /// the source's ETag.
    #[allow(clippy::too_many_arguments)]
    pub async fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        dst_key: &str,
        directive: MetadataDirective,
        acl: Option<Acl>,
        opts: WriteOptions,
    ) -> Result<ObjectInfo> {
        let _ = (
            src_bucket, src_key, dst_bucket, dst_key, directive, acl, opts,
        );
        todo!()
    }

    /// Appends to an `Appendable` object (creating it at position 0).
    #[allow(clippy::too_many_arguments)]
    pub async fn append_object<R: AsyncRead + Unpin + Send>(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        meta: ObjectMeta,
        acl: Acl,
        body: R,
        opts: WriteOptions,
    ) -> Result<ObjectInfo> {
        let _ = (bucket, key, position, meta, acl, body, opts);
        todo!()
    }

    /// Sets an object's ACL.
    pub fn set_object_acl(&self, bucket: &str, key: &str, acl: Acl) -> Result<()> {
        todo!("{bucket} {key} {acl:?}")
    }

    /// Lists one page of a bucket from the sorted index.
    pub fn list_objects(&self, bucket: &str, query: &ListQuery) -> Result<ListPage> {
        todo!("{bucket} {query:?}")
    }

    // ---- multipart --------------------------------------------------------

    /// Starts a multipart upload and returns its ID.
    pub fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        acl: Acl,
    ) -> Result<String> {
        todo!("{bucket} {key} {meta:?} {acl:?}")
    }

    /// Stores (or replaces) one part.
    pub async fn upload_part<R: AsyncRead + Unpin + Send>(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: R,
        opts: WriteOptions,
    ) -> Result<PartInfo> {
        let _ = (bucket, key, upload_id, part_number, body, opts);
        todo!()
    }

    /// Stores a part copied from (a byte range of) another object.
    #[allow(clippy::too_many_arguments)]
    pub async fn upload_part_copy(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        src_bucket: &str,
        src_key: &str,
        range: Option<(u64, u64)>,
    ) -> Result<PartInfo> {
        let _ = (
            bucket,
            key,
            upload_id,
            part_number,
            src_bucket,
            src_key,
            range,
        );
        todo!()
    }

    /// Completes an upload from the listed (part number, ETag) pairs, or from
    /// all uploaded parts when `parts` is `None`.
    pub async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Option<Vec<(u32, String)>>,
        acl: Option<Acl>,
        opts: WriteOptions,
    ) -> Result<ObjectInfo> {
        let _ = (bucket, key, upload_id, parts, acl, opts);
        todo!()
    }

    /// Aborts an upload and removes its parts.
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        todo!("{bucket} {key} {upload_id}")
    }

    /// Lists unfinished uploads.
    pub fn list_multipart_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        upload_id_marker: &str,
        max_uploads: usize,
    ) -> Result<UploadsPage> {
        todo!("{bucket} {prefix} {delimiter} {key_marker} {upload_id_marker} {max_uploads}")
    }

    /// Lists the parts of an upload after `part_number_marker`.
    pub fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number_marker: u32,
        max_parts: usize,
    ) -> Result<PartsPage> {
        todo!("{bucket} {key} {upload_id} {part_number_marker} {max_parts}")
    }

    // ---- styles -----------------------------------------------------------

    /// Creates or replaces a style (`TooManyStyles` past 50).
    pub fn put_style(&self, bucket: &str, name: &str, content: &str, category: &str) -> Result<()> {
        todo!("{bucket} {name} {content} {category}")
    }

    /// Looks a style up (`NoSuchStyle`).
    pub fn get_style(&self, bucket: &str, name: &str) -> Result<Style> {
        todo!("{bucket} {name}")
    }

    /// All styles of a bucket, by name.
    pub fn list_styles(&self, bucket: &str) -> Result<Vec<Style>> {
        todo!("{bucket}")
    }

    /// Deletes a style (missing is not an error).
    pub fn delete_style(&self, bucket: &str, name: &str) -> Result<()> {
        todo!("{bucket} {name}")
    }
}
