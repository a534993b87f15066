//! Multipart uploads: upload ids, parts, complete and abort, listings.
//!
//! Each part is its own blob. Complete streams the listed parts, in order,
//! into one new blob (fixed buffer, CRC-64 of the whole object computed on
//! the way), commits the object and drops the upload in one transaction, and
//! removes the part blobs afterwards.

use std::io::{Seek, SeekFrom};
use std::ops::Bound;

use redb::{ReadableTable, WriteTransaction};
use tokio::io::AsyncRead;

use super::LocalStore;
use crate::storage::blob::{join_error, PlacedBlob};
use crate::storage::index::{
    acl_to_u8, adjust_stats, bucket_exists_w, decode, encode, hex_upper, now_millis, now_secs,
    type_to_u8, ObjectRecord, PartRecord, UploadRecord, BLOBS, BUCKETS, PARTS, UPLOADS,
};
use crate::storage::rules::{
    check_part_number, choose_parts, forbid_check, new_upload_id, page_uploads,
};
use crate::storage::{
    Acl, Error, ObjectInfo, ObjectMeta, ObjectType, PartInfo, PartsPage, Result, UploadsPage,
    WriteOptions,
};

/// All parts of an upload, ascending.
fn upload_parts<T: ReadableTable<(&'static str, u32), &'static [u8]>>(
    parts: &T,
    upload_id: &str,
) -> Result<Vec<(u32, PartRecord)>> {
    let mut out = Vec::new();
    for item in parts.range((upload_id, 0)..=(upload_id, u32::MAX))? {
        let (k, v) = item?;
        out.push((k.value().1, decode(v.value())?));
    }
    Ok(out)
}

/// Removes an upload and its parts inside `txn`; returns the part blob ids
/// to remove after the commit (`NoSuchUpload` when absent).
fn remove_upload_w(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<Vec<(u32, PartRecord)>> {
    if txn
        .open_table(UPLOADS)?
        .remove((bucket, key, upload_id))?
        .is_none()
    {
        return Err(Error::NoSuchUpload);
    }
    let mut parts = txn.open_table(PARTS)?;
    let removed = upload_parts(&parts, upload_id)?;
    let mut blobs = txn.open_table(BLOBS)?;
    for (n, p) in &removed {
        parts.remove((upload_id, *n))?;
        blobs.remove(p.blob.as_str())?;
    }
    adjust_stats(txn, bucket, 0, 0, -1)?;
    Ok(removed)
}

impl LocalStore {
    fn read_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadRecord> {
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(bucket)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        let uploads = txn.open_table(UPLOADS)?;
        let found = uploads.get((bucket, key, upload_id))?;
        match found {
            Some(g) => decode(g.value()),
            None => Err(Error::NoSuchUpload),
        }
    }

    /// Starts a multipart upload and returns its ID.
    pub fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        acl: Acl,
    ) -> Result<String> {
        let id = new_upload_id();
        let rec = UploadRecord {
            initiated: now_millis(),
            acl: acl_to_u8(acl),
            meta: meta.into(),
        };
        let txn = self.inner.db.begin_write()?;
        if !bucket_exists_w(&txn, bucket)? {
            return Err(Error::NoSuchBucket);
        }
        txn.open_table(UPLOADS)?
            .insert((bucket, key, id.as_str()), encode(&rec)?.as_slice())?;
        adjust_stats(&txn, bucket, 0, 0, 1)?;
        txn.commit()?;
        Ok(id)
    }

    /// Commits a part; replaces (and later removes) a previous one.
    fn commit_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        n: u32,
        rec: &PartRecord,
        placed: PlacedBlob,
    ) -> Result<()> {
        let txn = self.inner.db.begin_write()?;
        if !bucket_exists_w(&txn, bucket)? {
            return Err(Error::NoSuchBucket);
        }
        if txn
            .open_table(UPLOADS)?
            .get((bucket, key, upload_id))?
            .is_none()
        {
            return Err(Error::NoSuchUpload);
        }
        let old: Option<PartRecord> = {
            let mut parts = txn.open_table(PARTS)?;
            let old = parts.insert((upload_id, n), encode(rec)?.as_slice())?;
            match old {
                Some(g) => Some(decode(g.value())?),
                None => None,
            }
        };
        {
            let mut blobs = txn.open_table(BLOBS)?;
            blobs.insert(rec.blob.as_str(), ())?;
            if let Some(o) = &old {
                blobs.remove(o.blob.as_str())?;
            }
        }
        txn.commit()?;
        placed.keep();
        if let Some(o) = old {
            self.inner.blobs.remove(&o.blob);
        }
        Ok(())
    }

    /// Stores (or replaces) one part.
    ///
    /// A part number outside 1..=10000 is `InvalidPart` with an empty ETag.
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
        self.read_upload(bucket, key, upload_id)?;
        let (placed, sum, md5) = self.inner.blobs.write_stream(None, body, &opts).await?;
        let rec = PartRecord {
            blob: placed.id().to_owned(),
            size: sum.size,
            md5,
            crc64: sum.crc64,
            mtime: now_secs(),
        };
        let info = rec.info(part_number);
        let (b, k, u) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.blocking(move |s| s.commit_part(&b, &k, &u, part_number, &rec, placed))
            .await?;
        Ok(info)
    }

    /// Stores a part copied from (a byte range of) another object.
    ///
    /// `range` is inclusive (`a..=b`); outside the source it is `InvalidRange`.
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
        self.read_upload(bucket, key, upload_id)?;
        let (src, mut file) = self.open_blob(src_bucket, src_key)?;
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
        let blobs = self.inner.blobs.clone();
        let (placed, sum) = tokio::task::spawn_blocking(move || {
            file.seek(SeekFrom::Start(start))?;
            blobs.write_from_files([Ok((file, Some(len)))], true)
        })
        .await
        .map_err(join_error)??;
        let rec = PartRecord {
            blob: placed.id().to_owned(),
            size: sum.size,
            md5: sum.md5.unwrap_or_default(),
            crc64: sum.crc64,
            mtime: now_secs(),
        };
        let info = rec.info(part_number);
        let (b, k, u) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.blocking(move |s| s.commit_part(&b, &k, &u, part_number, &rec, placed))
            .await?;
        Ok(info)
    }

    /// Completes an upload from the listed (part number, ETag) pairs, or from
    /// all uploaded parts when `parts` is `None`.
    ///
    /// No part at all (an empty list, or `None` with nothing uploaded) is
    /// `InvalidPart` with part number 0. `opts.max_size` bounds the object
    /// and `opts.min_part_size` every part but the last;
    /// `opts.expected_md5` is ignored.
    pub async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Option<Vec<(u32, String)>>,
        acl: Option<Acl>,
        opts: WriteOptions,
    ) -> Result<ObjectInfo> {
        let upload = self.read_upload(bucket, key, upload_id)?;
        let uploaded = {
            let txn = self.inner.db.begin_read()?;
            let table = txn.open_table(PARTS)?;
            upload_parts(&table, upload_id)?
        };
        let (chosen, etag) = choose_parts(uploaded, parts, &opts)?;
        self.precheck_write(bucket, key, opts.forbid_overwrite)?;

        let blobs = self.inner.blobs.clone();
        let sources: Vec<(String, u64)> = chosen
            .iter()
            .map(|(_, p)| (p.blob.clone(), p.size))
            .collect();
        let concatenated = tokio::task::spawn_blocking(move || {
            let files = sources
                .into_iter()
                .map(|(id, size)| std::fs::File::open(blobs.path(&id)).map(|f| (f, Some(size))));
            blobs.write_from_files(files, false)
        })
        .await
        .map_err(join_error)?;
        let (placed, sum) = match concatenated {
            Ok(v) => v,
            // A part blob vanished: the upload was aborted or completed meanwhile.
            Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoSuchUpload)
            }
            Err(e) => return Err(e),
        };
        let rec = ObjectRecord {
            blob: placed.id().to_owned(),
            size: sum.size,
            etag,
            mtime: now_secs(),
            crc64: sum.crc64,
            md5: None,
            otype: type_to_u8(ObjectType::Multipart),
            acl: acl.map(acl_to_u8).unwrap_or(upload.acl),
            meta: upload.meta,
        };
        let info = rec.info(key);
        let (b, k, u) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        let forbid = opts.forbid_overwrite;
        self.blocking(move |s| {
            s.commit_object(
                &b,
                &k,
                &rec,
                Some(placed),
                |old| forbid_check(forbid, old),
                |txn| {
                    let removed = remove_upload_w(txn, &b, &k, &u)?;
                    // A part re-uploaded while we concatenated: refuse.
                    for (n, p) in &chosen {
                        let same = removed.iter().any(|(m, q)| m == n && q.blob == p.blob);
                        if !same {
                            return Err(Error::InvalidPart {
                                part_number: *n,
                                etag: hex_upper(&p.md5),
                            });
                        }
                    }
                    Ok(removed.into_iter().map(|(_, p)| p.blob).collect())
                },
            )
        })
        .await?;
        Ok(info)
    }

    /// Aborts an upload and removes its parts.
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        let (b, k, u) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.blocking(move |s| {
            let txn = s.inner.db.begin_write()?;
            if !bucket_exists_w(&txn, &b)? {
                return Err(Error::NoSuchBucket);
            }
            let removed = remove_upload_w(&txn, &b, &k, &u)?;
            txn.commit()?;
            for (_, p) in removed {
                s.inner.blobs.remove(&p.blob);
            }
            Ok(())
        })
        .await
    }

    /// Lists unfinished uploads.
    ///
    /// Uploads come by key, then initiation. With `upload_id_marker` empty,
    /// listing starts after all uploads of `key_marker`; otherwise after that
    /// upload of `key_marker`. Each common prefix counts once toward
    /// `max_uploads` (0 is treated as 1). The next markers are the last
    /// upload or prefix returned when truncated, else empty.
    pub fn list_multipart_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        upload_id_marker: &str,
        max_uploads: usize,
    ) -> Result<UploadsPage> {
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(bucket)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        let uploads = txn.open_table(UPLOADS)?;
        let start = if key_marker > prefix {
            key_marker
        } else {
            prefix
        };
        let rows = uploads
            .range((bucket, start, "")..)?
            .map(|item| -> Result<Option<(String, String, u64)>> {
                let (k, v) = item?;
                let (b, key, id) = k.value();
                if b != bucket {
                    return Ok(None);
                }
                let rec: UploadRecord = decode(v.value())?;
                Ok(Some((key.to_owned(), id.to_owned(), rec.initiated)))
            })
            .map_while(|r| r.transpose());
        page_uploads(
            rows,
            prefix,
            delimiter,
            key_marker,
            upload_id_marker,
            max_uploads,
        )
    }

    /// Lists the parts of an upload after `part_number_marker`.
    ///
    /// `max_parts` of 0 is treated as 1; the next marker is the last part
    /// number returned (0 when none).
    pub fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number_marker: u32,
        max_parts: usize,
    ) -> Result<PartsPage> {
        let want = max_parts.max(1);
        let txn = self.inner.db.begin_read()?;
        if txn.open_table(BUCKETS)?.get(bucket)?.is_none() {
            return Err(Error::NoSuchBucket);
        }
        if txn
            .open_table(UPLOADS)?
            .get((bucket, key, upload_id))?
            .is_none()
        {
            return Err(Error::NoSuchUpload);
        }
        let parts = txn.open_table(PARTS)?;
        let mut page = PartsPage::default();
        let range = (
            Bound::Excluded((upload_id, part_number_marker)),
            Bound::Included((upload_id, u32::MAX)),
        );
        for item in parts.range(range)? {
            let (k, v) = item?;
            if page.parts.len() == want {
                page.is_truncated = true;
                break;
            }
            let n = k.value().1;
            page.parts.push(decode::<PartRecord>(v.value())?.info(n));
        }
        page.next_part_number_marker = page.parts.last().map_or(0, |p| p.part_number);
        Ok(page)
    }
}
