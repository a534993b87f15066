//! Objects on local disk plus the embedded metadata index.
//!
//! Bucket and object semantics live here with their own domain types; the
//! HTTP layer translates them to and from the OSS wire model.

use std::path::Path;
use std::time::SystemTime;

use tokio::io::AsyncRead;

mod blob;
pub mod error;
mod index;
mod local;
mod rules;
pub mod s3;
#[cfg(test)]
mod tests;

pub(crate) use blob::{create_dir_durable, fsync_dir};
pub use error::{Error, Result};
pub use rules::MAX_PART_NUMBER;

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
    /// Largest accepted body (`EntityTooLarge` beyond); for a multipart
    /// completion, the largest assembled object.
    pub max_size: u64,
    /// Multipart completion only: smallest size of every part but the last
    /// (`EntityTooSmall` below).
    pub min_part_size: u64,
}

impl Default for WriteOptions {
    /// OSS's limits: 5 GiB bodies, 100 KiB parts.
    fn default() -> Self {
        WriteOptions {
            forbid_overwrite: false,
            expected_md5: None,
            max_size: 5 * 1024 * 1024 * 1024,
            min_part_size: 100 * 1024,
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

/// An open object: its description and where its bytes are.
///
/// Reading yields the content the object had when it was opened, even if it
/// is overwritten or deleted meanwhile (a local file handle stays valid; a
/// replaced S3 blob is removed only after a grace period).
#[derive(Debug)]
pub struct ObjectReader {
    /// The object.
    pub info: ObjectInfo,
    source: Source,
}

#[derive(Debug)]
enum Source {
    File(tokio::fs::File),
    Remote(s3::BlobRef),
}

/// A stream of an object's bytes.
pub type ByteStream = futures::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>;

/// Chunk size when streaming a local blob: each chunk is one read on the
/// blocking pool (four hand-offs for a 4 MiB object), and a response holds
/// at most two (the one being sent and the one read ahead).
const READ_CHUNK: u64 = 1024 * 1024;

impl ObjectReader {
    /// Streams `len` bytes starting at `start` (the caller keeps the range
    /// inside the object).
    pub async fn stream(self, start: u64, len: u64) -> Result<ByteStream> {
        use futures::StreamExt as _;
        match self.source {
            Source::File(file) => {
                if len == 0 {
                    return Ok(futures::stream::empty().boxed());
                }
                let file = file.into_std().await;
                Ok(file_chunks(file, start, len))
            }
            Source::Remote(blob) => blob.stream(start, len).await,
        }
    }

    /// The whole content, refusing objects larger than `max` bytes
    /// (`EntityTooLarge`).
    pub async fn read_all(self, max: u64) -> Result<Vec<u8>> {
        use futures::TryStreamExt as _;
        if self.info.size > max {
            return Err(Error::EntityTooLarge);
        }
        let size = self.info.size;
        let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        if let Source::File(file) = self.source {
            // One blocking read straight into the buffer: no chunking, no
            // intermediate copies, one hop to the blocking pool.
            let mut file = file.into_std().await;
            return tokio::task::spawn_blocking(move || {
                use std::io::Read as _;
                (&mut file).take(size).read_to_end(&mut out)?;
                Ok(out)
            })
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))?
            .map_err(Error::Io);
        }
        let mut s = self.stream(0, size).await?;
        while let Some(chunk) = s.try_next().await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

/// A read of the next chunk of a local blob, on the blocking pool. It hands
/// the file back so the following chunk continues where this one ended.
type ChunkRead = tokio::task::JoinHandle<std::io::Result<(std::fs::File, bytes::Bytes)>>;

/// Read buffers given back once their bytes were sent, for the next chunk.
/// A fresh 1 MiB allocation per chunk cost more in page faults and page
/// zeroing (about 8% of the CPU of serving a 4 MB object) than the reads.
static READ_BUFFERS: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// Buffers kept in [`READ_BUFFERS`]: two per response at 8 concurrent
/// responses, 16 MiB at most.
const READ_BUFFERS_KEPT: usize = 16;

/// A chunk's buffer, returned to [`READ_BUFFERS`] when dropped.
struct ReadBuffer(Vec<u8>);

impl ReadBuffer {
    /// An empty buffer with room for [`READ_CHUNK`] bytes.
    fn take() -> ReadBuffer {
        let kept = READ_BUFFERS.lock().unwrap_or_else(|e| e.into_inner()).pop();
        ReadBuffer(kept.unwrap_or_else(|| Vec::with_capacity(READ_CHUNK as usize)))
    }
}

impl AsRef<[u8]> for ReadBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for ReadBuffer {
    fn drop(&mut self) {
        let mut buf = std::mem::take(&mut self.0);
        if buf.capacity() != READ_CHUNK as usize {
            return;
        }
        buf.clear();
        let mut kept = READ_BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() < READ_BUFFERS_KEPT {
            kept.push(buf);
        }
    }
}

/// Reads `n` (at most [`READ_CHUNK`]) bytes at the file's position (after
/// seeking to `seek` if set) straight into the buffer that is sent.
fn read_chunk(mut file: std::fs::File, seek: Option<u64>, n: u64) -> ChunkRead {
    tokio::task::spawn_blocking(move || {
        use std::io::{Read as _, Seek as _};
        if let Some(at) = seek {
            file.seek(std::io::SeekFrom::Start(at))?;
        }
        let mut buf = ReadBuffer::take();
        (&mut file).take(n).read_to_end(&mut buf.0)?;
        if (buf.0.len() as u64) < n {
            // The blob is shorter than its index entry says: fail the body
            // rather than send fewer bytes than the Content-Length promised.
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok((file, bytes::Bytes::from_owner(buf)))
    })
}

/// `len` bytes of a local blob from `start`, in [`READ_CHUNK`] pieces, the
/// next one read while the current one is being sent.
fn file_chunks(file: std::fs::File, start: u64, len: u64) -> ByteStream {
    use futures::StreamExt as _;
    let first = len.min(READ_CHUNK);
    let state = Some((read_chunk(file, Some(start), first), len - first));
    futures::stream::unfold(state, |state| async move {
        let (read, left) = state?;
        let (file, chunk) = match read.await {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => return Some((Err(e), None)),
            Err(e) => return Some((Err(std::io::Error::other(e)), None)),
        };
        let next = (left > 0).then(|| {
            let n = left.min(READ_CHUNK);
            (read_chunk(file, None, n), left - n)
        });
        Some((Ok(chunk), next))
    })
    .boxed()
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
#[allow(clippy::large_enum_variant)] // entries live in a Vec of at most 1000
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

/// The object store: the local backend (blobs on disk plus an embedded
/// index) or the S3 backend (everything in one bucket of an S3-compatible
/// store, shared by several nodes). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    Local(local::LocalStore),
    S3(s3::S3Store),
}

/// Runs the same call on whichever backend the store has.
macro_rules! dispatch {
    ($self:ident . $m:ident ( $($a:expr),* )) => {
        match &$self.backend {
            Backend::Local(b) => b.$m($($a),*),
            Backend::S3(b) => b.$m($($a),*).await,
        }
    };
    (async $self:ident . $m:ident ( $($a:expr),* )) => {
        match &$self.backend {
            Backend::Local(b) => b.$m($($a),*).await,
            Backend::S3(b) => b.$m($($a),*).await,
        }
    };
}

impl Store {
    /// Opens (creating if needed) a local store in `dir` and sweeps stale
    /// temp files and orphan blobs.
    pub fn open(dir: &Path) -> Result<Store> {
        Ok(Store {
            backend: Backend::Local(local::LocalStore::open(dir)?),
        })
    }

    /// Connects to an S3-compatible store and checks that its bucket answers.
    pub async fn open_s3(config: &s3::S3Config) -> Result<Store> {
        Ok(Store {
            backend: Backend::S3(s3::S3Store::open(config).await?),
        })
    }

    /// The local backend, for tests that look inside it.
    #[cfg(test)]
    fn local(&self) -> Option<&local::LocalStore> {
        match &self.backend {
            Backend::Local(l) => Some(l),
            Backend::S3(_) => None,
        }
    }

    /// Which backend this is: `local` or `s3`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Local(_) => "local",
            Backend::S3(_) => "s3",
        }
    }

    // ---- buckets ----------------------------------------------------------

    /// Creates a bucket (`BucketAlreadyExists` if it exists); `Acl::Default`
    /// is stored as `Private`.
    pub async fn create_bucket(&self, name: &str, acl: Acl) -> Result<BucketInfo> {
        dispatch!(self.create_bucket(name, acl))
    }

    /// Deletes an empty bucket with its styles.
    pub async fn delete_bucket(&self, name: &str) -> Result<()> {
        dispatch!(self.delete_bucket(name))
    }

    /// Looks a bucket up (`NoSuchBucket`).
    pub async fn bucket(&self, name: &str) -> Result<BucketInfo> {
        dispatch!(self.bucket(name))
    }

    /// Buckets with names starting with `prefix` and greater than `marker`,
    /// sorted; the flag says whether more follow.
    pub async fn list_buckets(
        &self,
        prefix: &str,
        marker: &str,
        max: usize,
    ) -> Result<(Vec<BucketInfo>, bool)> {
        dispatch!(self.list_buckets(prefix, marker, max))
    }

    /// Sets a bucket's ACL (`Acl::Default` means `Private`).
    pub async fn set_bucket_acl(&self, name: &str, acl: Acl) -> Result<()> {
        dispatch!(self.set_bucket_acl(name, acl))
    }

    /// Usage numbers of a bucket.
    pub async fn bucket_stat(&self, name: &str) -> Result<BucketStat> {
        dispatch!(self.bucket_stat(name))
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
        dispatch!(async self.put_object(bucket, key, meta, acl, body, opts))
    }

    /// Describes an object (`NoSuchBucket`, `NoSuchKey`).
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo> {
        dispatch!(self.head_object(bucket, key))
    }

    /// Opens an object for reading.
    pub async fn open_object(&self, bucket: &str, key: &str) -> Result<ObjectReader> {
        match &self.backend {
            Backend::Local(b) => {
                let (info, file) = b.open_object(bucket, key).await?;
                Ok(ObjectReader {
                    info,
                    source: Source::File(file),
                })
            }
            Backend::S3(b) => {
                let (info, blob) = b.open_object(bucket, key).await?;
                Ok(ObjectReader {
                    info,
                    source: Source::Remote(blob),
                })
            }
        }
    }

    /// Deletes an object; a missing key is not an error (a missing bucket is).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<()> {
        dispatch!(async self.delete_object(bucket, key))
    }

    /// Copies an object (possibly onto itself); the copy is `Normal` and keeps
    /// the source's ETag. The copy gets `acl`, or `Acl::Default` when `None`
    /// (a copy onto itself keeps its ACL when `None`).
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
        dispatch!(async self.copy_object(src_bucket, src_key, dst_bucket, dst_key, directive, acl, opts))
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
        dispatch!(async self.append_object(bucket, key, position, meta, acl, body, opts))
    }

    /// Sets an object's ACL.
    pub async fn set_object_acl(&self, bucket: &str, key: &str, acl: Acl) -> Result<()> {
        dispatch!(self.set_object_acl(bucket, key, acl))
    }

    /// Lists one page of a bucket in key order.
    pub async fn list_objects(&self, bucket: &str, query: &ListQuery) -> Result<ListPage> {
        dispatch!(self.list_objects(bucket, query))
    }

    // ---- styles -----------------------------------------------------------

    /// Creates or replaces a style (`TooManyStyles` past 50); replacing keeps
    /// the creation time.
    pub async fn put_style(
        &self,
        bucket: &str,
        name: &str,
        content: &str,
        category: &str,
    ) -> Result<()> {
        dispatch!(self.put_style(bucket, name, content, category))
    }

    /// Looks a style up (`NoSuchStyle`).
    pub async fn get_style(&self, bucket: &str, name: &str) -> Result<Style> {
        dispatch!(self.get_style(bucket, name))
    }

    /// All styles of a bucket, by name.
    pub async fn list_styles(&self, bucket: &str) -> Result<Vec<Style>> {
        dispatch!(self.list_styles(bucket))
    }

    /// Deletes a style (missing is not an error).
    pub async fn delete_style(&self, bucket: &str, name: &str) -> Result<()> {
        dispatch!(self.delete_style(bucket, name))
    }

    // ---- multipart --------------------------------------------------------

    /// Starts a multipart upload and returns its ID.
    pub async fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        acl: Acl,
    ) -> Result<String> {
        dispatch!(self.create_multipart_upload(bucket, key, meta, acl))
    }

    /// Stores (or replaces) one part; a part number outside 1..=10000 is
    /// `InvalidPart` with an empty ETag.
    pub async fn upload_part<R: AsyncRead + Unpin + Send>(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: R,
        opts: WriteOptions,
    ) -> Result<PartInfo> {
        dispatch!(async self.upload_part(bucket, key, upload_id, part_number, body, opts))
    }

    /// Stores a part copied from (an inclusive byte range of) another object;
    /// a copied length above `max_len` is `EntityTooLarge`.
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
        max_len: u64,
    ) -> Result<PartInfo> {
        dispatch!(async self.upload_part_copy(bucket, key, upload_id, part_number, src_bucket, src_key, range, max_len))
    }

    /// Completes an upload from the listed (part number, ETag) pairs, or from
    /// all uploaded parts when `parts` is `None`. `opts.max_size` bounds the
    /// assembled object and `opts.min_part_size` every part but the last.
    pub async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Option<Vec<(u32, String)>>,
        acl: Option<Acl>,
        opts: WriteOptions,
    ) -> Result<ObjectInfo> {
        dispatch!(async self.complete_multipart_upload(bucket, key, upload_id, parts, acl, opts))
    }

    /// Aborts an upload and removes its parts.
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        dispatch!(async self.abort_multipart_upload(bucket, key, upload_id))
    }

    /// Lists unfinished uploads by key, then initiation.
    pub async fn list_multipart_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        upload_id_marker: &str,
        max_uploads: usize,
    ) -> Result<UploadsPage> {
        dispatch!(self.list_multipart_uploads(
            bucket,
            prefix,
            delimiter,
            key_marker,
            upload_id_marker,
            max_uploads
        ))
    }

    /// Lists the parts of an upload after `part_number_marker`.
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number_marker: u32,
        max_parts: usize,
    ) -> Result<PartsPage> {
        dispatch!(self.list_parts(bucket, key, upload_id, part_number_marker, max_parts))
    }
}
