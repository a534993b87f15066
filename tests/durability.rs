//! kill -9 during concurrent PUTs, multipart completions, appends and
//! `sys/saveas` writes: after a restart every acknowledged object reads back
//! intact and nothing partial is listed.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{element, md5_hex, Server};

fn payload(seed: u64, len: usize) -> Vec<u8> {
    // xorshift: cheap, deterministic, incompressible enough.
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn kill_during_writes_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path());
    let (s, _, b) = server.signed("PUT", "/dura/", &[], &[]);
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));

    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let stop_at = Instant::now() + Duration::from_millis(1500);
    let client = server.client();
    let mut threads = Vec::new();
    for t in 0..4u64 {
        let acked = acked.clone();
        let client = client.clone();
        threads.push(std::thread::spawn(move || {
            let mut i = 0u64;
            while Instant::now() < stop_at {
                i += 1;
                let key = format!("t{t}/obj-{i}");
                if t % 2 == 0 {
                    // A single PUT of 2–4 MiB, sent to the same key twice so
                    // overwrites race with the kill too.
                    let data = payload(t * 1000 + i, (2 << 20) + (i as usize % 3) * (1 << 20));
                    let (s, _, _) = client.signed("PUT", &format!("/dura/{key}"), &[], &data);
                    if s == 200 {
                        acked.lock().expect("lock").insert(key, md5_hex(&data));
                    } else if s == 0 {
                        break;
                    }
                } else {
                    // A multipart upload of two parts.
                    let (s, _, body) = client.signed("POST", &format!("/dura/{key}?uploads"), &[], &[]);
                    if s != 200 {
                        break;
                    }
                    let id = element(&String::from_utf8_lossy(&body), "UploadId").unwrap_or_default();
                    let p1 = payload(t * 7 + i, 1 << 20);
                    let p2 = payload(t * 11 + i, 300 * 1024);
                    let mut etags = Vec::new();
                    for (n, p) in [(1, &p1), (2, &p2)] {
                        let (s, h, _) = client.signed("PUT", &format!("/dura/{key}?partNumber={n}&uploadId={id}"), &[], p);
                        if s != 200 {
                            return;
                        }
                        etags.push(h.iter().find(|(k, _)| k.eq_ignore_ascii_case("etag")).map(|(_, v)| v.clone()).unwrap_or_default());
                    }
                    let body = format!("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>", etags[0], etags[1]);
                    let (s, _, _) = client.signed("POST", &format!("/dura/{key}?uploadId={id}"), &[], body.as_bytes());
                    if s == 200 {
                        let mut all = p1.clone();
                        all.extend_from_slice(&p2);
                        acked.lock().expect("lock").insert(key, md5_hex(&all));
                    } else if s == 0 {
                        break;
                    }
                }
            }
        }));
    }
    // Appends to one Appendable object, and sys/saveas writes of a processed
    // image, race with the kill too.
    let appended: Arc<Mutex<Vec<u8>>> = Arc::default();
    {
        let appended = appended.clone();
        let client = client.clone();
        threads.push(std::thread::spawn(move || {
            let mut i = 0u64;
            while Instant::now() < stop_at {
                i += 1;
                let chunk = payload(900 + i, 64 * 1024 + i as usize);
                let position = appended.lock().expect("lock").len();
                let (s, _, _) = client.signed(
                    "POST",
                    &format!("/dura/log?append&position={position}"),
                    &[],
                    &chunk,
                );
                if s != 200 {
                    break;
                }
                appended.lock().expect("lock").extend_from_slice(&chunk);
            }
        }));
    }
    let jpeg = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/images/orientation-1.jpg"
    ))
    .expect("fixture");
    assert_eq!(server.signed("PUT", "/dura/src.jpg", &[], &jpeg).0, 200);
    let saved: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    {
        let saved = saved.clone();
        let client = client.clone();
        threads.push(std::thread::spawn(move || {
            use base64::Engine;
            let mut i = 0u64;
            while Instant::now() < stop_at {
                i += 1;
                let key = format!("saved/thumb-{i}.jpg");
                let o = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&key);
                let body = format!("x-oss-process=image/resize,w_{}|sys/saveas,o_{o}", 50 + i);
                let (s, _, reply) =
                    client.signed("POST", "/dura/src.jpg?x-oss-process", &[], body.as_bytes());
                if s != 200 {
                    break;
                }
                let v: serde_json::Value = serde_json::from_slice(&reply).expect("json reply");
                let size = v["fileSize"].as_u64().expect("fileSize") as usize;
                saved.lock().expect("lock").push((key, size));
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1200));
    server.kill();
    for t in threads {
        let _ = t.join();
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(!acked.is_empty(), "some writes must have been acknowledged");

    let server = Server::start(dir.path());
    for (key, md5) in &acked {
        let (s, _, body) = server.signed("GET", &format!("/dura/{key}"), &[], &[]);
        assert_eq!(s, 200, "{key} lost");
        assert_eq!(&md5_hex(&body), md5, "{key} corrupted");
    }
    // The appendable object holds at least every acknowledged append.
    let appended = appended.lock().expect("lock").clone();
    if !appended.is_empty() {
        let (s, _, body) = server.signed("GET", "/dura/log", &[], &[]);
        assert_eq!(s, 200, "appended object lost");
        assert!(body.len() >= appended.len(), "acknowledged appends lost");
        assert_eq!(md5_hex(&body[..appended.len()]), md5_hex(&appended));
    }
    // Every acknowledged saveas result is there, whole, and decodes.
    let saved = saved.lock().expect("lock").clone();
    for (key, size) in &saved {
        let (s, _, body) = server.signed("GET", &format!("/dura/{key}"), &[], &[]);
        assert_eq!(s, 200, "{key} lost");
        assert_eq!(body.len(), *size, "{key} partial");
        ossimg::img::codec::probe(&body, &ossimg::img::Limits::default())
            .expect("saved image decodes");
    }
    // Everything listed is complete: it reads back with the listed size.
    let mut marker = String::new();
    let mut listed = 0;
    loop {
        let (s, _, body) = server.signed(
            "GET",
            &format!("/dura/?max-keys=1000&marker={marker}"),
            &[],
            &[],
        );
        assert_eq!(s, 200);
        let xml = String::from_utf8_lossy(&body).into_owned();
        for chunk in xml.split("<Contents>").skip(1) {
            let key = element(chunk, "Key").expect("key");
            let size: usize = element(chunk, "Size")
                .and_then(|v| v.parse().ok())
                .expect("size");
            let (s, _, data) = server.signed("GET", &format!("/dura/{key}"), &[], &[]);
            assert_eq!(s, 200, "{key} listed but unreadable");
            assert_eq!(data.len(), size, "{key} partial");
            listed += 1;
        }
        if element(&xml, "IsTruncated").as_deref() != Some("true") {
            break;
        }
        marker = element(&xml, "NextMarker").expect("next marker");
    }
    assert!(listed >= acked.len() + saved.len());
    // Stale temp files of the interrupted writes were swept at start.
    let tmp = dir.path().join("tmp");
    let leftovers = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "temp files left in {}", tmp.display());
    eprintln!(
        "{} acknowledged, {} bytes appended, {} saved, {listed} listed after restart",
        acked.len(),
        appended.len(),
        saved.len()
    );
}
