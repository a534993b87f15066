//! Broken, truncated, empty, non-image and bomb sources through the whole
//! pipeline (`img::process`): every one gives an OSS 4xx error, never a
//! panic (not even one a codec guard catches), and a truncated copy of a
//! good fixture is accepted only when everything its first image needs is
//! still there (see [`image_data_end`]).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Once;

use ossimg::img::codec::{self, Probe};
use ossimg::img::frame::Format;
use ossimg::img::{self, Error, ErrorCode, Limits, NoResources, Output};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/images")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every good image fixture: all images in `fixtures/images` except the
/// `bad-*` and `bomb-*` files.
fn good_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/images")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            let ext = n.rsplit('.').next().unwrap_or("");
            [
                "jpg", "mpo", "png", "gif", "webp", "bmp", "tif", "heic", "avif",
            ]
            .contains(&ext)
                && !n.starts_with("bad-")
                && !n.starts_with("bomb-")
        })
        .collect();
    names.sort();
    names
}

thread_local! {
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts panics per thread (including those a codec guard catches and
/// turns into an error), then lets the previous hook report them.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            previous(info);
        }));
    });
}

/// `img::process`, failing the test if anything panicked underneath.
fn process(source: &[u8], plan: &str, what: &str) -> Result<Output, Error> {
    count_panics();
    let before = PANICS.with(Cell::get);
    let r = img::process(source, plan, &NoResources, &Limits::default());
    let after = PANICS.with(Cell::get);
    assert_eq!(before, after, "{what} `{plan}`: a panic was caught inside");
    r
}

/// The cut points: empty, one byte, a header-sized prefix, 25 %, 50 %,
/// 90 % and all but the last byte.
fn cuts(len: usize) -> Vec<usize> {
    let mut c = vec![
        0,
        1,
        64,
        len / 4,
        len / 2,
        len * 9 / 10,
        len.saturating_sub(1),
    ];
    c.retain(|&n| n < len);
    c.sort_unstable();
    c.dedup();
    c
}

/// The plans each truncated copy goes through: a shrinking resize (shrink
/// on load where the format can: JPEG DCT scaling, WebP's scaler, HEIF
/// thumbnails), for JPEG three of them, decoded at 1/8, 1/4 and 1/2 scale
/// (`jpeg_scaled.rs`), then a crop (full-size decode) and a format change
/// (full-size decode and PNG encode).
fn plans(p: &Probe) -> Vec<String> {
    let w = p.width;
    let mut plans = vec![format!("image/resize,w_{}", w.div_ceil(8))];
    if p.format == Format::Jpeg {
        plans.push(format!("image/resize,w_{}", (3 * w).div_ceil(16)));
        plans.push(format!("image/resize,w_{}", (7 * w).div_ceil(16)));
    }
    plans.push("image/crop,x_1,y_1,w_50,h_40".to_string());
    plans.push("image/format,png".to_string());
    plans
}

/// Where the data of the first image ends, computed here from the container
/// structure: bytes after this offset are trailing metadata or later images
/// that a still result never reads. A truncated copy may succeed only when
/// it is cut at or after this offset (and then gives exactly the intact
/// file's result).
///
/// - JPEG: just after the EOI of the first image (MPO: the second JPEG
///   follows it); a plain JPEG cut inside its EOI must fail.
/// - PNG: just after the last `IDAT` chunk (the `IEND` chunk follows; the
///   APNG frames after the default image are never decoded).
/// - GIF: everything but the trailer byte: frame counting and animated
///   results read every frame.
/// - TIFF: the end of the first page (its directory, the values it points
///   to and its strips); later pages follow.
/// - WebP, BMP, HEIC, AVIF: the whole file.
fn image_data_end(format: Format, b: &[u8]) -> usize {
    match format {
        Format::Jpeg => jpeg_first_image_end(b),
        Format::Png => png_last_idat_end(b),
        Format::Gif => b.len() - 1,
        Format::Tiff => tiff_first_page_end(b),
        _ => b.len(),
    }
    .min(b.len())
}

fn be16(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

fn be32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

/// Walks the marker segments and entropy-coded data of the first image.
fn jpeg_first_image_end(b: &[u8]) -> usize {
    let mut pos = 2;
    loop {
        assert_eq!(b[pos], 0xFF, "marker expected at {pos}");
        while b[pos] == 0xFF {
            pos += 1;
        }
        let marker = b[pos];
        pos += 1;
        match marker {
            0xD9 => return pos,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        pos += be16(b, pos);
        if marker == 0xDA {
            // Entropy-coded data: a 0xFF is followed by a stuffed 0x00 or a
            // restart marker, anything else is the next marker.
            while b[pos] != 0xFF || matches!(b[pos + 1], 0x00 | 0xD0..=0xD7) {
                pos += 1;
            }
        }
    }
}

fn png_last_idat_end(b: &[u8]) -> usize {
    let (mut pos, mut end) = (8, 0);
    while pos + 8 <= b.len() {
        let len = be32(b, pos);
        let kind = &b[pos + 4..pos + 8];
        pos += 12 + len;
        if kind == b"IDAT" {
            end = pos;
        }
        if kind == b"IEND" {
            break;
        }
    }
    end
}

/// The first page of a classic TIFF: the end of its directory, of every
/// value stored outside it, and of its strips or tiles.
fn tiff_first_page_end(b: &[u8]) -> usize {
    let le = b.starts_with(b"II");
    let r16 = |at: usize| {
        let v = [b[at], b[at + 1]];
        usize::from(if le {
            u16::from_le_bytes(v)
        } else {
            u16::from_be_bytes(v)
        })
    };
    let r32 = |at: usize| {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        (if le {
            u32::from_le_bytes(v)
        } else {
            u32::from_be_bytes(v)
        }) as usize
    };
    let ifd = r32(4);
    let n = r16(ifd);
    let mut end = ifd + 2 + 12 * n + 4;
    let (mut offsets, mut counts) = (Vec::new(), Vec::new());
    for i in 0..n {
        let e = ifd + 2 + 12 * i;
        let (tag, kind, count) = (r16(e), r16(e + 2), r32(e + 4));
        let size = match kind {
            3 | 8 => 2,
            4 | 9 | 11 => 4,
            5 | 10 | 12 => 8,
            _ => 1,
        } * count;
        let at = if size > 4 { r32(e + 8) } else { e + 8 };
        if size > 4 {
            end = end.max(at + size);
        }
        let values: Vec<usize> = (0..count)
            .map(|k| {
                if kind == 3 {
                    r16(at + 2 * k)
                } else {
                    r32(at + 4 * k)
                }
            })
            .collect();
        match tag {
            273 | 324 => offsets = values,
            279 | 325 => counts = values,
            _ => {}
        }
    }
    assert_eq!(offsets.len(), counts.len(), "strip offsets and counts");
    for (o, c) in offsets.iter().zip(&counts) {
        end = end.max(o + c);
    }
    end
}

/// Truncated copies of every good fixture, through the pipeline.
///
/// Each copy must give an OSS 4xx error: the undecodable-source one
/// (`BadRequest`, EC `0040-00000005`), or the very error the intact file
/// gives under the same plan (a crop outside a tiny image). An `Ok` is
/// allowed only for a cut at or after [`image_data_end`], and its bytes
/// must then equal the intact file's result for the same plan.
#[test]
fn truncated_copies_of_every_good_fixture_fail_with_4xx_through_the_pipeline() {
    let names = good_fixtures();
    assert!(names.len() >= 40, "only {} fixtures", names.len());
    // Two threads: the fixtures are many and the test binary runs debug code.
    let (a, b) = names.split_at(names.len() / 2);
    let accepted: Vec<String> = std::thread::scope(|s| {
        let h = s.spawn(|| truncated_through_pipeline(a));
        let mut v = truncated_through_pipeline(b);
        v.extend(h.join().expect("worker thread"));
        v
    });
    // The Ok cases that exist today, so that a change is noticed: PNGs cut
    // inside the IEND chunk, GIFs without their trailer byte (docs/codecs.md:
    // accepted), the MPO cut after its first image and the multi-page TIFF
    // cut after its first page.
    for a in &accepted {
        let ext = a.split(' ').next().and_then(|n| n.rsplit('.').next());
        assert!(
            matches!(ext, Some("png" | "gif" | "mpo" | "tif")),
            "unexpected accepted cut: {a}"
        );
    }
    assert!(accepted.iter().any(|a| a.starts_with("stereo.mpo ")));
    // An animated GIF without its trailer keeps every frame.
    assert!(accepted
        .iter()
        .any(|a| a.starts_with("animated.gif ") && a.contains("resize")));
    assert!(accepted.iter().any(|a| a.starts_with("multipage.tif ")));
}

/// Runs every plan on every cut of `names`; returns the accepted cuts.
fn truncated_through_pipeline(names: &[String]) -> Vec<String> {
    let mut accepted = Vec::new();
    for name in names {
        let bytes = fixture(name);
        let probe = codec::probe(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("{name} must probe: {e}"));
        let data_end = image_data_end(probe.format, &bytes);
        assert!(data_end > 1, "{name}: image data ends at {data_end}");
        for plan in plans(&probe) {
            // The intact file's result, computed only when needed.
            let mut intact = None;
            for cut in cuts(bytes.len()) {
                let what = format!("{name} cut at {cut} of {}", bytes.len());
                let r = process(&bytes[..cut], &plan, &what);
                if r.as_ref().err() == Some(&Error::unsupported_format()) {
                    continue;
                }
                let intact =
                    intact.get_or_insert_with(|| process(&bytes, &plan, &format!("{name} intact")));
                match r {
                    Err(e) => {
                        // Another error only where the intact file fails the same way.
                        assert_eq!(Some(&e), intact.as_ref().err(), "{what} `{plan}`");
                        let status = e.code.http_status();
                        assert!((400..500).contains(&status), "{what} `{plan}`: {e:?}");
                    }
                    Ok(out) => {
                        assert!(
                            cut >= data_end,
                            "{what} `{plan}` succeeded although the image data ends at {data_end}"
                        );
                        let full = intact.as_ref().unwrap_or_else(|e| {
                            panic!("{what} `{plan}` succeeded, the intact file fails: {e}")
                        });
                        assert!(
                            out == *full,
                            "{what} `{plan}`: the result differs from the intact file's"
                        );
                        accepted.push(format!("{name} {cut} {plan}"));
                    }
                }
            }
        }
    }
    accepted
}

/// The broken fixtures and the bomb under every plan, `info` included.
#[test]
fn broken_empty_non_image_and_bomb_fixtures_fail_with_4xx() {
    let bomb_mem = Error {
        code: ErrorCode::MemLimitExceeded,
        ec: Some("0040-00000009"),
        message: "The width or height of the image exceeds the limit.".into(),
    };
    for (name, expected) in [
        ("bad-empty.jpg", Error::unsupported_format()),
        ("bad-not-an-image.jpg", Error::unsupported_format()),
        ("bad-truncated.jpg", Error::unsupported_format()),
        ("bomb-50000x50000.png", bomb_mem),
    ] {
        let bytes = fixture(name);
        for plan in [
            "image/resize,w_200",
            "image/resize,w_500",
            "image/resize,w_900",
            "image/crop,x_1,y_1,w_50,h_40",
            "image/format,png",
            "image/average-hue",
        ] {
            let e = process(&bytes, plan, name).expect_err(name);
            assert_eq!(e, expected, "{name} `{plan}`");
        }
    }
    // `info` reads the header only: the truncated JPEG's header is whole,
    // so it is described (stored size, header dimensions); the others fail.
    let out = process(&fixture("bad-truncated.jpg"), "image/info", "info").expect("info");
    let v: serde_json::Value = serde_json::from_slice(&out.bytes).expect("json");
    assert_eq!(v["FileSize"]["value"], "612769");
    assert_eq!(v["ImageWidth"]["value"], "1680");
    assert_eq!(v["ImageHeight"]["value"], "1050");
    for name in ["bad-empty.jpg", "bad-not-an-image.jpg"] {
        let e = process(&fixture(name), "image/info", name).expect_err(name);
        assert_eq!(e, Error::unsupported_format(), "{name}");
    }
    let e = process(&fixture("bomb-50000x50000.png"), "image/info", "bomb").expect_err("bomb");
    assert_eq!(e.code, ErrorCode::MemLimitExceeded);
}

/// `image/info` on truncated copies (docs/codecs.md, "info on damaged
/// files"): `info` reads the header only, never the pixels. A copy whose
/// header structures are whole is described exactly as the intact file,
/// except `FileSize` (the stored, truncated size) and, for a multi-page
/// TIFF, `FrameCount` (the page directories still present); a copy cut
/// inside them is `BadRequest`, EC `0040-00000005`.
#[test]
fn info_on_truncated_copies_reads_the_header_only() {
    let mut described = Vec::new();
    for name in good_fixtures() {
        let bytes = fixture(&name);
        let intact = process(&bytes, "image/info", &name).expect("intact info");
        let intact: serde_json::Value = serde_json::from_slice(&intact.bytes).expect("json");
        let format = codec::sniff(&bytes).expect("format");
        for cut in cuts(bytes.len()) {
            let what = format!("{name} cut at {cut}");
            match process(&bytes[..cut], "image/info", &what) {
                Err(e) => assert_eq!(e, Error::unsupported_format(), "{what}"),
                Ok(out) => {
                    let mut v: serde_json::Value =
                        serde_json::from_slice(&out.bytes).expect("json");
                    assert_eq!(v["FileSize"]["value"], cut.to_string(), "{what}");
                    v["FileSize"] = intact["FileSize"].clone();
                    if format == Format::Tiff {
                        let pages = |v: &serde_json::Value| -> u32 {
                            v["FrameCount"]["value"]
                                .as_str()
                                .and_then(|s| s.parse().ok())
                                .expect("FrameCount")
                        };
                        assert!((1..=pages(&intact)).contains(&pages(&v)), "{what}");
                        v["FrameCount"] = intact["FrameCount"].clone();
                    }
                    assert_eq!(v, intact, "{what}");
                    // GIF needs every frame's blocks, PNG every chunk up to
                    // IEND, WebP and HEIF their whole structure: described
                    // only without the GIF trailer or inside PNG's IEND.
                    match format {
                        Format::Gif | Format::Png => {
                            assert_eq!(cut, bytes.len() - 1, "{what}")
                        }
                        Format::Webp | Format::Heic | Format::Avif => {
                            panic!("{what}: described")
                        }
                        _ => {}
                    }
                    described.push((format, cut <= bytes.len() / 4));
                }
            }
        }
    }
    // JPEG and BMP headers come first: a copy cut at a quarter is described.
    for format in [Format::Jpeg, Format::Bmp] {
        assert!(described.contains(&(format, true)), "{format:?}");
    }
}
