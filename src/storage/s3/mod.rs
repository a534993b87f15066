//! The S3 backend: every bucket, object, style and upload of ossimg kept in
//! one bucket of an S3-compatible store, so that several stateless nodes
//! serve one dataset.
//!
//! Layout under the configured prefix (see `docs/storage.md`):
//!
//! | S3 key | content |
//! | --- | --- |
//! | `buckets/<bucket>` | JSON: creation time, ACL, styles |
//! | `objects/<bucket>/<encoded key>` | JSON: the object record (size, ETag, CRC-64, type, ACL, metadata, blob id) |
//! | `blobs/<id[0..2]>/<id>` | the object's bytes (immutable) |
//! | `uploads/<bucket>/<upload id>` | JSON: key, initiation, ACL and metadata of an unfinished upload |
//! | `parts/<upload id>/<number>` | JSON: a part's record (size, MD5, CRC-64, blob id) |
//!
//! Writes put the bytes into a fresh blob first and then swap the small
//! record with a conditional PUT (`If-None-Match: *` to create,
//! `If-Match: <etag>` to replace), so a record always points at a complete
//! blob, concurrent writers to one key end with the last complete write,
//! and appends and style edits never lose an update. Replaced blobs are
//! removed after a grace period, so a read that looked up the old record
//! still finds its bytes. The store must support conditional PUTs (AWS S3,
//! MinIO, Cloudflare R2, Ceph RGW and moto do).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt as _, TryStreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload,
    UpdateVersion,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};

mod keys;

use super::blob::{new_id, Hasher, Summary};
use super::index::{
    acl_to_u8, bucket_acl_code, hex_upper, now_millis, now_secs, type_to_u8, BucketRecord,
    MetaRecord, ObjectRecord, PartRecord, StyleRecord, UploadRecord,
};
use super::rules::{
    check_part_number, choose_parts, forbid_check, list_page, new_upload_id, page_uploads,
};
use super::{
    Acl, BucketInfo, BucketStat, ByteStream, Error, ListEntry, ListPage, ListQuery,
    MetadataDirective, ObjectInfo, ObjectMeta, ObjectType, PartInfo, PartsPage, Result, Style,
    UploadsPage, WriteOptions,
};

/// Most styles per bucket.
const MAX_STYLES: usize = 50;
/// S3's longest key, in bytes.
const MAX_S3_KEY: usize = 1024;
/// How often a conditional update is retried when another writer won.
const CAS_RETRIES: usize = 32;
/// Records fetched at once when a listing needs them.
const FETCH_CONCURRENCY: usize = 16;
/// Bytes buffered before a blob upload switches to multipart, and the size
/// of each part (S3's smallest part is 5 MiB).
const WRITE_BUFFER: usize = 5 * 1024 * 1024;
/// Parts of one blob in flight at once: with [`WRITE_BUFFER`], a write holds
/// at most about 15 MiB whatever the object's size.
const WRITE_CONCURRENCY: usize = 2;
/// Chunk size when reading a request body.
const BODY_CHUNK: usize = 256 * 1024;

/// Where the S3 backend keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    /// Endpoint URL, e.g. `http://127.0.0.1:9000`.
    pub endpoint: String,
    /// The one bucket that holds everything.
    pub bucket: String,
    /// Region for signing.
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// A key prefix inside the bucket (empty, or ending with `/`).
    pub prefix: String,
    /// How long a replaced or deleted blob stays readable before removal.
    pub retire_after: Duration,
}

/// The S3 backend. Cheap to clone.
#[derive(Clone)]
pub struct S3Store {
    inner: Arc<Inner>,
}

struct Inner {
    os: Arc<dyn ObjectStore>,
    prefix: String,
    retire_after: Duration,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("store", &self.inner.os.to_string())
            .field("prefix", &self.inner.prefix)
            .finish()
    }
}

/// The bytes of an opened object in the S3 store.
#[derive(Debug)]
pub struct BlobRef {
    os: Arc<dyn ObjectStore>,
    path: Path,
}

impl BlobRef {
    /// Streams `len` bytes from `start`.
    pub(crate) async fn stream(self, start: u64, len: u64) -> Result<ByteStream> {
        if len == 0 {
            return Ok(futures::stream::empty().boxed());
        }
        let opts = GetOptions {
            range: Some(GetRange::Bounded(start..start + len)),
            ..GetOptions::default()
        };
        let got = self.os.get_opts(&self.path, opts).await.map_err(backend)?;
        Ok(got
            .into_stream()
            .map(|r| r.map_err(std::io::Error::other))
            .boxed())
    }
}

fn backend(e: object_store::Error) -> Error {
    Error::Backend(e.to_string())
}

/// Stored form of a bucket: what S3 cannot hold natively.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BucketDoc {
    /// Creation time and ACL, as the local index stores them.
    #[serde(flatten)]
    rec: BucketRecord,
    /// Styles by name.
    #[serde(default)]
    styles: BTreeMap<String, StyleRecord>,
}

/// Stored form of an unfinished upload (its key is not in its S3 key).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UploadDoc {
    key: String,
    #[serde(flatten)]
    rec: UploadRecord,
}

/// A fetched record and the version a conditional update must match.
type Versioned<T> = (T, UpdateVersion);

/// A blob that is written but not yet referenced by a record: removed when
/// dropped unless [`PendingBlob::keep`] is called.
struct PendingBlob {
    id: String,
    store: S3Store,
    armed: bool,
}

impl PendingBlob {
    fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for PendingBlob {
    fn drop(&mut self) {
        if self.armed {
            self.store
                .remove_blob_later(self.id.clone(), Duration::ZERO);
        }
    }
}

/// A blob being written: bytes go through the digests into a buffered
/// upload (one PUT when small, S3 multipart beyond [`WRITE_BUFFER`]).
struct BlobSink {
    pending: PendingBlob,
    w: BufWriter,
    hasher: Hasher,
}

impl BlobSink {
    async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.hasher.update(chunk);
        self.w.write_all(chunk).await?;
        Ok(())
    }

    /// Appends `len` bytes of `src` from `start`.
    async fn copy_from(&mut self, src: BlobRef, start: u64, len: u64) -> Result<()> {
        let before = self.hasher.size();
        let mut s = src.stream(start, len).await?;
        while let Some(chunk) = s.try_next().await? {
            self.write(&chunk).await?;
        }
        if self.hasher.size() - before != len {
            return Err(Error::Backend("a blob was shorter than its record".into()));
        }
        Ok(())
    }

    /// Completes the upload; the blob is removed unless its
    /// [`PendingBlob`] is kept.
    async fn finish(mut self) -> Result<(PendingBlob, Summary)> {
        self.w.shutdown().await?;
        Ok((self.pending, self.hasher.finish()))
    }

    /// Drops the upload and the blob.
    async fn abort(mut self) {
        let _ = self.w.abort().await;
    }
}

impl S3Store {
    /// Connects and checks that the bucket answers a listing.
    pub async fn open(config: &S3Config) -> Result<S3Store> {
        let allow_http = config.endpoint.starts_with("http://");
        let os = AmazonS3Builder::new()
            .with_endpoint(&config.endpoint)
            .with_allow_http(allow_http)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_virtual_hosted_style_request(false)
            .build()
            .map_err(backend)?;
        let prefix = config.prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        let store = S3Store {
            inner: Arc::new(Inner {
                os: Arc::new(os),
                prefix,
                retire_after: config.retire_after,
            }),
        };
        let probe = store.path("buckets")?;
        let mut first = store.inner.os.list(Some(&probe));
        if let Some(Err(e)) = first.next().await {
            return Err(backend(e));
        }
        drop(first);
        store.check_conditional_puts().await?;
        Ok(store)
    }

    /// Refuses a store that ignores `If-None-Match: *` or `If-Match` on
    /// PUT: without them concurrent writers could lose updates.
    async fn check_conditional_puts(&self) -> Result<()> {
        let path = self.path(&format!("probe/{}", new_id()))?;
        let refuse = |what: &str| {
            Err(Error::Backend(format!(
                "the S3 store ignores {what} on PUT; ossimg needs conditional writes"
            )))
        };
        let result = async {
            if !self.put_json(&path, &1, PutMode::Create).await? {
                return Err(Error::Backend("cannot write a probe object".into()));
            }
            if self.put_json(&path, &2, PutMode::Create).await? {
                return refuse("If-None-Match: *");
            }
            let stale = UpdateVersion {
                e_tag: Some("\"00000000000000000000000000000000\"".into()),
                version: None,
            };
            if self.put_json(&path, &3, PutMode::Update(stale)).await? {
                return refuse("If-Match");
            }
            Ok(())
        }
        .await;
        self.delete_path(&path).await?;
        result
    }

    // ---- layout -------------------------------------------------------------

    fn path(&self, rest: &str) -> Result<Path> {
        Path::parse(format!("{}{rest}", self.inner.prefix))
            .map_err(|e| Error::Index(format!("bad S3 path: {e}")))
    }

    fn bucket_path(&self, bucket: &str) -> Result<Path> {
        self.path(&format!("buckets/{bucket}"))
    }

    fn objects_dir(&self, bucket: &str) -> Result<Path> {
        self.path(&format!("objects/{bucket}"))
    }

    fn object_path(&self, bucket: &str, key: &str) -> Result<Path> {
        let rest = format!("objects/{bucket}/{}", keys::encode(key));
        let room = MAX_S3_KEY.saturating_sub(self.inner.prefix.len() + 9 + bucket.len());
        if self.inner.prefix.len() + rest.len() > MAX_S3_KEY {
            return Err(Error::KeyTooLong { max: room });
        }
        self.path(&rest)
    }

    fn blob_path(&self, id: &str) -> Result<Path> {
        let shard = id.get(..2).unwrap_or("00");
        self.path(&format!("blobs/{shard}/{id}"))
    }

    fn uploads_dir(&self, bucket: &str) -> Result<Path> {
        self.path(&format!("uploads/{bucket}"))
    }

    fn upload_path(&self, bucket: &str, upload_id: &str) -> Result<Path> {
        if upload_id.is_empty() || !upload_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::NoSuchUpload);
        }
        self.path(&format!("uploads/{bucket}/{upload_id}"))
    }

    fn parts_dir(&self, upload_id: &str) -> Result<Path> {
        self.path(&format!("parts/{upload_id}"))
    }

    fn part_path(&self, upload_id: &str, n: u32) -> Result<Path> {
        self.path(&format!("parts/{upload_id}/{n:05}"))
    }

    /// The last segment of a listed path.
    fn last_segment(p: &Path) -> String {
        p.as_ref().rsplit('/').next().unwrap_or_default().to_owned()
    }

    // ---- records ------------------------------------------------------------

    async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        path: &Path,
    ) -> Result<Option<Versioned<T>>> {
        match self.inner.os.get(path).await {
            Ok(got) => {
                let version = UpdateVersion {
                    e_tag: got.meta.e_tag.clone(),
                    version: got.meta.version.clone(),
                };
                let bytes = got.bytes().await.map_err(backend)?;
                let v = serde_json::from_slice(&bytes)?;
                Ok(Some((v, version)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    /// Writes a record; `Ok(false)` when the condition of `mode` failed.
    async fn put_json<T: Serialize>(&self, path: &Path, v: &T, mode: PutMode) -> Result<bool> {
        let body = serde_json::to_vec(v)?;
        let opts = PutOptions {
            mode,
            ..PutOptions::default()
        };
        match self
            .inner
            .os
            .put_opts(path, PutPayload::from(body), opts)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. })
            | Err(object_store::Error::Precondition { .. }) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    async fn delete_path(&self, path: &Path) -> Result<()> {
        match self.inner.os.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    /// Replaces the record at `path` with a conditional PUT: `next` maps
    /// the current record (`None` when there is none) to the new one, or
    /// refuses. When another writer won in between, `next` runs again on
    /// what that writer stored. Returns the new record and the one it
    /// replaced.
    async fn swap<T: Serialize + for<'de> Deserialize<'de>>(
        &self,
        path: &Path,
        mut next: impl FnMut(Option<&T>) -> Result<T>,
    ) -> Result<(T, Option<T>)> {
        for _ in 0..CAS_RETRIES {
            let cur = self.get_json::<T>(path).await?;
            let new = next(cur.as_ref().map(|(r, _)| r))?;
            let (mode, old) = match cur {
                Some((old, v)) => (PutMode::Update(v), Some(old)),
                None => (PutMode::Create, None),
            };
            if self.put_json(path, &new, mode).await? {
                return Ok((new, old));
            }
        }
        Err(Error::Backend(format!(
            "too many concurrent writes of {path}"
        )))
    }

    /// Every path under `dir`, in order.
    async fn list_all(&self, dir: &Path) -> Result<Vec<Path>> {
        self.inner
            .os
            .list(Some(dir))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(backend)
    }

    /// Removes a blob after `delay` (in the background).
    fn remove_blob_later(&self, id: String, delay: Duration) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        handle.spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if let Ok(p) = this.blob_path(&id) {
                if let Err(e) = this.delete_path(&p).await {
                    tracing::warn!(blob = %id, "removing a replaced blob failed: {e}");
                }
            }
        });
    }

    /// Removes a blob that a record no longer references, after the grace
    /// period that lets running reads finish.
    fn retire(&self, id: String) {
        self.remove_blob_later(id, self.inner.retire_after);
    }

    // ---- blobs --------------------------------------------------------------

    /// The bytes of blob `id`.
    fn blob_ref(&self, id: &str) -> Result<BlobRef> {
        Ok(BlobRef {
            os: self.inner.os.clone(),
            path: self.blob_path(id)?,
        })
    }

    /// A new, empty blob to write into.
    fn blob_sink(&self, with_md5: bool) -> Result<BlobSink> {
        let id = new_id();
        let w = BufWriter::with_capacity(self.inner.os.clone(), self.blob_path(&id)?, WRITE_BUFFER)
            .with_max_concurrency(WRITE_CONCURRENCY);
        Ok(BlobSink {
            pending: PendingBlob {
                id,
                store: self.clone(),
                armed: true,
            },
            w,
            hasher: Hasher::new(with_md5),
        })
    }

    /// Streams `prefix` (an existing blob and its length; for appends) and
    /// then `body` into a new blob, checking `opts` on the way.
    ///
    /// Returns the blob, the summary of the whole blob and the MD5 of
    /// `body` alone.
    async fn write_blob<R: AsyncRead + Unpin + Send>(
        &self,
        prefix: Option<(String, u64)>,
        mut body: R,
        opts: &WriteOptions,
    ) -> Result<(PendingBlob, Summary, [u8; 16])> {
        use md5::{Digest as _, Md5};
        let mut sink = self.blob_sink(prefix.is_some())?;
        let mut body_md5 = Md5::new();
        let result: Result<()> = async {
            if let Some((old, len)) = prefix {
                if len > opts.max_size {
                    return Err(Error::EntityTooLarge);
                }
                sink.copy_from(self.blob_ref(&old)?, 0, len).await?;
            }
            let mut buf = vec![0u8; BODY_CHUNK];
            loop {
                let n = body.read(&mut buf).await.map_err(Error::Body)?;
                if n == 0 {
                    break;
                }
                if sink.hasher.size() + n as u64 > opts.max_size {
                    return Err(Error::EntityTooLarge);
                }
                body_md5.update(&buf[..n]);
                sink.write(&buf[..n]).await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            sink.abort().await;
            return Err(e);
        }
        let body_md5: [u8; 16] = body_md5.finalize().into();
        if opts
            .expected_md5
            .is_some_and(|expected| expected != body_md5)
        {
            sink.abort().await;
            return Err(Error::InvalidDigest);
        }
        let (pending, mut summary) = sink.finish().await?;
        summary.md5.get_or_insert(body_md5);
        Ok((pending, summary, body_md5))
    }

    /// Concatenates blob ranges (id, start, len) into a new blob.
    async fn concat_blobs(
        &self,
        sources: Vec<(String, u64, u64)>,
        with_md5: bool,
    ) -> Result<(PendingBlob, Summary)> {
        let mut sink = self.blob_sink(with_md5)?;
        let result: Result<()> = async {
            for (src, start, len) in sources {
                sink.copy_from(self.blob_ref(&src)?, start, len).await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            sink.abort().await;
            return Err(e);
        }
        sink.finish().await
    }

    // ---- buckets ------------------------------------------------------------

    async fn load_bucket(&self, name: &str) -> Result<Versioned<BucketDoc>> {
        self.get_json(&self.bucket_path(name)?)
            .await?
            .ok_or(Error::NoSuchBucket)
    }

    /// Applies `f` to a bucket's document with a conditional update.
    async fn update_bucket(
        &self,
        name: &str,
        mut f: impl FnMut(&mut BucketDoc) -> Result<()>,
    ) -> Result<()> {
        self.swap(&self.bucket_path(name)?, |cur: Option<&BucketDoc>| {
            let mut doc = cur.cloned().ok_or(Error::NoSuchBucket)?;
            f(&mut doc)?;
            Ok(doc)
        })
        .await
        .map(|_| ())
    }

    /// Creates a bucket (`BucketAlreadyExists` if it exists).
    pub async fn create_bucket(&self, name: &str, acl: Acl) -> Result<BucketInfo> {
        let doc = BucketDoc {
            rec: BucketRecord::new(acl),
            styles: BTreeMap::new(),
        };
        if !self
            .put_json(&self.bucket_path(name)?, &doc, PutMode::Create)
            .await?
        {
            return Err(Error::BucketAlreadyExists);
        }
        Ok(doc.rec.info(name))
    }

    /// Deletes an empty bucket with its styles.
    pub async fn delete_bucket(&self, name: &str) -> Result<()> {
        self.load_bucket(name).await?;
        for dir in [self.objects_dir(name)?, self.uploads_dir(name)?] {
            if let Some(first) = self.inner.os.list(Some(&dir)).next().await {
                first.map_err(backend)?;
                return Err(Error::BucketNotEmpty);
            }
        }
        self.delete_path(&self.bucket_path(name)?).await
    }

    /// Looks a bucket up (`NoSuchBucket`).
    pub async fn bucket(&self, name: &str) -> Result<BucketInfo> {
        let (doc, _) = self.load_bucket(name).await?;
        Ok(doc.rec.info(name))
    }

    /// Buckets with names starting with `prefix` and greater than `marker`.
    pub async fn list_buckets(
        &self,
        prefix: &str,
        marker: &str,
        max: usize,
    ) -> Result<(Vec<BucketInfo>, bool)> {
        let all = self.list_all(&self.path("buckets")?).await?;
        let mut names: Vec<String> = all
            .iter()
            .map(Self::last_segment)
            .filter(|n| n.starts_with(prefix) && n.as_str() > marker)
            .collect();
        names.sort();
        let truncated = names.len() > max;
        names.truncate(max);
        let docs: Vec<Option<Versioned<BucketDoc>>> = futures::stream::iter(names.clone())
            .map(|n| async move { self.get_json(&self.bucket_path(&n)?).await })
            .buffered(FETCH_CONCURRENCY)
            .try_collect()
            .await?;
        let out = names
            .iter()
            .zip(docs)
            .filter_map(|(n, d)| d.map(|(doc, _)| doc.rec.info(n)))
            .collect();
        Ok((out, truncated))
    }

    /// Sets a bucket's ACL.
    pub async fn set_bucket_acl(&self, name: &str, acl: Acl) -> Result<()> {
        let code = bucket_acl_code(acl);
        self.update_bucket(name, |d| {
            d.rec.acl = code;
            Ok(())
        })
        .await
    }

    /// Usage numbers of a bucket (reads every object record: O(objects)).
    pub async fn bucket_stat(&self, name: &str) -> Result<BucketStat> {
        self.load_bucket(name).await?;
        let records = self.list_all(&self.objects_dir(name)?).await?;
        let sizes: Vec<u64> = futures::stream::iter(records.clone())
            .map(|p| async move {
                Ok::<_, Error>(
                    self.get_json::<ObjectRecord>(&p)
                        .await?
                        .map_or(0, |(r, _)| r.size),
                )
            })
            .buffered(FETCH_CONCURRENCY)
            .try_collect()
            .await?;
        let uploads = self.list_all(&self.uploads_dir(name)?).await?;
        Ok(BucketStat {
            storage: sizes.iter().sum(),
            object_count: records.len() as u64,
            multipart_upload_count: uploads.len() as u64,
        })
    }

    // ---- objects ------------------------------------------------------------

    async fn read_record(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<Versioned<ObjectRecord>>> {
        self.get_json(&self.object_path(bucket, key)?).await
    }

    /// The record of an object (`NoSuchBucket`, `NoSuchKey`).
    async fn read_object(&self, bucket: &str, key: &str) -> Result<Versioned<ObjectRecord>> {
        match self.read_record(bucket, key).await? {
            Some(r) => Ok(r),
            None => {
                self.load_bucket(bucket).await?;
                Err(Error::NoSuchKey)
            }
        }
    }

    /// Swaps in `rec` as the object (bucket, key).
    ///
    /// `check` sees the current record and may refuse (it runs again when
    /// another writer won the race). On success the new blob is kept and
    /// the replaced one retired; on failure the new blob is removed.
    async fn commit_object(
        &self,
        bucket: &str,
        key: &str,
        rec: &ObjectRecord,
        pending: PendingBlob,
        check: impl Fn(Option<&ObjectRecord>) -> Result<()>,
    ) -> Result<()> {
        let path = self.object_path(bucket, key)?;
        let (_, old) = self
            .swap(&path, |cur| {
                check(cur)?;
                Ok(rec.clone())
            })
            .await?;
        pending.keep();
        if let Some(o) = old.filter(|o| o.blob != rec.blob) {
            self.retire(o.blob);
        }
        Ok(())
    }

    /// Writes an object from a body stream.
    pub async fn put_object<R: AsyncRead + Unpin + Send>(
        &self,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        acl: Acl,
        body: R,
        opts: WriteOptions,
    ) -> Result<ObjectInfo> {
        self.object_path(bucket, key)?;
        self.load_bucket(bucket).await?;
        if opts.forbid_overwrite && self.read_record(bucket, key).await?.is_some() {
            return Err(Error::FileAlreadyExists);
        }
        let (pending, sum, body_md5) = self.write_blob(None, body, &opts).await?;
        let rec = ObjectRecord {
            blob: pending.id.clone(),
            size: sum.size,
            etag: hex_upper(&body_md5),
            mtime: now_secs(),
            crc64: sum.crc64,
            md5: Some(body_md5),
            otype: type_to_u8(ObjectType::Normal),
            acl: acl_to_u8(acl),
            meta: meta.into(),
        };
        let forbid = opts.forbid_overwrite;
        self.commit_object(bucket, key, &rec, pending, |old| forbid_check(forbid, old))
            .await?;
        Ok(rec.info(key))
    }

    /// Describes an object.
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo> {
        Ok(self.read_object(bucket, key).await?.0.info(key))
    }

    /// Opens an object for reading.
    pub async fn open_object(&self, bucket: &str, key: &str) -> Result<(ObjectInfo, BlobRef)> {
        let (rec, _) = self.read_object(bucket, key).await?;
        let blob = self.blob_ref(&rec.blob)?;
        Ok((rec.info(key), blob))
    }

    /// Deletes an object; a missing key is not an error.
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<()> {
        let Some((old, _)) = self.read_record(bucket, key).await? else {
            self.load_bucket(bucket).await?;
            return Ok(());
        };
        self.delete_path(&self.object_path(bucket, key)?).await?;
        self.retire(old.blob);
        Ok(())
    }

    /// Applies `f` to an object's record with a conditional update.
    async fn update_record(
        &self,
        bucket: &str,
        key: &str,
        f: impl Fn(&mut ObjectRecord) -> Result<()>,
    ) -> Result<ObjectRecord> {
        let path = self.object_path(bucket, key)?;
        let swapped = self
            .swap(&path, |cur: Option<&ObjectRecord>| {
                let mut rec = cur.cloned().ok_or(Error::NoSuchKey)?;
                f(&mut rec)?;
                Ok(rec)
            })
            .await;
        match swapped {
            Ok((rec, _)) => Ok(rec),
            Err(Error::NoSuchKey) => {
                self.load_bucket(bucket).await?;
                Err(Error::NoSuchKey)
            }
            Err(e) => Err(e),
        }
    }

    /// Copies an object (possibly onto itself).
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
        let new_meta = match directive {
            MetadataDirective::Copy => None,
            MetadataDirective::Replace(m) => Some(MetaRecord::from(m)),
        };
        if src_bucket == dst_bucket && src_key == dst_key {
            if opts.forbid_overwrite {
                self.read_object(dst_bucket, dst_key).await?;
                return Err(Error::FileAlreadyExists);
            }
            let rec = self
                .update_record(dst_bucket, dst_key, |r| {
                    if let Some(m) = &new_meta {
                        r.meta = m.clone();
                    }
                    if let Some(a) = acl {
                        r.acl = acl_to_u8(a);
                    }
                    r.set_type(ObjectType::Normal);
                    r.mtime = now_secs();
                    Ok(())
                })
                .await?;
            return Ok(rec.info(dst_key));
        }
        self.object_path(dst_bucket, dst_key)?;
        let (src, _) = self.read_object(src_bucket, src_key).await?;
        if src.size > opts.max_size {
            return Err(Error::EntityTooLarge);
        }
        self.load_bucket(dst_bucket).await?;
        if opts.forbid_overwrite && self.read_record(dst_bucket, dst_key).await?.is_some() {
            return Err(Error::FileAlreadyExists);
        }
        let mut src = src;
        let mut attempts = 0;
        let pending = loop {
            let id = new_id();
            let pending = PendingBlob {
                id: id.clone(),
                store: self.clone(),
                armed: true,
            };
            match self
                .inner
                .os
                .copy(&self.blob_path(&src.blob)?, &self.blob_path(&id)?)
                .await
            {
                Ok(()) => break pending,
                // The source was replaced meanwhile: copy its new content.
                Err(object_store::Error::NotFound { .. }) if attempts < CAS_RETRIES => {
                    attempts += 1;
                    drop(pending);
                    src = self.read_object(src_bucket, src_key).await?.0;
                }
                Err(e) => return Err(backend(e)),
            }
        };
        let rec = ObjectRecord {
            blob: pending.id.clone(),
            size: src.size,
            etag: src.etag.clone(),
            mtime: now_secs(),
            crc64: src.crc64,
            md5: src.md5,
            otype: type_to_u8(ObjectType::Normal),
            acl: acl_to_u8(acl.unwrap_or(Acl::Default)),
            meta: new_meta.unwrap_or(src.meta),
        };
        let forbid = opts.forbid_overwrite;
        self.commit_object(dst_bucket, dst_key, &rec, pending, |old| {
            forbid_check(forbid, old)
        })
        .await?;
        Ok(rec.info(dst_key))
    }

    /// Appends to an `Appendable` object (creating it at position 0).
    ///
    /// The new blob holds the old content followed by the body; the record
    /// is swapped only if it is still the one that was read.
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
        self.object_path(bucket, key)?;
        let old = match self.read_object(bucket, key).await {
            Ok((r, _)) => Some(r),
            Err(Error::NoSuchKey) if position == 0 => None,
            Err(Error::NoSuchKey) => {
                return Err(Error::PositionNotEqualToLength { next_position: 0 })
            }
            Err(e) => return Err(e),
        };
        if let Some(o) = &old {
            if o.object_type() != ObjectType::Appendable {
                return Err(Error::ObjectNotAppendable);
            }
            if o.size != position {
                return Err(Error::PositionNotEqualToLength {
                    next_position: o.size,
                });
            }
        }
        let prefix = old.as_ref().map(|o| (o.blob.clone(), o.size));
        let (pending, sum, _) = self.write_blob(prefix, body, &opts).await?;
        let expected = old.as_ref().map(|o| o.blob.clone());
        let (acl, meta) = match old {
            Some(o) => (o.acl, o.meta),
            None => (acl_to_u8(acl), meta.into()),
        };
        let rec = ObjectRecord {
            blob: pending.id.clone(),
            size: sum.size,
            etag: hex_upper(&sum.md5.unwrap_or_default()),
            mtime: now_secs(),
            crc64: sum.crc64,
            md5: None,
            otype: type_to_u8(ObjectType::Appendable),
            acl,
            meta,
        };
        self.commit_object(bucket, key, &rec, pending, |cur| match cur {
            c if c.map(|c| &c.blob) == expected.as_ref() => Ok(()),
            Some(c) if c.object_type() != ObjectType::Appendable => Err(Error::ObjectNotAppendable),
            Some(c) => Err(Error::PositionNotEqualToLength {
                next_position: c.size,
            }),
            None => Err(Error::PositionNotEqualToLength { next_position: 0 }),
        })
        .await?;
        Ok(rec.info(key))
    }

    /// Sets an object's ACL.
    pub async fn set_object_acl(&self, bucket: &str, key: &str, acl: Acl) -> Result<()> {
        let code = acl_to_u8(acl);
        self.update_record(bucket, key, |r| {
            r.acl = code;
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// Lists one page of a bucket in key order.
    ///
    /// S3 lists the records in the order of their encoded keys, which is
    /// the order of the keys; a rolled-up common prefix is skipped by
    /// restarting the listing after it.
    pub async fn list_objects(&self, bucket: &str, q: &ListQuery) -> Result<ListPage> {
        self.load_bucket(bucket).await?;
        let want = q.max_keys.max(1);
        let dir = self.objects_dir(bucket)?;
        let dir_str = format!("{}/", dir.as_ref());
        let mut offset: Option<String> = if !q.start_after.is_empty() && q.start_after >= q.prefix {
            Some(keys::encode(&q.start_after))
        } else if q.prefix.is_empty() {
            None
        } else {
            Some(keys::just_before(&keys::encode(&q.prefix)))
        };
        let mut entries: Vec<Result<ListEntry, (String, Path)>> = Vec::new();
        let mut truncated = false;
        'scan: loop {
            let mut listing = match &offset {
                Some(o) => {
                    let off = Path::parse(format!("{dir_str}{o}"))
                        .map_err(|e| Error::Index(format!("bad S3 path: {e}")))?;
                    self.inner.os.list_with_offset(Some(&dir), &off)
                }
                None => self.inner.os.list(Some(&dir)),
            };
            while let Some(meta) = listing.next().await {
                let meta = meta.map_err(backend)?;
                let code = meta
                    .location
                    .as_ref()
                    .strip_prefix(&dir_str)
                    .unwrap_or_default();
                let Some(key) = keys::decode(code) else {
                    continue;
                };
                if !key.starts_with(&q.prefix) {
                    if key > q.prefix {
                        break 'scan;
                    }
                    continue;
                }
                if key <= q.start_after {
                    continue;
                }
                let rest = &key[q.prefix.len()..];
                let cp = if q.delimiter.is_empty() {
                    None
                } else {
                    rest.find(&q.delimiter)
                        .map(|i| key[..q.prefix.len() + i + q.delimiter.len()].to_owned())
                };
                if let Some(cp) = cp {
                    let seen =
                        matches!(entries.last(), Some(Ok(ListEntry::CommonPrefix(p))) if *p == cp);
                    if !seen && cp > q.start_after {
                        if entries.len() == want {
                            truncated = true;
                            break 'scan;
                        }
                        entries.push(Ok(ListEntry::CommonPrefix(cp.clone())));
                    }
                    let mut next = keys::encode(&cp);
                    next.push(keys::MAX_CHAR);
                    offset = Some(next);
                    continue 'scan;
                }
                if entries.len() == want {
                    truncated = true;
                    break 'scan;
                }
                entries.push(Err((key, meta.location)));
            }
            break;
        }
        // Fetch the records of the listed objects, keeping the order; one
        // deleted meanwhile drops out.
        let resolved: Vec<Option<ListEntry>> = futures::stream::iter(entries)
            .map(|e| async move {
                match e {
                    Ok(cp) => Ok(Some(cp)),
                    Err((key, path)) => Ok::<_, Error>(
                        self.get_json::<ObjectRecord>(&path)
                            .await?
                            .map(|(r, _)| ListEntry::Object(r.info(&key))),
                    ),
                }
            })
            .buffered(FETCH_CONCURRENCY)
            .try_collect()
            .await?;
        let entries: Vec<ListEntry> = resolved.into_iter().flatten().collect();
        Ok(list_page(entries, truncated))
    }

    // ---- styles -------------------------------------------------------------

    /// Creates or replaces a style (`TooManyStyles` past 50).
    pub async fn put_style(
        &self,
        bucket: &str,
        name: &str,
        content: &str,
        category: &str,
    ) -> Result<()> {
        self.update_bucket(bucket, |d| {
            let now = now_secs();
            let created = match d.styles.get(name) {
                Some(s) => s.created,
                None if d.styles.len() >= MAX_STYLES => return Err(Error::TooManyStyles),
                None => now,
            };
            d.styles.insert(
                name.to_owned(),
                StyleRecord {
                    content: content.to_owned(),
                    category: category.to_owned(),
                    created,
                    modified: now,
                },
            );
            Ok(())
        })
        .await
    }

    /// Looks a style up (`NoSuchStyle`).
    pub async fn get_style(&self, bucket: &str, name: &str) -> Result<Style> {
        let (doc, _) = self.load_bucket(bucket).await?;
        doc.styles
            .get(name)
            .map(|s| s.style(name))
            .ok_or(Error::NoSuchStyle)
    }

    /// All styles of a bucket, by name.
    pub async fn list_styles(&self, bucket: &str) -> Result<Vec<Style>> {
        let (doc, _) = self.load_bucket(bucket).await?;
        Ok(doc.styles.iter().map(|(n, s)| s.style(n)).collect())
    }

    /// Deletes a style (missing is not an error).
    pub async fn delete_style(&self, bucket: &str, name: &str) -> Result<()> {
        self.update_bucket(bucket, |d| {
            d.styles.remove(name);
            Ok(())
        })
        .await
    }

    // ---- multipart ----------------------------------------------------------

    /// Starts a multipart upload and returns its ID.
    pub async fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        acl: Acl,
    ) -> Result<String> {
        self.object_path(bucket, key)?;
        self.load_bucket(bucket).await?;
        let id = new_upload_id();
        let doc = UploadDoc {
            key: key.to_owned(),
            rec: UploadRecord {
                initiated: now_millis(),
                acl: acl_to_u8(acl),
                meta: meta.into(),
            },
        };
        if !self
            .put_json(&self.upload_path(bucket, &id)?, &doc, PutMode::Create)
            .await?
        {
            return Err(Error::Backend("upload id collision".into()));
        }
        Ok(id)
    }

    async fn read_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadDoc> {
        let path = match self.upload_path(bucket, upload_id) {
            Ok(p) => p,
            Err(e) => {
                self.load_bucket(bucket).await?;
                return Err(e);
            }
        };
        match self.get_json::<UploadDoc>(&path).await? {
            Some((doc, _)) if doc.key == key => Ok(doc),
            _ => {
                self.load_bucket(bucket).await?;
                Err(Error::NoSuchUpload)
            }
        }
    }

    /// Commits a part record; retires the part it replaces.
    async fn commit_part(
        &self,
        upload_id: &str,
        n: u32,
        rec: &PartRecord,
        pending: PendingBlob,
    ) -> Result<()> {
        let path = self.part_path(upload_id, n)?;
        let (_, old) = self.swap(&path, |_| Ok(rec.clone())).await?;
        pending.keep();
        if let Some(o) = old {
            self.retire(o.blob);
        }
        Ok(())
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
        check_part_number(part_number)?;
        self.read_upload(bucket, key, upload_id).await?;
        let (pending, sum, md5) = self.write_blob(None, body, &opts).await?;
        let rec = PartRecord {
            blob: pending.id.clone(),
            size: sum.size,
            md5,
            crc64: sum.crc64,
            mtime: now_secs(),
        };
        self.commit_part(upload_id, part_number, &rec, pending)
            .await?;
        Ok(rec.info(part_number))
    }

    /// Stores a part copied from (an inclusive byte range of) another object.
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
        check_part_number(part_number)?;
        self.read_upload(bucket, key, upload_id).await?;
        let (src, _) = self.read_object(src_bucket, src_key).await?;
        let (start, len) = match range {
            None => (0, src.size),
            Some((a, b)) if a <= b && b < src.size => (a, b - a + 1),
            Some(_) => return Err(Error::InvalidRange),
        };
        // Checked on the source actually opened (it may have changed since
        // the caller looked at it).
        if len > max_len {
            return Err(Error::EntityTooLarge);
        }
        let (pending, sum) = self
            .concat_blobs(vec![(src.blob.clone(), start, len)], true)
            .await?;
        let rec = PartRecord {
            blob: pending.id.clone(),
            size: sum.size,
            md5: sum.md5.unwrap_or_default(),
            crc64: sum.crc64,
            mtime: now_secs(),
        };
        self.commit_part(upload_id, part_number, &rec, pending)
            .await?;
        Ok(rec.info(part_number))
    }

    /// All parts of an upload, ascending.
    async fn upload_parts(&self, upload_id: &str) -> Result<Vec<(u32, PartRecord)>> {
        let paths = self.list_all(&self.parts_dir(upload_id)?).await?;
        let found: Vec<Option<(u32, PartRecord)>> = futures::stream::iter(paths)
            .map(|p| async move {
                let Ok(n) = Self::last_segment(&p).parse::<u32>() else {
                    return Ok(None);
                };
                Ok::<_, Error>(self.get_json::<PartRecord>(&p).await?.map(|(r, _)| (n, r)))
            })
            .buffered(FETCH_CONCURRENCY)
            .try_collect()
            .await?;
        let mut parts: Vec<(u32, PartRecord)> = found.into_iter().flatten().collect();
        parts.sort_by_key(|(n, _)| *n);
        Ok(parts)
    }

    /// Removes an upload's record, part records and part blobs.
    async fn drop_upload(&self, bucket: &str, upload_id: &str) -> Result<()> {
        self.delete_path(&self.upload_path(bucket, upload_id)?)
            .await?;
        for (n, p) in self.upload_parts(upload_id).await? {
            self.delete_path(&self.part_path(upload_id, n)?).await?;
            self.retire(p.blob);
        }
        Ok(())
    }

    /// Completes an upload from the listed parts (or all of them).
    pub async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Option<Vec<(u32, String)>>,
        acl: Option<Acl>,
        opts: WriteOptions,
    ) -> Result<ObjectInfo> {
        let upload = self.read_upload(bucket, key, upload_id).await?;
        let uploaded = self.upload_parts(upload_id).await?;
        let (chosen, etag) = choose_parts(uploaded, parts, &opts)?;
        if opts.forbid_overwrite && self.read_record(bucket, key).await?.is_some() {
            return Err(Error::FileAlreadyExists);
        }
        let sources = chosen
            .iter()
            .map(|(_, p)| (p.blob.clone(), 0, p.size))
            .collect();
        let (pending, sum) = match self.concat_blobs(sources, false).await {
            Ok(v) => v,
            // A part blob vanished: the upload was aborted or completed meanwhile.
            Err(Error::Backend(_)) if self.read_upload(bucket, key, upload_id).await.is_err() => {
                return Err(Error::NoSuchUpload)
            }
            Err(e) => return Err(e),
        };
        let rec = ObjectRecord {
            blob: pending.id.clone(),
            size: sum.size,
            etag,
            mtime: now_secs(),
            crc64: sum.crc64,
            md5: None,
            otype: type_to_u8(ObjectType::Multipart),
            acl: acl.map(acl_to_u8).unwrap_or(upload.rec.acl),
            meta: upload.rec.meta,
        };
        // The upload must still exist when the object appears.
        self.read_upload(bucket, key, upload_id).await?;
        let forbid = opts.forbid_overwrite;
        self.commit_object(bucket, key, &rec, pending, |old| forbid_check(forbid, old))
            .await?;
        self.drop_upload(bucket, upload_id).await?;
        Ok(rec.info(key))
    }

    /// Aborts an upload and removes its parts.
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        self.read_upload(bucket, key, upload_id).await?;
        self.drop_upload(bucket, upload_id).await
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
        self.load_bucket(bucket).await?;
        let paths = self.list_all(&self.uploads_dir(bucket)?).await?;
        let docs: Vec<Option<(String, String, u64)>> = futures::stream::iter(paths)
            .map(|p| async move {
                let id = Self::last_segment(&p);
                Ok::<_, Error>(
                    self.get_json::<UploadDoc>(&p)
                        .await?
                        .map(|(d, _)| (d.key, id, d.rec.initiated)),
                )
            })
            .buffered(FETCH_CONCURRENCY)
            .try_collect()
            .await?;
        let mut rows: Vec<(String, String, u64)> = docs.into_iter().flatten().collect();
        rows.sort();
        page_uploads(
            rows.into_iter().map(Ok),
            prefix,
            delimiter,
            key_marker,
            upload_id_marker,
            max_uploads,
        )
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
        let want = max_parts.max(1);
        self.read_upload(bucket, key, upload_id).await?;
        let all = self.upload_parts(upload_id).await?;
        let mut page = PartsPage::default();
        for (n, p) in all.into_iter().filter(|(n, _)| *n > part_number_marker) {
            if page.parts.len() == want {
                page.is_truncated = true;
                break;
            }
            page.parts.push(p.info(n));
        }
        page.next_part_number_marker = page.parts.last().map_or(0, |p| p.part_number);
        Ok(page)
    }
}
