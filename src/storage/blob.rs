//! Blob files: durable writes (temp file + fsync + rename + directory fsync),
//! drop guards that remove unfinished files, and the startup sweep.
//!
//! A blob is immutable once it is in place. Its name is a random id, never a
//! bucket or key name, so no client-chosen string ever becomes a path.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use md5::{Digest as _, Md5};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::{Error, Result, WriteOptions};

/// Size of the fixed copy buffer used by every streaming write.
pub(crate) const BUF_SIZE: usize = 256 * 1024;

/// The blob and temp directories of a store.
#[derive(Debug)]
pub(crate) struct Blobs {
    tmp: PathBuf,
    blobs: PathBuf,
}

/// Running digests of the bytes written so far.
pub(crate) struct Hasher {
    md5: Option<Md5>,
    crc: crc64fast::Digest,
    size: u64,
}

impl Hasher {
    /// A hasher; `with_md5` false skips MD5 (multipart concatenation).
    pub(crate) fn new(with_md5: bool) -> Hasher {
        Hasher {
            md5: with_md5.then(Md5::new),
            crc: crc64fast::Digest::new(),
            size: 0,
        }
    }

    /// Adds bytes.
    pub(crate) fn update(&mut self, data: &[u8]) {
        if let Some(m) = self.md5.as_mut() {
            m.update(data);
        }
        self.crc.write(data);
        self.size += data.len() as u64;
    }

    /// Bytes seen so far.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The digests of everything added.
    pub(crate) fn finish(self) -> Summary {
        Summary {
            size: self.size,
            md5: self.md5.map(|m| m.finalize().into()),
            crc64: self.crc.sum64(),
        }
    }
}

/// Size and digests of a finished blob.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Summary {
    /// Bytes.
    pub size: u64,
    /// MD5 of the whole blob, when computed.
    pub md5: Option<[u8; 16]>,
    /// CRC-64/XZ of the whole blob.
    pub crc64: u64,
}

/// Removes a temp file on drop unless it was renamed into place.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A blob that is in place but not yet referenced by the index: removed on
/// drop unless [`PlacedBlob::keep`] is called after the index commit.
#[derive(Debug)]
pub(crate) struct PlacedBlob {
    id: String,
    path: PathBuf,
    armed: bool,
}

impl PlacedBlob {
    /// The blob id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Disarms the guard: the index now references the blob.
    pub(crate) fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for PlacedBlob {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A fresh random id of 32 lower-case hex digits.
pub(crate) fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn is_blob_id(name: &str) -> bool {
    name.len() == 32
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Fsyncs a directory, making the entries created or renamed in it durable.
pub(crate) fn fsync_dir(path: &Path) -> io::Result<()> {
    fs::File::open(path)?.sync_all()
}

/// Creates `dir` (and missing parents up to an existing one), fsyncing each
/// parent whose entries changed. A relative path's empty parent is the
/// current directory.
pub(crate) fn create_dir_durable(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let parent = dir.parent().map(|p| {
        if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        }
    });
    if let Some(parent) = parent {
        create_dir_durable(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {
            if let Some(parent) = parent {
                fsync_dir(parent)?;
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl Blobs {
    /// Creates the directories under `root`.
    pub(crate) fn open(root: &Path) -> io::Result<Blobs> {
        let blobs = Blobs {
            tmp: root.join("tmp"),
            blobs: root.join("blobs"),
        };
        create_dir_durable(&blobs.tmp)?;
        create_dir_durable(&blobs.blobs)?;
        Ok(blobs)
    }

    /// Where the blob `id` lives: `blobs/ab/cd/<id>`.
    pub(crate) fn path(&self, id: &str) -> PathBuf {
        let a = id.get(0..2).unwrap_or("00");
        let b = id.get(2..4).unwrap_or("00");
        self.blobs.join(a).join(b).join(id)
    }

    /// Removes every file in the temp directory (left by a crash).
    pub(crate) fn sweep_tmp(&self) -> io::Result<usize> {
        let mut n = 0;
        for entry in fs::read_dir(&self.tmp)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::remove_file(entry.path())?;
            }
            n += 1;
        }
        Ok(n)
    }

    /// Removes every blob file for which `known` is false; returns how many.
    pub(crate) fn sweep_orphans(
        &self,
        mut known: impl FnMut(&str) -> Result<bool>,
    ) -> Result<usize> {
        let mut n = 0;
        for a in fs::read_dir(&self.blobs)? {
            let a = a?;
            if !a.file_type()?.is_dir() {
                continue;
            }
            for b in fs::read_dir(a.path())? {
                let b = b?;
                if !b.file_type()?.is_dir() {
                    continue;
                }
                for f in fs::read_dir(b.path())? {
                    let f = f?;
                    let name = f.file_name();
                    let keep = match name.to_str() {
                        Some(id) if is_blob_id(id) => known(id)?,
                        _ => false,
                    };
                    if !keep {
                        fs::remove_file(f.path())?;
                        n += 1;
                    }
                }
            }
        }
        Ok(n)
    }

    /// Removes a blob that the index no longer references (missing is fine).
    pub(crate) fn remove(&self, id: &str) {
        if let Err(e) = fs::remove_file(self.path(id)) {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!(blob = id, error = %e, "could not remove an unreferenced blob");
            }
        }
    }

    fn create_temp(&self) -> io::Result<(TempGuard, fs::File)> {
        let path = self.tmp.join(format!("{}.tmp", new_id()));
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok((TempGuard { path, armed: true }, file))
    }

    /// Moves a fully written and fsynced temp file into place and fsyncs
    /// the directory that received it.
    fn place(&self, mut guard: TempGuard) -> io::Result<PlacedBlob> {
        let id = new_id();
        let path = self.path(&id);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        create_dir_durable(&dir)?;
        fs::rename(&guard.path, &path)?;
        guard.armed = false;
        let placed = PlacedBlob {
            id,
            path,
            armed: true,
        };
        fsync_dir(&dir)?;
        Ok(placed)
    }

    /// Copies `sources` one after another into a new blob (blocking).
    ///
    /// Each source is a file and how many bytes to take from its current
    /// position (`None` = to the end). A source that yields fewer bytes than
    /// asked is an error. Used for appends (old content), copies and
    /// multipart completion.
    pub(crate) fn write_from_files(
        &self,
        sources: impl IntoIterator<Item = io::Result<(fs::File, Option<u64>)>>,
        with_md5: bool,
    ) -> Result<(PlacedBlob, Summary)> {
        let (guard, mut file) = self.create_temp()?;
        let mut hasher = Hasher::new(with_md5);
        let mut buf = vec![0u8; BUF_SIZE];
        for source in sources {
            let (src, len) = source?;
            copy_hashing(src, len, &mut file, &mut hasher, &mut buf)?;
        }
        file.sync_all()?;
        drop(file);
        let placed = self.place(guard)?;
        Ok((placed, hasher.finish()))
    }

    /// Streams `prefix` (an open file and its length; for appends) and then
    /// `body` into a new blob, verifying `opts` along the way.
    ///
    /// Returns the placed blob, the summary of the whole blob, and the MD5
    /// of `body` alone.
    pub(crate) async fn write_stream<R: AsyncRead + Unpin + Send>(
        self: &std::sync::Arc<Self>,
        prefix: Option<(fs::File, u64)>,
        mut body: R,
        opts: &WriteOptions,
    ) -> Result<(PlacedBlob, Summary, [u8; 16])> {
        let this = self.clone();
        // Without a prefix the whole blob is the body: hash MD5 only once.
        let whole_md5 = prefix.is_some();
        let (guard, file, mut hasher) = tokio::task::spawn_blocking(move || -> Result<_> {
            let (guard, mut file) = this.create_temp()?;
            let mut hasher = Hasher::new(whole_md5);
            if let Some((src, len)) = prefix {
                let mut buf = vec![0u8; BUF_SIZE];
                copy_hashing(src, Some(len), &mut file, &mut hasher, &mut buf)?;
            }
            Ok((guard, file, hasher))
        })
        .await
        .map_err(join_error)??;
        if hasher.size > opts.max_size {
            return Err(Error::EntityTooLarge);
        }
        let mut file = tokio::fs::File::from_std(file);
        let mut body_md5 = Md5::new();
        let mut buf = vec![0u8; BUF_SIZE];
        loop {
            let n = body.read(&mut buf).await.map_err(Error::Body)?;
            if n == 0 {
                break;
            }
            if hasher.size + n as u64 > opts.max_size {
                return Err(Error::EntityTooLarge);
            }
            let chunk = &buf[..n];
            hasher.update(chunk);
            body_md5.update(chunk);
            file.write_all(chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        let body_md5: [u8; 16] = body_md5.finalize().into();
        if let Some(expected) = opts.expected_md5 {
            if expected != body_md5 {
                return Err(Error::InvalidDigest);
            }
        }
        let this = self.clone();
        let placed = tokio::task::spawn_blocking(move || this.place(guard))
            .await
            .map_err(join_error)??;
        let mut summary = hasher.finish();
        summary.md5.get_or_insert(body_md5);
        Ok((placed, summary, body_md5))
    }

    /// Makes a new blob that shares `src`'s content through a hard link, or
    /// `None` when the filesystem refuses links (the caller then copies).
    pub(crate) fn link_copy(&self, src_id: &str) -> io::Result<Option<PlacedBlob>> {
        let id = new_id();
        let path = self.path(&id);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        create_dir_durable(&dir)?;
        match fs::hard_link(self.path(src_id), &path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(e),
            Err(_) => return Ok(None),
        }
        let placed = PlacedBlob {
            id,
            path,
            armed: true,
        };
        fsync_dir(&dir)?;
        Ok(Some(placed))
    }
}

fn copy_hashing(
    mut src: fs::File,
    len: Option<u64>,
    dst: &mut fs::File,
    hasher: &mut Hasher,
    buf: &mut [u8],
) -> io::Result<()> {
    let mut left = len.unwrap_or(u64::MAX);
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = src.read(&mut buf[..want])?;
        if n == 0 {
            if len.is_some() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "blob is shorter than its index entry",
                ));
            }
            break;
        }
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// A blocking task that panicked or was cancelled.
pub(crate) fn join_error(e: tokio::task::JoinError) -> Error {
    Error::Io(io::Error::other(e))
}
