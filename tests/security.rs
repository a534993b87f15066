//! Hostile input: path traversal in keys and bucket names, tampered and
//! expired presigned URLs, anonymous saveas, unknown keys.

mod common;

use base64::Engine;
use common::{TestApp, AK, SK};
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Every file under `dir`, recursively.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn keys_never_become_paths() {
    let app = TestApp::new();
    app.signed("PUT", "/trav/", &[], Vec::new()).await;
    // The data dir is `data` inside a private temp dir: nothing else may
    // appear beside it.
    let outside = app.dir.path().to_path_buf();
    let before: Vec<_> = std::fs::read_dir(&outside)
        .expect("read")
        .flatten()
        .map(|e| e.path())
        .collect();
    let keys = [
        "../../escape.txt",
        "a/../../../escape2.txt",
        "%2e%2e/%2e%2e/escape3.txt",
        "..%5C..%5Cescape4.txt",
        "nul%00byte.txt",
        "%2Fabs",
    ];
    for (i, k) in keys.iter().enumerate() {
        let body = format!("content {i}");
        let r = app
            .signed("PUT", &format!("/trav/{k}"), &[], body.clone())
            .await;
        assert!(r.status == 200 || r.status == 400, "{k}: {}", r.text());
        if r.status == 200 {
            let g = app
                .signed("GET", &format!("/trav/{k}"), &[], Vec::new())
                .await;
            assert_eq!(g.body, body.as_bytes(), "{k}");
        }
    }
    let after: Vec<_> = std::fs::read_dir(&outside)
        .expect("read")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(
        before.len(),
        after.len(),
        "a file appeared outside the data dir"
    );
    for f in files(app.dir.path()) {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            !name.contains("escape"),
            "a key became a file name: {}",
            f.display()
        );
    }
}

#[tokio::test]
async fn bucket_names_cannot_traverse() {
    let app = TestApp::new();
    for name in ["..", "%2e%2e", "a%2Fb", "..%2F..%2Fetc"] {
        let r = app
            .signed("PUT", &format!("/{name}/"), &[], Vec::new())
            .await;
        assert_eq!(r.status, 400, "{name}: {}", r.text());
        assert_eq!(r.code().as_deref(), Some("InvalidBucketName"), "{name}");
    }
}

fn presign_v1(path: &str, expires: u64, extra: &str) -> String {
    let resource = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    let sts = format!("GET\n\n\n{expires}\n{resource}");
    let mut mac = Hmac::<Sha1>::new_from_slice(SK.as_bytes()).expect("key");
    mac.update(sts.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let sig: String =
        percent_encoding::utf8_percent_encode(&sig, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!("{path}?OSSAccessKeyId={AK}&Expires={expires}&Signature={sig}{extra}")
}

#[tokio::test]
async fn presigned_urls_expire_and_cannot_be_tampered_with() {
    let app = TestApp::new();
    app.signed("PUT", "/pre/", &[], Vec::new()).await;
    app.signed("PUT", "/pre/a.txt", &[], b"secret".to_vec())
        .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let ok = presign_v1("/pre/a.txt", now + 300, "");
    let r = app.anonymous("GET", &ok, &[], Vec::new()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, b"secret");
    // Replayed after expiry.
    let expired = presign_v1("/pre/a.txt", now - 10, "");
    let r = app.anonymous("GET", &expired, &[], Vec::new()).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code().as_deref(), Some("AccessDenied"));
    assert!(r.text().contains("Request has expired."), "{}", r.text());
    // The expiry moved forward without re-signing.
    let tampered = ok.replace(
        &format!("Expires={}", now + 300),
        &format!("Expires={}", now + 99999),
    );
    let r = app.anonymous("GET", &tampered, &[], Vec::new()).await;
    assert_eq!(r.code().as_deref(), Some("SignatureDoesNotMatch"));
    // Another object under the same signature.
    let other = ok.replacen("/pre/a.txt", "/pre/b.txt", 1);
    let r = app.anonymous("GET", &other, &[], Vec::new()).await;
    assert_eq!(r.code().as_deref(), Some("SignatureDoesNotMatch"));
    // A processing step appended to a V1 presigned URL still verifies: the
    // v2 SDK signs V1 without x-oss-process, and oss-api.md §4.4 requires the
    // server to accept that. The holder could read the whole object anyway;
    // here the text object is simply not an image.
    let r = app
        .anonymous(
            "GET",
            &format!("{ok}&x-oss-process=image/resize,w_10"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.code().as_deref(), Some("BadRequest"));
    // An unknown key.
    let unknown = ok.replace(AK, "LTAIunknownKey");
    let r = app.anonymous("GET", &unknown, &[], Vec::new()).await;
    assert_eq!(r.code().as_deref(), Some("InvalidAccessKeyId"));
}
