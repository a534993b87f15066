//! Tests of the store against temp directories.

use std::collections::BTreeSet;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::StreamExt as _;
use md5::{Digest as _, Md5};
use tokio::io::{AsyncRead, ReadBuf};

use super::index::{encode, ObjectRecord, OBJECTS, STATS};
use super::*;

fn crc(data: &[u8]) -> u64 {
    let mut d = crc64fast::Digest::new();
    d.write(data);
    d.sum64()
}

fn md5_of(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// Which backend a conformance test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Local,
    S3,
}

/// The S3-compatible server of the conformance suite (`scripts/test.sh`
/// starts one and sets this), e.g. `http://127.0.0.1:9090`.
const S3_ENDPOINT_VAR: &str = "OSSIMG_TEST_S3_ENDPOINT";
/// When set, a missing S3 server fails the S3 tests instead of skipping them.
const S3_REQUIRED_VAR: &str = "OSSIMG_TEST_S3_REQUIRED";
/// The bucket the suite uses on that server; each test gets its own prefix.
const S3_TEST_BUCKET: &str = "ossimg-conformance";

/// The S3 endpoint, or `None` (and a note) when the suite runs without one.
fn s3_endpoint() -> Option<String> {
    match std::env::var(S3_ENDPOINT_VAR) {
        Ok(e) if !e.is_empty() => Some(e),
        _ => {
            assert!(
                std::env::var_os(S3_REQUIRED_VAR).is_none(),
                "{S3_REQUIRED_VAR} is set but {S3_ENDPOINT_VAR} is not"
            );
            eprintln!("S3 backend tests skipped: {S3_ENDPOINT_VAR} is not set");
            None
        }
    }
}

/// A store of one backend, isolated from every other test.
struct Fixture {
    store: Store,
    dir: Option<tempfile::TempDir>,
}

impl Fixture {
    /// A store with bucket `b`.
    async fn new(kind: Kind) -> Fixture {
        let fx = Fixture::empty(kind).await;
        fx.store
            .create_bucket("b", Acl::Default)
            .await
            .expect("bucket");
        fx
    }

    /// A store without buckets.
    async fn empty(kind: Kind) -> Fixture {
        match kind {
            Kind::Local => {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = Store::open(dir.path()).expect("open");
                Fixture {
                    store,
                    dir: Some(dir),
                }
            }
            Kind::S3 => {
                let endpoint = s3_endpoint().expect("the S3 wrapper checked the endpoint");
                // Idempotent; the server may answer 409 when it exists.
                let _ = ureq::put(&format!("{endpoint}/{S3_TEST_BUCKET}")).call();
                let config = s3::S3Config {
                    endpoint,
                    bucket: S3_TEST_BUCKET.into(),
                    region: "us-east-1".into(),
                    access_key_id: "test".into(),
                    secret_access_key: "test".into(),
                    prefix: format!("t{:016x}", rand::random::<u64>()),
                    retire_after: std::time::Duration::from_secs(5),
                };
                let store = Store::open_s3(&config).await.expect("open S3");
                Fixture { store, dir: None }
            }
        }
    }

    /// A path inside the local data dir (`None` for S3).
    fn local_path(&self, rel: &str) -> Option<std::path::PathBuf> {
        self.dir.as_ref().map(|d| d.path().join(rel))
    }

    /// Local only: `rel` holds `n` files.
    fn assert_files(&self, rel: &str, n: usize) {
        if let Some(p) = self.local_path(rel) {
            assert_eq!(files_under(&p), n, "files under {rel}");
        }
    }

    /// Local only: `rel` does not exist.
    fn assert_no_local(&self, rel: &str) {
        if let Some(p) = self.local_path(rel) {
            assert!(!p.exists(), "{} exists", p.display());
        }
    }

    fn is_s3(&self) -> bool {
        self.dir.is_none()
    }
}

/// Runs each named conformance test against both backends.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn local() {
                super::$name(super::Kind::Local).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn s3() {
                if super::s3_endpoint().is_some() {
                    super::$name(super::Kind::S3).await;
                }
            }
        }
    )*};
}

both_backends!(
    put_get_overwrite_delete,
    unusual_keys_are_index_entries_not_paths,
    reader_survives_overwrite_and_delete,
    md5_mismatch_keeps_previous_object,
    too_large_stops_reading,
    body_errors_and_disconnects_leave_nothing,
    forbid_overwrite,
    concurrent_writers_last_complete_wins,
    object_acl,
    copy_objects,
    self_copy_replace_updates_metadata,
    append_positions_and_crc,
    concurrent_appends_at_one_position,
    listing_small_with_real_objects,
    listing_matches_naive_model_with_real_objects,
    buckets,
    styles,
    multipart_complete_listed_parts,
    multipart_all_parts_abort_and_copy,
    multipart_listings,
    large_bodies_cross_buffer_boundaries,
    objects_beyond_one_write_buffer,
    streamed_ranges_across_chunks,
);

fn files_under(dir: &Path) -> usize {
    let mut n = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                n += files_under(&e.path());
            } else {
                n += 1;
            }
        }
    }
    n
}

async fn put(s: &Store, key: &str, data: &[u8]) -> ObjectInfo {
    put_in(s, "b", key, data).await
}

async fn put_in(s: &Store, bucket: &str, key: &str, data: &[u8]) -> ObjectInfo {
    s.put_object(
        bucket,
        key,
        ObjectMeta::default(),
        Acl::Default,
        data,
        WriteOptions::default(),
    )
    .await
    .expect("put")
}

async fn read_all(s: &Store, bucket: &str, key: &str) -> Vec<u8> {
    let r = s.open_object(bucket, key).await.expect("open object");
    let size = r.info.size;
    let v = r.read_all(u64::MAX).await.expect("read");
    assert_eq!(v.len() as u64, size);
    v
}

/// Inserts index entries without blobs, in one transaction, for listing tests.
fn insert_fake(s: &Store, bucket: &str, keys: &[String]) {
    let txn = s
        .local()
        .expect("a local store")
        .inner
        .db
        .begin_write()
        .expect("txn");
    {
        let mut t = txn.open_table(OBJECTS).expect("table");
        // The record depends only on the key's length: encode each once.
        let mut records: std::collections::HashMap<usize, Vec<u8>> = Default::default();
        let mut okey = Vec::new();
        for k in keys {
            let rec = records.entry(k.len()).or_insert_with(|| {
                let rec = ObjectRecord {
                    blob: "0".repeat(32),
                    size: k.len() as u64,
                    etag: "E".into(),
                    mtime: 0,
                    crc64: 0,
                    md5: None,
                    otype: 0,
                    acl: 0,
                    meta: Default::default(),
                };
                encode(&rec).expect("enc")
            });
            okey.clear();
            okey.extend_from_slice(bucket.as_bytes());
            okey.push(0);
            okey.extend_from_slice(k.as_bytes());
            t.insert(okey.as_slice(), rec.as_slice()).expect("insert");
        }
        txn.open_table(STATS)
            .expect("stats")
            .insert(bucket, (0, keys.len() as u64, 0))
            .expect("stats");
    }
    txn.commit().expect("commit");
}

/// The listing computed naively from the sorted key set.
fn naive(keys: &BTreeSet<String>, q: &ListQuery) -> (Vec<String>, bool) {
    let mut out: Vec<String> = Vec::new();
    for k in keys {
        if !k.starts_with(&q.prefix) {
            continue;
        }
        let rolled = if q.delimiter.is_empty() {
            None
        } else {
            k[q.prefix.len()..].find(&q.delimiter)
        };
        let entry = match rolled {
            Some(i) => k[..q.prefix.len() + i + q.delimiter.len()].to_owned(),
            None => k.clone(),
        };
        if entry.as_str() <= q.start_after.as_str() {
            continue;
        }
        if out.last() != Some(&entry) {
            out.push(entry);
        }
    }
    let truncated = out.len() > q.max_keys;
    out.truncate(q.max_keys);
    (out, truncated)
}

fn names(page: &ListPage) -> Vec<String> {
    page.entries
        .iter()
        .map(|e| match e {
            ListEntry::Object(o) => o.key.clone(),
            ListEntry::CommonPrefix(p) => p.clone(),
        })
        .collect()
}

/// Lists everything by following `next_marker`.
async fn list_all(s: &Store, bucket: &str, prefix: &str, delim: &str, page: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut marker = String::new();
    loop {
        let p = s
            .list_objects(
                bucket,
                &ListQuery {
                    prefix: prefix.into(),
                    delimiter: delim.into(),
                    start_after: marker.clone(),
                    max_keys: page,
                },
            )
            .await
            .expect("list");
        assert!(p.entries.len() <= page);
        out.extend(names(&p));
        if !p.is_truncated {
            assert!(p.next_marker.is_none());
            break;
        }
        marker = p.next_marker.clone().expect("marker when truncated");
        assert_eq!(Some(&marker), out.last());
    }
    out
}

// ---- checksums --------------------------------------------------------------

#[test]
fn crc64fast_is_crc64_xz() {
    assert_eq!(crc(b""), 0);
    assert_eq!(crc(b"123456789"), 11051210869376104954);
    assert_eq!(crc(b"hello oss"), 15021467531229347219);
}

// ---- objects ----------------------------------------------------------------

async fn put_get_overwrite_delete(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let meta = ObjectMeta {
        content_type: Some("text/plain".into()),
        user: vec![("color".into(), "blue".into())],
        ..Default::default()
    };
    let info = s
        .put_object(
            "b",
            "dir/hello.txt",
            meta.clone(),
            Acl::PublicRead,
            &b"hello oss"[..],
            WriteOptions::default(),
        )
        .await
        .expect("put");
    assert_eq!(info.size, 9);
    assert_eq!(info.crc64, 15021467531229347219);
    assert_eq!(info.etag, hex::encode_upper(md5_of(b"hello oss")));
    assert_eq!(info.content_md5, Some(md5_of(b"hello oss")));
    assert_eq!(info.object_type, ObjectType::Normal);
    let head = s.head_object("b", "dir/hello.txt").await.expect("head");
    assert_eq!(head, info);
    assert_eq!(head.meta, meta);
    assert_eq!(head.acl, Acl::PublicRead);
    assert_eq!(read_all(&s, "b", "dir/hello.txt").await, b"hello oss");

    // overwrite: new content, old blob removed
    let info2 = put(&s, "dir/hello.txt", b"second version").await;
    assert_eq!(info2.acl, Acl::Default);
    assert_eq!(read_all(&s, "b", "dir/hello.txt").await, b"second version");
    fx.assert_files("blobs", 1);
    assert_eq!(
        s.bucket_stat("b").await.expect("stat"),
        BucketStat {
            storage: 14,
            object_count: 1,
            multipart_upload_count: 0
        }
    );

    // empty object
    let e = put(&s, "empty", b"").await;
    assert_eq!((e.size, e.crc64), (0, 0));
    assert_eq!(e.etag, "D41D8CD98F00B204E9800998ECF8427E");
    assert!(read_all(&s, "b", "empty").await.is_empty());

    s.delete_object("b", "dir/hello.txt").await.expect("delete");
    s.delete_object("b", "dir/hello.txt")
        .await
        .expect("delete twice");
    assert!(matches!(
        s.head_object("b", "dir/hello.txt").await,
        Err(Error::NoSuchKey)
    ));
    assert!(matches!(
        s.open_object("b", "dir/hello.txt").await,
        Err(Error::NoSuchKey)
    ));
    assert!(matches!(
        s.delete_object("nope", "k").await,
        Err(Error::NoSuchBucket)
    ));
    assert!(matches!(
        s.head_object("nope", "k").await,
        Err(Error::NoSuchBucket)
    ));
    fx.assert_files("blobs", 1);
    fx.assert_files("tmp", 0);
    assert_eq!(s.bucket_stat("b").await.expect("stat").object_count, 1);
}

async fn unusual_keys_are_index_entries_not_paths(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let long = "k".repeat(1023);
    for key in [
        "../../etc/passwd",
        "/abs",
        "a\0b",
        "中文/键",
        "x?y#z",
        &long,
    ] {
        if fx.is_s3() && key.len() > 900 {
            // S3 keys stop at 1,024 bytes, part of which the layout uses.
            let err = s
                .put_object(
                    "b",
                    key,
                    ObjectMeta::default(),
                    Acl::Default,
                    key.as_bytes(),
                    WriteOptions::default(),
                )
                .await;
            assert!(matches!(err, Err(Error::KeyTooLong { .. })), "{err:?}");
            continue;
        }
        put(&s, key, key.as_bytes()).await;
        assert_eq!(read_all(&s, "b", key).await, key.as_bytes());
    }
    fx.assert_no_local("etc");
    fx.assert_files("blobs", 6);
}

async fn reader_survives_overwrite_and_delete(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let old = vec![7u8; 300_000];
    put(&s, "k", &old).await;
    let r = s.open_object("b", "k").await.expect("open");
    put(&s, "k", b"new").await;
    s.delete_object("b", "k").await.expect("delete");
    let v = r.read_all(u64::MAX).await.expect("read");
    assert_eq!(v, old);
}

async fn md5_mismatch_keeps_previous_object(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    put(&s, "k", b"original").await;
    let err = s
        .put_object(
            "b",
            "k",
            ObjectMeta::default(),
            Acl::Default,
            &b"replacement"[..],
            WriteOptions {
                expected_md5: Some(md5_of(b"something else")),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(err, Err(Error::InvalidDigest)), "{err:?}");
    assert_eq!(read_all(&s, "b", "k").await, b"original");
    fx.assert_files("tmp", 0);
    fx.assert_files("blobs", 1);

    let ok = s
        .put_object(
            "b",
            "k",
            ObjectMeta::default(),
            Acl::Default,
            &b"replacement"[..],
            WriteOptions {
                expected_md5: Some(md5_of(b"replacement")),
                ..Default::default()
            },
        )
        .await;
    assert!(ok.is_ok());
    assert_eq!(read_all(&s, "b", "k").await, b"replacement");
}

/// An endless body that counts what was read.
struct Endless {
    read: u64,
}

impl AsyncRead for Endless {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = buf.remaining().min(10_000);
        buf.put_slice(&vec![1u8; n]);
        self.read += n as u64;
        Poll::Ready(Ok(()))
    }
}

async fn too_large_stops_reading(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let mut body = Endless { read: 0 };
    let err = s
        .put_object(
            "b",
            "k",
            ObjectMeta::default(),
            Acl::Default,
            &mut body,
            WriteOptions {
                max_size: 100_000,
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(err, Err(Error::EntityTooLarge)), "{err:?}");
    assert!(body.read <= 110_000, "read {} bytes", body.read);
    fx.assert_files("tmp", 0);
    assert!(matches!(
        s.head_object("b", "k").await,
        Err(Error::NoSuchKey)
    ));
    // exactly the limit is fine
    let ok = s
        .put_object(
            "b",
            "k",
            ObjectMeta::default(),
            Acl::Default,
            &vec![0u8; 1000][..],
            WriteOptions {
                max_size: 1000,
                ..Default::default()
            },
        )
        .await;
    assert!(ok.is_ok());
}

/// A body that yields some bytes, then fails or stalls.
struct Broken {
    sent: bool,
    fail: bool,
}

impl AsyncRead for Broken {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if !self.sent {
            self.sent = true;
            buf.put_slice(b"partial data");
            return Poll::Ready(Ok(()));
        }
        if self.fail {
            Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "client went away",
            )))
        } else {
            Poll::Pending
        }
    }
}

async fn body_errors_and_disconnects_leave_nothing(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    put(&s, "k", b"old").await;
    let err = s
        .put_object(
            "b",
            "k",
            ObjectMeta::default(),
            Acl::Default,
            Broken {
                sent: false,
                fail: true,
            },
            WriteOptions::default(),
        )
        .await;
    assert!(
        matches!(&err, Err(Error::Body(e)) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "{err:?}"
    );
    fx.assert_files("tmp", 0);

    // A stalled body whose request is dropped (client disconnect).
    let s2 = s.clone();
    let task = tokio::spawn(async move {
        s2.put_object(
            "b",
            "k",
            ObjectMeta::default(),
            Acl::Default,
            Broken {
                sent: false,
                fail: false,
            },
            WriteOptions::default(),
        )
        .await
    });
    if let Some(tmp) = fx.local_path("tmp") {
        for _ in 0..200 {
            if files_under(&tmp) == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(files_under(&tmp), 1, "the upload is in progress");
    } else {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    task.abort();
    let _ = task.await;
    fx.assert_files("tmp", 0);
    assert_eq!(read_all(&s, "b", "k").await, b"old");
}

async fn forbid_overwrite(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let opts = WriteOptions {
        forbid_overwrite: true,
        ..Default::default()
    };
    s.put_object(
        "b",
        "k",
        ObjectMeta::default(),
        Acl::Default,
        &b"one"[..],
        opts,
    )
    .await
    .expect("first write");
    let err = s
        .put_object(
            "b",
            "k",
            ObjectMeta::default(),
            Acl::Default,
            &b"two"[..],
            opts,
        )
        .await;
    assert!(matches!(err, Err(Error::FileAlreadyExists)));
    assert_eq!(read_all(&s, "b", "k").await, b"one");
}

async fn concurrent_writers_last_complete_wins(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let size = 600_000usize;
    let mut tasks = Vec::new();
    for i in 0..6u8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let data = vec![i; size];
            put(&s, "hot", &data).await
        }));
    }
    for t in tasks {
        t.await.expect("join");
    }
    let v = read_all(&s, "b", "hot").await;
    assert_eq!(v.len(), size);
    assert!(v.iter().all(|&b| b == v[0]), "never a mix of two writes");
    let info = s.head_object("b", "hot").await.expect("head");
    assert_eq!(info.etag, hex::encode_upper(md5_of(&v)));
    assert_eq!(info.crc64, crc(&v));
    fx.assert_files("blobs", 1);
    assert_eq!(s.bucket_stat("b").await.expect("stat").object_count, 1);
}

async fn object_acl(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    put(&s, "k", b"x").await;
    assert_eq!(
        s.head_object("b", "k").await.expect("head").acl,
        Acl::Default
    );
    s.set_object_acl("b", "k", Acl::PublicRead)
        .await
        .expect("acl");
    assert_eq!(
        s.head_object("b", "k").await.expect("head").acl,
        Acl::PublicRead
    );
    assert!(matches!(
        s.set_object_acl("b", "nope", Acl::Private).await,
        Err(Error::NoSuchKey)
    ));
}

// ---- copy -------------------------------------------------------------------

async fn copy_objects(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    s.create_bucket("other", Acl::Default)
        .await
        .expect("bucket");
    let meta = ObjectMeta {
        content_type: Some("image/png".into()),
        ..Default::default()
    };
    let src = s
        .put_object(
            "b",
            "src",
            meta.clone(),
            Acl::PublicRead,
            &b"copy me"[..],
            WriteOptions::default(),
        )
        .await
        .expect("put");

    let c = s
        .copy_object(
            "b",
            "src",
            "other",
            "dst",
            MetadataDirective::Copy,
            None,
            WriteOptions::default(),
        )
        .await
        .expect("copy");
    assert_eq!(c.etag, src.etag);
    assert_eq!(c.crc64, src.crc64);
    assert_eq!(c.meta, meta);
    assert_eq!(c.acl, Acl::Default);
    assert_eq!(c.key, "dst");
    assert_eq!(read_all(&s, "other", "dst").await, b"copy me");

    // REPLACE to another key
    let new_meta = ObjectMeta {
        content_type: Some("text/plain".into()),
        user: vec![("a".into(), "1".into())],
        ..Default::default()
    };
    let r = s
        .copy_object(
            "b",
            "src",
            "b",
            "dst2",
            MetadataDirective::Replace(new_meta.clone()),
            Some(Acl::Private),
            WriteOptions::default(),
        )
        .await
        .expect("copy");
    assert_eq!(r.meta, new_meta);
    assert_eq!(r.acl, Acl::Private);

    // the copies are independent of the source
    s.delete_object("b", "src").await.expect("delete");
    assert_eq!(read_all(&s, "other", "dst").await, b"copy me");
    assert_eq!(read_all(&s, "b", "dst2").await, b"copy me");

    // missing source / bucket
    assert!(matches!(
        s.copy_object(
            "b",
            "src",
            "b",
            "x",
            MetadataDirective::Copy,
            None,
            WriteOptions::default()
        )
        .await,
        Err(Error::NoSuchKey)
    ));
    assert!(matches!(
        s.copy_object(
            "b",
            "dst2",
            "nope",
            "x",
            MetadataDirective::Copy,
            None,
            WriteOptions::default()
        )
        .await,
        Err(Error::NoSuchBucket)
    ));
    // forbid overwrite
    assert!(matches!(
        s.copy_object(
            "b",
            "dst2",
            "other",
            "dst",
            MetadataDirective::Copy,
            None,
            WriteOptions {
                forbid_overwrite: true,
                ..Default::default()
            }
        )
        .await,
        Err(Error::FileAlreadyExists)
    ));
}

async fn self_copy_replace_updates_metadata(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let src = s
        .put_object(
            "b",
            "k",
            ObjectMeta {
                content_type: Some("text/plain".into()),
                ..Default::default()
            },
            Acl::PublicRead,
            &b"content"[..],
            WriteOptions::default(),
        )
        .await
        .expect("put");
    let new_meta = ObjectMeta {
        content_type: Some("application/json".into()),
        cache_control: Some("no-cache".into()),
        user: vec![("x".into(), "y".into())],
        ..Default::default()
    };
    let c = s
        .copy_object(
            "b",
            "k",
            "b",
            "k",
            MetadataDirective::Replace(new_meta.clone()),
            None,
            WriteOptions::default(),
        )
        .await
        .expect("self copy");
    assert_eq!(c.etag, src.etag);
    assert_eq!(c.meta, new_meta);
    assert_eq!(c.acl, Acl::PublicRead);
    assert_eq!(s.head_object("b", "k").await.expect("head").meta, new_meta);
    assert_eq!(read_all(&s, "b", "k").await, b"content");
    fx.assert_files("blobs", 1);

    // COPY onto itself leaves content and metadata unchanged
    let c2 = s
        .copy_object(
            "b",
            "k",
            "b",
            "k",
            MetadataDirective::Copy,
            None,
            WriteOptions::default(),
        )
        .await
        .expect("self copy");
    assert_eq!(c2.meta, new_meta);
    assert_eq!(read_all(&s, "b", "k").await, b"content");
}

// ---- append -----------------------------------------------------------------

async fn append(s: &Store, key: &str, pos: u64, data: &[u8]) -> Result<ObjectInfo> {
    s.append_object(
        "b",
        key,
        pos,
        ObjectMeta {
            content_type: Some(format!("t/{pos}")),
            ..Default::default()
        },
        Acl::Default,
        data,
        WriteOptions::default(),
    )
    .await
}

async fn append_positions_and_crc(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    assert!(matches!(
        append(&s, "log", 5, b"x").await,
        Err(Error::PositionNotEqualToLength { next_position: 0 })
    ));
    let a = append(&s, "log", 0, b"hello ").await.expect("first");
    assert_eq!(a.object_type, ObjectType::Appendable);
    assert_eq!(a.size, 6);
    assert_eq!(a.crc64, crc(b"hello "));
    let b = append(&s, "log", 6, b"oss").await.expect("second");
    assert_eq!(b.size, 9);
    assert_eq!(b.crc64, 15021467531229347219, "CRC of the whole object");
    assert_eq!(b.etag, hex::encode_upper(md5_of(b"hello oss")));
    assert_eq!(
        b.meta.content_type.as_deref(),
        Some("t/0"),
        "later metadata is ignored"
    );
    match append(&s, "log", 3, b"zz").await {
        Err(Error::PositionNotEqualToLength { next_position }) => assert_eq!(next_position, 9),
        other => panic!("{other:?}"),
    }
    assert_eq!(read_all(&s, "b", "log").await, b"hello oss");
    fx.assert_files("blobs", 1);
    // empty append is fine
    let c = append(&s, "log", 9, b"").await.expect("empty");
    assert_eq!(c.size, 9);

    // body MD5 is checked against the appended bytes only
    let bad = s
        .append_object(
            "b",
            "log",
            9,
            ObjectMeta::default(),
            Acl::Default,
            &b"!!"[..],
            WriteOptions {
                expected_md5: Some(md5_of(b"hello oss!!")),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(bad, Err(Error::InvalidDigest)));
    let good = s
        .append_object(
            "b",
            "log",
            9,
            ObjectMeta::default(),
            Acl::Default,
            &b"!!"[..],
            WriteOptions {
                expected_md5: Some(md5_of(b"!!")),
                ..Default::default()
            },
        )
        .await
        .expect("append with md5");
    assert_eq!(good.crc64, crc(b"hello oss!!"));
    // total size limit
    let big = s
        .append_object(
            "b",
            "log",
            11,
            ObjectMeta::default(),
            Acl::Default,
            &b"12345"[..],
            WriteOptions {
                max_size: 15,
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(big, Err(Error::EntityTooLarge)));

    // not appendable
    put(&s, "plain", b"p").await;
    assert!(matches!(
        append(&s, "plain", 1, b"x").await,
        Err(Error::ObjectNotAppendable)
    ));
    // PutObject turns an appendable object into a Normal one
    let p = put(&s, "log", b"reset").await;
    assert_eq!(p.object_type, ObjectType::Normal);
    assert!(matches!(
        append(&s, "log", 5, b"x").await,
        Err(Error::ObjectNotAppendable)
    ));
    fx.assert_files("tmp", 0);
}

async fn concurrent_appends_at_one_position(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    append(&s, "log", 0, b"base").await.expect("create");
    let mut tasks = Vec::new();
    for i in 0..4u8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            append(&s, "log", 4, &[b'a' + i; 1000]).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => ok += 1,
            Err(Error::PositionNotEqualToLength { next_position }) => {
                assert_eq!(next_position, 1004)
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 1, "exactly one append at a position wins");
    assert_eq!(read_all(&s, "b", "log").await.len(), 1004);
}

// ---- listing ------------------------------------------------------------------

async fn listing_small_with_real_objects(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    for k in ["a", "b/1", "b/2", "b/c/3", "c", "d/"] {
        put(&s, k, k.as_bytes()).await;
    }
    let q = |prefix: &str, delimiter: &str, start_after: &str, max_keys: usize| ListQuery {
        prefix: prefix.into(),
        delimiter: delimiter.into(),
        start_after: start_after.into(),
        max_keys,
    };
    let p = s
        .list_objects("b", &q("", "/", "", 100))
        .await
        .expect("list");
    assert_eq!(names(&p), ["a", "b/", "c", "d/"]);
    assert!(!p.is_truncated);
    match &p.entries[0] {
        ListEntry::Object(o) => {
            assert_eq!(o.size, 1);
            assert_eq!(o.etag, hex::encode_upper(md5_of(b"a")));
        }
        e => panic!("{e:?}"),
    }
    assert!(matches!(&p.entries[1], ListEntry::CommonPrefix(c) if c == "b/"));
    let p = s
        .list_objects("b", &q("b/", "/", "", 100))
        .await
        .expect("list");
    assert_eq!(names(&p), ["b/1", "b/2", "b/c/"]);
    let p = s.list_objects("b", &q("", "/", "", 2)).await.expect("list");
    assert_eq!(names(&p), ["a", "b/"]);
    assert!(p.is_truncated);
    assert_eq!(p.next_marker.as_deref(), Some("b/"));
    let p = s
        .list_objects("b", &q("", "/", "b/", 2))
        .await
        .expect("list");
    assert_eq!(names(&p), ["c", "d/"]);
    assert!(!p.is_truncated);
    let p = s
        .list_objects("b", &q("", "", "b/1", 100))
        .await
        .expect("list");
    assert_eq!(names(&p), ["b/2", "b/c/3", "c", "d/"]);
    let p = s
        .list_objects("b", &q("zz", "", "", 100))
        .await
        .expect("list");
    assert!(p.entries.is_empty() && !p.is_truncated);
    assert!(matches!(
        s.list_objects("nope", &q("", "", "", 10)).await,
        Err(Error::NoSuchBucket)
    ));
}

#[tokio::test]
async fn listing_matches_naive_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Store::open(dir.path()).expect("open");
    s.create_bucket("b", Acl::Default).await.expect("bucket");
    let mut keys = BTreeSet::new();
    for i in 0..3000u32 {
        let k = match i % 6 {
            0 => format!("photos/{:04}/img{}.jpg", i % 37, i),
            1 => format!("photos/{i:05}.jpg"),
            2 => format!("docs/{}-{}", i % 11, i),
            3 => format!("top{i}"),
            4 => format!("a/b/c/{i}"),
            _ => format!("photos//{i}"),
        };
        keys.insert(k);
    }
    let list: Vec<String> = keys.iter().cloned().collect();
    insert_fake(&s, "b", &list);
    // unrelated neighbours must never show up
    insert_fake(&s, "a", &list);
    insert_fake(&s, "b-2", &list);

    let prefixes = ["", "photos/", "photos", "docs/1", "a/b/", "zzz", "top1"];
    let delimiters = ["", "/", "-", "//"];
    let markers = ["", "photos/0003", "docs/", "photos/", "top2", "a/b/c/99"];
    for prefix in prefixes {
        for delimiter in delimiters {
            for start_after in markers {
                for max_keys in [1, 7, 1000] {
                    let q = ListQuery {
                        prefix: prefix.into(),
                        delimiter: delimiter.into(),
                        start_after: start_after.into(),
                        max_keys,
                    };
                    let page = s.list_objects("b", &q).await.expect("list");
                    let (want, truncated) = naive(&keys, &q);
                    assert_eq!(names(&page), want, "{q:?}");
                    assert_eq!(page.is_truncated, truncated, "{q:?}");
                }
            }
            // paging through everything reproduces the full listing
            let all = list_all(&s, "b", prefix, delimiter, 97).await;
            let (want, _) = naive(
                &keys,
                &ListQuery {
                    prefix: prefix.into(),
                    delimiter: delimiter.into(),
                    start_after: String::new(),
                    max_keys: usize::MAX,
                },
            );
            assert_eq!(all, want, "paging {prefix:?} {delimiter:?}");
        }
    }
}

/// The listing model again, with real objects and keys whose bytes sit
/// around the characters the S3 backend encodes.
async fn listing_matches_naive_model_with_real_objects(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    s.create_bucket("b-2", Acl::Default).await.expect("bucket");
    let mut keys = BTreeSet::new();
    for i in 0..40u32 {
        keys.insert(format!("photos/{:04}/img{i}.jpg", i % 7));
        keys.insert(format!("a!b{i}"));
        keys.insert(format!("中文/{i}"));
    }
    for k in [
        "a",
        "a b",
        "a!",
        "a.b",
        "a/b",
        "a0",
        "a:b",
        "a~b",
        "a\u{7f}",
        "aé",
        "photos//x",
        "photos/",
        "z{",
        "~",
        "ph",
        "中",
        "中文",
    ] {
        keys.insert(k.to_owned());
    }
    let list: Vec<String> = keys.iter().cloned().collect();
    futures::stream::iter(list.iter())
        .for_each_concurrent(8, |k| {
            let s = s.clone();
            async move {
                put(&s, k, k.as_bytes()).await;
            }
        })
        .await;
    put_in(&s, "b-2", "a!b0", b"x").await;
    for prefix in ["", "photos/", "ph", "中", "a!", "a"] {
        for delimiter in ["", "/", "!"] {
            for start_after in ["", "photos/0003", "a b", "中文/", "a!b1"] {
                for max_keys in [1, 9, 1000] {
                    let q = ListQuery {
                        prefix: prefix.into(),
                        delimiter: delimiter.into(),
                        start_after: start_after.into(),
                        max_keys,
                    };
                    let page = s.list_objects("b", &q).await.expect("list");
                    let (want, truncated) = naive(&keys, &q);
                    assert_eq!(names(&page), want, "{q:?}");
                    assert_eq!(page.is_truncated, truncated, "{q:?}");
                }
            }
            let all = list_all(&s, "b", prefix, delimiter, 13).await;
            let (want, _) = naive(
                &keys,
                &ListQuery {
                    prefix: prefix.into(),
                    delimiter: delimiter.into(),
                    start_after: String::new(),
                    max_keys: usize::MAX,
                },
            );
            assert_eq!(all, want, "paging {prefix:?} {delimiter:?}");
        }
    }
}

#[tokio::test]
async fn listing_ignores_unrelated_keys_at_scale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Store::open(dir.path()).expect("open");
    s.create_bucket("b", Acl::Default).await.expect("bucket");
    s.create_bucket("c", Acl::Default).await.expect("bucket");
    let big: Vec<String> = (0..100_000).map(|i| format!("big/{i:06}")).collect();
    insert_fake(&s, "b", &big);
    insert_fake(&s, "a", &big);
    insert_fake(&s, "c", &big);
    let small: Vec<String> = (0..1500).map(|i| format!("small/{i:05}")).collect();
    insert_fake(&s, "b", &small);
    let top: Vec<String> = (0..5).map(|i| format!("z{i}")).collect();
    insert_fake(&s, "b", &top);

    let local = s.local().expect("a local store");
    let (p, cost) = local
        .list_objects_costed(
            "b",
            &ListQuery {
                prefix: "small/".into(),
                max_keys: 1000,
                ..Default::default()
            },
        )
        .expect("list");
    assert_eq!(names(&p), small[..1000].to_vec());
    assert!(p.is_truncated);
    assert_eq!((cost.entries, cost.seeks), (1001, 1));
    assert_eq!(p.next_marker.as_deref(), Some("small/00999"));
    let (p2, cost) = local
        .list_objects_costed(
            "b",
            &ListQuery {
                prefix: "small/".into(),
                start_after: "small/00999".into(),
                max_keys: 1000,
                ..Default::default()
            },
        )
        .expect("list");
    assert_eq!(names(&p2), small[1000..].to_vec());
    assert!(!p2.is_truncated);
    assert_eq!((cost.entries, cost.seeks), (500, 1));

    // 100k keys under one rolled-up prefix are skipped with one seek
    let (p3, cost) = local
        .list_objects_costed(
            "b",
            &ListQuery {
                delimiter: "/".into(),
                max_keys: 1000,
                ..Default::default()
            },
        )
        .expect("list");
    assert_eq!(names(&p3), ["big/", "small/", "z0", "z1", "z2", "z3", "z4"]);
    // One entry and one seek per rolled-up prefix, one entry per key.
    assert_eq!((cost.entries, cost.seeks), (7, 3));
    // a page in the middle of the big prefix
    let (p4, cost) = local
        .list_objects_costed(
            "b",
            &ListQuery {
                prefix: "big/".into(),
                start_after: "big/050000".into(),
                max_keys: 1000,
                ..Default::default()
            },
        )
        .expect("list");
    assert_eq!(names(&p4), big[50_001..51_001].to_vec());
    // A page plus one, never the 300k keys of the three buckets.
    assert_eq!((cost.entries, cost.seeks), (1001, 1));
}

/// "Listing 1,000 keys out of a bucket of 1,000,000 reads a sorted page of
/// the index, not the directory tree", checked by counting: the local
/// backend reports how many index entries and range scans a page took. A
/// page of `n` entries reads at most `n + 1` entries (the extra one tells that
/// more follow), plus one when the marker falls inside a rolled-up prefix;
/// each rolled-up prefix costs one entry and one seek past its keys.
///
/// The million keys (`d000/000` … `d999/999`, 1,000 "directories" of 1,000)
/// go into the index in one redb transaction, without blobs: only the index
/// is under test.
#[tokio::test]
async fn listing_a_page_of_a_million_keys_reads_a_page_of_the_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Store::open(dir.path()).expect("open");
    for b in ["a", "b", "c"] {
        s.create_bucket(b, Acl::Default).await.expect("bucket");
    }
    let started = std::time::Instant::now();
    let keys: Vec<String> = (0..1_000_000)
        .map(|n| format!("d{:03}/{:03}", n / 1000, n % 1000))
        .collect();
    insert_fake(&s, "b", &keys);
    // Neighbours in the same table, on both sides of the bucket.
    insert_fake(&s, "a", &keys[..5000]);
    insert_fake(&s, "c", &keys[..5000]);
    eprintln!("1,010,000 index entries written in {:?}", started.elapsed());
    let local = s.local().expect("a local store");
    let key = |n: usize| keys[n].clone();

    struct Case {
        what: &'static str,
        q: ListQuery,
        names: Vec<String>,
        truncated: bool,
        entries: u64,
        seeks: u64,
    }
    let q = |prefix: &str, delimiter: &str, start_after: &str, max_keys: usize| ListQuery {
        prefix: prefix.into(),
        delimiter: delimiter.into(),
        start_after: start_after.into(),
        max_keys,
    };
    let dirs = |from: usize, to: usize| -> Vec<String> {
        (from..to).map(|d| format!("d{d:03}/")).collect()
    };
    let cases = [
        Case {
            what: "first page of the bucket",
            q: q("", "", "", 1000),
            names: keys[..1000].to_vec(),
            truncated: true,
            entries: 1001,
            seeks: 1,
        },
        Case {
            what: "a whole prefix of 1,000 keys",
            q: q("d500/", "", "", 1000),
            names: keys[500_000..501_000].to_vec(),
            truncated: false,
            entries: 1000,
            seeks: 1,
        },
        Case {
            what: "prefix and marker, across two directories",
            q: q("d", "", &key(500_499), 1000),
            names: keys[500_500..501_500].to_vec(),
            truncated: true,
            entries: 1001,
            seeks: 1,
        },
        Case {
            what: "marker near the end of the bucket",
            q: q("", "", &key(999_500), 1000),
            names: keys[999_501..].to_vec(),
            truncated: false,
            entries: 499,
            seeks: 1,
        },
        Case {
            what: "marker before the prefix",
            q: q("d700/", "", "d100/", 1000),
            names: keys[700_000..701_000].to_vec(),
            truncated: false,
            entries: 1000,
            seeks: 1,
        },
        Case {
            what: "marker after the prefix",
            q: q("d700/", "", "d800/", 1000),
            names: vec![],
            truncated: false,
            entries: 0,
            seeks: 0,
        },
        Case {
            what: "1,000 rolled-up prefixes, one entry and one seek each",
            q: q("", "/", "", 1000),
            names: dirs(0, 1000),
            truncated: false,
            entries: 1000,
            seeks: 1001,
        },
        Case {
            what: "rolled-up prefixes, truncated",
            q: q("", "/", "", 10),
            names: dirs(0, 10),
            truncated: true,
            entries: 11,
            seeks: 11,
        },
        Case {
            what: "rolled-up prefixes after a marker inside one",
            q: q("", "/", &key(250_123), 1000),
            names: dirs(251, 1000),
            truncated: false,
            entries: 750,
            seeks: 751,
        },
        Case {
            what: "delimiter inside a prefix without deeper levels",
            q: q("d123/", "/", "", 1000),
            names: keys[123_000..124_000].to_vec(),
            truncated: false,
            entries: 1000,
            seeks: 1,
        },
        Case {
            what: "a prefix that matches nothing",
            q: q("e", "", "", 1000),
            names: vec![],
            truncated: false,
            entries: 0,
            seeks: 1,
        },
    ];
    for c in &cases {
        let (page, cost) = local.list_objects_costed("b", &c.q).expect("list");
        assert_eq!(names(&page), c.names, "{}", c.what);
        assert_eq!(page.is_truncated, c.truncated, "{}", c.what);
        // The bound of the design: a page plus one, plus one per prefix skip.
        let rolled_up = page
            .entries
            .iter()
            .filter(|e| matches!(e, ListEntry::CommonPrefix(_)))
            .count() as u64;
        let bound = c.q.max_keys as u64 + 2;
        assert!(cost.entries <= bound, "{}: {cost:?}", c.what);
        assert!(cost.seeks <= rolled_up + 2, "{}: {cost:?}", c.what);
        // And the exact figures of the current scan.
        assert_eq!(
            (cost.entries, cost.seeks),
            (c.entries, c.seeks),
            "{}",
            c.what
        );
    }
    // Following the pages of one directory through the whole store API.
    let mut marker = String::new();
    let mut seen = 0;
    loop {
        let (page, cost) = local
            .list_objects_costed("b", &q("d042/", "", &marker, 300))
            .expect("list");
        assert!(cost.entries <= 301, "{cost:?}");
        seen += page.entries.len();
        match page.next_marker {
            Some(m) if page.is_truncated => marker = m,
            _ => break,
        }
    }
    assert_eq!(seen, 1000);
}

// ---- buckets ------------------------------------------------------------------

async fn buckets(kind: Kind) {
    let fx = Fixture::empty(kind).await;
    let s = fx.store.clone();
    let b = s
        .create_bucket("alpha", Acl::Default)
        .await
        .expect("create");
    assert_eq!(b.acl, Acl::Private);
    s.create_bucket("beta", Acl::PublicRead)
        .await
        .expect("create");
    s.create_bucket("gamma", Acl::Default)
        .await
        .expect("create");
    assert!(matches!(
        s.create_bucket("alpha", Acl::Default).await,
        Err(Error::BucketAlreadyExists)
    ));
    assert_eq!(s.bucket("beta").await.expect("get").acl, Acl::PublicRead);
    s.set_bucket_acl("beta", Acl::PublicReadWrite)
        .await
        .expect("acl");
    assert_eq!(
        s.bucket("beta").await.expect("get").acl,
        Acl::PublicReadWrite
    );
    assert!(matches!(s.bucket("nope").await, Err(Error::NoSuchBucket)));
    assert!(matches!(
        s.set_bucket_acl("nope", Acl::Private).await,
        Err(Error::NoSuchBucket)
    ));

    let (all, more) = s.list_buckets("", "", 100).await.expect("list");
    let n: Vec<_> = all.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(n, ["alpha", "beta", "gamma"]);
    assert!(!more);
    let (page, more) = s.list_buckets("", "", 2).await.expect("list");
    assert_eq!(page.len(), 2);
    assert!(more);
    let (page, more) = s.list_buckets("", "beta", 2).await.expect("list");
    assert_eq!(page[0].name, "gamma");
    assert!(!more);
    let (page, _) = s.list_buckets("b", "", 10).await.expect("list");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].name, "beta");

    // not empty: an object
    s.put_object(
        "alpha",
        "k",
        ObjectMeta::default(),
        Acl::Default,
        &b"x"[..],
        WriteOptions::default(),
    )
    .await
    .expect("put");
    assert!(matches!(
        s.delete_bucket("alpha").await,
        Err(Error::BucketNotEmpty)
    ));
    s.delete_object("alpha", "k").await.expect("delete");
    // not empty: an unfinished upload
    let id = s
        .create_multipart_upload("alpha", "m", ObjectMeta::default(), Acl::Default)
        .await
        .expect("upload");
    assert!(matches!(
        s.delete_bucket("alpha").await,
        Err(Error::BucketNotEmpty)
    ));
    s.abort_multipart_upload("alpha", "m", &id)
        .await
        .expect("abort");
    // styles go with the bucket
    s.put_style("alpha", "thumb", "image/resize,w_10", "image")
        .await
        .expect("style");
    s.delete_bucket("alpha").await.expect("delete");
    assert!(matches!(s.bucket("alpha").await, Err(Error::NoSuchBucket)));
    assert!(matches!(
        s.delete_bucket("alpha").await,
        Err(Error::NoSuchBucket)
    ));
    s.create_bucket("alpha", Acl::Default)
        .await
        .expect("recreate");
    assert!(s.list_styles("alpha").await.expect("styles").is_empty());
    assert_eq!(
        s.bucket_stat("alpha").await.expect("stat"),
        BucketStat::default()
    );
    // a neighbour bucket's objects do not make a bucket non-empty
    s.put_object(
        "gamma",
        "k",
        ObjectMeta::default(),
        Acl::Default,
        &b"x"[..],
        WriteOptions::default(),
    )
    .await
    .expect("put");
    s.delete_bucket("beta").await.expect("delete beta");
}

// ---- styles -------------------------------------------------------------------

async fn styles(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    assert!(matches!(
        s.get_style("b", "x").await,
        Err(Error::NoSuchStyle)
    ));
    s.put_style("b", "thumb", "image/resize,w_100", "image")
        .await
        .expect("put");
    let st = s.get_style("b", "thumb").await.expect("get");
    assert_eq!(st.content, "image/resize,w_100");
    assert_eq!(st.category, "image");
    s.put_style("b", "thumb", "image/resize,w_200", "image")
        .await
        .expect("replace");
    let st2 = s.get_style("b", "thumb").await.expect("get");
    assert_eq!(st2.content, "image/resize,w_200");
    assert_eq!(st2.created, st.created, "replacing keeps the creation time");
    assert!(st2.modified >= st.modified);
    for i in 1..50 {
        s.put_style("b", &format!("s{i:02}"), "image/rotate,90", "image")
            .await
            .expect("put");
    }
    assert!(matches!(
        s.put_style("b", "one-too-many", "image/rotate,90", "image")
            .await,
        Err(Error::TooManyStyles)
    ));
    s.put_style("b", "s01", "image/rotate,180", "image")
        .await
        .expect("replacing at the limit is fine");
    let all = s.list_styles("b").await.expect("list");
    assert_eq!(all.len(), 50);
    assert!(all.windows(2).all(|w| w[0].name < w[1].name));
    s.delete_style("b", "s01").await.expect("delete");
    s.delete_style("b", "s01").await.expect("delete missing");
    assert!(matches!(
        s.get_style("b", "s01").await,
        Err(Error::NoSuchStyle)
    ));
    s.put_style("b", "one-more", "image/rotate,90", "image")
        .await
        .expect("room again");
    assert!(matches!(
        s.put_style("nope", "x", "image/rotate,90", "image").await,
        Err(Error::NoSuchBucket)
    ));
    assert!(matches!(
        s.list_styles("nope").await,
        Err(Error::NoSuchBucket)
    ));
}

// ---- multipart ------------------------------------------------------------------

const KIB100: usize = 100 * 1024;

async fn part(s: &Store, key: &str, id: &str, n: u32, data: &[u8]) -> Result<PartInfo> {
    s.upload_part("b", key, id, n, data, WriteOptions::default())
        .await
}

fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut h = Md5::new();
    for p in parts {
        h.update(md5_of(p));
    }
    format!("{}-{}", hex::encode_upper(h.finalize()), parts.len())
}

async fn multipart_complete_listed_parts(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let meta = ObjectMeta {
        content_type: Some("application/octet-stream".into()),
        ..Default::default()
    };
    let id = s
        .create_multipart_upload("b", "big", meta.clone(), Acl::PublicRead)
        .await
        .expect("init");
    assert_eq!(id.len(), 32);
    let p1 = vec![1u8; KIB100];
    let p2 = vec![2u8; KIB100 + 5];
    let p3 = b"tail".to_vec();
    let i1 = part(&s, "big", &id, 1, &p1).await.expect("p1");
    assert_eq!(i1.etag, hex::encode_upper(md5_of(&p1)));
    assert_eq!(i1.crc64, crc(&p1));
    assert_eq!(i1.size, KIB100 as u64);
    // re-upload replaces
    part(&s, "big", &id, 2, b"wrong").await.expect("p2 first");
    let i2 = part(&s, "big", &id, 2, &p2).await.expect("p2");
    let i3 = part(&s, "big", &id, 5, &p3).await.expect("p3");
    part(&s, "big", &id, 7, b"unlisted").await.expect("p7");
    assert!(matches!(
        part(&s, "big", &id, 0, b"x").await,
        Err(Error::InvalidPart { .. })
    ));
    assert!(matches!(
        part(&s, "big", &id, 10_001, b"x").await,
        Err(Error::InvalidPart { .. })
    ));
    assert!(matches!(
        part(&s, "big", "NOPE", 1, b"x").await,
        Err(Error::NoSuchUpload)
    ));
    assert_eq!(
        s.bucket_stat("b")
            .await
            .expect("stat")
            .multipart_upload_count,
        1
    );

    let listed = vec![
        (1, format!("\"{}\"", i1.etag.to_lowercase())),
        (2, i2.etag.clone()),
        (5, format!("\"{}\"", i3.etag)),
    ];
    // order
    let mut bad_order = listed.clone();
    bad_order.swap(0, 1);
    assert!(matches!(
        s.complete_multipart_upload(
            "b",
            "big",
            &id,
            Some(bad_order),
            None,
            WriteOptions::default()
        )
        .await,
        Err(Error::InvalidPartOrder)
    ));
    let mut dup = listed.clone();
    dup[1].0 = 1;
    assert!(matches!(
        s.complete_multipart_upload("b", "big", &id, Some(dup), None, WriteOptions::default())
            .await,
        Err(Error::InvalidPartOrder)
    ));
    // wrong etag / missing part
    let mut wrong = listed.clone();
    wrong[1].1 = hex::encode_upper(md5_of(b"wrong"));
    match s
        .complete_multipart_upload("b", "big", &id, Some(wrong), None, WriteOptions::default())
        .await
    {
        Err(Error::InvalidPart { part_number, .. }) => assert_eq!(part_number, 2),
        other => panic!("{other:?}"),
    }
    let mut missing = listed.clone();
    missing[2].0 = 6;
    assert!(matches!(
        s.complete_multipart_upload(
            "b",
            "big",
            &id,
            Some(missing),
            None,
            WriteOptions::default()
        )
        .await,
        Err(Error::InvalidPart { part_number: 6, .. })
    ));
    assert!(matches!(
        s.complete_multipart_upload("b", "big", &id, Some(vec![]), None, WriteOptions::default())
            .await,
        Err(Error::InvalidPart { .. })
    ));
    // a small non-last part
    let small = vec![
        (5, i3.etag.clone()),
        (7, hex::encode_upper(md5_of(b"unlisted"))),
    ];
    assert!(matches!(
        s.complete_multipart_upload("b", "big", &id, Some(small), None, WriteOptions::default())
            .await,
        Err(Error::EntityTooSmall)
    ));

    let info = s
        .complete_multipart_upload("b", "big", &id, Some(listed), None, WriteOptions::default())
        .await
        .expect("complete");
    let mut whole = p1.clone();
    whole.extend_from_slice(&p2);
    whole.extend_from_slice(&p3);
    assert_eq!(info.etag, multipart_etag(&[&p1, &p2, &p3]));
    assert_eq!(info.size, whole.len() as u64);
    assert_eq!(info.crc64, crc(&whole));
    assert_eq!(info.object_type, ObjectType::Multipart);
    assert_eq!(info.acl, Acl::PublicRead);
    assert_eq!(info.meta, meta);
    assert_eq!(info.content_md5, None);
    assert_eq!(s.head_object("b", "big").await.expect("head"), info);
    assert_eq!(read_all(&s, "b", "big").await, whole);
    // the upload is gone, unlisted parts too
    assert!(matches!(
        s.complete_multipart_upload("b", "big", &id, None, None, WriteOptions::default())
            .await,
        Err(Error::NoSuchUpload)
    ));
    assert!(matches!(
        s.list_parts("b", "big", &id, 0, 100).await,
        Err(Error::NoSuchUpload)
    ));
    assert!(matches!(
        part(&s, "big", &id, 1, b"late").await,
        Err(Error::NoSuchUpload)
    ));
    fx.assert_files("blobs", 1);
    assert_eq!(
        s.bucket_stat("b").await.expect("stat"),
        BucketStat {
            storage: whole.len() as u64,
            object_count: 1,
            multipart_upload_count: 0
        }
    );
}

async fn multipart_all_parts_abort_and_copy(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    put(&s, "src", b"0123456789").await;
    let id = s
        .create_multipart_upload("b", "m", ObjectMeta::default(), Acl::Default)
        .await
        .expect("init");
    let p1 = vec![9u8; KIB100];
    part(&s, "m", &id, 3, &p1).await.expect("p3");
    let c = s
        .upload_part_copy("b", "m", &id, 8, "b", "src", Some((2, 5)), u64::MAX)
        .await
        .expect("copy part");
    assert_eq!(c.size, 4);
    assert_eq!(c.etag, hex::encode_upper(md5_of(b"2345")));
    assert!(matches!(
        s.upload_part_copy("b", "m", &id, 9, "b", "src", Some((5, 10)), u64::MAX)
            .await,
        Err(Error::InvalidRange)
    ));
    assert!(matches!(
        s.upload_part_copy("b", "m", &id, 9, "b", "nope", None, u64::MAX)
            .await,
        Err(Error::NoSuchKey)
    ));
    // The copied length is bounded on the source the store opens.
    assert!(matches!(
        s.upload_part_copy("b", "m", &id, 9, "b", "src", None, 9)
            .await,
        Err(Error::EntityTooLarge)
    ));
    assert!(matches!(
        s.upload_part_copy("b", "m", &id, 9, "b", "src", Some((0, 8)), 8)
            .await,
        Err(Error::EntityTooLarge)
    ));
    let info = s
        .complete_multipart_upload(
            "b",
            "m",
            &id,
            None,
            Some(Acl::Private),
            WriteOptions::default(),
        )
        .await
        .expect("complete all");
    let mut whole = p1.clone();
    whole.extend_from_slice(b"2345");
    assert_eq!(info.etag, multipart_etag(&[&p1, b"2345"]));
    assert_eq!(info.acl, Acl::Private);
    assert_eq!(read_all(&s, "b", "m").await, whole);

    // abort
    let id2 = s
        .create_multipart_upload("b", "m", ObjectMeta::default(), Acl::Default)
        .await
        .expect("init");
    part(&s, "m", &id2, 1, b"abc").await.expect("part");
    s.abort_multipart_upload("b", "m", &id2)
        .await
        .expect("abort");
    assert!(matches!(
        s.abort_multipart_upload("b", "m", &id2).await,
        Err(Error::NoSuchUpload)
    ));
    assert!(matches!(
        s.complete_multipart_upload("b", "m", &id2, None, None, WriteOptions::default())
            .await,
        Err(Error::NoSuchUpload)
    ));
    // nothing uploaded
    let id3 = s
        .create_multipart_upload("b", "m", ObjectMeta::default(), Acl::Default)
        .await
        .expect("init");
    assert!(matches!(
        s.complete_multipart_upload("b", "m", &id3, None, None, WriteOptions::default())
            .await,
        Err(Error::InvalidPart { .. })
    ));
    // forbid overwrite on complete
    part(&s, "m", &id3, 1, b"abc").await.expect("part");
    assert!(matches!(
        s.complete_multipart_upload(
            "b",
            "m",
            &id3,
            None,
            None,
            WriteOptions {
                forbid_overwrite: true,
                ..Default::default()
            }
        )
        .await,
        Err(Error::FileAlreadyExists)
    ));
    // 2 objects (src, m) + the one remaining part of id3
    fx.assert_files("blobs", 3);
    fx.assert_files("tmp", 0);
}

async fn multipart_listings(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let mut ids = Vec::new();
    for key in ["a/1", "a/2", "b", "b", "c/x/y"] {
        ids.push((
            key,
            s.create_multipart_upload("b", key, ObjectMeta::default(), Acl::Default)
                .await
                .expect("init"),
        ));
    }
    let all = s
        .list_multipart_uploads("b", "", "", "", "", 1000)
        .await
        .expect("list");
    let got: Vec<_> = all
        .uploads
        .iter()
        .map(|u| (u.key.as_str(), u.upload_id.clone()))
        .collect();
    assert_eq!(got, ids, "by key, then initiation");
    assert!(!all.is_truncated);

    // paging two at a time reproduces the list
    let mut seen = Vec::new();
    let (mut km, mut um) = (String::new(), String::new());
    loop {
        let p = s
            .list_multipart_uploads("b", "", "", &km, &um, 2)
            .await
            .expect("list");
        seen.extend(
            p.uploads
                .iter()
                .map(|u| (u.key.clone(), u.upload_id.clone())),
        );
        if !p.is_truncated {
            break;
        }
        km = p.next_key_marker;
        um = p.next_upload_id_marker;
    }
    let want: Vec<_> = ids
        .iter()
        .map(|(k, i)| ((*k).to_owned(), i.clone()))
        .collect();
    assert_eq!(seen, want);

    let d = s
        .list_multipart_uploads("b", "", "/", "", "", 1000)
        .await
        .expect("list");
    assert_eq!(d.common_prefixes, ["a/", "c/"]);
    assert_eq!(d.uploads.len(), 2);
    let d = s
        .list_multipart_uploads("b", "", "/", "", "", 1)
        .await
        .expect("list");
    assert_eq!(d.common_prefixes, ["a/"]);
    assert!(d.is_truncated);
    assert_eq!(d.next_key_marker, "a/");
    let d = s
        .list_multipart_uploads("b", "", "/", "a/", "", 1000)
        .await
        .expect("list");
    assert_eq!(d.common_prefixes, ["c/"]);
    assert_eq!(d.uploads.len(), 2);
    let p = s
        .list_multipart_uploads("b", "a/", "", "", "", 1000)
        .await
        .expect("list");
    assert_eq!(p.uploads.len(), 2);

    // parts
    let id = &ids[0].1;
    for n in [1, 2, 5, 9] {
        part(&s, "a/1", id, n, format!("part{n}").as_bytes())
            .await
            .expect("part");
    }
    let pp = s.list_parts("b", "a/1", id, 0, 2).await.expect("parts");
    let nums: Vec<u32> = pp.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(nums, [1, 2]);
    assert!(pp.is_truncated);
    assert_eq!(pp.next_part_number_marker, 2);
    assert_eq!(pp.parts[0].crc64, crc(b"part1"));
    let pp = s.list_parts("b", "a/1", id, 2, 2).await.expect("parts");
    let nums: Vec<u32> = pp.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(nums, [5, 9]);
    assert!(!pp.is_truncated);
    let pp = s.list_parts("b", "a/1", id, 9, 2).await.expect("parts");
    assert!(pp.parts.is_empty());
    assert_eq!(pp.next_part_number_marker, 0);
    assert!(matches!(
        s.list_parts("b", "a/2", id, 0, 10).await,
        Err(Error::NoSuchUpload)
    ));
}

// ---- startup sweep ------------------------------------------------------------------

#[tokio::test]
async fn open_sweeps_temp_files_and_orphan_blobs() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let s = Store::open(dir.path()).expect("open");
        s.create_bucket("b", Acl::Default).await.expect("bucket");
        put(&s, "keep", b"kept").await;
        let id = s
            .create_multipart_upload("b", "m", ObjectMeta::default(), Acl::Default)
            .await
            .expect("init");
        part(&s, "m", &id, 1, b"part").await.expect("part");
    }
    // a crash mid-write and a crash between rename and index commit
    std::fs::write(dir.path().join("tmp").join("0123.tmp"), b"half").expect("tmp");
    let orphan_dir = dir.path().join("blobs").join("ab").join("cd");
    std::fs::create_dir_all(&orphan_dir).expect("dir");
    let orphan = orphan_dir.join(format!("abcd{}", "0".repeat(28)));
    std::fs::write(&orphan, b"never committed").expect("orphan");
    std::fs::write(orphan_dir.join("junk"), b"?").expect("junk");
    assert_eq!(files_under(&dir.path().join("blobs")), 4);

    let s = Store::open(dir.path()).expect("reopen");
    assert_eq!(files_under(&dir.path().join("tmp")), 0);
    assert!(!orphan.exists());
    assert_eq!(files_under(&dir.path().join("blobs")), 2, "object + part");
    assert_eq!(read_all(&s, "b", "keep").await, b"kept");
    let ups = s
        .list_multipart_uploads("b", "", "", "", "", 10)
        .await
        .expect("uploads");
    let info = s
        .complete_multipart_upload(
            "b",
            "m",
            &ups.uploads[0].upload_id,
            None,
            None,
            WriteOptions::default(),
        )
        .await
        .expect("complete after reopen");
    assert_eq!(info.crc64, crc(b"part"));
}

/// Objects larger than the S3 backend's single-PUT buffer (5 MiB) go up
/// as S3 multipart uploads; content, digests, ranges and copies must not
/// notice.
async fn objects_beyond_one_write_buffer(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let big: Vec<u8> = (0..12 * 1024 * 1024 + 17u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
        .collect();
    let info = put(&s, "big", &big).await;
    assert_eq!(info.size, big.len() as u64);
    assert_eq!(info.crc64, crc(&big));
    assert_eq!(info.etag, hex::encode_upper(md5_of(&big)));
    assert_eq!(read_all(&s, "b", "big").await, big);
    let r = s.open_object("b", "big").await.expect("open");
    let start = 5 * 1024 * 1024 - 3;
    let mut ranged = Vec::new();
    let mut st = r.stream(start, 1000).await.expect("stream");
    while let Some(chunk) = st.next().await {
        ranged.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(ranged, &big[start as usize..start as usize + 1000]);
    let copy = s
        .copy_object(
            "b",
            "big",
            "b",
            "big-copy",
            MetadataDirective::Copy,
            None,
            WriteOptions::default(),
        )
        .await
        .expect("copy");
    assert_eq!(copy.etag, info.etag);
    assert_eq!(read_all(&s, "b", "big-copy").await, big);
}

/// Streaming any range of a multi-chunk object yields exactly those bytes,
/// in pieces no larger than 1 MiB (a response never holds the whole object).
async fn streamed_ranges_across_chunks(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    const MIB: u64 = 1024 * 1024;
    let body: Vec<u8> = (0..(3 * MIB + 5) as u32)
        .map(|i| (i.wrapping_mul(2246822519) >> 9) as u8)
        .collect();
    put(&s, "c", &body).await;
    let n = body.len() as u64;
    for (start, len) in [
        (0, n),
        (0, 0),
        (n - 1, 1),
        (1, MIB),
        (MIB - 1, 2),
        (MIB, MIB),
        (7, n - 8),
        (2 * MIB + 3, n - 2 * MIB - 3),
    ] {
        let r = s.open_object("b", "c").await.expect("open");
        let mut got = Vec::new();
        let mut st = r.stream(start, len).await.expect("stream");
        while let Some(chunk) = st.next().await {
            let chunk = chunk.expect("chunk");
            assert!(chunk.len() as u64 <= MIB, "chunk of {} bytes", chunk.len());
            got.extend_from_slice(&chunk);
        }
        let want = &body[start as usize..(start + len) as usize];
        assert!(got == want, "range {start}+{len}: {} bytes", got.len());
    }
    // Read buffers are reused: a short object after long ones gets only its
    // own bytes.
    put(&s, "short", b"0123456789").await;
    let r = s.open_object("b", "short").await.expect("open");
    let mut st = r.stream(2, 5).await.expect("stream");
    let mut got = Vec::new();
    while let Some(chunk) = st.next().await {
        got.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(got, b"23456");
}

fn files_in(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                files_in(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
}

/// A local blob cut short behind the index's back fails the stream instead
/// of ending it early (a response must not send fewer bytes than its
/// Content-Length).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_local_blob_fails_the_stream() {
    let fx = Fixture::new(Kind::Local).await;
    let body = vec![7u8; 2 * 1024 * 1024 + 10];
    put(&fx.store, "t", &body).await;
    let mut blobs = Vec::new();
    files_in(&fx.local_path("blobs").expect("local"), &mut blobs);
    assert_eq!(blobs.len(), 1);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&blobs[0])
        .expect("open blob");
    f.set_len(1024 * 1024 + 512).expect("truncate");
    let r = fx.store.open_object("b", "t").await.expect("open");
    let mut st = r.stream(0, body.len() as u64).await.expect("stream");
    let mut got = 0;
    let mut failed = false;
    while let Some(chunk) = st.next().await {
        match chunk {
            Ok(c) => got += c.len(),
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
                failed = true;
                break;
            }
        }
    }
    assert!(
        failed,
        "the stream ended after {got} bytes without an error"
    );
}

async fn large_bodies_cross_buffer_boundaries(kind: Kind) {
    let fx = Fixture::new(kind).await;
    let s = fx.store.clone();
    let pattern = |n: usize, seed: u32| -> Vec<u8> {
        (0..n as u32)
            .map(|i| (i.wrapping_mul(2654435761).wrapping_add(seed) >> 13) as u8)
            .collect()
    };
    // multipart with parts larger than the copy buffer
    let p1 = pattern(700_001, 1);
    let p2 = pattern(300_000, 2);
    let p3 = pattern(123_457, 3);
    let id = s
        .create_multipart_upload("b", "mp", ObjectMeta::default(), Acl::Default)
        .await
        .expect("init");
    for (n, p) in [(1, &p1), (2, &p2), (3, &p3)] {
        part(&s, "mp", &id, n, p).await.expect("part");
    }
    let info = s
        .complete_multipart_upload("b", "mp", &id, None, None, WriteOptions::default())
        .await
        .expect("complete");
    let whole = [p1.as_slice(), &p2, &p3].concat();
    assert_eq!(info.crc64, crc(&whole));
    assert_eq!(info.etag, multipart_etag(&[&p1, &p2, &p3]));
    assert_eq!(read_all(&s, "b", "mp").await, whole);

    // appends onto a large object
    let a1 = pattern(600_000, 4);
    let a2 = pattern(333_333, 5);
    append(&s, "ap", 0, &a1).await.expect("append");
    let info = append(&s, "ap", a1.len() as u64, &a2)
        .await
        .expect("append");
    let whole = [a1.as_slice(), &a2].concat();
    assert_eq!(info.crc64, crc(&whole));
    assert_eq!(info.etag, hex::encode_upper(md5_of(&whole)));
    assert_eq!(read_all(&s, "b", "ap").await, whole);

    // a copy of a large object, and a copied part from its middle
    let c = s
        .copy_object(
            "b",
            "ap",
            "b",
            "ap2",
            MetadataDirective::Copy,
            None,
            WriteOptions::default(),
        )
        .await
        .expect("copy");
    assert_eq!(c.object_type, ObjectType::Normal);
    assert_eq!(read_all(&s, "b", "ap2").await, whole);
    let id = s
        .create_multipart_upload("b", "mp2", ObjectMeta::default(), Acl::Default)
        .await
        .expect("init");
    let pc = s
        .upload_part_copy(
            "b",
            "mp2",
            &id,
            1,
            "b",
            "ap",
            Some((1000, 500_999)),
            u64::MAX,
        )
        .await
        .expect("part copy");
    assert_eq!(pc.crc64, crc(&whole[1000..501_000]));
    assert_eq!(pc.etag, hex::encode_upper(md5_of(&whole[1000..501_000])));
}

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn store_and_futures_are_send() {
    fn assert_sync<T: Send + Sync + Clone + 'static>() {}
    assert_sync::<Store>();
    let fx = Fixture::new(Kind::Local).await;
    let s = fx.store.clone();
    let body: &[u8] = b"";
    let o = WriteOptions::default();
    let m = ObjectMeta::default;
    assert_send(&s.put_object("b", "k", m(), Acl::Default, body, o));
    assert_send(&s.append_object("b", "k", 0, m(), Acl::Default, body, o));
    assert_send(&s.open_object("b", "k"));
    assert_send(&s.delete_object("b", "k"));
    assert_send(&s.copy_object("b", "k", "b", "j", MetadataDirective::Copy, None, o));
    assert_send(&s.upload_part("b", "k", "u", 1, body, o));
    assert_send(&s.upload_part_copy("b", "k", "u", 1, "b", "j", None, u64::MAX));
    assert_send(&s.complete_multipart_upload("b", "k", "u", None, None, o));
    assert_send(&s.abort_multipart_upload("b", "k", "u"));
}

// ---- crash ------------------------------------------------------------------------

const CRASH_DIR_VAR: &str = "OSSIMG_STORAGE_CRASH_DIR";

/// Yields 2 MiB, then stalls forever (the parent kills the process).
struct Stalling {
    sent: usize,
}

impl AsyncRead for Stalling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.sent >= 2 * 1024 * 1024 {
            return Poll::Pending;
        }
        let n = buf.remaining().min(64 * 1024);
        buf.put_slice(&vec![b'n'; n]);
        self.sent += n;
        Poll::Ready(Ok(()))
    }
}

/// Child side of `killed_mid_write_keeps_old_object`: runs only when the
/// parent starts it with the directory in the environment.
#[tokio::test]
#[ignore = "started by killed_mid_write_keeps_old_object"]
async fn crash_child() {
    let Some(dir) = std::env::var_os(CRASH_DIR_VAR) else {
        return;
    };
    let s = Store::open(Path::new(&dir)).expect("open");
    let _ = s
        .put_object(
            "b",
            "k",
            ObjectMeta::default(),
            Acl::Default,
            Stalling { sent: 0 },
            WriteOptions::default(),
        )
        .await;
}

#[test]
fn killed_mid_write_keeps_old_object() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let s = Store::open(dir.path()).expect("open");
        s.create_bucket("b", Acl::Default).await.expect("bucket");
        put(&s, "k", b"old and acknowledged").await;
    });
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--ignored",
            "--exact",
            "storage::tests::crash_child",
            "--test-threads=1",
        ])
        .env(CRASH_DIR_VAR, dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn child");
    let tmp = dir.path().join("tmp");
    let written = || -> u64 {
        std::fs::read_dir(&tmp)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while written() < 1024 * 1024 {
        assert!(std::time::Instant::now() < deadline, "child never wrote");
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "child exited early"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(written() > 0, "the killed write left its temp file");

    rt.block_on(async {
        let s = Store::open(dir.path()).expect("reopen after kill");
        assert_eq!(read_all(&s, "b", "k").await, b"old and acknowledged");
        assert_eq!(files_under(&tmp), 0);
        assert_eq!(files_under(&dir.path().join("blobs")), 1);
    });
}
