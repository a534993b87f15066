//! The local backend: blobs on disk plus the embedded redb index.

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableTable};
use tokio::io::AsyncRead;

mod list;
mod multipart;

use super::blob::{join_error, Blobs, PlacedBlob};
use super::index::{
    self, acl_to_u8, adjust_stats, bucket_acl_code, bucket_exists_w, decode, encode, hex_upper,
    now_secs, object_key, BucketRecord, ObjectRecord, StyleRecord, BLOBS, BUCKETS, OBJECTS, PARTS,
    STATS, STYLES, UPLOADS,
};
use super::rules::forbid_check;
use super::{
    Acl, BucketInfo, BucketStat, Error, ListPage, ListQuery, MetadataDirective, ObjectInfo,
    ObjectMeta, ObjectType, Result, Style, WriteOptions,
};

/// The local store: blobs on disk plus the metadata index. Cheap to clone.
#[derive(Clone)]
pub struct LocalStore {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) db: Database,
    blobs: Arc<Blobs>,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("blobs", &self.inner.blobs)
            .finish_non_exhaustive()
    }
}

/// Most styles per bucket.
const MAX_STYLES: usize = 50;

/// How often a reader retries when the blob it looked up was replaced and
/// removed before it could open it.
const OPEN_RETRIES: usize = 8;

fn blob_vanished() -> Error {
    Error::Io(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "the object's blob kept disappearing while it was being opened",
    ))
}

impl LocalStore {
    /// Opens (creating if needed) a store in `dir` and sweeps stale temp files.
    ///
    /// Also removes orphan blobs: files that were moved into place but never
    /// committed to the index (a crash between the two steps), and blobs an
    /// overwrite or delete left behind.
    pub fn open(dir: &Path) -> Result<LocalStore> {
        std::fs::create_dir_all(dir)?;
        let blobs = Blobs::open(dir)?;
        let db = Database::create(dir.join("index.redb"))?;
        {
            let txn = db.begin_write()?;
            txn.open_table(BUCKETS)?;
            txn.open_table(STATS)?;
            txn.open_table(OBJECTS)?;
            txn.open_table(UPLOADS)?;
            txn.open_table(PARTS)?;
            txn.open_table(STYLES)?;
            txn.open_table(BLOBS)?;
            txn.commit()?;
        }
        let stale = blobs.sweep_tmp()?;
        let orphans = {
            let txn = db.begin_read()?;
            let known = txn.open_table(BLOBS)?;
            blobs.sweep_orphans(|id| Ok(known.get(id)?.is_some()))?
        };
        if stale + orphans > 0 {
            tracing::info!(stale, orphans, "removed unfinished files at startup");
        }
        Ok(LocalStore {
            inner: Arc::new(Inner {
                db,
                blobs: Arc::new(blobs),
            }),
        })
    }

    /// Runs `f` on the blocking pool (index commits fsync).
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&LocalStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(join_error)?
    }

    /// The index entry of an object (`NoSuchBucket`, `NoSuchKey`).
    fn read_object(&self, bucket: &str, key: &str) -> Result<ObjectRecord> {
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(bucket)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        let objects = txn.open_table(OBJECTS)?;
        let found = objects.get(object_key(bucket, key).as_slice())?;
        match found {
            Some(g) => decode(g.value()),
            None => Err(Error::NoSuchKey),
        }
    }

    /// Fails early, before reading a body, when the write cannot succeed.
    fn precheck_write(&self, bucket: &str, key: &str, forbid_overwrite: bool) -> Result<()> {
        match self.read_object(bucket, key) {
            Ok(_) if forbid_overwrite => Err(Error::FileAlreadyExists),
            Ok(_) | Err(Error::NoSuchKey) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Opens the blob of an object, retrying when a concurrent overwrite
    /// removed the blob between the lookup and the open.
    fn open_blob(&self, bucket: &str, key: &str) -> Result<(ObjectRecord, std::fs::File)> {
        for _ in 0..OPEN_RETRIES {
            let rec = self.read_object(bucket, key)?;
            match std::fs::File::open(self.inner.blobs.path(&rec.blob)) {
                Ok(f) => return Ok((rec, f)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(blob_vanished())
    }

    /// Commits `rec` as the object (bucket, key) in one transaction.
    ///
    /// `check` sees the current entry and may refuse; `extra` runs in the
    /// same transaction and returns further blobs to remove afterwards. On
    /// success the placed blob is kept and the replaced blob removed; on
    /// failure the placed blob is removed (its guard drops).
    fn commit_object(
        &self,
        bucket: &str,
        key: &str,
        rec: &ObjectRecord,
        placed: Option<PlacedBlob>,
        check: impl FnOnce(Option<&ObjectRecord>) -> Result<()>,
        extra: impl FnOnce(&redb::WriteTransaction) -> Result<Vec<String>>,
    ) -> Result<()> {
        let txn = self.inner.db.begin_write()?;
        if !bucket_exists_w(&txn, bucket)? {
            return Err(Error::NoSuchBucket);
        }
        let okey = object_key(bucket, key);
        let old = {
            let mut objects = txn.open_table(OBJECTS)?;
            let old: Option<ObjectRecord> = match objects.get(okey.as_slice())? {
                Some(g) => Some(decode(g.value())?),
                None => None,
            };
            check(old.as_ref())?;
            objects.insert(okey.as_slice(), encode(rec)?.as_slice())?;
            old
        };
        let mut garbage = Vec::new();
        {
            let mut blobs = txn.open_table(BLOBS)?;
            blobs.insert(rec.blob.as_str(), ())?;
            if let Some(o) = &old {
                if o.blob != rec.blob {
                    blobs.remove(o.blob.as_str())?;
                    garbage.push(o.blob.clone());
                }
            }
        }
        let (dsize, dcount) = match &old {
            Some(o) => (i128::from(rec.size) - i128::from(o.size), 0),
            None => (i128::from(rec.size), 1),
        };
        adjust_stats(&txn, bucket, dsize, dcount, 0)?;
        garbage.extend(extra(&txn)?);
        txn.commit()?;
        if let Some(p) = placed {
            p.keep();
        }
        for id in garbage {
            self.inner.blobs.remove(&id);
        }
        Ok(())
    }

    // ---- buckets ----------------------------------------------------------

    /// Creates a bucket (`BucketAlreadyExists` if it exists).
    ///
    /// `Acl::Default` is stored as `Private`.
    pub fn create_bucket(&self, name: &str, acl: Acl) -> Result<BucketInfo> {
        let rec = BucketRecord::new(acl);
        let txn = self.inner.db.begin_write()?;
        {
            let mut buckets = txn.open_table(BUCKETS)?;
            if buckets.get(name)?.is_some() {
                return Err(Error::BucketAlreadyExists);
            }
            buckets.insert(name, encode(&rec)?.as_slice())?;
            txn.open_table(STATS)?.insert(name, (0, 0, 0))?;
        }
        txn.commit()?;
        Ok(rec.info(name))
    }

    /// Deletes an empty bucket with its styles.
    pub fn delete_bucket(&self, name: &str) -> Result<()> {
        let txn = self.inner.db.begin_write()?;
        {
            let mut buckets = txn.open_table(BUCKETS)?;
            if buckets.get(name)?.is_none() {
                return Err(Error::NoSuchBucket);
            }
            let lo = object_key(name, "");
            let hi = index::prefix_successor(&lo).unwrap_or_default();
            if txn
                .open_table(OBJECTS)?
                .range(lo.as_slice()..hi.as_slice())?
                .next()
                .is_some()
            {
                return Err(Error::BucketNotEmpty);
            }
            let uploads = txn.open_table(UPLOADS)?;
            if let Some(first) = uploads.range((name, "", "")..)?.next() {
                let (k, _) = first?;
                if k.value().0 == name {
                    return Err(Error::BucketNotEmpty);
                }
            }
            let mut styles = txn.open_table(STYLES)?;
            let mut names = Vec::new();
            for item in styles.range((name, "")..)? {
                let (k, _) = item?;
                let (b, s) = k.value();
                if b != name {
                    break;
                }
                names.push(s.to_owned());
            }
            for s in &names {
                styles.remove((name, s.as_str()))?;
            }
            buckets.remove(name)?;
            txn.open_table(STATS)?.remove(name)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Looks a bucket up (`NoSuchBucket`).
    pub fn bucket(&self, name: &str) -> Result<BucketInfo> {
        let txn = self.inner.db.begin_read()?;
        let buckets = txn.open_table(BUCKETS)?;
        let found = buckets.get(name)?;
        let rec: BucketRecord = match found {
            Some(g) => decode(g.value())?,
            None => return Err(Error::NoSuchBucket),
        };
        Ok(rec.info(name))
    }

    /// Buckets with names starting with `prefix` and greater than `marker`,
    /// sorted; the flag says whether more follow.
    pub fn list_buckets(
        &self,
        prefix: &str,
        marker: &str,
        max: usize,
    ) -> Result<(Vec<BucketInfo>, bool)> {
        use std::ops::Bound;
        let txn = self.inner.db.begin_read()?;
        let buckets = txn.open_table(BUCKETS)?;
        let start = if marker >= prefix {
            Bound::Excluded(marker)
        } else {
            Bound::Included(prefix)
        };
        let mut out = Vec::new();
        let mut truncated = false;
        for item in buckets.range::<&str>((start, Bound::Unbounded))? {
            let (k, v) = item?;
            let name = k.value();
            if !name.starts_with(prefix) {
                break;
            }
            if out.len() >= max {
                truncated = true;
                break;
            }
            out.push(decode::<BucketRecord>(v.value())?.info(name));
        }
        Ok((out, truncated))
    }

    /// Sets a bucket's ACL (`Acl::Default` means `Private`).
    pub fn set_bucket_acl(&self, name: &str, acl: Acl) -> Result<()> {
        let txn = self.inner.db.begin_write()?;
        {
            let mut buckets = txn.open_table(BUCKETS)?;
            let mut rec: BucketRecord = match buckets.get(name)? {
                Some(g) => decode(g.value())?,
                None => return Err(Error::NoSuchBucket),
            };
            rec.acl = bucket_acl_code(acl);
            buckets.insert(name, encode(&rec)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Usage numbers of a bucket.
    pub fn bucket_stat(&self, name: &str) -> Result<BucketStat> {
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(name)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        let stats = txn.open_table(STATS)?;
        let (storage, object_count, multipart_upload_count) =
            stats.get(name)?.map(|g| g.value()).unwrap_or((0, 0, 0));
        Ok(BucketStat {
            storage,
            object_count,
            multipart_upload_count,
        })
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
        self.precheck_write(bucket, key, opts.forbid_overwrite)?;
        let (placed, sum, body_md5) = self.inner.blobs.write_stream(None, body, &opts).await?;
        let rec = ObjectRecord {
            blob: placed.id().to_owned(),
            size: sum.size,
            etag: hex_upper(&body_md5),
            mtime: now_secs(),
            crc64: sum.crc64,
            md5: Some(body_md5),
            otype: index::type_to_u8(ObjectType::Normal),
            acl: acl_to_u8(acl),
            meta: meta.into(),
        };
        let info = rec.info(key);
        let (b, k, forbid) = (bucket.to_owned(), key.to_owned(), opts.forbid_overwrite);
        self.blocking(move |s| {
            s.commit_object(
                &b,
                &k,
                &rec,
                Some(placed),
                |old| forbid_check(forbid, old),
                |_| Ok(Vec::new()),
            )
        })
        .await?;
        Ok(info)
    }

    /// Describes an object (`NoSuchBucket`, `NoSuchKey`).
    pub fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo> {
        Ok(self.read_object(bucket, key)?.info(key))
    }

    /// Opens an object for reading.
    pub async fn open_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectInfo, tokio::fs::File)> {
        for _ in 0..OPEN_RETRIES {
            let rec = self.read_object(bucket, key)?;
            match tokio::fs::File::open(self.inner.blobs.path(&rec.blob)).await {
                Ok(file) => return Ok((rec.info(key), file)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(blob_vanished())
    }

    /// Deletes an object; a missing key is not an error (a missing bucket is).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<()> {
        let (b, k) = (bucket.to_owned(), key.to_owned());
        self.blocking(move |s| s.delete_object_blocking(&b, &k))
            .await
    }

    fn delete_object_blocking(&self, bucket: &str, key: &str) -> Result<()> {
        let txn = self.inner.db.begin_write()?;
        if !bucket_exists_w(&txn, bucket)? {
            return Err(Error::NoSuchBucket);
        }
        let old: Option<ObjectRecord> = {
            let mut objects = txn.open_table(OBJECTS)?;
            let removed = objects.remove(object_key(bucket, key).as_slice())?;
            match removed {
                Some(g) => Some(decode(g.value())?),
                None => None,
            }
        };
        let Some(old) = old else {
            return Ok(());
        };
        txn.open_table(BLOBS)?.remove(old.blob.as_str())?;
        adjust_stats(&txn, bucket, -i128::from(old.size), -1, 0)?;
        txn.commit()?;
        self.inner.blobs.remove(&old.blob);
        Ok(())
    }

    /// Copies an object (possibly onto itself); the copy is `Normal` and keeps
    /// the source's ETag.
    ///
    /// The copy gets `acl`, or `Acl::Default` when `None` (a copy onto itself
    /// keeps its ACL when `None`). Copies share the source's bytes through a
    /// hard link when the filesystem allows it, else the bytes are copied.
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
            MetadataDirective::Replace(m) => Some(index::MetaRecord::from(m)),
        };
        if src_bucket == dst_bucket && src_key == dst_key {
            let (b, k) = (dst_bucket.to_owned(), dst_key.to_owned());
            let forbid = opts.forbid_overwrite;
            return self
                .blocking(move |s| s.self_copy(&b, &k, new_meta, acl, forbid))
                .await;
        }
        self.read_object(src_bucket, src_key)?;
        self.precheck_write(dst_bucket, dst_key, opts.forbid_overwrite)?;
        let mut attempts = 0;
        let (placed, src) = loop {
            let src = self.read_object(src_bucket, src_key)?;
            if src.size > opts.max_size {
                return Err(Error::EntityTooLarge);
            }
            let blobs = self.inner.blobs.clone();
            let (id, size) = (src.blob.clone(), src.size);
            let placed = tokio::task::spawn_blocking(move || -> Result<Option<PlacedBlob>> {
                let not_found = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
                match blobs.link_copy(&id) {
                    Ok(Some(p)) => return Ok(Some(p)),
                    Ok(None) => {}
                    Err(e) if not_found(&e) => return Ok(None),
                    Err(e) => return Err(e.into()),
                }
                match std::fs::File::open(blobs.path(&id)) {
                    Ok(f) => Ok(Some(
                        blobs.write_from_files([Ok((f, Some(size)))], false)?.0,
                    )),
                    Err(e) if not_found(&e) => Ok(None),
                    Err(e) => Err(e.into()),
                }
            })
            .await
            .map_err(join_error)??;
            match placed {
                Some(p) => break (p, src),
                None => {
                    attempts += 1;
                    if attempts >= OPEN_RETRIES {
                        return Err(blob_vanished());
                    }
                }
            }
        };
        let rec = ObjectRecord {
            blob: placed.id().to_owned(),
            size: src.size,
            etag: src.etag.clone(),
            mtime: now_secs(),
            crc64: src.crc64,
            md5: src.md5,
            otype: index::type_to_u8(ObjectType::Normal),
            acl: acl_to_u8(acl.unwrap_or(Acl::Default)),
            meta: new_meta.unwrap_or(src.meta),
        };
        let info = rec.info(dst_key);
        let (b, k, forbid) = (
            dst_bucket.to_owned(),
            dst_key.to_owned(),
            opts.forbid_overwrite,
        );
        self.blocking(move |s| {
            s.commit_object(
                &b,
                &k,
                &rec,
                Some(placed),
                |old| forbid_check(forbid, old),
                |_| Ok(Vec::new()),
            )
        })
        .await?;
        Ok(info)
    }

    /// CopyObject onto itself: a metadata update of the current content.
    fn self_copy(
        &self,
        bucket: &str,
        key: &str,
        meta: Option<index::MetaRecord>,
        acl: Option<Acl>,
        forbid: bool,
    ) -> Result<ObjectInfo> {
        let txn = self.inner.db.begin_write()?;
        if !bucket_exists_w(&txn, bucket)? {
            return Err(Error::NoSuchBucket);
        }
        let okey = object_key(bucket, key);
        let rec = {
            let mut objects = txn.open_table(OBJECTS)?;
            let mut rec: ObjectRecord = match objects.get(okey.as_slice())? {
                Some(g) => decode(g.value())?,
                None => return Err(Error::NoSuchKey),
            };
            if forbid {
                return Err(Error::FileAlreadyExists);
            }
            if let Some(m) = meta {
                rec.meta = m;
            }
            if let Some(a) = acl {
                rec.acl = acl_to_u8(a);
            }
            rec.set_type(ObjectType::Normal);
            rec.mtime = now_secs();
            objects.insert(okey.as_slice(), encode(&rec)?.as_slice())?;
            rec
        };
        txn.commit()?;
        Ok(rec.info(key))
    }

    /// Appends to an `Appendable` object (creating it at position 0).
    ///
    /// Each append writes a new blob holding the old content followed by the
    /// body, then swaps the index entry only if the object is still the one
    /// that was read; a crash mid-append leaves the acknowledged object
    /// intact. `opts.max_size` bounds the whole object, `opts.expected_md5`
    /// checks the body. Metadata and ACL come from the creating append.
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
        let mut attempts = 0;
        let (old, prefix) = loop {
            let old = match self.read_object(bucket, key) {
                Ok(r) => r,
                Err(Error::NoSuchKey) if position == 0 => break (None, None),
                Err(Error::NoSuchKey) => {
                    return Err(Error::PositionNotEqualToLength { next_position: 0 })
                }
                Err(e) => return Err(e),
            };
            if old.object_type() != ObjectType::Appendable {
                return Err(Error::ObjectNotAppendable);
            }
            if old.size != position {
                return Err(Error::PositionNotEqualToLength {
                    next_position: old.size,
                });
            }
            match std::fs::File::open(self.inner.blobs.path(&old.blob)) {
                Ok(f) => {
                    let size = old.size;
                    break (Some(old), Some((f, size)));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    attempts += 1;
                    if attempts >= OPEN_RETRIES {
                        return Err(blob_vanished());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        };
        let (placed, sum, _) = self.inner.blobs.write_stream(prefix, body, &opts).await?;
        let expected = old.as_ref().map(|o| o.blob.clone());
        let (acl, meta) = match old {
            Some(o) => (o.acl, o.meta),
            None => (acl_to_u8(acl), meta.into()),
        };
        let rec = ObjectRecord {
            blob: placed.id().to_owned(),
            size: sum.size,
            etag: hex_upper(&sum.md5.unwrap_or_default()),
            mtime: now_secs(),
            crc64: sum.crc64,
            md5: None,
            otype: index::type_to_u8(ObjectType::Appendable),
            acl,
            meta,
        };
        let info = rec.info(key);
        let (b, k) = (bucket.to_owned(), key.to_owned());
        self.blocking(move |s| {
            s.commit_object(
                &b,
                &k,
                &rec,
                Some(placed),
                |cur| match cur {
                    c if c.map(|c| &c.blob) == expected.as_ref() => Ok(()),
                    Some(c) if c.object_type() != ObjectType::Appendable => {
                        Err(Error::ObjectNotAppendable)
                    }
                    Some(c) => Err(Error::PositionNotEqualToLength {
                        next_position: c.size,
                    }),
                    None => Err(Error::PositionNotEqualToLength { next_position: 0 }),
                },
                |_| Ok(Vec::new()),
            )
        })
        .await?;
        Ok(info)
    }

    /// Sets an object's ACL.
    pub fn set_object_acl(&self, bucket: &str, key: &str, acl: Acl) -> Result<()> {
        let txn = self.inner.db.begin_write()?;
        if !bucket_exists_w(&txn, bucket)? {
            return Err(Error::NoSuchBucket);
        }
        {
            let okey = object_key(bucket, key);
            let mut objects = txn.open_table(OBJECTS)?;
            let mut rec: ObjectRecord = match objects.get(okey.as_slice())? {
                Some(g) => decode(g.value())?,
                None => return Err(Error::NoSuchKey),
            };
            rec.acl = acl_to_u8(acl);
            objects.insert(okey.as_slice(), encode(&rec)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Lists one page of a bucket from the sorted index.
    pub fn list_objects(&self, bucket: &str, query: &ListQuery) -> Result<ListPage> {
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(bucket)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        let objects = txn.open_table(OBJECTS)?;
        list::list_objects(&objects, bucket, query)
    }

    /// [`LocalStore::list_objects`] with the number of index entries and
    /// range scans the page took (tests of the listing's cost).
    #[cfg(test)]
    pub(crate) fn list_objects_costed(
        &self,
        bucket: &str,
        query: &ListQuery,
    ) -> Result<(ListPage, list::ScanCost)> {
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(bucket)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        let objects = txn.open_table(OBJECTS)?;
        list::list_objects_costed(&objects, bucket, query)
    }

    // ---- styles -----------------------------------------------------------

    /// Creates or replaces a style (`TooManyStyles` past 50).
    ///
    /// Replacing keeps the creation time.
    pub fn put_style(&self, bucket: &str, name: &str, content: &str, category: &str) -> Result<()> {
        let txn = self.inner.db.begin_write()?;
        if !bucket_exists_w(&txn, bucket)? {
            return Err(Error::NoSuchBucket);
        }
        {
            let mut styles = txn.open_table(STYLES)?;
            let now = now_secs();
            let created = match styles.get((bucket, name))? {
                Some(g) => decode::<StyleRecord>(g.value())?.created,
                None => {
                    let mut count = 0;
                    for item in styles.range((bucket, "")..)? {
                        let (k, _) = item?;
                        if k.value().0 != bucket {
                            break;
                        }
                        count += 1;
                    }
                    if count >= MAX_STYLES {
                        return Err(Error::TooManyStyles);
                    }
                    now
                }
            };
            let rec = StyleRecord {
                content: content.to_owned(),
                category: category.to_owned(),
                created,
                modified: now,
            };
            styles.insert((bucket, name), encode(&rec)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Looks a style up (`NoSuchStyle`).
    pub fn get_style(&self, bucket: &str, name: &str) -> Result<Style> {
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(bucket)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        let styles = txn.open_table(STYLES)?;
        let found = styles.get((bucket, name))?;
        match found {
            Some(g) => Ok(decode::<StyleRecord>(g.value())?.style(name)),
            None => Err(Error::NoSuchStyle),
        }
    }

    /// All styles of a bucket, by name.
    pub fn list_styles(&self, bucket: &str) -> Result<Vec<Style>> {
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(bucket)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        let styles = txn.open_table(STYLES)?;
        let mut out = Vec::new();
        for item in styles.range((bucket, "")..)? {
            let (k, v) = item?;
            let (b, name) = k.value();
            if b != bucket {
                break;
            }
            out.push(decode::<StyleRecord>(v.value())?.style(name));
        }
        Ok(out)
    }

    /// Deletes a style (missing is not an error).
    pub fn delete_style(&self, bucket: &str, name: &str) -> Result<()> {
        let txn = self.inner.db.begin_write()?;
        if !bucket_exists_w(&txn, bucket)? {
            return Err(Error::NoSuchBucket);
        }
        txn.open_table(STYLES)?.remove((bucket, name))?;
        txn.commit()?;
        Ok(())
    }
}
