//! Two `ossimg serve` processes over one S3-compatible store serve one
//! dataset: whatever one node writes (objects, styles, ACLs, multipart
//! uploads, deletes), the other reads at once.
//!
//! `scripts/test.sh` starts the S3 server and sets `OSSIMG_TEST_S3_ENDPOINT`;
//! without it these tests are skipped (or fail when
//! `OSSIMG_TEST_S3_REQUIRED` is set).

mod common;

use common::Server;

const BUCKET: &str = "ossimg-conformance";

fn endpoint() -> Option<String> {
    match std::env::var("OSSIMG_TEST_S3_ENDPOINT") {
        Ok(e) if !e.is_empty() => Some(e),
        _ => {
            assert!(
                std::env::var_os("OSSIMG_TEST_S3_REQUIRED").is_none(),
                "OSSIMG_TEST_S3_REQUIRED is set but OSSIMG_TEST_S3_ENDPOINT is not"
            );
            eprintln!("skipped: OSSIMG_TEST_S3_ENDPOINT is not set");
            None
        }
    }
}

/// Two nodes on one fresh prefix of the S3 bucket, each with its own
/// (unused) data dir.
fn two_nodes(endpoint: &str) -> (tempfile::TempDir, Server, Server) {
    let _ = ureq::put(&format!("{endpoint}/{BUCKET}")).call();
    let prefix = format!("nodes{:016x}", rand::random::<u64>());
    let env = [
        ("OSSIMG_STORAGE", "s3"),
        ("OSSIMG_S3_ENDPOINT", endpoint),
        ("OSSIMG_S3_BUCKET", BUCKET),
        ("OSSIMG_S3_ACCESS_KEY_ID", "test"),
        ("OSSIMG_S3_SECRET_ACCESS_KEY", "test"),
        ("OSSIMG_S3_PREFIX", prefix.as_str()),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Server::start_with(&dir.path().join("a"), &env);
    let b = Server::start_with(&dir.path().join("b"), &env);
    (dir, a, b)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn two_nodes_serve_one_dataset() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    let (_dir, a, b) = two_nodes(&endpoint);

    let (st, _, body) = a.signed("PUT", "/shared/", &[], b"");
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let (st, _, _) = b.signed("PUT", "/shared/", &[], b"");
    assert_eq!(st, 409, "the bucket exists for every node");

    // An object written through A reads back through B, with its metadata.
    let photo = std::fs::read("fixtures/images/photo-2mp.jpg").expect("fixture");
    let (st, h, _) = a.signed(
        "PUT",
        "/shared/dir/photo.jpg",
        &[("content-type", "image/jpeg"), ("x-oss-meta-owner", "a")],
        &photo,
    );
    assert_eq!(st, 200);
    let etag = header(&h, "etag").expect("etag").to_owned();
    let (st, h, got) = b.signed("GET", "/shared/dir/photo.jpg", &[], b"");
    assert_eq!(st, 200);
    assert_eq!(got, photo);
    assert_eq!(header(&h, "etag"), Some(etag.as_str()));
    assert_eq!(header(&h, "x-oss-meta-owner"), Some("a"));
    assert_eq!(header(&h, "content-type"), Some("image/jpeg"));
    let (st, h, got) = b.signed(
        "GET",
        "/shared/dir/photo.jpg",
        &[("range", "bytes=10-19")],
        b"",
    );
    assert_eq!(st, 206);
    assert_eq!(got, &photo[10..20]);
    assert_eq!(
        header(&h, "content-range").map(|v| v.ends_with(&format!("/{}", photo.len()))),
        Some(true)
    );

    // A listing on B shows what A wrote.
    let (st, _, list) = b.signed("GET", "/shared/?prefix=dir%2F&delimiter=%2F", &[], b"");
    assert_eq!(st, 200);
    let list = String::from_utf8_lossy(&list);
    assert!(list.contains("<Key>dir/photo.jpg</Key>"), "{list}");

    // A style made on A processes on B.
    let (st, _, body) = a.signed(
        "PUT",
        "/shared/?style&styleName=thumb",
        &[],
        b"<Style><Content>image/resize,w_64/format,png</Content></Style>",
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let (st, h, png) = b.signed(
        "GET",
        "/shared/dir/photo.jpg?x-oss-process=style%2Fthumb",
        &[],
        b"",
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&png));
    assert_eq!(header(&h, "content-type"), Some("image/png"));
    assert_eq!(&png[1..4], b"PNG");

    // An ACL set on B lets anonymous readers in on A.
    let (st, _, _) = b.signed(
        "PUT",
        "/shared/dir/photo.jpg?acl",
        &[("x-oss-object-acl", "public-read")],
        b"",
    );
    assert_eq!(st, 200);
    let anon = ureq::get(&a.client().url("/shared/dir/photo.jpg")).call();
    assert_eq!(anon.map(|r| r.status()).ok(), Some(200));

    // Overwrite on B, read on A; delete on A, gone on B.
    let (st, _, _) = b.signed("PUT", "/shared/dir/photo.jpg", &[], b"replaced");
    assert_eq!(st, 200);
    let (_, _, got) = a.signed("GET", "/shared/dir/photo.jpg", &[], b"");
    assert_eq!(got, b"replaced");
    let (st, _, _) = a.signed("DELETE", "/shared/dir/photo.jpg", &[], b"");
    assert_eq!(st, 204);
    let (st, _, _) = b.signed("GET", "/shared/dir/photo.jpg", &[], b"");
    assert_eq!(st, 404);
}

#[test]
fn multipart_upload_across_nodes() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    let (_dir, a, b) = two_nodes(&endpoint);
    assert_eq!(a.signed("PUT", "/mpu/", &[], b"").0, 200);

    let (st, _, body) = a.signed("POST", "/mpu/big.bin?uploads", &[], b"");
    assert_eq!(st, 200);
    let body = String::from_utf8_lossy(&body).into_owned();
    let id = common::element(&body, "UploadId").expect("upload id");
    let one = vec![b'1'; 100 * 1024];
    let two = b"tail".to_vec();
    let (st, h1, _) = a.signed(
        "PUT",
        &format!("/mpu/big.bin?partNumber=1&uploadId={id}"),
        &[],
        &one,
    );
    assert_eq!(st, 200);
    let (st, h2, _) = b.signed(
        "PUT",
        &format!("/mpu/big.bin?partNumber=2&uploadId={id}"),
        &[],
        &two,
    );
    assert_eq!(st, 200);
    let (st, _, parts) = b.signed("GET", &format!("/mpu/big.bin?uploadId={id}"), &[], b"");
    assert_eq!(st, 200);
    assert_eq!(String::from_utf8_lossy(&parts).matches("<Part>").count(), 2);
    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part>\
         <Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
        header(&h1, "etag").expect("etag"),
        header(&h2, "etag").expect("etag"),
    );
    let (st, _, body) = b.signed(
        "POST",
        &format!("/mpu/big.bin?uploadId={id}"),
        &[],
        complete.as_bytes(),
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let (st, _, got) = a.signed("GET", "/mpu/big.bin", &[], b"");
    assert_eq!(st, 200);
    assert_eq!(got.len(), one.len() + two.len());
    assert!(got.starts_with(&one) && got.ends_with(&two));
    let (_, _, uploads) = a.signed("GET", "/mpu/?uploads", &[], b"");
    assert!(!String::from_utf8_lossy(&uploads).contains("<Upload>"));
}

#[test]
fn unreachable_store_fails_at_start_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ossimg"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("OSSIMG_STORAGE", "s3")
        // Nothing listens on port 9 (discard) on the loopback here.
        .env("OSSIMG_S3_ENDPOINT", "http://127.0.0.1:9")
        .env("OSSIMG_S3_BUCKET", "nope")
        .env("OSSIMG_ACCESS_KEY_ID", common::AK)
        .env("OSSIMG_ACCESS_KEY_SECRET", common::SK)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach S3 bucket nope"), "{err}");
}

#[test]
fn s3_storage_needs_an_endpoint_and_a_bucket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ossimg"))
        .args(["serve", "--data"])
        .arg(dir.path())
        .env("OSSIMG_STORAGE", "s3")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("s3_endpoint"), "{err}");
}
