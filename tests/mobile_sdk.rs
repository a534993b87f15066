//! Replays the requests the official iOS and Android OSS SDKs send for image
//! processing (recorded in `fixtures/sdk/`, see `docs/mobile-sdks.md`) against
//! the in-process server, byte for byte: method, request target, headers
//! (including the SDK-computed signatures at a fixed date) and body.
//!
//! Each fixture is replayed as recorded, then once more tampered with (one
//! byte of the signature changed, or the bucket left private for anonymous
//! URLs) and must be refused.

mod common;

use std::path::PathBuf;

use axum::body::Body;
use axum::http::Request;
use common::{TestApp, TestResponse, AK, SK};
use ossimg::config::{Config, CredentialConfig};
use ossimg::img::{codec, Limits};
use ossimg::server::{AppState, Credentials};
use ossimg::storage::Store;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

const JPEG: &[u8] = include_bytes!("../fixtures/images/orientation-1.jpg");
const BUCKET: &str = "mobile-bkt";
/// Source objects the fixtures read (`generate.py`: KEY, CJK_KEY).
const SOURCE_KEYS: &[&str] = &["img/hasky.jpeg", "img/哈士奇 1.jpeg"];
/// Every fixture file, as `sdk/name`; `every_fixture_file_is_replayed` keeps
/// this list and the directories in step.
const FIXTURES: &[&str] = &[
    "android/get_object_process",
    "android/get_object_process_cname",
    "android/get_object_process_path_style",
    "android/get_object_process_v4",
    "android/image_persist",
    "android/presign_process",
    "android/presign_process_cjk_key",
    "android/public_url_process",
    "ios/get_object_process",
    "ios/get_object_process_path_style",
    "ios/get_object_process_v4",
    "ios/image_persist",
    "ios/image_persist_v4",
    "ios/presign_process",
    "ios/presign_process_cjk_key",
    "ios/presign_process_cname",
    "ios/presign_process_v4",
    "ios/public_url_process",
];

/// Path characters left as they are when building test-side paths.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sdk")
}

/// One recorded SDK request.
struct Fixture {
    name: String,
    json: Value,
}

impl Fixture {
    fn load(name: &str) -> Fixture {
        let path = fixtures_dir().join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let json = serde_json::from_str(&text).expect("fixture JSON");
        Fixture {
            name: name.to_string(),
            json,
        }
    }

    fn str(&self, field: &str) -> &str {
        self.json[field]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no string field {field}", self.name))
    }

    fn headers(&self) -> Vec<(String, String)> {
        self.json["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|h| {
                (
                    h[0].as_str().expect("header name").to_string(),
                    h[1].as_str().expect("header value").to_string(),
                )
            })
            .collect()
    }

    fn auth(&self) -> &str {
        self.str("auth")
    }

    /// Builds the request exactly as recorded, with the given target and headers.
    fn request(&self, target: &str, headers: &[(String, String)]) -> Request<Body> {
        let mut b = Request::builder().method(self.str("method")).uri(target);
        for (n, v) in headers {
            b = b.header(n.as_str(), v.as_str());
        }
        b.body(Body::from(self.str("body").as_bytes().to_vec()))
            .expect("request")
    }
}

/// A server with the test credential and a clock skew allowance of a century,
/// so the fixtures' fixed dates are accepted whenever the test runs; `cname`
/// maps custom domains to buckets (fixture `setup.cname`).
fn new_app(cname: &Value) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data: dir.path().to_path_buf(),
        credentials: vec![CredentialConfig {
            access_key_id: AK.into(),
            access_key_secret: SK.into(),
            security_token: None,
        }],
        max_clock_skew_secs: 100 * 365 * 24 * 3600,
        cname: cname
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(host, b)| (host.clone(), b.as_str().expect("bucket").to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        ..Config::default()
    };
    let store = Store::open(dir.path()).expect("store");
    let creds = Credentials::new(&config.credentials);
    TestApp {
        state: AppState::new(config, store, creds),
        dir,
    }
}

fn object_path(key: &str) -> String {
    format!("/{BUCKET}/{}", utf8_percent_encode(key, PATH))
}

/// Creates the bucket and uploads the source image under every source key;
/// with `public` the bucket is made public-read.
async fn setup(app: &TestApp, public: bool) {
    let r = app
        .signed("PUT", &format!("/{BUCKET}/"), &[], Vec::new())
        .await;
    assert_eq!(r.status, 200, "create bucket: {}", r.text());
    for key in SOURCE_KEYS {
        let r = app
            .signed(
                "PUT",
                &object_path(key),
                &[("content-type", "image/jpeg")],
                JPEG.to_vec(),
            )
            .await;
        assert_eq!(r.status, 200, "upload {key}: {}", r.text());
    }
    if public {
        let r = app
            .signed(
                "PUT",
                &format!("/{BUCKET}/?acl"),
                &[("x-oss-acl", "public-read")],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, 200, "bucket acl: {}", r.text());
    }
}

fn dims(bytes: &[u8]) -> (u32, u32) {
    let p = codec::probe(bytes, &Limits::default()).expect("decodable image");
    (p.width, p.height)
}

fn expected_dims(v: &Value) -> (u32, u32) {
    let w = v["width"].as_u64().expect("width");
    let h = v["height"].as_u64().expect("height");
    (
        u32::try_from(w).expect("width fits"),
        u32::try_from(h).expect("height fits"),
    )
}

/// Asserts what the SDK expects of the reply to `f`.
async fn check_success(app: &TestApp, f: &Fixture, r: &TestResponse) {
    let expect = &f.json["expect"];
    assert_eq!(
        u64::from(r.status),
        expect["status"].as_u64().expect("status"),
        "{}: {}",
        f.name,
        r.text()
    );
    // Both SDKs read the request id into every result.
    assert!(r.header("x-oss-request-id").is_some(), "{}", f.name);
    if let Some(img) = expect.get("image") {
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("image/jpeg")),
            "{}: content-type {:?}",
            f.name,
            r.header("content-type")
        );
        assert_eq!(dims(&r.body), expected_dims(img), "{}", f.name);
    }
    if let Some(p) = expect.get("persist") {
        let bucket = p["bucket"].as_str().expect("bucket");
        let key = p["key"].as_str().expect("key");
        // The SDKs only look at the status and headers; the body is the
        // documented JSON summary.
        let v: Value = serde_json::from_slice(&r.body).expect("JSON reply");
        assert_eq!(v["bucket"], bucket, "{}", f.name);
        assert_eq!(v["object"], key, "{}", f.name);
        assert_eq!(v["status"], "OK", "{}", f.name);
        let g = app
            .signed(
                "GET",
                &format!("/{bucket}/{}", utf8_percent_encode(key, PATH)),
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(
            g.status,
            200,
            "{}: saved object {key}: {}",
            f.name,
            g.text()
        );
        assert_eq!(v["fileSize"], g.body.len(), "{}", f.name);
        assert_eq!(dims(&g.body), expected_dims(p), "{}", f.name);
    }
}

/// Replaces one character with a different one of the same class.
fn other_char(c: char) -> char {
    match c {
        'A' => 'B',
        '0' => '1',
        c if c.is_ascii_digit() => '0',
        _ => 'A',
    }
}

/// Changes the first alphanumeric character at or after `from`.
fn tamper_at(s: &str, from: usize) -> String {
    let (head, tail) = s.split_at(from);
    let mut done = false;
    let tail: String = tail
        .chars()
        .map(|c| {
            if !done && c.is_ascii_alphanumeric() {
                done = true;
                other_char(c)
            } else {
                c
            }
        })
        .collect();
    format!("{head}{tail}")
}

/// The request with one byte of its signature changed.
fn tampered(f: &Fixture) -> (String, Vec<(String, String)>) {
    let target = f.str("target").to_string();
    let mut headers = f.headers();
    match f.auth() {
        "v1-presign" => {
            let at = target.find("Signature=").expect("Signature") + "Signature=".len();
            (tamper_at(&target, at), headers)
        }
        "v4-presign" => {
            let at = target.find("x-oss-signature=").expect("x-oss-signature")
                + "x-oss-signature=".len();
            (tamper_at(&target, at), headers)
        }
        "v1-header" | "v4-header" => {
            let h = headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                .expect("Authorization");
            let at = match h.1.find("Signature=") {
                Some(i) => i + "Signature=".len(),
                None => h.1.find(':').expect("OSS ak:sig") + 1,
            };
            h.1 = tamper_at(&h.1, at);
            (target, headers)
        }
        other => panic!("{}: no signature to tamper with ({other})", f.name),
    }
}

/// Replays fixture `name` as recorded, then tampered with.
async fn replay(name: &str) {
    let f = Fixture::load(name);
    let public = f.json["setup"]["bucket_acl"] == "public-read";

    let app = new_app(&f.json["setup"]["cname"]);
    setup(&app, public).await;
    let r = app.send(f.request(f.str("target"), &f.headers())).await;
    check_success(&app, &f, &r).await;

    // Negative: a fresh server with a private bucket, and the request with a
    // broken signature (anonymous URLs: unchanged, refused by the ACL).
    let app = new_app(&f.json["setup"]["cname"]);
    setup(&app, false).await;
    let r = if f.auth() == "anonymous" {
        app.send(f.request(f.str("target"), &f.headers())).await
    } else {
        let (target, headers) = tampered(&f);
        app.send(f.request(&target, &headers)).await
    };
    assert_eq!(r.status, 403, "{} (negative): {}", f.name, r.text());
    let want = if f.auth() == "anonymous" {
        "AccessDenied"
    } else {
        "SignatureDoesNotMatch"
    };
    assert_eq!(r.code().as_deref(), Some(want), "{} (negative)", f.name);
    if let Some(p) = f.json["expect"].get("persist") {
        let key = p["key"].as_str().expect("key");
        let g = app.signed("HEAD", &object_path(key), &[], Vec::new()).await;
        assert_eq!(g.status, 404, "{}: refused persist wrote {key}", f.name);
    }
}

macro_rules! replay_tests {
    ($($(#[$attr:meta])* $test:ident => $name:literal,)*) => {
        $(
            $(#[$attr])*
            #[tokio::test]
            async fn $test() {
                replay($name).await;
            }
        )*
    };
}

replay_tests! {
    ios_public_url_process => "ios/public_url_process",
    ios_presign_process => "ios/presign_process",
    ios_presign_process_cjk_key => "ios/presign_process_cjk_key",
    ios_presign_process_cname => "ios/presign_process_cname",
    ios_presign_process_v4 => "ios/presign_process_v4",
    ios_get_object_process => "ios/get_object_process",
    ios_get_object_process_path_style => "ios/get_object_process_path_style",
    ios_get_object_process_v4 => "ios/get_object_process_v4",
    ios_image_persist => "ios/image_persist",
    ios_image_persist_v4 => "ios/image_persist_v4",
    android_public_url_process => "android/public_url_process",
    android_presign_process => "android/presign_process",
    android_presign_process_cjk_key => "android/presign_process_cjk_key",
    android_get_object_process => "android/get_object_process",
    android_get_object_process_cname => "android/get_object_process_cname",
    android_get_object_process_path_style => "android/get_object_process_path_style",
    android_get_object_process_v4 => "android/get_object_process_v4",
    android_image_persist => "android/image_persist",
}

#[test]
fn every_fixture_file_is_replayed() {
    let mut found = Vec::new();
    for sdk in ["ios", "android"] {
        let dir = fixtures_dir().join(sdk);
        for entry in std::fs::read_dir(&dir).expect("fixture dir") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .expect("file name");
                found.push(format!("{sdk}/{stem}"));
            }
        }
    }
    found.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed);
}

/// The fixtures' signatures are what the documented algorithm gives for the
/// recorded string to sign (guards against hand edits of the JSON).
#[test]
fn recorded_v1_signatures_match_their_string_to_sign() {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    for name in FIXTURES {
        let f = Fixture::load(name);
        let sig = match f.auth() {
            "v1-header" => f
                .headers()
                .into_iter()
                .find(|(n, _)| n == "Authorization")
                .and_then(|(_, v)| v.split_once(':').map(|(_, s)| s.to_string()))
                .expect("Authorization"),
            "v1-presign" => {
                let target = f.str("target");
                let at = target.find("Signature=").expect("Signature") + "Signature=".len();
                let raw = target[at..].split('&').next().unwrap_or_default();
                percent_encoding::percent_decode_str(raw)
                    .decode_utf8()
                    .expect("utf-8")
                    .into_owned()
            }
            _ => continue,
        };
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SK.as_bytes()).expect("key");
        mac.update(f.str("string_to_sign").as_bytes());
        let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(sig, want, "{name}");
    }
}

/// The V4 fixtures' signatures follow from their recorded canonical request:
/// the string to sign ends with its SHA-256, and the signature is the
/// HMAC-SHA256 chain of the documented algorithm (guards against hand edits;
/// `generate.py` checks the same code against the iOS SDK's own vectors).
#[test]
fn recorded_v4_signatures_match_their_canonical_request() {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    let hmac = |key: &[u8], data: &str| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("key");
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().to_vec()
    };
    let mut seen = 0;
    for name in FIXTURES {
        let f = Fixture::load(name);
        let sig = match f.auth() {
            "v4-header" => f
                .headers()
                .into_iter()
                .find(|(n, _)| n == "Authorization")
                .and_then(|(_, v)| v.split_once("Signature=").map(|(_, s)| s.to_string()))
                .expect("Authorization"),
            "v4-presign" => {
                let target = f.str("target");
                let at = target.find("x-oss-signature=").expect("x-oss-signature")
                    + "x-oss-signature=".len();
                target[at..]
                    .split('&')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            }
            _ => continue,
        };
        seen += 1;
        let sts = f.str("string_to_sign");
        let hash = hex::encode(Sha256::digest(f.str("canonical_request").as_bytes()));
        assert!(sts.ends_with(&format!("\n{hash}")), "{name}: {sts}");
        let lines: Vec<&str> = sts.split('\n').collect();
        let scope: Vec<&str> = lines[2].split('/').collect();
        let mut key = hmac(format!("aliyun_v4{SK}").as_bytes(), scope[0]);
        for part in &scope[1..] {
            key = hmac(&key, part);
        }
        assert_eq!(hex::encode(hmac(&key, sts)), sig, "{name}");
    }
    assert_eq!(seen, 4, "V4 fixtures checked");
}
