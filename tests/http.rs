//! The router and handlers through `app(state)`, without a socket.

mod common;

use common::{element, md5_b64, TestApp};

async fn app_with_bucket(name: &str) -> TestApp {
    let app = TestApp::new();
    let r = app
        .signed("PUT", &format!("/{name}/"), &[], Vec::new())
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("location"), Some(format!("/{name}").as_str()));
    app
}

#[tokio::test]
async fn every_response_has_the_common_headers() {
    let app = TestApp::new();
    let r = app.signed("GET", "/", &[], Vec::new()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.header("x-oss-request-id").expect("request id");
    assert_eq!(id.len(), 24);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
    assert!(r.header("date").expect("date").ends_with(" GMT"));
    assert_eq!(r.header("server"), Some("AliyunOSS"));
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    assert!(r
        .text()
        .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(r.text().contains("<ListAllMyBucketsResult>"));
}

#[tokio::test]
async fn put_get_head_round_trip_with_metadata() {
    let app = app_with_bucket("photos").await;
    let body = b"hello oss".to_vec();
    let r = app
        .signed(
            "PUT",
            "/photos/dir%2Fa%20b+c.txt",
            &[
                ("content-type", "text/plain"),
                ("x-oss-meta-Author", "alice"),
                ("content-md5", &md5_b64(&body)),
                ("cache-control", "no-cache"),
            ],
            body.clone(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let etag = r.header("etag").expect("etag").to_string();
    let md5 = {
        use md5::{Digest, Md5};
        hex::encode_upper(Md5::digest(&body))
    };
    assert_eq!(etag, format!("\"{md5}\""));
    assert_eq!(
        r.header("x-oss-hash-crc64ecma"),
        Some("15021467531229347219")
    );

    // The same key through a literal `/`.
    let g = app
        .signed("GET", "/photos/dir/a%20b+c.txt", &[], Vec::new())
        .await;
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(g.body, body);
    assert_eq!(g.header("content-type"), Some("text/plain"));
    assert_eq!(g.header("x-oss-meta-author"), Some("alice"));
    assert_eq!(g.header("cache-control"), Some("no-cache"));
    assert_eq!(g.header("etag"), Some(etag.as_str()));
    assert_eq!(g.header("x-oss-object-type"), Some("Normal"));
    assert_eq!(
        g.header("x-oss-hash-crc64ecma"),
        Some("15021467531229347219")
    );
    assert_eq!(g.header("content-length"), Some("9"));
    assert_eq!(g.header("accept-ranges"), Some("bytes"));
    assert!(g.header("last-modified").expect("lm").ends_with(" GMT"));

    let h = app
        .signed("HEAD", "/photos/dir/a%20b+c.txt", &[], Vec::new())
        .await;
    assert_eq!(h.status, 200);
    assert!(h.body.is_empty());
    assert_eq!(h.header("content-length"), Some("9"));

    let m = app
        .signed(
            "HEAD",
            "/photos/dir/a%20b+c.txt?objectMeta",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(m.status, 200);
    assert_eq!(
        m.header("x-oss-hash-crc64ecma"),
        Some("15021467531229347219")
    );
}

#[tokio::test]
async fn missing_key_gives_the_error_document() {
    let app = app_with_bucket("b1x").await;
    let r = app.signed("GET", "/b1x/nope.txt", &[], Vec::new()).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), Some("application/xml"));
    let xml = r.text();
    assert!(!xml.contains("xmlns"), "{xml}");
    assert_eq!(r.code().as_deref(), Some("NoSuchKey"));
    assert_eq!(element(&xml, "Key").as_deref(), Some("nope.txt"));
    assert_eq!(
        element(&xml, "RequestId").as_deref(),
        r.header("x-oss-request-id")
    );
    assert_eq!(element(&xml, "HostId").as_deref(), Some("127.0.0.1:8080"));

    // HEAD errors carry the document in x-oss-err.
    let h = app.signed("HEAD", "/b1x/nope.txt", &[], Vec::new()).await;
    assert_eq!(h.status, 404);
    assert!(h.body.is_empty());
    use base64::Engine;
    let doc = base64::engine::general_purpose::STANDARD
        .decode(h.header("x-oss-err").expect("x-oss-err"))
        .expect("base64");
    assert!(String::from_utf8_lossy(&doc).contains("<Code>NoSuchKey</Code>"));

    let nb = app
        .signed("HEAD", "/nobucket/x?objectMeta", &[], Vec::new())
        .await;
    let doc = base64::engine::general_purpose::STANDARD
        .decode(nb.header("x-oss-err").expect("x-oss-err"))
        .expect("base64");
    assert!(String::from_utf8_lossy(&doc).contains("<Code>NoSuchBucket</Code>"));
}

#[tokio::test]
async fn ranges() {
    let app = app_with_bucket("ranges").await;
    let data: Vec<u8> = (0..100u8).collect();
    app.signed("PUT", "/ranges/r", &[], data.clone()).await;
    let r = app
        .signed("GET", "/ranges/r", &[("range", "bytes=10-19")], Vec::new())
        .await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, data[10..20]);
    assert_eq!(r.header("content-range"), Some("bytes 10-19/100"));
    assert_eq!(r.header("x-oss-hash-crc64ecma"), None);
    let r = app
        .signed("GET", "/ranges/r", &[("range", "bytes=-5")], Vec::new())
        .await;
    assert_eq!(r.body, data[95..]);
    // Default behaviour: out-of-range and malformed ranges return everything.
    for bad in [
        "bytes=200-300",
        "bytes=-99999999999999999999999",
        "bytes=x-y",
        "bytes=5-1",
    ] {
        let r = app
            .signed("GET", "/ranges/r", &[("range", bad)], Vec::new())
            .await;
        assert_eq!(r.status, 200, "{bad}");
        assert_eq!(r.body, data);
    }
    // Standard behaviour clips the end and refuses a start past the end.
    let std = ("x-oss-range-behavior", "standard");
    let r = app
        .signed(
            "GET",
            "/ranges/r",
            &[("range", "bytes=90-200"), std],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, data[90..]);
    let r = app
        .signed(
            "GET",
            "/ranges/r",
            &[("range", "bytes=100-200"), std],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 416);
    assert_eq!(r.code().as_deref(), Some("InvalidRange"));
}

/// What a GET with a `Range` header must answer (oss-api.md §7.3).
#[derive(Debug, Clone, Copy)]
enum Want {
    /// 200 with the whole object, no Content-Range.
    Whole,
    /// 206 with bytes `a..=b`.
    Part(usize, usize),
    /// 416 InvalidRange.
    Unsatisfiable,
}

#[tokio::test]
async fn ranges_exact_answers() {
    let app = app_with_bucket("rng").await;
    let data: Vec<u8> = (0..100u8).collect();
    app.signed("PUT", "/rng/r", &[], data.clone()).await;
    let huge = "99999999999999999999";
    use Want::*;
    // (range, default behaviour, x-oss-range-behavior: standard)
    let cases: Vec<(String, Want, Want)> = vec![
        ("bytes=0-0".into(), Part(0, 0), Part(0, 0)),
        ("bytes=99-".into(), Part(99, 99), Part(99, 99)),
        ("bytes=-100".into(), Part(0, 99), Part(0, 99)),
        ("bytes=0-1,5-6".into(), Part(0, 1), Part(0, 1)),
        // Malformed: ignored in both behaviours.
        ("bytes=--5".into(), Whole, Whole),
        ("bytes=5-1".into(), Whole, Whole),
        ("bytes=a-b".into(), Whole, Whole),
        ("bytes=+1-2".into(), Whole, Whole),
        ("bytes=".into(), Whole, Whole),
        ("0-5".into(), Whole, Whole),
        ("lines=0-5".into(), Whole, Whole),
        // Not satisfiable as asked: ignored by default; clipped or 416 when
        // standard (a suffix `-0` starts at the size).
        ("bytes=-0".into(), Whole, Unsatisfiable),
        ("bytes=100-".into(), Whole, Unsatisfiable),
        ("bytes=999999999-".into(), Whole, Unsatisfiable),
        (format!("bytes={huge}-"), Whole, Unsatisfiable),
        ("bytes=50-200".into(), Whole, Part(50, 99)),
        (format!("bytes=0-{huge}"), Whole, Part(0, 99)),
        ("bytes=-101".into(), Whole, Part(0, 99)),
        (format!("bytes=-{huge}"), Whole, Part(0, 99)),
    ];
    let mut failures = Vec::new();
    for (range, default, standard) in &cases {
        for (want, behaviour) in [(default, None), (standard, Some("standard"))] {
            let mut headers = vec![("range", range.as_str())];
            if let Some(b) = behaviour {
                headers.push(("x-oss-range-behavior", b));
            }
            let r = app.signed("GET", "/rng/r", &headers, Vec::new()).await;
            let what = format!("{range} ({behaviour:?})");
            let ok = match *want {
                Whole => {
                    r.status == 200
                        && r.body == data
                        && r.header("content-range").is_none()
                        && r.header("x-oss-hash-crc64ecma").is_some()
                }
                Part(a, b) => {
                    r.status == 206
                        && r.body == data[a..=b]
                        && r.header("content-range") == Some(&format!("bytes {a}-{b}/100"))
                        && r.header("content-length") == Some(&(b - a + 1).to_string())
                        && r.header("x-oss-hash-crc64ecma").is_none()
                }
                Unsatisfiable => check_error(&r, 416, "InvalidRange").is_ok(),
            };
            if !ok {
                failures.push(format!(
                    "{what}: want {want:?}, got {} {:?} {}",
                    r.status,
                    r.header("content-range"),
                    r.body.len()
                ));
            }
            // HEAD describes the whole object whatever the range.
            let h = app.signed("HEAD", "/rng/r", &headers, Vec::new()).await;
            if h.status != 200 || h.header("content-length") != Some("100") {
                failures.push(format!("HEAD {what}: {}", h.status));
            }
        }
    }
    assert_all(failures);
    // An empty object ignores any range.
    app.signed("PUT", "/rng/empty", &[], Vec::new()).await;
    for range in ["bytes=0-0", "bytes=-1", "bytes=0-"] {
        let r = app
            .signed("GET", "/rng/empty", &[("range", range)], Vec::new())
            .await;
        assert_eq!((r.status, r.body.len()), (200, 0), "{range}");
    }
}

#[tokio::test]
async fn conditional_requests() {
    let app = app_with_bucket("cond").await;
    let r = app.signed("PUT", "/cond/c", &[], b"abc".to_vec()).await;
    let etag = r.header("etag").expect("etag").to_string();
    let r = app
        .signed("GET", "/cond/c", &[("if-none-match", &etag)], Vec::new())
        .await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    let r = app
        .signed("GET", "/cond/c", &[("if-match", "\"0000\"")], Vec::new())
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.code().as_deref(), Some("PreconditionFailed"));
    assert_eq!(element(&r.text(), "Condition").as_deref(), Some("if-match"));
    let lower = etag.to_lowercase();
    let r = app
        .signed(
            "GET",
            "/cond/c",
            &[("if-match", lower.trim_matches('"'))],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200);
}

/// The answer a conditional request must get (oss-api.md §5.3, §7.2, §7.8).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cond {
    /// The operation runs (200).
    Pass,
    /// 304, no body, with ETag and Last-Modified.
    NotModified,
    /// 412 PreconditionFailed naming this header in `<Condition>`.
    Failed(&'static str),
}

/// Checks a conditional answer; `Err` says what differs.
fn check_cond(
    r: &common::TestResponse,
    want: Cond,
    etag: &str,
    last_modified: &str,
    head: bool,
) -> Result<(), String> {
    let got = format!("{} {:?} {}", r.status, r.code(), r.text());
    match want {
        Cond::Pass if r.status == 200 => Ok(()),
        Cond::NotModified
            if r.status == 304
                && r.body.is_empty()
                && r.header("etag") == Some(etag)
                && r.header("last-modified") == Some(last_modified) =>
        {
            Ok(())
        }
        Cond::Failed(header) if r.status == 412 => {
            let doc = if head {
                use base64::Engine;
                let err = r.header("x-oss-err").ok_or("no x-oss-err")?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(err)
                    .map_err(|e| e.to_string())?;
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                r.text()
            };
            let ok = element(&doc, "Code").as_deref() == Some("PreconditionFailed")
                && element(&doc, "Condition").as_deref() == Some(header)
                && r.header("etag") == Some(etag)
                && r.header("last-modified") == Some(last_modified);
            if ok {
                Ok(())
            } else {
                Err(format!("412 but {doc} / {:?}", r.headers))
            }
        }
        _ => Err(got),
    }
}

#[tokio::test]
async fn conditional_dates_and_precedence() {
    use std::time::Duration;
    let app = app_with_bucket("cdt").await;
    let r = app.signed("PUT", "/cdt/o", &[], b"abc".to_vec()).await;
    let etag = r.header("etag").expect("etag").to_string();
    let h = app.signed("HEAD", "/cdt/o", &[], Vec::new()).await;
    let lm = h
        .header("last-modified")
        .expect("last-modified")
        .to_string();
    let t = httpdate::parse_http_date(&lm).expect("RFC 1123");
    let before = httpdate::fmt_http_date(t - Duration::from_secs(1));
    let long_before = httpdate::fmt_http_date(t - Duration::from_secs(86_400));
    let after = httpdate::fmt_http_date(t + Duration::from_secs(3600));
    let other = "\"00000000000000000000000000000000\"";
    let other_or_etag = format!("{other}, {etag}");
    use Cond::*;
    let cases: Vec<(Vec<(&str, &str)>, Cond)> = vec![
        (vec![("if-modified-since", &lm)], NotModified),
        (vec![("if-modified-since", &after)], NotModified),
        (vec![("if-modified-since", &before)], Pass),
        (vec![("if-modified-since", &long_before)], Pass),
        (vec![("if-modified-since", "not a date")], Pass),
        (vec![("if-unmodified-since", &lm)], Pass),
        (vec![("if-unmodified-since", &after)], Pass),
        (
            vec![("if-unmodified-since", &before)],
            Failed("if-unmodified-since"),
        ),
        (vec![("if-unmodified-since", "not a date")], Pass),
        (vec![("if-match", "*")], Pass),
        (vec![("if-match", &other_or_etag)], Pass),
        (vec![("if-match", other)], Failed("if-match")),
        (vec![("if-none-match", "*")], NotModified),
        (vec![("if-none-match", other)], Pass),
        // If-Match decides alone when present; If-Unmodified-Since only counts without it.
        (
            vec![("if-match", &etag), ("if-unmodified-since", &before)],
            Pass,
        ),
        (
            vec![("if-match", other), ("if-unmodified-since", &after)],
            Failed("if-match"),
        ),
        // If-None-Match decides alone when present.
        (
            vec![("if-none-match", &etag), ("if-modified-since", &before)],
            NotModified,
        ),
        (
            vec![("if-none-match", other), ("if-modified-since", &lm)],
            Pass,
        ),
        // 412 conditions are evaluated before 304 ones.
        (
            vec![("if-match", other), ("if-none-match", &etag)],
            Failed("if-match"),
        ),
        (
            vec![("if-unmodified-since", &before), ("if-modified-since", &lm)],
            Failed("if-unmodified-since"),
        ),
        (
            vec![("if-match", &etag), ("if-none-match", &etag)],
            NotModified,
        ),
        (
            vec![("if-unmodified-since", &lm), ("if-modified-since", &lm)],
            NotModified,
        ),
    ];
    let mut failures = Vec::new();
    for (headers, want) in &cases {
        for method in ["GET", "HEAD"] {
            let r = app.signed(method, "/cdt/o", headers, Vec::new()).await;
            if let Err(e) = check_cond(&r, *want, &etag, &lm, method == "HEAD") {
                failures.push(format!("{method} {headers:?}: want {want:?}: {e}"));
            } else if *want == Pass && method == "GET" && r.body != b"abc" {
                failures.push(format!("{method} {headers:?}: body {:?}", r.body));
            }
        }
    }
    assert_all(failures);
    // A missing key is 404 whatever the conditions.
    let r = app
        .signed("GET", "/cdt/missing", &[("if-match", other)], Vec::new())
        .await;
    assert_error(&r, 404, "NoSuchKey", "conditions on a missing key");
}

#[tokio::test]
async fn copy_source_conditions() {
    use std::time::Duration;
    let app = app_with_bucket("ccp").await;
    let r = app.signed("PUT", "/ccp/src", &[], b"source".to_vec()).await;
    let etag = r.header("etag").expect("etag").to_string();
    let h = app.signed("HEAD", "/ccp/src", &[], Vec::new()).await;
    let lm = h
        .header("last-modified")
        .expect("last-modified")
        .to_string();
    let t = httpdate::parse_http_date(&lm).expect("RFC 1123");
    let before = httpdate::fmt_http_date(t - Duration::from_secs(1));
    let after = httpdate::fmt_http_date(t + Duration::from_secs(3600));
    let unquoted = etag.trim_matches('"').to_lowercase();
    let other = "\"00000000000000000000000000000000\"";
    use Cond::*;
    let cases: Vec<(Vec<(&str, &str)>, Cond)> = vec![
        (vec![("x-oss-copy-source-if-match", &etag)], Pass),
        (vec![("x-oss-copy-source-if-match", &unquoted)], Pass),
        (
            vec![("x-oss-copy-source-if-match", other)],
            Failed("x-oss-copy-source-if-match"),
        ),
        (
            vec![("x-oss-copy-source-if-none-match", &etag)],
            NotModified,
        ),
        (vec![("x-oss-copy-source-if-none-match", other)], Pass),
        (
            vec![("x-oss-copy-source-if-modified-since", &lm)],
            NotModified,
        ),
        (vec![("x-oss-copy-source-if-modified-since", &before)], Pass),
        (vec![("x-oss-copy-source-if-unmodified-since", &lm)], Pass),
        (
            vec![("x-oss-copy-source-if-unmodified-since", &after)],
            Pass,
        ),
        (
            vec![("x-oss-copy-source-if-unmodified-since", &before)],
            Failed("x-oss-copy-source-if-unmodified-since"),
        ),
        (
            vec![
                ("x-oss-copy-source-if-match", other),
                ("x-oss-copy-source-if-none-match", &etag),
            ],
            Failed("x-oss-copy-source-if-match"),
        ),
        // The plain GET conditions do not apply to the source of a copy.
        (vec![("if-match", other), ("if-none-match", &etag)], Pass),
    ];
    let mut failures = Vec::new();
    for (i, (headers, want)) in cases.iter().enumerate() {
        let target = format!("/ccp/dst{i}");
        let mut all = vec![("x-oss-copy-source", "/ccp/src")];
        all.extend(headers.iter().copied());
        let r = app.signed("PUT", &target, &all, Vec::new()).await;
        if let Err(e) = check_cond(&r, *want, &etag, &lm, false) {
            failures.push(format!("CopyObject {headers:?}: want {want:?}: {e}"));
        }
        // Only a copy that ran leaves a target.
        let g = app.signed("GET", &target, &[], Vec::new()).await;
        let copied = g.status == 200 && g.body == b"source";
        if copied != (*want == Pass) {
            failures.push(format!(
                "CopyObject {headers:?}: target status {}",
                g.status
            ));
        }
    }
    // UploadPartCopy evaluates the same headers against its source.
    let r = app.signed("POST", "/ccp/mp?uploads", &[], Vec::new()).await;
    let id = element(&r.text(), "UploadId").expect("upload id");
    for (headers, want) in &cases[..10] {
        let mut all = vec![("x-oss-copy-source", "/ccp/src")];
        all.extend(headers.iter().copied());
        let r = app
            .signed(
                "PUT",
                &format!("/ccp/mp?partNumber=1&uploadId={id}"),
                &all,
                Vec::new(),
            )
            .await;
        if let Err(e) = check_cond(&r, *want, &etag, &lm, false) {
            failures.push(format!("UploadPartCopy {headers:?}: want {want:?}: {e}"));
        }
    }
    assert_all(failures);
}

/// One bad request and the exact status and code of oss-api.md §5.3.
struct Bad {
    what: String,
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn bad(
    what: impl Into<String>,
    method: &'static str,
    path: impl Into<String>,
    headers: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
    status: u16,
    code: &'static str,
) -> Bad {
    Bad {
        what: what.into(),
        method,
        path: path.into(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
        status,
        code,
    }
}

/// Whether an error response has exactly this status and code, the error
/// envelope, and no 5xx other than the 501 of LATER features; `Err` says
/// what differs.
fn check_error(r: &common::TestResponse, status: u16, code: &str) -> Result<(), String> {
    let server_fault = r.status >= 500 && !(r.status == 501 && code == "NotImplemented");
    if server_fault || (r.status, r.code().as_deref()) != (status, Some(code)) {
        return Err(format!(
            "got {} {:?}, want {status} {code}: {}",
            r.status,
            r.code(),
            r.text()
        ));
    }
    if r.header("content-type") != Some("application/xml") {
        return Err(format!("content-type {:?}", r.header("content-type")));
    }
    if element(&r.text(), "RequestId").as_deref() != r.header("x-oss-request-id") {
        return Err("RequestId differs from x-oss-request-id".into());
    }
    Ok(())
}

/// Panics with every failed case at once.
fn assert_all(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn assert_error(r: &common::TestResponse, status: u16, code: &str, what: &str) {
    if let Err(e) = check_error(r, status, code) {
        panic!("{what}: {e}");
    }
}

async fn run_bad_cases(app: &TestApp, cases: &[Bad]) {
    let mut failures = Vec::new();
    for c in cases {
        let headers: Vec<(&str, &str)> = c
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let r = app
            .signed(c.method, &c.path, &headers, c.body.clone())
            .await;
        if let Err(e) = check_error(&r, c.status, c.code) {
            failures.push(format!("{}: {e}", c.what));
        }
    }
    assert_all(failures);
}

/// An MD5 that is valid base64 of 16 bytes but not the body's.
fn wrong_md5() -> String {
    md5_b64(b"something else")
}

#[tokio::test]
async fn bad_input_gets_oss_errors() {
    let app = app_with_bucket("bad").await;
    app.signed("PUT", "/bad/exists", &[], b"old".to_vec()).await;
    app.signed("POST", "/bad/log?append&position=0", &[], b"ab".to_vec())
        .await;
    let r = app.signed("POST", "/bad/mp?uploads", &[], Vec::new()).await;
    let upload = element(&r.text(), "UploadId").expect("upload id");
    let part = app
        .signed(
            "PUT",
            &format!("/bad/mp?partNumber=1&uploadId={upload}"),
            &[],
            b"part".to_vec(),
        )
        .await;
    let part_etag = part.header("etag").expect("etag").to_string();
    let complete_ok = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part_etag}</ETag></Part></CompleteMultipartUpload>"
    );
    let complete = format!("/bad/mp?uploadId={upload}");
    let upload_part = format!("/bad/mp?partNumber=2&uploadId={upload}");
    let style = "/bad/?style&styleName=s";
    let style_ok = "<Style><Content>image/resize,w_10</Content></Style>";
    let delete_ok = "<Delete><Object><Key>nothing</Key></Object></Delete>";
    let long_key = "k".repeat(1024);
    let too_many: String = format!(
        "<Delete>{}</Delete>",
        (0..1001)
            .map(|i| format!("<Object><Key>{i}</Key></Object>"))
            .collect::<String>()
    );

    let mut cases = Vec::new();

    // Malformed XML on every operation that takes an XML body (§3.3); the
    // body carries its own correct Content-MD5 so that only the XML is wrong.
    let malformed = [
        "not xml at all",
        "<Open><Unclosed>",
        "<a></b>",
        "<?xml version=\"1.0\"?>",
        "\u{feff}\u{0}",
    ];
    let xml_ops: [(&str, &str, &str); 4] = [
        ("DeleteMultipleObjects", "POST", "/bad/?delete"),
        ("CompleteMultipartUpload", "POST", &complete),
        ("PutStyle", "PUT", style),
        ("PutBucket", "PUT", "/bad-new/"),
    ];
    for (op, method, path) in xml_ops {
        for body in malformed {
            let md5 = md5_b64(body.as_bytes());
            cases.push(bad(
                format!("{op} with {body:?}"),
                method,
                path,
                &[("content-md5", &md5)],
                body,
                400,
                "MalformedXML",
            ));
        }
    }
    // Well-formed XML that lacks required elements or has the wrong root.
    for (op, method, path, body) in [
        ("DeleteMultipleObjects", "POST", "/bad/?delete", ""),
        ("DeleteMultipleObjects", "POST", "/bad/?delete", "<Delete></Delete>"),
        ("DeleteMultipleObjects", "POST", "/bad/?delete", "<Delete><Quiet>true</Quiet></Delete>"),
        ("DeleteMultipleObjects", "POST", "/bad/?delete", "<Delete><Object></Object></Delete>"),
        ("DeleteMultipleObjects", "POST", "/bad/?delete", "<Remove><Object><Key>a</Key></Object></Remove>"),
        ("DeleteMultipleObjects", "POST", "/bad/?delete", &too_many),
        ("CompleteMultipartUpload", "POST", &complete, ""),
        ("CompleteMultipartUpload", "POST", &complete, "<CompleteMultipartUpload></CompleteMultipartUpload>"),
        ("CompleteMultipartUpload", "POST", &complete, "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>"),
        ("CompleteMultipartUpload", "POST", &complete, "<CompleteMultipartUpload><Part><ETag>e</ETag></Part></CompleteMultipartUpload>"),
        ("CompleteMultipartUpload", "POST", &complete, "<Complete><Part><PartNumber>1</PartNumber><ETag>e</ETag></Part></Complete>"),
        ("PutStyle", "PUT", style, ""),
        ("PutStyle", "PUT", style, "<Style></Style>"),
        ("PutStyle", "PUT", style, "<Other><Content>image/resize,w_10</Content></Other>"),
        ("PutBucket", "PUT", "/bad-new/", "<Other><StorageClass>Standard</StorageClass></Other>"),
    ] {
        let md5 = md5_b64(body.as_bytes());
        cases.push(bad(
            format!("{op} with {:?}", &body[..body.len().min(60)]),
            method,
            path,
            &[("content-md5", &md5)],
            body,
            400,
            "MalformedXML",
        ));
    }

    // Content-MD5 that does not match, or is not base64 of 16 bytes (§8).
    let not_16 = md5_b64(b"x");
    let short = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode([0u8; 15])
    };
    for md5 in [
        wrong_md5(),
        "!!notbase64".to_string(),
        short,
        not_16[..20].to_string(),
    ] {
        for (op, method, path, body) in [
            ("PutObject", "PUT", "/bad/new-object".to_string(), b"body".to_vec()),
            ("PutObject over an object", "PUT", "/bad/exists".to_string(), b"new".to_vec()),
            ("UploadPart", "PUT", upload_part.clone(), b"part two".to_vec()),
            ("AppendObject (new)", "POST", "/bad/newlog?append&position=0".to_string(), b"x".to_vec()),
            ("AppendObject", "POST", "/bad/log?append&position=2".to_string(), b"cd".to_vec()),
            ("CompleteMultipartUpload", "POST", complete.clone(), complete_ok.clone().into_bytes()),
            ("DeleteMultipleObjects", "POST", "/bad/?delete".to_string(), delete_ok.as_bytes().to_vec()),
            ("PutStyle", "PUT", style.to_string(), style_ok.as_bytes().to_vec()),
            ("PutBucket (empty body)", "PUT", "/bad-new/".to_string(), Vec::new()),
            (
                "PutBucket (configuration)",
                "PUT",
                "/bad-new/".to_string(),
                b"<CreateBucketConfiguration><StorageClass>Standard</StorageClass></CreateBucketConfiguration>".to_vec(),
            ),
            ("ProcessObject", "POST", "/bad/exists?x-oss-process".to_string(), b"x-oss-process=image/resize,w_1".to_vec()),
        ] {
            cases.push(bad(
                format!("{op} with Content-MD5 {md5:?}"),
                method,
                path,
                &[("content-md5", &md5)],
                body,
                400,
                "InvalidDigest",
            ));
        }
    }

    // Bucket names (§6.1): refused at creation; unknown to other operations.
    for name in [
        "ab",
        "Upper",
        "a_b",
        "-ab",
        "ab-",
        "a.b",
        "a%20b",
        "%C3%A9tag%C3%A8re",
        &"a".repeat(64),
    ] {
        cases.push(bad(
            format!("PutBucket {name}"),
            "PUT",
            format!("/{name}/"),
            &[],
            Vec::new(),
            400,
            "InvalidBucketName",
        ));
        cases.push(bad(
            format!("GetObject in {name}"),
            "GET",
            format!("/{name}/k"),
            &[],
            Vec::new(),
            404,
            "NoSuchBucket",
        ));
        cases.push(bad(
            format!("ListObjects of {name}"),
            "GET",
            format!("/{name}/"),
            &[],
            Vec::new(),
            404,
            "NoSuchBucket",
        ));
    }

    // Object names (§6.1): longer than 1023 bytes, a leading `/` or `\`,
    // not UTF-8; on every operation that creates an object.
    for (what, key) in [
        ("1024 bytes", long_key.as_str()),
        ("leading slash", "/x"),
        ("leading backslash", "%5Cx"),
        ("not UTF-8", "%FF%FE"),
    ] {
        for (op, method, path, headers) in [
            ("PutObject", "PUT", format!("/bad/{key}"), vec![]),
            (
                "AppendObject",
                "POST",
                format!("/bad/{key}?append&position=0"),
                vec![],
            ),
            (
                "InitiateMultipartUpload",
                "POST",
                format!("/bad/{key}?uploads"),
                vec![],
            ),
            (
                "CopyObject",
                "PUT",
                format!("/bad/{key}"),
                vec![("x-oss-copy-source", "/bad/exists")],
            ),
        ] {
            cases.push(bad(
                format!("{op}: key {what}"),
                method,
                path,
                &headers,
                b"x".to_vec(),
                400,
                "InvalidObjectName",
            ));
        }
    }

    // Malformed parameters and headers → InvalidArgument; absent → MissingArgument.
    for (what, method, path, headers) in [
        (
            "bucket ACL value",
            "PUT",
            "/bad/?acl",
            vec![("x-oss-acl", "everyone")],
        ),
        (
            "bucket ACL 'default'",
            "PUT",
            "/bad/?acl",
            vec![("x-oss-acl", "default")],
        ),
        (
            "PutBucket ACL",
            "PUT",
            "/bad-new/",
            vec![("x-oss-acl", "open")],
        ),
        (
            "object ACL value",
            "PUT",
            "/bad/exists?acl",
            vec![("x-oss-object-acl", "everyone")],
        ),
        (
            "PutObject ACL",
            "PUT",
            "/bad/k",
            vec![("x-oss-object-acl", "x")],
        ),
        (
            "append position -1",
            "POST",
            "/bad/ap?append&position=-1",
            vec![],
        ),
        (
            "append position abc",
            "POST",
            "/bad/ap?append&position=abc",
            vec![],
        ),
        (
            "append position empty",
            "POST",
            "/bad/ap?append&position=",
            vec![],
        ),
        ("append without position", "POST", "/bad/ap?append", vec![]),
        (
            "partNumber 0",
            "PUT",
            "/bad/mp?partNumber=0&uploadId=x",
            vec![],
        ),
        (
            "partNumber 10001",
            "PUT",
            "/bad/mp?partNumber=10001&uploadId=x",
            vec![],
        ),
        (
            "partNumber x",
            "PUT",
            "/bad/mp?partNumber=x&uploadId=x",
            vec![],
        ),
        ("max-keys 1001", "GET", "/bad/?max-keys=1001", vec![]),
        ("max-keys 0", "GET", "/bad/?max-keys=0", vec![]),
        ("max-keys -1", "GET", "/bad/?max-keys=-1", vec![]),
        (
            "max-keys abc",
            "GET",
            "/bad/?list-type=2&max-keys=abc",
            vec![],
        ),
        ("ListBuckets max-keys", "GET", "/?max-keys=1001", vec![]),
        (
            "max-uploads 1001",
            "GET",
            "/bad/?uploads&max-uploads=1001",
            vec![],
        ),
        (
            "max-parts 1001",
            "GET",
            "/bad/mp?uploadId=x&max-parts=1001",
            vec![],
        ),
        (
            "part-number-marker x",
            "GET",
            "/bad/mp?uploadId=x&part-number-marker=x",
            vec![],
        ),
        ("encoding-type", "GET", "/bad/?encoding-type=base64", vec![]),
        (
            "continuation-token",
            "GET",
            "/bad/?list-type=2&continuation-token=%21%21",
            vec![],
        ),
        (
            "metadata directive",
            "PUT",
            "/bad/c",
            vec![
                ("x-oss-copy-source", "/bad/exists"),
                ("x-oss-metadata-directive", "MOVE"),
            ],
        ),
        (
            "copy source without key",
            "PUT",
            "/bad/c",
            vec![("x-oss-copy-source", "/bad")],
        ),
        (
            "copy source not UTF-8",
            "PUT",
            "/bad/c",
            vec![("x-oss-copy-source", "/bad/%FF")],
        ),
        (
            "copy source range",
            "PUT",
            "/bad/mp?partNumber=1&uploadId=x",
            vec![
                ("x-oss-copy-source", "/bad/exists"),
                ("x-oss-copy-source-range", "bytes=5-1"),
            ],
        ),
        ("style name", "PUT", "/bad/?style&styleName=a%20b", vec![]),
        (
            "style name too long",
            "PUT",
            &format!("/bad/?style&styleName={}", "s".repeat(64)),
            vec![],
        ),
        ("process body", "POST", "/bad/exists?x-oss-process", vec![]),
    ] {
        let body: Vec<u8> = if what == "style name" || what == "style name too long" {
            style_ok.as_bytes().to_vec()
        } else {
            b"x".to_vec()
        };
        cases.push(bad(
            what,
            method,
            path,
            &headers,
            body,
            400,
            "InvalidArgument",
        ));
    }
    let big_meta = "v".repeat(8 * 1024);
    cases.push(bad(
        "user metadata above 8 KB",
        "PUT",
        "/bad/meta",
        &[("x-oss-meta-big", &big_meta)],
        b"x".to_vec(),
        400,
        "InvalidArgument",
    ));
    for (what, method, path) in [
        ("PutBucketAcl without x-oss-acl", "PUT", "/bad/?acl"),
        (
            "PutObjectAcl without x-oss-object-acl",
            "PUT",
            "/bad/exists?acl",
        ),
        ("PutStyle without styleName", "PUT", "/bad/?style"),
        (
            "GetStyle with empty styleName",
            "GET",
            "/bad/?style&styleName=",
        ),
    ] {
        cases.push(bad(
            what,
            method,
            path,
            &[],
            style_ok,
            400,
            "MissingArgument",
        ));
    }
    cases.push(bad(
        "x-oss-complete-all with a body",
        "POST",
        &complete,
        &[("x-oss-complete-all", "yes")],
        complete_ok.clone(),
        400,
        "InvalidRequest",
    ));
    // Methods that no operation takes.
    for (method, path) in [
        ("POST", "/"),
        ("DELETE", "/"),
        ("PUT", "/"),
        ("POST", "/bad/"),
        ("PATCH", "/bad/k"),
        ("POST", "/bad/k"),
        ("PATCH", "/bad/"),
    ] {
        cases.push(bad(
            format!("{method} {path}"),
            method,
            path,
            &[],
            Vec::new(),
            405,
            "MethodNotAllowed",
        ));
    }
    run_bad_cases(&app, &cases).await;

    // Nothing that failed was stored or changed.
    let g = app.signed("GET", "/bad/exists", &[], Vec::new()).await;
    assert_eq!(g.body, b"old");
    let g = app.signed("GET", "/bad/log", &[], Vec::new()).await;
    assert_eq!(g.body, b"ab");
    for key in ["new-object", "newlog", "k", "c", "ap", "meta"] {
        let g = app
            .signed("HEAD", &format!("/bad/{key}"), &[], Vec::new())
            .await;
        assert_eq!(g.status, 404, "{key}");
    }
    let lp = app.signed("GET", &complete, &[], Vec::new()).await;
    assert_eq!(
        element(&lp.text(), "NextPartNumberMarker").as_deref(),
        Some("1")
    );
    assert!(!lp.text().contains("<PartNumber>2</PartNumber>"));
    let r = app.signed("GET", "/bad-new/", &[], Vec::new()).await;
    assert_error(&r, 404, "NoSuchBucket", "no bucket was created");
    let r = app.signed("GET", "/bad/?style", &[], Vec::new()).await;
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("<Style>"), "{}", r.text());
    // The upload is still usable after the bad attempts.
    let md5 = md5_b64(complete_ok.as_bytes());
    let r = app
        .signed("POST", &complete, &[("content-md5", &md5)], complete_ok)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // A body-bearing request with neither Content-Length nor chunked framing.
    for path in ["/bad/nolen", "/bad/log?append&position=2", &upload_part] {
        let mut req = common::signed_request("PUT", path, &[], Vec::new());
        if path.contains("append") {
            req = common::signed_request("POST", path, &[], Vec::new());
        }
        req.headers_mut().remove("content-length");
        let r = app.send(req).await;
        assert_error(&r, 411, "MissingContentLength", path);
    }
}

/// An `Authorization` value, further headers, and the expected status and code.
type AuthCase<'a> = (String, Vec<(&'a str, &'a str)>, u16, &'static str);

/// Malformed, unknown or incomplete credentials (oss-api.md §4.2–§4.6): each
/// gets its own code.
#[tokio::test]
async fn bad_credentials_get_exact_codes() {
    let app = app_with_bucket("cred").await;
    let now = std::time::SystemTime::now();
    let date = httpdate::fmt_http_date(now);
    let today = {
        let t = time::OffsetDateTime::from(now);
        format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
    };
    let v4_date = {
        let t = time::OffsetDateTime::from(now);
        format!("{today}T{:02}{:02}{:02}Z", t.hour(), t.minute(), t.second())
    };
    let ak = common::AK;
    let scope = format!("{today}/cn-hangzhou/oss/aliyun_v4_request");
    let cred = format!("Credential={ak}/{scope}");
    let with_date: Vec<(&str, &str)> = vec![("date", &date)];
    let with_v4_date: Vec<(&str, &str)> = vec![
        ("x-oss-date", &v4_date),
        ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
    ];
    let cases: Vec<AuthCase<'_>> = vec![
        // Not a known scheme → InvalidArgument (§4.2).
        ("garbage".into(), with_date.clone(), 400, "InvalidArgument"),
        ("OSS".into(), with_date.clone(), 400, "InvalidArgument"),
        ("Bearer abc".into(), with_date.clone(), 400, "InvalidArgument"),
        ("oss ak:sig".into(), with_date.clone(), 400, "InvalidArgument"),
        ("AWS4-HMAC-SHA256 Credential=a".into(), with_date.clone(), 400, "InvalidArgument"),
        // V1 with a malformed credential part → InvalidArgument.
        ("OSS nocolon".into(), with_date.clone(), 400, "InvalidArgument"),
        ("OSS :c2ln".into(), with_date.clone(), 400, "InvalidArgument"),
        (format!("OSS {ak}:"), with_date.clone(), 400, "InvalidArgument"),
        ("OSS  :  ".into(), with_date.clone(), 400, "InvalidArgument"),
        // V1, well formed: unknown key, missing/bad/skewed date, bad signature.
        ("OSS LTAIunknown:c2ln".into(), with_date.clone(), 403, "InvalidAccessKeyId"),
        (format!("OSS {ak}:c2ln"), vec![], 403, "AccessDenied"),
        (format!("OSS {ak}:c2ln"), vec![("date", "yesterday")], 403, "AccessDenied"),
        (
            format!("OSS {ak}:c2ln"),
            vec![("date", "Sat, 01 Jan 2000 00:00:00 GMT")],
            403,
            "RequestTimeTooSkewed",
        ),
        (format!("OSS {ak}:c2ln"), with_date.clone(), 403, "SignatureDoesNotMatch"),
        // V4 header, malformed → InvalidArgument.
        ("OSS4-HMAC-SHA256 nonsense".into(), with_v4_date.clone(), 400, "InvalidArgument"),
        ("OSS4-HMAC-SHA256 ".into(), with_v4_date.clone(), 400, "InvalidArgument"),
        ("OSS4-HMAC-SHA256 Credential=a/b,Signature=".into(), with_v4_date.clone(), 400, "InvalidArgument"),
        (format!("OSS4-HMAC-SHA256 {cred}"), with_v4_date.clone(), 400, "InvalidArgument"),
        (format!("OSS4-HMAC-SHA256 {cred},Signature=00,AdditionalHeaders="), with_v4_date.clone(), 400, "InvalidArgument"),
        (format!("OSS4-HMAC-SHA256 {cred},Signature=00,Signature=01"), with_v4_date.clone(), 400, "InvalidArgument"),
        (
            format!("OSS4-HMAC-SHA256 Credential={ak}/{today}/cn-hangzhou/oss/aws4_request,Signature=00"),
            with_v4_date.clone(),
            400,
            "InvalidArgument",
        ),
        (
            format!("OSS4-HMAC-SHA256 {cred},Signature=00"),
            vec![("x-oss-date", &v4_date), ("x-oss-content-sha256", "abc")],
            400,
            "InvalidArgument",
        ),
        (
            format!("OSS4-HMAC-SHA256 {cred},Signature=00"),
            vec![("x-oss-date", "20000101T000000Z")],
            400,
            "InvalidArgument",
        ),
        // V4, well formed: unknown key, other product, missing date, skew, mismatch.
        (
            format!("OSS4-HMAC-SHA256 Credential=LTAIunknown/{scope},Signature=00"),
            with_v4_date.clone(),
            403,
            "InvalidAccessKeyId",
        ),
        (
            format!("OSS4-HMAC-SHA256 Credential={ak}/{today}/cn-hangzhou/oss-cloudbox/aliyun_v4_request,Signature=00"),
            with_v4_date.clone(),
            403,
            "AccessDenied",
        ),
        (format!("OSS4-HMAC-SHA256 {cred},Signature=00"), vec![], 403, "AccessDenied"),
        (
            format!("OSS4-HMAC-SHA256 Credential={ak}/20000101/cn-hangzhou/oss/aliyun_v4_request,Signature=00"),
            vec![("x-oss-date", "20000101T000000Z")],
            403,
            "RequestTimeTooSkewed",
        ),
        (format!("OSS4-HMAC-SHA256 {cred},Signature=00"), with_v4_date.clone(), 403, "SignatureDoesNotMatch"),
        // Signature V2 is LATER (§4.2).
        (format!("OSS2 AccessKeyId:{ak},Signature:c2ln"), with_date.clone(), 501, "NotImplemented"),
    ];
    let mut failures = Vec::new();
    for (auth, extra, status, code) in &cases {
        let mut headers = vec![("authorization", auth.as_str())];
        headers.extend(extra.iter().copied());
        let r = app.anonymous("GET", "/cred/", &headers, Vec::new()).await;
        if let Err(e) = check_error(&r, *status, code) {
            failures.push(format!("Authorization {auth:?} {extra:?}: {e}"));
        }
    }
    // Presigned URLs with missing or malformed parameters.
    for (query, status, code) in [
        ("OSSAccessKeyId=x".to_string(), 400, "InvalidArgument"),
        (format!("OSSAccessKeyId={ak}&Expires=abc&Signature=x"), 400, "InvalidArgument"),
        (format!("OSSAccessKeyId={ak}&Expires=1&Signature=x"), 403, "AccessDenied"),
        (
            "OSSAccessKeyId=LTAIunknown&Expires=4000000000&Signature=x".to_string(),
            403,
            "InvalidAccessKeyId",
        ),
        (format!("OSSAccessKeyId={ak}&Expires=4000000000&Signature=x"), 403, "SignatureDoesNotMatch"),
        ("x-oss-signature-version=bogus".to_string(), 400, "InvalidArgument"),
        ("x-oss-signature-version=OSS2".to_string(), 501, "NotImplemented"),
        ("x-oss-signature-version=OSS4-HMAC-SHA256".to_string(), 400, "InvalidArgument"),
        (
            format!("x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential={ak}%2F{today}%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20000101T000000Z&x-oss-expires=60&x-oss-signature=00"),
            400,
            "InvalidArgument",
        ),
    ] {
        let r = app
            .anonymous("GET", &format!("/cred/?{query}"), &[], Vec::new())
            .await;
        if let Err(e) = check_error(&r, status, code) {
            failures.push(format!("presigned {query}: {e}"));
        }
    }
    assert_all(failures);
}

#[tokio::test]
async fn signature_mismatch_is_reported() {
    let app = app_with_bucket("sig").await;
    let mut req = common::signed_request("GET", "/sig/", &[], Vec::new());
    let auth = req
        .headers()
        .get("authorization")
        .expect("auth")
        .to_str()
        .expect("ascii")
        .to_string();
    // Change the last significant base64 digit (always to something else).
    let last = &auth[auth.len() - 2..auth.len() - 1];
    let other = if last == "A" { "Q" } else { "A" };
    let tampered = format!("{}{other}=", &auth[..auth.len() - 2]);
    req.headers_mut()
        .insert("authorization", tampered.parse().expect("header"));
    let r = app.send(req).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code().as_deref(), Some("SignatureDoesNotMatch"));
    assert!(element(&r.text(), "StringToSign").is_some());
}

#[tokio::test]
async fn listing_v1_and_v2() {
    let app = app_with_bucket("list").await;
    for k in [
        "a.txt",
        "img/1.jpg",
        "img/2.jpg",
        "img/sub/3.jpg",
        "z y.txt",
    ] {
        let r = app
            .signed(
                "PUT",
                &format!("/list/{}", k.replace(' ', "%20")),
                &[],
                b"x".to_vec(),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let r = app
        .signed(
            "GET",
            "/list/?prefix=&delimiter=%2F&marker=&max-keys=100&encoding-type=url",
            &[],
            Vec::new(),
        )
        .await;
    let xml = r.text();
    assert!(xml.contains("<Key>a.txt</Key>"), "{xml}");
    assert!(xml.contains("<Key>z%20y.txt</Key>"), "{xml}");
    assert!(
        xml.contains("<CommonPrefixes><Prefix>img%2F</Prefix></CommonPrefixes>"),
        "{xml}"
    );
    assert!(xml.contains("<Owner><ID>"), "V1 entries carry Owner: {xml}");
    assert!(xml.contains("<EncodingType>url</EncodingType>"));
    // Paging with max-keys=2.
    let r = app
        .signed("GET", "/list/?max-keys=2", &[], Vec::new())
        .await;
    let xml = r.text();
    assert_eq!(element(&xml, "IsTruncated").as_deref(), Some("true"));
    assert_eq!(element(&xml, "NextMarker").as_deref(), Some("img/1.jpg"));
    // V2 with a continuation token.
    let r = app
        .signed(
            "GET",
            "/list/?list-type=2&max-keys=2&fetch-owner=false",
            &[],
            Vec::new(),
        )
        .await;
    let xml = r.text();
    assert_eq!(element(&xml, "KeyCount").as_deref(), Some("2"));
    assert!(!xml.contains("<Owner>"));
    let token = element(&xml, "NextContinuationToken").expect("token");
    let r = app
        .signed(
            "GET",
            &format!("/list/?list-type=2&continuation-token={token}"),
            &[],
            Vec::new(),
        )
        .await;
    let xml = r.text();
    assert!(xml.contains("<Key>img/2.jpg</Key>"), "{xml}");
    assert!(!xml.contains("<Key>a.txt</Key>"), "{xml}");
}

#[tokio::test]
async fn append_object() {
    let app = app_with_bucket("app").await;
    let r = app
        .signed(
            "POST",
            "/app/log?append&position=0",
            &[],
            b"hello ".to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-oss-next-append-position"), Some("6"));
    let r = app
        .signed("POST", "/app/log?append&position=6", &[], b"oss".to_vec())
        .await;
    assert_eq!(r.header("x-oss-next-append-position"), Some("9"));
    // CRC of the whole object after the append.
    assert_eq!(
        r.header("x-oss-hash-crc64ecma"),
        Some("15021467531229347219")
    );
    let r = app
        .signed("POST", "/app/log?append&position=3", &[], b"x".to_vec())
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code().as_deref(), Some("PositionNotEqualToLength"));
    assert_eq!(r.header("x-oss-next-append-position"), Some("9"));
    let g = app.signed("GET", "/app/log", &[], Vec::new()).await;
    assert_eq!(g.body, b"hello oss");
    assert_eq!(g.header("x-oss-object-type"), Some("Appendable"));
    app.signed("PUT", "/app/normal", &[], b"n".to_vec()).await;
    let r = app
        .signed("POST", "/app/normal?append&position=1", &[], b"x".to_vec())
        .await;
    assert_eq!(r.code().as_deref(), Some("ObjectNotAppendable"));
}

#[tokio::test]
async fn multipart_upload() {
    let app = app_with_bucket("mpu").await;
    let r = app
        .signed(
            "POST",
            "/mpu/big.bin?uploads",
            &[("content-type", "application/x-test")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = element(&r.text(), "UploadId").expect("upload id");
    let p1 = vec![b'a'; 100 * 1024];
    let p2 = b"tail".to_vec();
    let r1 = app
        .signed(
            "PUT",
            &format!("/mpu/big.bin?partNumber=1&uploadId={id}"),
            &[],
            p1.clone(),
        )
        .await;
    let r2 = app
        .signed(
            "PUT",
            &format!("/mpu/big.bin?partNumber=2&uploadId={id}"),
            &[],
            p2.clone(),
        )
        .await;
    let (e1, e2) = (
        r1.header("etag").expect("e1").to_string(),
        r2.header("etag").expect("e2").to_string(),
    );
    let lp = app
        .signed(
            "GET",
            &format!("/mpu/big.bin?uploadId={id}"),
            &[],
            Vec::new(),
        )
        .await;
    assert!(
        lp.text().contains("<PartNumber>2</PartNumber>"),
        "{}",
        lp.text()
    );
    let lu = app.signed("GET", "/mpu/?uploads", &[], Vec::new()).await;
    assert!(lu.text().contains(&id));
    // Out of order.
    let body = format!("<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>{e2}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>{e1}</ETag></Part></CompleteMultipartUpload>");
    let r = app
        .signed("POST", &format!("/mpu/big.bin?uploadId={id}"), &[], body)
        .await;
    assert_eq!(r.code().as_deref(), Some("InvalidPartOrder"));
    // Wrong ETag.
    let body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"00\"</ETag></Part></CompleteMultipartUpload>".to_string();
    let r = app
        .signed("POST", &format!("/mpu/big.bin?uploadId={id}"), &[], body)
        .await;
    assert_eq!(r.code().as_deref(), Some("InvalidPart"));
    let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUpload>\n<Part>\n<PartNumber>1</PartNumber>\n<ETag>{e1}</ETag>\n</Part>\n<Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>", e2.trim_matches('"').to_lowercase());
    let r = app
        .signed("POST", &format!("/mpu/big.bin?uploadId={id}"), &[], body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let etag = r.header("etag").expect("etag");
    assert!(etag.ends_with("-2\""), "{etag}");
    let g = app.signed("GET", "/mpu/big.bin", &[], Vec::new()).await;
    assert_eq!(g.body.len(), p1.len() + p2.len());
    assert_eq!(g.header("x-oss-object-type"), Some("Multipart"));
    assert_eq!(g.header("content-type"), Some("application/x-test"));
    let r = app
        .signed(
            "DELETE",
            &format!("/mpu/big.bin?uploadId={id}"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("NoSuchUpload"));
}

#[tokio::test]
async fn anonymous_access_follows_acls() {
    let app = app_with_bucket("acl").await;
    app.signed("PUT", "/acl/private.txt", &[], b"p".to_vec())
        .await;
    app.signed(
        "PUT",
        "/acl/public.txt",
        &[("x-oss-object-acl", "public-read")],
        b"q".to_vec(),
    )
    .await;
    let r = app
        .anonymous("GET", "/acl/private.txt", &[], Vec::new())
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code().as_deref(), Some("AccessDenied"));
    let r = app
        .anonymous("GET", "/acl/public.txt", &[], Vec::new())
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"q");
    let r = app
        .anonymous("PUT", "/acl/new.txt", &[], b"n".to_vec())
        .await;
    assert_eq!(r.status, 403);
    let r = app.anonymous("GET", "/acl/", &[], Vec::new()).await;
    assert_eq!(r.status, 403, "anonymous listing is never allowed");
    // public-read-write bucket: anonymous writes work, reads of missing keys are 404.
    let r = app
        .signed(
            "PUT",
            "/acl/?acl",
            &[("x-oss-acl", "public-read-write")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200);
    let g = app.signed("GET", "/acl/?acl", &[], Vec::new()).await;
    assert_eq!(
        element(&g.text(), "Grant").as_deref(),
        Some("public-read-write")
    );
    let r = app
        .anonymous("PUT", "/acl/new.txt", &[], b"n".to_vec())
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .anonymous("GET", "/acl/missing.txt", &[], Vec::new())
        .await;
    assert_eq!(r.code().as_deref(), Some("NoSuchKey"));
    // The object's own private ACL wins over the bucket's.
    let r = app
        .signed(
            "PUT",
            "/acl/public.txt?acl",
            &[("x-oss-object-acl", "private")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .anonymous("GET", "/acl/public.txt", &[], Vec::new())
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn bucket_lifecycle_and_info() {
    let app = app_with_bucket("life").await;
    let r = app.signed("PUT", "/life/", &[], Vec::new()).await;
    assert_eq!(r.code().as_deref(), Some("BucketAlreadyExists"));
    let r = app
        .signed("GET", "/life/?bucketInfo", &[], Vec::new())
        .await;
    let xml = r.text();
    for el in [
        "Name",
        "CreationDate",
        "StorageClass",
        "ExtranetEndpoint",
        "IntranetEndpoint",
        "Location",
        "DisplayName",
        "ID",
        "Grant",
    ] {
        assert!(element(&xml, el).is_some(), "{el} in {xml}");
    }
    assert!(element(&xml, "CreationDate")
        .expect("date")
        .ends_with(".000Z"));
    let r = app.signed("GET", "/life/?location", &[], Vec::new()).await;
    assert_eq!(
        element(&r.text(), "LocationConstraint").as_deref(),
        Some("oss-cn-hangzhou")
    );
    app.signed("PUT", "/life/x", &[], b"1".to_vec()).await;
    let r = app.signed("GET", "/life/?stat", &[], Vec::new()).await;
    assert_eq!(element(&r.text(), "ObjectCount").as_deref(), Some("1"));
    let r = app.signed("DELETE", "/life/", &[], Vec::new()).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code().as_deref(), Some("BucketNotEmpty"));
    let r = app.signed("DELETE", "/life/x", &[], Vec::new()).await;
    assert_eq!(r.status, 204);
    let r = app.signed("DELETE", "/life/x", &[], Vec::new()).await;
    assert_eq!(r.status, 204, "deleting a missing key is 204");
    let r = app.signed("DELETE", "/life/", &[], Vec::new()).await;
    assert_eq!(r.status, 204);
    let r = app.signed("GET", "/life/?acl", &[], Vec::new()).await;
    assert_eq!(r.code().as_deref(), Some("NoSuchBucket"));
}

#[tokio::test]
async fn copy_and_self_copy_replace() {
    let app = app_with_bucket("cpy").await;
    app.signed(
        "PUT",
        "/cpy/src.txt",
        &[("x-oss-meta-a", "1"), ("content-type", "text/plain")],
        b"data".to_vec(),
    )
    .await;
    let r = app
        .signed(
            "PUT",
            "/cpy/dst.txt",
            &[("x-oss-copy-source", "/cpy/src.txt")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(element(&r.text(), "ETag").is_some());
    let g = app.signed("GET", "/cpy/dst.txt", &[], Vec::new()).await;
    assert_eq!(g.body, b"data");
    assert_eq!(g.header("x-oss-meta-a"), Some("1"));
    let r = app
        .signed(
            "PUT",
            "/cpy/src.txt",
            &[
                ("x-oss-copy-source", "/cpy/src.txt"),
                ("x-oss-metadata-directive", "REPLACE"),
                ("x-oss-meta-b", "2"),
                ("content-type", "text/x"),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let g = app.signed("GET", "/cpy/src.txt", &[], Vec::new()).await;
    assert_eq!(g.header("x-oss-meta-a"), None);
    assert_eq!(g.header("x-oss-meta-b"), Some("2"));
    assert_eq!(g.header("content-type"), Some("text/x"));
    assert_eq!(g.body, b"data");
    let r = app
        .signed(
            "PUT",
            "/cpy/x",
            &[("x-oss-copy-source", "/cpy/missing")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.code().as_deref(), Some("NoSuchKey"));
}

#[tokio::test]
async fn delete_multiple_with_url_encoding() {
    let app = app_with_bucket("dmo").await;
    app.signed("PUT", "/dmo/a%26b%3Cc%3E.txt", &[], b"1".to_vec())
        .await;
    let body = "<Delete><Quiet>false</Quiet><Object><Key>a&amp;b&lt;c&gt;.txt</Key></Object><Object><Key>never</Key></Object></Delete>";
    let md5 = md5_b64(body.as_bytes());
    let r = app
        .signed(
            "POST",
            "/dmo/?delete&encoding-type=url",
            &[("content-md5", &md5)],
            body.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text().contains("<Key>a%26b%3Cc%3E.txt</Key>"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("<Key>never</Key>"));
    let g = app
        .signed("GET", "/dmo/a%26b%3Cc%3E.txt", &[], Vec::new())
        .await;
    assert_eq!(g.status, 404);
}

#[tokio::test]
async fn styles_api() {
    let app = app_with_bucket("sty").await;
    let body = "<Style><Content>image/resize,w_100</Content></Style>";
    let r = app
        .signed("PUT", "/sty/?style&styleName=thumb", &[], body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .signed("GET", "/sty/?style&styleName=thumb", &[], Vec::new())
        .await;
    let xml = r.text();
    assert_eq!(
        element(&xml, "Content").as_deref(),
        Some("image/resize,w_100")
    );
    assert!(element(&xml, "CreateTime").expect("ct").ends_with("GMT"));
    let r = app.signed("GET", "/sty/?style", &[], Vec::new()).await;
    assert!(
        r.text().contains("<StyleList><Style><Name>thumb</Name>"),
        "{}",
        r.text()
    );
    let r = app
        .signed(
            "PUT",
            "/sty/?style&styleName=bad",
            &[],
            "<Style><Content></Content></Style>",
        )
        .await;
    assert_eq!(r.code().as_deref(), Some("InvalidArgument"));
    assert_eq!(
        element(&r.text(), "Message").as_deref(),
        Some("Style content is invalid.")
    );
    let r = app
        .signed("PUT", "/sty/?style&styleName=a%20b", &[], body)
        .await;
    assert_eq!(r.code().as_deref(), Some("InvalidArgument"));
    let r = app
        .signed("DELETE", "/sty/?style&styleName=thumb", &[], Vec::new())
        .await;
    assert_eq!(r.status, 204);
    let r = app
        .signed("GET", "/sty/?style&styleName=thumb", &[], Vec::new())
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("NoSuchStyle"));
}

#[tokio::test]
async fn later_features_answer_not_implemented() {
    let app = app_with_bucket("later").await;
    let r = app
        .signed("GET", "/later/?lifecycle", &[], Vec::new())
        .await;
    assert_eq!(r.status, 501);
    assert_eq!(r.code().as_deref(), Some("NotImplemented"));
    let r = app
        .signed(
            "PUT",
            "/later/k",
            &[("x-oss-callback", "e30=")],
            b"x".to_vec(),
        )
        .await;
    assert_eq!(r.status, 501);
}

#[tokio::test]
async fn health_endpoints() {
    let app = TestApp::new();
    let r = app.anonymous("GET", "/-/healthy", &[], Vec::new()).await;
    assert_eq!(r.status, 200);
    let r = app.anonymous("GET", "/-/ready", &[], Vec::new()).await;
    assert_eq!(r.status, 200);
    app.signed("GET", "/", &[], Vec::new()).await;
    let r = app.anonymous("GET", "/-/metrics", &[], Vec::new()).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("ossimg_requests_total"), "{}", r.text());
}

#[tokio::test]
async fn virtual_host_addressing() {
    let app = app_with_bucket("vhost").await;
    app.signed("PUT", "/vhost/k.txt", &[], b"v".to_vec()).await;
    // An anonymous read through the virtual host of a public object.
    app.signed(
        "PUT",
        "/vhost/k.txt?acl",
        &[("x-oss-object-acl", "public-read")],
        Vec::new(),
    )
    .await;
    let req = axum::http::Request::builder()
        .method("GET")
        .uri("/k.txt")
        .header("host", "vhost.oss-cn-hangzhou.aliyuncs.com")
        .body(axum::body::Body::empty())
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, b"v");
    let req = axum::http::Request::builder()
        .method("GET")
        .uri("/k.txt")
        .header("host", "vhost.localhost:8080")
        .body(axum::body::Body::empty())
        .expect("request");
    assert_eq!(app.send(req).await.body, b"v");
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn configured_size_limits() {
    let app = TestApp::with(|c| {
        c.max_object_size = 1000;
        c.max_part_size = 600;
        c.min_part_size = 100;
        c.max_parts = 5;
        c.max_delete_keys = 2;
    });
    let r = app.signed("PUT", "/lim/", &[], Vec::new()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let blobs = app.dir.path().join("data").join("blobs");

    // PutObject above max_object_size: the OSS error document, nothing stored.
    let r = app.signed("PUT", "/lim/big", &[], vec![b'x'; 1001]).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert!(r.text().starts_with("<?xml"), "{}", r.text());
    assert_eq!(r.code().as_deref(), Some("EntityTooLarge"));
    assert_eq!(
        element(&r.text(), "Message").as_deref(),
        Some("Your proposed upload exceeds the maximum allowed object size.")
    );
    assert!(element(&r.text(), "RequestId").is_some());
    let g = app.signed("GET", "/lim/big", &[], Vec::new()).await;
    assert_eq!(g.code().as_deref(), Some("NoSuchKey"));
    assert!(files_under(&blobs).is_empty(), "{:?}", files_under(&blobs));
    let r = app.signed("PUT", "/lim/full", &[], vec![b'f'; 1000]).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // AppendObject: the total counts.
    let r = app
        .signed("POST", "/lim/log?append&position=0", &[], vec![b'a'; 600])
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .signed("POST", "/lim/log?append&position=600", &[], vec![b'b'; 401])
        .await;
    assert_eq!(r.code().as_deref(), Some("EntityTooLarge"), "{}", r.text());

    // Multipart: each part within max_part_size, the total beyond
    // max_object_size.
    let r = app.signed("POST", "/lim/mp?uploads", &[], Vec::new()).await;
    let id = element(&r.text(), "UploadId").expect("upload id");
    let part = |n: u32| format!("/lim/mp?partNumber={n}&uploadId={id}");
    let r = app.signed("PUT", &part(1), &[], vec![b'1'; 601]).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code().as_deref(), Some("EntityTooLarge"), "{}", r.text());
    let r = app.signed("PUT", &part(6), &[], vec![b'6'; 10]).await;
    assert_eq!(r.code().as_deref(), Some("InvalidArgument"), "{}", r.text());
    assert!(r.text().contains("between 1 and 5"), "{}", r.text());
    let mut etags = Vec::new();
    for (n, len) in [(1, 600), (2, 600), (3, 300)] {
        let r = app
            .signed("PUT", &part(n), &[], vec![b'0' + n as u8; len])
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        etags.push(r.header("etag").expect("etag").to_string());
    }
    // UploadPartCopy is a part too.
    let copy = [("x-oss-copy-source", "/lim/full")];
    let r = app.signed("PUT", &part(4), &copy, Vec::new()).await;
    assert_eq!(r.code().as_deref(), Some("EntityTooLarge"), "{}", r.text());
    let ranged = [
        ("x-oss-copy-source", "/lim/full"),
        ("x-oss-copy-source-range", "bytes=0-599"),
    ];
    let r = app.signed("PUT", &part(4), &ranged, Vec::new()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    etags.push(element(&r.text(), "ETag").expect("etag"));
    let body: String = etags
        .iter()
        .enumerate()
        .map(|(i, e)| {
            format!(
                "<Part><PartNumber>{}</PartNumber><ETag>{e}</ETag></Part>",
                i + 1
            )
        })
        .collect();
    let body = format!("<CompleteMultipartUpload>{body}</CompleteMultipartUpload>");
    let r = app
        .signed("POST", &format!("/lim/mp?uploadId={id}"), &[], body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let g = app.signed("GET", "/lim/mp", &[], Vec::new()).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body.len(), 2100, "above max_object_size");

    // min_part_size applies to every part but the last.
    let r = app
        .signed("POST", "/lim/small?uploads", &[], Vec::new())
        .await;
    let id = element(&r.text(), "UploadId").expect("upload id");
    for (n, len) in [(1, 99), (2, 10)] {
        let r = app
            .signed(
                "PUT",
                &format!("/lim/small?partNumber={n}&uploadId={id}"),
                &[],
                vec![b'x'; len],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = app
        .signed(
            "POST",
            &format!("/lim/small?uploadId={id}"),
            &[("x-oss-complete-all", "yes")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.code().as_deref(), Some("EntityTooSmall"), "{}", r.text());

    // DeleteMultipleObjects: at most max_delete_keys keys.
    let keys = |n: usize| {
        let objects: String = (0..n)
            .map(|i| format!("<Object><Key>k{i}</Key></Object>"))
            .collect();
        format!("<Delete><Quiet>true</Quiet>{objects}</Delete>").into_bytes()
    };
    let r = app.signed("POST", "/lim/?delete", &[], keys(3)).await;
    assert_eq!(r.code().as_deref(), Some("MalformedXML"), "{}", r.text());
    let r = app.signed("POST", "/lim/?delete", &[], keys(2)).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn default_limits_allow_multipart_objects_above_five_gib() {
    // The completion bound is max_parts × max_part_size, not max_object_size.
    let c = ossimg::config::Config::default();
    assert_eq!(c.max_object_size, 5 << 30);
    assert_eq!(c.max_multipart_object_size(), 10_000 * (5u64 << 30));
}

/// A key of exactly `len` bytes mixing 1-, 2-, 3- and 4-byte UTF-8
/// characters, a space, a `+` and `/`.
fn multibyte_key(len: usize) -> String {
    let mut key = String::from("dir +/é🐱");
    while key.len() + 3 <= len - 2 {
        key.push('猫');
    }
    while key.len() < len {
        key.push('a');
    }
    assert_eq!(key.len(), len);
    key
}

/// Percent-encodes every byte outside the unreserved set (`/` included, as
/// `oss2` does).
fn encode_all(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A 1,023-byte multibyte key goes through PUT, GET, HEAD, GetObjectMeta,
/// ListObjects (V1 and V2, URL-encoded and plain) and DELETE over a real
/// socket; 1,024 bytes is `400 InvalidObjectName` (oss-api.md §6.1, §5.3).
#[test]
fn longest_multibyte_key_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = common::Server::start(dir.path());
    let header = |h: &[(String, String)], name: &str| {
        h.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let (status, _, body) = server.signed("PUT", "/longkeys/", &[], b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    let key = multibyte_key(1023);
    assert!(key.chars().count() < 400, "mostly multibyte");
    let path = format!("/longkeys/{}", encode_all(&key));
    // The same key with `/` literal (v2, ali-oss, Java).
    let path_slash = path.replace("%2F", "/");
    let data = b"long key body".to_vec();
    let (status, h, body) = server.signed("PUT", &path, &[("content-type", "text/plain")], &data);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let etag = header(&h, "etag").expect("etag");

    let (status, h, body) = server.signed("GET", &path_slash, &[], b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, data);
    assert_eq!(header(&h, "etag"), Some(etag.clone()));
    let (status, h, body) = server.signed("HEAD", &path, &[], b"");
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert_eq!(header(&h, "content-length").as_deref(), Some("13"));
    let (status, h, _) = server.signed("HEAD", &format!("{path}?objectMeta"), &[], b"");
    assert_eq!(status, 200);
    assert_eq!(header(&h, "etag"), Some(etag.clone()));

    let encoded = common::element(
        &String::from_utf8_lossy(
            &server
                .signed("GET", "/longkeys/?encoding-type=url", &[], b"")
                .2,
        ),
        "Key",
    );
    assert_eq!(encoded, Some(encode_all(&key)));
    let (_, _, body) = server.signed(
        "GET",
        "/longkeys/?list-type=2&encoding-type=url&prefix=dir%20%2B%2F",
        &[],
        b"",
    );
    let xml = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(
        common::element(&xml, "Key"),
        Some(encode_all(&key)),
        "{xml}"
    );
    assert_eq!(
        common::element(&xml, "Prefix").as_deref(),
        Some("dir%20%2B%2F")
    );
    // Plain listings carry the key as (escaped) UTF-8 text.
    let (_, _, body) = server.signed("GET", "/longkeys/?list-type=2", &[], b"");
    assert_eq!(
        common::element(&String::from_utf8_lossy(&body), "Key"),
        Some(key.clone())
    );
    // Listing after the key itself (as a marker) finds nothing more.
    let (_, _, body) = server.signed(
        "GET",
        &format!("/longkeys/?marker={}", encode_all(&key)),
        &[],
        b"",
    );
    let xml = String::from_utf8_lossy(&body).into_owned();
    assert!(!xml.contains("<Contents>"), "{xml}");

    // One byte more is refused, and nothing is stored.
    let long = multibyte_key(1024);
    for p in [
        format!("/longkeys/{}", encode_all(&long)),
        format!("/longkeys/{}", encode_all(&long)).replace("%2F", "/"),
    ] {
        let (status, _, body) = server.signed("PUT", &p, &[], b"x");
        let xml = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(status, 400, "{xml}");
        assert_eq!(
            common::element(&xml, "Code").as_deref(),
            Some("InvalidObjectName")
        );
    }
    let (status, _, body) = server.signed(
        "POST",
        &format!("/longkeys/{}?uploads", encode_all(&long)),
        &[],
        b"",
    );
    assert_eq!(status, 400);
    assert_eq!(
        common::element(&String::from_utf8_lossy(&body), "Code").as_deref(),
        Some("InvalidObjectName")
    );

    let (status, _, _) = server.signed("DELETE", &path_slash, &[], b"");
    assert_eq!(status, 204);
    let (status, _, _) = server.signed("GET", &path, &[], b"");
    assert_eq!(status, 404);
    let (_, _, body) = server.signed("GET", "/longkeys/", &[], b"");
    assert!(!String::from_utf8_lossy(&body).contains("<Contents>"));
}
