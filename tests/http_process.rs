//! `x-oss-process` through the HTTP layer: GET, POST with `sys/saveas`,
//! styles, permissions and bad images.

mod common;

use base64::Engine;
use common::{element, TestApp};
use ossimg::img::{codec, Limits};

const JPEG: &[u8] = include_bytes!("../fixtures/images/orientation-1.jpg");

fn dims(bytes: &[u8]) -> (u32, u32) {
    let p = codec::probe(bytes, &Limits::default()).expect("decodable output");
    (p.width, p.height)
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

async fn app_with_photo() -> (TestApp, String) {
    let app = TestApp::new();
    assert_eq!(
        app.signed("PUT", "/imgs/", &[], Vec::new()).await.status,
        200
    );
    let r = app
        .signed(
            "PUT",
            "/imgs/cat.jpg",
            &[("content-type", "image/jpeg")],
            JPEG.to_vec(),
        )
        .await;
    assert_eq!(r.status, 200);
    let etag = r.header("etag").expect("etag").to_string();
    (app, etag)
}

#[tokio::test]
async fn get_with_process_has_the_documented_envelope() {
    let (app, etag) = app_with_photo().await;
    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image%2Fresize%2Cw_100",
            &[("range", "bytes=0-9")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(r.header("x-oss-hash-crc64ecma"), None);
    assert_eq!(r.header("content-md5"), None);
    assert_eq!(dims(&r.body), (100, 75));

    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image/resize,m_fill,w_64,h_64/format,webp",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.header("content-type"), Some("image/webp"));
    assert_eq!(dims(&r.body), (64, 64));

    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image/info",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(v["ImageWidth"]["value"], "640");
}

#[tokio::test]
async fn bad_processing_strings_are_refused_before_reading() {
    let (app, _) = app_with_photo().await;
    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image/resize,w_99999999",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code().as_deref(), Some("InvalidArgument"));
    assert_eq!(r.header("x-oss-ec"), Some("0040-00000312"));
    assert_eq!(
        element(&r.text(), "Message").as_deref(),
        Some("The value: 99999999 of parameter: w is invalid.")
    );
    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image/slim,1",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.header("x-oss-ec"), Some("0040-00000213"));
    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image/resize,w_10|sys/saveas,o_YQ",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = app
        .signed(
            "GET",
            "/imgs/missing.jpg?x-oss-process=image/resize,w_10",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-oss-ec"), Some("0040-00000024"));
    let long = format!("image/resize,w_10{}", "/bright,1".repeat(1000));
    let r = app
        .signed(
            "GET",
            &format!("/imgs/cat.jpg?x-oss-process={long}"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.header("x-oss-ec"), Some("0017-00000288"));
    // The stored object is untouched by any of it.
    let g = app.signed("GET", "/imgs/cat.jpg", &[], Vec::new()).await;
    assert_eq!(g.body, JPEG);
}

#[tokio::test]
async fn bad_images_give_4xx() {
    let app = TestApp::new();
    app.signed("PUT", "/badimg/", &[], Vec::new()).await;
    for (name, bytes, code) in [
        (
            "bomb.png",
            &include_bytes!("../fixtures/images/bomb-50000x50000.png")[..],
            "MemLimitExceeded",
        ),
        (
            "text.jpg",
            &include_bytes!("../fixtures/images/bad-not-an-image.jpg")[..],
            "BadRequest",
        ),
        ("empty.jpg", &b""[..], "BadRequest"),
        (
            "trunc.jpg",
            &include_bytes!("../fixtures/images/bad-truncated.jpg")[..],
            "BadRequest",
        ),
    ] {
        app.signed("PUT", &format!("/badimg/{name}"), &[], bytes.to_vec())
            .await;
        let r = app
            .signed(
                "GET",
                &format!("/badimg/{name}?x-oss-process=image/resize,w_10"),
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, 400, "{name}: {}", r.text());
        assert_eq!(r.code().as_deref(), Some(code), "{name}");
    }
}

#[tokio::test]
async fn saveas_raw_and_form_encoded_bodies() {
    let (app, _) = app_with_photo().await;
    assert_eq!(
        app.signed("PUT", "/other/", &[], Vec::new()).await.status,
        200
    );
    // oss2 / v2: raw body, standard Base64 with padding, target bucket given.
    let o = base64::engine::general_purpose::STANDARD.encode("small/cat_small.jpg");
    let b = base64::engine::general_purpose::STANDARD.encode("other");
    let body = format!("x-oss-process=image/resize,w_50|sys/saveas,o_{o},b_{b}");
    let r = app
        .signed("POST", "/imgs/cat.jpg?x-oss-process", &[], body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(v["bucket"], "other");
    assert_eq!(v["object"], "small/cat_small.jpg");
    assert_eq!(v["status"], "OK");
    let g = app
        .signed("GET", "/other/small/cat_small.jpg", &[], Vec::new())
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.header("content-type"), Some("image/jpeg"));
    assert_eq!(v["fileSize"], g.body.len());
    assert_eq!(dims(&g.body), (50, 38));

    // ali-oss: form-encoded body, URL-safe Base64, no bucket → source bucket, "" in the reply.
    let process = format!("image/resize,w_20|sys/saveas,o_{}", b64("thumb.jpg"));
    let encoded: String =
        percent_encoding::utf8_percent_encode(&process, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let r = app
        .signed(
            "POST",
            "/imgs/cat.jpg?x-oss-process=",
            &[("content-type", "image/jpeg")],
            format!("x-oss-process={encoded}"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(v["bucket"], "");
    let g = app.signed("GET", "/imgs/thumb.jpg", &[], Vec::new()).await;
    assert_eq!(dims(&g.body), (20, 15));

    // Without saveas the POST returns the processed image.
    let r = app
        .signed(
            "POST",
            "/imgs/cat.jpg?x-oss-process",
            &[],
            "x-oss-process=image/resize,w_30",
        )
        .await;
    assert_eq!(dims(&r.body), (30, 23));

    // A body without the prefix, and a missing target bucket.
    let r = app
        .signed(
            "POST",
            "/imgs/cat.jpg?x-oss-process",
            &[],
            "image/resize,w_30",
        )
        .await;
    assert_eq!(r.code().as_deref(), Some("InvalidArgument"));
    let body = format!(
        "x-oss-process=image/resize,w_50|sys/saveas,o_{},b_{}",
        b64("x.jpg"),
        b64("nosuchbucket")
    );
    let r = app
        .signed("POST", "/imgs/cat.jpg?x-oss-process", &[], body)
        .await;
    assert_eq!(r.code().as_deref(), Some("NoSuchBucket"));
}

#[tokio::test]
async fn saveas_needs_write_access_to_the_target() {
    let (app, _) = app_with_photo().await;
    app.signed(
        "PUT",
        "/imgs/cat.jpg?acl",
        &[("x-oss-object-acl", "public-read")],
        Vec::new(),
    )
    .await;
    let body = format!(
        "x-oss-process=image/resize,w_50|sys/saveas,o_{}",
        b64("anon.jpg")
    );
    let r = app
        .anonymous("POST", "/imgs/cat.jpg?x-oss-process", &[], body)
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.code().as_deref(), Some("AccessDenied"));
    let g = app.signed("GET", "/imgs/anon.jpg", &[], Vec::new()).await;
    assert_eq!(g.status, 404, "nothing written");
    // Anonymous processing of a public-read object works; of a private one it does not.
    let r = app
        .anonymous(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image/resize,w_10",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200);
    app.signed(
        "PUT",
        "/imgs/cat.jpg?acl",
        &[("x-oss-object-acl", "private")],
        Vec::new(),
    )
    .await;
    let r = app
        .anonymous(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image/resize,w_10",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn styles_in_get_and_saveas() {
    let (app, _) = app_with_photo().await;
    let r = app
        .signed(
            "PUT",
            "/imgs/?style&styleName=thumb",
            &[],
            "<Style><Content>image/resize,w_40</Content></Style>",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=style%2Fthumb",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(dims(&r.body), (40, 30));
    let body = format!(
        "x-oss-process=style/thumb|sys/saveas,o_{}",
        b64("styled.jpg")
    );
    let r = app
        .signed("POST", "/imgs/cat.jpg?x-oss-process", &[], body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=style/nope",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("NoSuchStyle"));
}

/// `GET /<key><d><style>` for each delimiter the OSS console offers
/// (image-processing.md §1.3): split at the last delimiter, only an existing
/// style counts, otherwise the whole path is an ordinary key.
#[tokio::test]
async fn style_delimiter_urls() {
    for d in ["!", "-", "_", "/"] {
        let app = TestApp::with(|c| {
            c.style_delimiters.insert("delim".into(), d.into());
        });
        app.signed("PUT", "/delim/", &[], Vec::new()).await;
        // The source key itself contains the delimiter.
        let source = format!("dir{d}cat.jpg");
        let r = app
            .signed("PUT", &format!("/delim/{source}"), &[], JPEG.to_vec())
            .await;
        assert_eq!(r.status, 200, "{d}: {}", r.text());
        app.signed("PUT", &format!("/delim/a{d}b.txt"), &[], b"plain".to_vec())
            .await;
        let r = app
            .signed(
                "PUT",
                "/delim/?style&styleName=small",
                &[],
                "<Style><Content>image/resize,w_32</Content></Style>",
            )
            .await;
        assert_eq!(r.status, 200);
        let r = app
            .signed("GET", &format!("/delim/{source}{d}small"), &[], Vec::new())
            .await;
        assert_eq!(r.status, 200, "{d}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("image/jpeg"), "{d}");
        assert_eq!(dims(&r.body), (32, 24), "{d}");
        // The source itself is still an ordinary object.
        let r = app
            .signed("GET", &format!("/delim/{source}"), &[], Vec::new())
            .await;
        assert_eq!(r.body, JPEG, "{d}");
        // Not a style: an ordinary key.
        let r = app
            .signed("GET", &format!("/delim/a{d}b.txt"), &[], Vec::new())
            .await;
        assert_eq!(r.body, b"plain", "{d}");
        let r = app
            .signed(
                "GET",
                &format!("/delim/{source}{d}nostyle"),
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(r.code().as_deref(), Some("NoSuchKey"), "{d}");
    }
    // A bucket without a delimiter treats the same path as a key.
    let app = TestApp::new();
    app.signed("PUT", "/plain/", &[], Vec::new()).await;
    app.signed("PUT", "/plain/cat.jpg", &[], JPEG.to_vec())
        .await;
    app.signed(
        "PUT",
        "/plain/?style&styleName=small",
        &[],
        "<Style><Content>image/resize,w_32</Content></Style>",
    )
    .await;
    let r = app
        .signed("GET", "/plain/cat.jpg!small", &[], Vec::new())
        .await;
    assert_eq!(r.code().as_deref(), Some("NoSuchKey"));
}

/// A full image queue answers 503 `ServiceUnavailable` at once, with the
/// OSS error body, while the running job still completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_503_at_once() {
    let app = std::sync::Arc::new(TestApp::with(|c| {
        c.workers = 1;
        c.queue = 0;
        c.cache_bytes = 0;
    }));
    assert_eq!(
        app.signed("PUT", "/imgs/", &[], Vec::new()).await.status,
        200
    );
    let photo = include_bytes!("../fixtures/images/photo-12mp.jpg").to_vec();
    let put = app.signed("PUT", "/imgs/big.jpg", &[], photo).await;
    assert_eq!(put.status, 200);
    // A slow job: a full-size decode, a rotation and a blur.
    let slow = {
        let app = app.clone();
        tokio::spawn(async move {
            app.signed(
                "GET",
                "/imgs/big.jpg?x-oss-process=image%2Frotate%2C90%2Fblur%2Cr_10%2Cs_10",
                &[],
                Vec::new(),
            )
            .await
        })
    };
    // Wait until the slow job holds the only place.
    while app.state.workers.in_flight(1) == 0 && !slow.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let mut refused = None;
    while !slow.is_finished() {
        let r = app
            .signed(
                "GET",
                "/imgs/big.jpg?x-oss-process=image%2Fresize%2Cw_10",
                &[],
                Vec::new(),
            )
            .await;
        if r.status == 503 {
            refused = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let Some(r) = refused else {
        let done = slow.await.expect("the slow request");
        panic!("nothing refused; slow job: {} {}", done.status, done.text());
    };
    assert_eq!(
        element(&r.text(), "Code").as_deref(),
        Some("ServiceUnavailable")
    );
    let done = slow.await.expect("the slow request");
    assert_eq!(done.status, 200, "{}", done.text());
}

/// oss-api.md §9.1 and image-processing.md §1.1: the processed response
/// carries the source's `ETag` and `Last-Modified`, no `x-oss-meta-*`, and
/// the `response-*` overrides; conditional headers are evaluated against
/// the source before processing; `HEAD` with `x-oss-process` is a plain
/// HeadObject of the source.
#[tokio::test]
async fn processed_get_follows_the_source_for_dates_conditions_and_head() {
    let app = TestApp::new();
    app.signed("PUT", "/imgs/", &[], Vec::new()).await;
    let put = app
        .signed(
            "PUT",
            "/imgs/cat.jpg",
            &[("content-type", "image/jpeg"), ("x-oss-meta-owner", "me")],
            JPEG.to_vec(),
        )
        .await;
    assert_eq!(put.status, 200);
    let plain = app.signed("HEAD", "/imgs/cat.jpg", &[], Vec::new()).await;
    let etag = plain.header("etag").expect("etag").to_string();
    let modified = plain
        .header("last-modified")
        .expect("last-modified")
        .to_string();
    let at = httpdate::parse_http_date(&modified).expect("an HTTP date");
    let before = httpdate::fmt_http_date(at - std::time::Duration::from_secs(3600));
    let after = httpdate::fmt_http_date(at + std::time::Duration::from_secs(3600));
    let url = "/imgs/cat.jpg?x-oss-process=image%2Fresize%2Cw_100";

    let r = app.signed("GET", url, &[], Vec::new()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(r.header("last-modified"), Some(modified.as_str()));
    assert_eq!(
        r.header("x-oss-meta-owner"),
        None,
        "user metadata is not echoed"
    );
    assert!(r
        .headers
        .keys()
        .all(|k| !k.as_str().starts_with("x-oss-meta-")));
    assert_eq!(dims(&r.body), (100, 75));

    // Conditional headers, in oss-api.md §7.2 order, against the source.
    let quoted_other = "\"0123456789abcdef0123456789abcdef\"";
    for (headers, status) in [
        (vec![("if-none-match", etag.as_str())], 304),
        (vec![("if-none-match", "*")], 304),
        (vec![("if-none-match", quoted_other)], 200),
        (vec![("if-match", etag.as_str())], 200),
        (vec![("if-match", quoted_other)], 412),
        (vec![("if-modified-since", after.as_str())], 304),
        (vec![("if-modified-since", modified.as_str())], 304),
        (vec![("if-modified-since", before.as_str())], 200),
        (vec![("if-unmodified-since", before.as_str())], 412),
        (vec![("if-unmodified-since", after.as_str())], 200),
        // If-Match passes, then If-None-Match matches: 304.
        (
            vec![
                ("if-match", etag.as_str()),
                ("if-none-match", etag.as_str()),
            ],
            304,
        ),
        // If-Match fails first: 412 even though If-None-Match would be 304.
        (
            vec![("if-match", quoted_other), ("if-none-match", etag.as_str())],
            412,
        ),
    ] {
        let r = app.signed("GET", url, &headers, Vec::new()).await;
        assert_eq!(r.status, status, "{headers:?}: {}", r.text());
        match status {
            304 => {
                assert!(r.body.is_empty(), "{headers:?}");
                assert_eq!(r.header("etag"), Some(etag.as_str()));
                assert_eq!(r.header("last-modified"), Some(modified.as_str()));
            }
            412 => {
                assert_eq!(r.code().as_deref(), Some("PreconditionFailed"));
                let condition = element(&r.text(), "Condition").expect("Condition");
                assert!(
                    headers
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case(&condition)),
                    "{headers:?}: {condition}"
                );
            }
            _ => assert_eq!(dims(&r.body), (100, 75), "{headers:?}"),
        }
    }

    // response-* overrides apply to the processed response.
    let r = app
        .signed(
            "GET",
            &format!(
                "{url}&response-content-type=image%2Fx-thumb\
                 &response-content-disposition=attachment%3B%20filename%3Dt.jpg"
            ),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("image/x-thumb"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=t.jpg")
    );
    assert_eq!(dims(&r.body), (100, 75));
    // Anonymous callers get response-content-type only (oss-api.md §4.8).
    app.signed(
        "PUT",
        "/imgs/cat.jpg?acl",
        &[("x-oss-object-acl", "public-read")],
        Vec::new(),
    )
    .await;
    let r = app
        .anonymous(
            "GET",
            &format!(
                "{url}&response-content-type=image%2Fx-thumb\
                 &response-content-disposition=attachment"
            ),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("image/x-thumb"));
    assert_eq!(r.header("content-disposition"), None);

    // HEAD with x-oss-process: the source's HeadObject, nothing processed,
    // even for a string that would not parse.
    for process in ["image%2Fresize%2Cw_100", "image%2Fslim%2C1"] {
        let r = app
            .signed(
                "HEAD",
                &format!("/imgs/cat.jpg?x-oss-process={process}"),
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, 200, "{process}");
        assert!(r.body.is_empty());
        for name in [
            "content-type",
            "content-length",
            "etag",
            "last-modified",
            "x-oss-hash-crc64ecma",
            "x-oss-meta-owner",
        ] {
            assert!(plain.header(name).is_some(), "{name}");
            assert_eq!(r.header(name), plain.header(name), "{process}: {name}");
        }
        assert_eq!(
            r.header("content-length"),
            Some(JPEG.len().to_string().as_str())
        );
    }
}

/// docs/compatibility.md, "Order of checks": the processing string is
/// parsed and validated before the source is looked up or its conditional
/// headers are evaluated, so a bad string gets its own 400 (code, EC,
/// message) whatever the state of the object.
#[tokio::test]
async fn a_bad_string_is_refused_before_the_source_and_its_conditions() {
    let (app, etag) = app_with_photo().await;
    let bad = "image/resize,w_99999999";
    let is_bad_w = |r: &common::TestResponse, what: &str| {
        assert_eq!(r.status, 400, "{what}: {}", r.text());
        assert_eq!(r.code().as_deref(), Some("InvalidArgument"), "{what}");
        assert_eq!(r.header("x-oss-ec"), Some("0040-00000312"), "{what}");
        assert_eq!(
            element(&r.text(), "Message").as_deref(),
            Some("The value: 99999999 of parameter: w is invalid."),
            "{what}"
        );
    };
    // A missing key: 400, not 404.
    let r = app
        .signed(
            "GET",
            &format!("/imgs/missing.jpg?x-oss-process={bad}"),
            &[],
            Vec::new(),
        )
        .await;
    is_bad_w(&r, "missing key");
    // A condition that would answer 304 or 412: still 400.
    for headers in [
        [("if-none-match", etag.as_str())],
        [("if-match", "\"0123456789abcdef0123456789abcdef\"")],
        [("if-modified-since", "Sat, 01 Jan 2101 00:00:00 GMT")],
        [("if-unmodified-since", "Sat, 01 Jan 2000 00:00:00 GMT")],
    ] {
        let r = app
            .signed(
                "GET",
                &format!("/imgs/cat.jpg?x-oss-process={bad}"),
                &headers,
                Vec::new(),
            )
            .await;
        is_bad_w(&r, &format!("{headers:?}"));
    }
    // A signed image/ string touches no storage: even the bucket is not
    // looked up.
    let r = app
        .signed(
            "GET",
            "/nosuchbucket/a.jpg?x-oss-process=image/slim,1",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.header("x-oss-ec"), Some("0040-00000213"));
    // The POST form parses first too.
    let r = app
        .signed(
            "POST",
            "/imgs/missing.jpg?x-oss-process",
            &[],
            format!("x-oss-process={bad}"),
        )
        .await;
    is_bad_w(&r, "POST, missing key");
    // A good string: the source decides (404, then 304).
    let r = app
        .signed(
            "GET",
            "/imgs/missing.jpg?x-oss-process=image/resize,w_10",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("NoSuchKey"));
    assert_eq!(r.header("x-oss-ec"), Some("0040-00000024"));
    let r = app
        .signed(
            "GET",
            "/imgs/cat.jpg?x-oss-process=image/resize,w_10",
            &[("if-none-match", etag.as_str())],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 304);
    // A missing style is found before the missing key.
    let r = app
        .signed(
            "GET",
            "/imgs/missing.jpg?x-oss-process=style/nope",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("NoSuchStyle"));

    // Anonymous callers: read access first (a private source is 403 for a
    // bad string as for a good one); with access, the string comes next.
    let r = app
        .anonymous(
            "GET",
            &format!("/imgs/cat.jpg?x-oss-process={bad}"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = app
        .anonymous(
            "GET",
            "/imgs/cat.jpg?x-oss-process=style/nope",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        r.status, 403,
        "no style is read for a caller without access"
    );
    let acl = app
        .signed(
            "PUT",
            "/imgs/?acl",
            &[("x-oss-acl", "public-read")],
            Vec::new(),
        )
        .await;
    assert_eq!(acl.status, 200, "{}", acl.text());
    let r = app
        .anonymous(
            "GET",
            &format!("/imgs/missing.jpg?x-oss-process={bad}"),
            &[],
            Vec::new(),
        )
        .await;
    is_bad_w(&r, "anonymous, public-read bucket, missing key");
    let r = app
        .anonymous(
            "GET",
            "/imgs/missing.jpg?x-oss-process=image/resize,w_10",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-oss-ec"), Some("0040-00000024"));
}

/// Asserts an OSS error reply: status, `<Code>`, and the EC both in the
/// `x-oss-ec` header and in the `<EC>` element (or neither when `ec` is `None`).
fn assert_error(r: &common::TestResponse, status: u16, code: &str, ec: Option<&str>, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text());
    assert_eq!(r.code().as_deref(), Some(code), "{what}: {}", r.text());
    assert_eq!(r.header("x-oss-ec"), ec, "{what}");
    assert_eq!(element(&r.text(), "EC").as_deref(), ec, "{what}");
}

/// `POST /<bucket>/<key>?x-oss-process` with a raw `x-oss-process=` body.
async fn post_process(app: &TestApp, path: &str, process: &str) -> common::TestResponse {
    app.signed(
        "POST",
        &format!("{path}?x-oss-process"),
        &[],
        format!("x-oss-process={process}"),
    )
    .await
}

/// Bad watermark input through HTTP (image-processing.md §5.15, §8.2): the
/// documented status, code and EC for a GET, and the same for a saveas
/// POST, which then writes nothing.
#[tokio::test]
async fn bad_watermarks_give_their_errors_and_write_nothing() {
    let (app, _) = app_with_photo().await;
    let r = app
        .signed("PUT", "/imgs/wm/notes.png", &[], b"not an image".to_vec())
        .await;
    assert_eq!(r.status, 200);
    let gif = include_bytes!("../fixtures/images/static.gif").to_vec();
    assert_eq!(
        app.signed("PUT", "/imgs/wm/logo.gif", &[], gif)
            .await
            .status,
        200
    );
    let hi = b64("Hi");
    let cases = [
        // `image_` that is not Base64.
        (
            "image/watermark,image_!!!".to_string(),
            "InvalidArgument",
            Some("0040-00000265"),
        ),
        // `text_` that is not Base64 (docs/watermark.md: EC of the text parameter).
        (
            "image/watermark,text_!!!".to_string(),
            "InvalidArgument",
            Some("0040-00000258"),
        ),
        // A watermark object that does not exist.
        (
            format!("image/watermark,image_{}", b64("wm/nonexist.png")),
            "WatermarkError",
            Some("0040-00000025"),
        ),
        // One that is not an image, and one in a refused format.
        (
            format!("image/watermark,image_{}", b64("wm/notes.png")),
            "WatermarkError",
            Some("0040-00000027"),
        ),
        (
            format!("image/watermark,image_{}", b64("wm/logo.gif")),
            "WatermarkError",
            Some("0040-00000027"),
        ),
        // An unknown font.
        (
            format!("image/watermark,text_{hi},type_{}", b64("arial")),
            "InvalidArgument",
            Some("0040-00000251"),
        ),
    ];
    for (i, (process, code, ec)) in cases.iter().enumerate() {
        let r = app
            .signed(
                "GET",
                &format!("/imgs/cat.jpg?x-oss-process={process}"),
                &[],
                Vec::new(),
            )
            .await;
        assert_error(&r, 400, code, *ec, &format!("GET {process}"));
        let target = format!("bad/{i}.jpg");
        let r = post_process(
            &app,
            "/imgs/cat.jpg",
            &format!("{process}|sys/saveas,o_{}", b64(&target)),
        )
        .await;
        assert_error(&r, 400, code, *ec, &format!("saveas {process}"));
        let h = app
            .signed("HEAD", &format!("/imgs/{target}"), &[], Vec::new())
            .await;
        assert_eq!(h.status, 404, "{process}: the failed saveas wrote {target}");
    }

    // A saveas target the caller may not write: 403 AccessDenied, no EC,
    // checked before any processing, nothing written.
    app.signed(
        "PUT",
        "/imgs/cat.jpg?acl",
        &[("x-oss-object-acl", "public-read")],
        Vec::new(),
    )
    .await;
    for process in [
        "image/resize,w_50".to_string(),
        format!("image/watermark,image_{}", b64("wm/nonexist.png")),
    ] {
        let body = format!("x-oss-process={process}|sys/saveas,o_{}", b64("anon.jpg"));
        let r = app
            .anonymous("POST", "/imgs/cat.jpg?x-oss-process", &[], body)
            .await;
        assert_error(
            &r,
            403,
            "AccessDenied",
            None,
            &format!("anonymous {process}"),
        );
        let h = app.signed("HEAD", "/imgs/anon.jpg", &[], Vec::new()).await;
        assert_eq!(h.status, 404, "nothing written");
    }
    // The source is untouched by all of it.
    let g = app.signed("GET", "/imgs/cat.jpg", &[], Vec::new()).await;
    assert_eq!(g.body, JPEG);
}

/// image-processing.md §7.2: a saveas whose processing fails leaves the
/// object already at the target key byte-identical, ETag included.
#[tokio::test]
async fn a_failed_saveas_leaves_the_previous_target_intact() {
    let (app, _) = app_with_photo().await;
    app.signed("PUT", "/imgs/text.jpg", &[], b"plain text".to_vec())
        .await;
    let old = b"the previous object at the target".to_vec();
    let put = app
        .signed(
            "PUT",
            "/imgs/out/keep.jpg",
            &[("content-type", "text/plain")],
            old.clone(),
        )
        .await;
    assert_eq!(put.status, 200);
    let etag = put.header("etag").expect("etag").to_string();
    let o = b64("out/keep.jpg");
    let failures = [
        // Missing watermark object.
        (
            "/imgs/cat.jpg",
            format!("image/watermark,image_{}", b64("nonexist.png")),
            "WatermarkError",
            Some("0040-00000025"),
        ),
        // Output beyond the pixel limit (5000 × 5000 > 16 777 216).
        (
            "/imgs/cat.jpg",
            "image/resize,m_fixed,w_5000,h_5000,limit_0".to_string(),
            "InvalidArgument",
            Some("0040-00000007"),
        ),
        // A source that is not an image.
        (
            "/imgs/text.jpg",
            "image/resize,w_50".to_string(),
            "BadRequest",
            Some("0040-00000005"),
        ),
        // A JSON result cannot be saved.
        (
            "/imgs/cat.jpg",
            "image/info".to_string(),
            "InvalidArgument",
            None,
        ),
    ];
    for (source, process, code, ec) in &failures {
        let r = post_process(&app, source, &format!("{process}|sys/saveas,o_{o}")).await;
        assert_error(&r, 400, code, *ec, process);
        let g = app
            .signed("GET", "/imgs/out/keep.jpg", &[], Vec::new())
            .await;
        assert_eq!(g.status, 200, "{process}");
        assert_eq!(g.body, old, "{process}: the previous object changed");
        assert_eq!(g.header("etag"), Some(etag.as_str()), "{process}");
        assert_eq!(g.header("content-type"), Some("text/plain"), "{process}");
    }
    // A saveas that succeeds replaces it.
    let r = post_process(
        &app,
        "/imgs/cat.jpg",
        &format!("image/resize,w_40|sys/saveas,o_{o}"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let g = app
        .signed("GET", "/imgs/out/keep.jpg", &[], Vec::new())
        .await;
    assert_ne!(g.header("etag"), Some(etag.as_str()));
    assert_eq!(g.header("content-type"), Some("image/jpeg"));
    assert_eq!(dims(&g.body), (40, 30));
}

/// image-processing.md §7.1: the target arguments, what may be saved, and who
/// may write the target.
#[tokio::test]
async fn saveas_target_arguments_and_permissions() {
    let (app, _) = app_with_photo().await;
    let long_key = "k".repeat(1024);
    let cases = [
        // `o_` that does not decode, is empty, or decodes to an invalid key.
        ("o_!!!".to_string(), 400, "InvalidObjectName"),
        ("o_".to_string(), 400, "InvalidObjectName"),
        ("o___4".to_string(), 400, "InvalidObjectName"), // FF FE: not UTF-8
        (format!("o_{}", b64("/abs.jpg")), 400, "InvalidObjectName"),
        (format!("o_{}", b64(&long_key)), 400, "InvalidObjectName"),
        // `b_` that does not decode, or names an invalid bucket.
        (
            format!("o_{},b_!!!", b64("x.jpg")),
            400,
            "InvalidBucketName",
        ),
        (
            format!("o_{},b_{}", b64("x.jpg"), b64("Bad_Bucket")),
            400,
            "InvalidBucketName",
        ),
        // No `o_` at all.
        (format!("b_{}", b64("imgs")), 400, "MissingArgument"),
        (String::new(), 400, "MissingArgument"),
    ];
    for (args, status, code) in &cases {
        let process = if args.is_empty() {
            "image/resize,w_50|sys/saveas".to_string()
        } else {
            format!("image/resize,w_50|sys/saveas,{args}")
        };
        let r = post_process(&app, "/imgs/cat.jpg", &process).await;
        assert_error(&r, *status, code, None, &process);
    }
    // JSON results cannot be saved.
    for action in ["info", "average-hue"] {
        let process = format!("image/{action}|sys/saveas,o_{}", b64("meta.json"));
        let r = post_process(&app, "/imgs/cat.jpg", &process).await;
        assert_error(&r, 400, "InvalidArgument", None, &process);
        let h = app.signed("HEAD", "/imgs/meta.json", &[], Vec::new()).await;
        assert_eq!(h.status, 404, "{action}");
    }
    // The listing holds only the source: nothing above wrote an object.
    let list = app
        .signed("GET", "/imgs/?list-type=2", &[], Vec::new())
        .await;
    assert_eq!(element(&list.text(), "KeyCount").as_deref(), Some("1"));

    // Anonymous saveas of a public-read source into another bucket: refused
    // when that bucket is private, allowed when it is public-read-write.
    app.signed(
        "PUT",
        "/imgs/cat.jpg?acl",
        &[("x-oss-object-acl", "public-read")],
        Vec::new(),
    )
    .await;
    assert_eq!(
        app.signed("PUT", "/private-target/", &[], Vec::new())
            .await
            .status,
        200
    );
    assert_eq!(
        app.signed(
            "PUT",
            "/open-target/",
            &[("x-oss-acl", "public-read-write")],
            Vec::new()
        )
        .await
        .status,
        200
    );
    for (bucket, status) in [("private-target", 403), ("open-target", 200)] {
        let body = format!(
            "x-oss-process=image/resize,w_50|sys/saveas,o_{},b_{}",
            b64("anon/cat.jpg"),
            b64(bucket)
        );
        let r = app
            .anonymous("POST", "/imgs/cat.jpg?x-oss-process", &[], body)
            .await;
        let h = app
            .signed("HEAD", &format!("/{bucket}/anon/cat.jpg"), &[], Vec::new())
            .await;
        if status == 403 {
            assert_error(&r, 403, "AccessDenied", None, bucket);
            assert_eq!(h.status, 404, "{bucket}: nothing written");
        } else {
            assert_eq!(r.status, 200, "{bucket}: {}", r.text());
            let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
            assert_eq!(v["bucket"], bucket);
            assert_eq!(v["object"], "anon/cat.jpg");
            assert_eq!(h.status, 200);
            let g = app
                .signed("GET", &format!("/{bucket}/anon/cat.jpg"), &[], Vec::new())
                .await;
            assert_eq!(dims(&g.body), (50, 38));
        }
    }
}

/// Worked example #104 (image-processing.md §10.6): a style saved with
/// `sys/saveas` and no `b_`. The JSON `bucket` is "" (§7.2, oss2's live
/// tests), not the bucket name #104 shows; see docs/compatibility.md.
#[tokio::test]
async fn saveas_with_a_style_example_104() {
    let app = TestApp::new();
    assert_eq!(
        app.signed("PUT", "/mybucket/", &[], Vec::new())
            .await
            .status,
        200
    );
    app.signed("PUT", "/mybucket/photo.jpg", &[], JPEG.to_vec())
        .await;
    // example.jpg: a 400×267 JPEG, made by the server from the photo.
    let r = app
        .signed(
            "GET",
            "/mybucket/photo.jpg?x-oss-process=image/resize,m_fixed,w_400,h_267",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(dims(&r.body), (400, 267));
    app.signed(
        "PUT",
        "/mybucket/example.jpg",
        &[("content-type", "image/jpeg")],
        r.body,
    )
    .await;
    let r = app
        .signed(
            "PUT",
            "/mybucket/?style&styleName=small",
            &[],
            "<Style><Content>image/resize,p_50</Content></Style>",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // #101: the style itself.
    let r = app
        .signed(
            "GET",
            "/mybucket/example.jpg?x-oss-process=style/small",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(dims(&r.body), (200, 134));

    let r = app
        .signed(
            "POST",
            "/mybucket/example.jpg?x-oss-process",
            &[],
            "x-oss-process=style/small|sys/saveas,o_b3V0L3RodW1iLmpwZw==",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(v["object"], "out/thumb.jpg");
    assert_eq!(v["status"], "OK");
    assert_eq!(v["bucket"], "");
    let g = app
        .signed("GET", "/mybucket/out/thumb.jpg", &[], Vec::new())
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.header("content-type"), Some("image/jpeg"));
    assert_eq!(v["fileSize"], g.body.len());
    let p = codec::probe(&g.body, &Limits::default()).expect("decodable");
    assert_eq!(p.format, ossimg::img::frame::Format::Jpeg);
    assert_eq!((p.width, p.height), (200, 134));
}
