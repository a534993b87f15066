//! Micro-benchmarks of the image pipeline's parts (plain harness, no criterion):
//! JPEG decode full vs DCT-scaled, Lanczos-3 resize, encode per format, GIF
//! animation encode, WebP decode full vs scaled, HEIC/AVIF decode full vs
//! embedded thumbnail, and the whole
//! `image/resize,w_200/quality,Q_85` pipeline on a 12 MP JPEG.
//!
//! `cargo bench --bench micro [FILTER]`; `OSSIMG_BENCH_ITERS=N` sets the number
//! of timed iterations per case (default 15). Each line gives the median time
//! with the min–max spread.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ossimg::img::codec::{self, DecodeOptions, EncodeOptions};
use ossimg::img::frame::{Format, Image};
use ossimg::img::ops::resize::resample;
use ossimg::img::{Limits, NoResources};

type BenchResult = Result<(), Box<dyn std::error::Error>>;

struct Runner {
    iters: usize,
    filters: Vec<String>,
}

impl Runner {
    fn wanted(&self, name: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
    }

    /// Times `f` (one warm-up call, then `iters` calls) and prints one line.
    fn run<T>(&self, name: &str, detail: &str, mut f: impl FnMut() -> T) {
        if !self.wanted(name) {
            return;
        }
        black_box(f());
        let mut times: Vec<Duration> = (0..self.iters)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed()
            })
            .collect();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let median = ms(times[times.len() / 2]);
        println!(
            "{name:<34} median {median:>9.3} ms  [{:>8.3} – {:>8.3}]  {:>8.1}/s  {detail}",
            ms(times[0]),
            ms(times[times.len() - 1]),
            1e3 / median,
        );
    }
}

fn fixture(name: &str) -> Result<Vec<u8>, std::io::Error> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures", "images", name]
        .iter()
        .collect();
    std::fs::read(path)
}

/// libjpeg-turbo's 1/`denom`-scale RGB decode.
fn turbojpeg_scaled(jpeg: &[u8], denom: usize) -> Result<Vec<u8>, turbojpeg::Error> {
    let mut d = turbojpeg::Decompressor::new()?;
    let header = d.read_header(jpeg)?;
    let f = turbojpeg::ScalingFactor::new(1, denom);
    d.set_scaling_factor(f)?;
    let out = header.scaled(f);
    let mut rgb = vec![0u8; out.width * out.height * 3];
    let img = turbojpeg::Image {
        pixels: &mut rgb[..],
        width: out.width,
        pitch: out.width * 3,
        height: out.height,
        format: turbojpeg::PixelFormat::RGB,
    };
    d.decompress(jpeg, img)?;
    Ok(rgb)
}

fn size(image: &Image) -> String {
    let f = &image.frames[0];
    format!("{}x{} x{} frames", f.width, f.height, image.frames.len())
}

fn main() -> BenchResult {
    let iters = std::env::var("OSSIMG_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(15);
    // `cargo bench` passes `--bench`; everything that is not a flag filters.
    let filters = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let r = Runner { iters, filters };
    let limits = Limits::default();

    let jpeg = fixture("photo-12mp.jpg")?;
    let probe = codec::probe(&jpeg, &limits)?;
    println!(
        "photo-12mp.jpg: {}x{}, {} bytes; {iters} iterations per case",
        probe.width,
        probe.height,
        jpeg.len()
    );

    // 1. JPEG decode: full, then DCT-scaled to 1/2, 1/4, 1/8.
    for (label, div) in [("full", 1), ("1/2", 2), ("1/4", 4), ("1/8", 8)] {
        let opts = DecodeOptions {
            min_size: (div > 1).then(|| (probe.width / div, probe.height / div)),
            all_frames: false,
        };
        let got = codec::decode(&jpeg, &probe, &opts)?;
        r.run(&format!("decode/jpeg-12mp/{label}"), &size(&got), || {
            codec::decode(&jpeg, &probe, &opts)
        });
    }

    // The same scaled decodes through libjpeg-turbo alone (what ossimg's
    // scaled decoder replaces, with identical pixels).
    for (label, denom) in [("1/2", 2), ("1/4", 4), ("1/8", 8)] {
        let (w, h) = (probe.width.div_ceil(denom), probe.height.div_ceil(denom));
        r.run(
            &format!("decode/jpeg-12mp/{label}-libjpeg-turbo"),
            &format!("{w}x{h}"),
            || turbojpeg_scaled(&jpeg, denom as usize),
        );
    }

    // photo-2mp.jpg (1680x1050, 4:2:2) at 1/2: the 300x300 fill benchmark.
    if r.wanted("jpeg-2mp") {
        let jpeg2 = fixture("photo-2mp.jpg")?;
        let probe2 = codec::probe(&jpeg2, &limits)?;
        let opts = DecodeOptions {
            min_size: Some((probe2.width / 2, probe2.height / 2)),
            all_frames: false,
        };
        let got = codec::decode(&jpeg2, &probe2, &opts)?;
        r.run("decode/jpeg-2mp/1/2", &size(&got), || {
            codec::decode(&jpeg2, &probe2, &opts)
        });
        r.run("decode/jpeg-2mp/1/2-libjpeg-turbo", &size(&got), || {
            turbojpeg_scaled(&jpeg2, 2)
        });
    }

    // 2. Resize a full 12 MP RGB frame to 200 px wide (Lanczos-3).
    let full = codec::decode(&jpeg, &probe, &DecodeOptions::default())?;
    let frame = &full.frames[0];
    let th = (u64::from(frame.height) * 200 / u64::from(frame.width)) as u32;
    r.run(
        "resize/12mp-to-w200/lanczos3",
        &format!("{}x{} -> 200x{th}", frame.width, frame.height),
        || resample(frame, None, 200, th),
    );
    // The same from the 1/8 DCT-scaled frame (what shrink-on-load leaves).
    let eighth = codec::decode(
        &jpeg,
        &probe,
        &DecodeOptions {
            min_size: Some((probe.width / 8, probe.height / 8)),
            all_frames: false,
        },
    )?;
    let small = &eighth.frames[0];
    r.run(
        "resize/1-8th-to-w200/lanczos3",
        &format!("{}x{} -> 200x{th}", small.width, small.height),
        || resample(small, None, 200, th),
    );

    // 3. Encode a typical thumbnail (200 px wide RGB) in each format; PNG also RGBA.
    let thumb = Image {
        frames: vec![resample(frame, None, 200, th)?],
        loop_count: 0,
    };
    // P3a's encoder input: the 12 MP photo at 800 px wide.
    let h800 = (u64::from(frame.height) * 800 / u64::from(frame.width)) as u32;
    let w800 = Image {
        frames: vec![resample(frame, None, 800, h800)?],
        loop_count: 0,
    };
    let alpha_src = fixture("alpha-small.png")?;
    let alpha_probe = codec::probe(&alpha_src, &limits)?;
    let alpha = codec::decode(&alpha_src, &alpha_probe, &DecodeOptions::default())?;
    let alpha_thumb = Image {
        frames: vec![resample(&alpha.frames[0], None, 200, 200)?],
        loop_count: 0,
    };
    let cases: [(&str, &Image, Format, u8); 6] = [
        ("encode/jpeg-q85", &thumb, Format::Jpeg, 85),
        ("encode/webp-q80", &thumb, Format::Webp, 80),
        ("encode/webp-q80-w800", &w800, Format::Webp, 80),
        ("encode/png-rgb", &thumb, Format::Png, 100),
        ("encode/png-rgba", &alpha_thumb, Format::Png, 100),
        ("encode/gif", &thumb, Format::Gif, 100),
    ];
    for (name, image, format, quality) in cases {
        let opts = EncodeOptions {
            format,
            quality,
            progressive: false,
        };
        let bytes = codec::encode(image, &opts)?;
        r.run(
            name,
            &format!("{} -> {} bytes", size(image), bytes.len()),
            || codec::encode(image, &opts),
        );
    }

    // 4. GIF encode of an animation: the 42-frame clip resized to 100 px wide
    //    (what `image/resize,w_100` on animated.gif hands the encoder).
    if r.wanted("gif") {
        let gif_src = fixture("animated.gif")?;
        let gif_probe = codec::probe(&gif_src, &limits)?;
        let anim = codec::decode(
            &gif_src,
            &gif_probe,
            &DecodeOptions {
                min_size: None,
                all_frames: true,
            },
        )?;
        let gw = 100;
        let gh = (u64::from(gif_probe.height) * 100 / u64::from(gif_probe.width)) as u32;
        let small = Image {
            frames: anim
                .frames
                .iter()
                .map(|f| {
                    let mut g = resample(f, None, gw, gh)?;
                    g.delay_ms = f.delay_ms;
                    Ok(g)
                })
                .collect::<Result<Vec<_>, ossimg::img::Error>>()?,
            loop_count: anim.loop_count,
        };
        let gif_opts = EncodeOptions {
            format: Format::Gif,
            quality: 90,
            progressive: false,
        };
        for (name, image) in [
            ("encode/gif-anim-w100", &small),
            ("encode/gif-anim-full", &anim),
        ] {
            let bytes = codec::encode(image, &gif_opts)?;
            r.run(
                name,
                &format!("{} -> {} bytes", size(image), bytes.len()),
                || codec::encode(image, &gif_opts),
            );
        }
    }

    // 5. WebP decode: full vs shrink-on-load (libwebp's scaled decode), and
    //    `image/resize,w_200` on the same file.
    if r.wanted("webp") {
        let webp = fixture("lossy.webp")?;
        let wp = codec::probe(&webp, &limits)?;
        for (label, div) in [("full", 1), ("1/2", 2), ("1/4", 4), ("1/8", 8)] {
            let opts = DecodeOptions {
                min_size: (div > 1).then(|| (wp.width / div, wp.height / div)),
                all_frames: false,
            };
            let got = codec::decode(&webp, &wp, &opts)?;
            r.run(
                &format!("decode/webp-{}x{}/{label}", wp.width, wp.height),
                &size(&got),
                || codec::decode(&webp, &wp, &opts),
            );
        }
        let process = "image/resize,w_200";
        let out = ossimg::img::process(&webp, process, &NoResources, &limits)?;
        r.run(
            "pipeline/webp-resize-w200",
            &format!("{} bytes out", out.bytes.len()),
            || ossimg::img::process(&webp, process, &NoResources, &limits),
        );
        let wh = (u64::from(wp.height) * 200 / u64::from(wp.width)) as u32;
        let webp_q = EncodeOptions {
            format: Format::Webp,
            quality: 75,
            progressive: false,
        };
        r.run(
            "pipeline/webp-forced-full-decode",
            "full decode + resize + encode",
            || -> Result<Vec<u8>, ossimg::img::Error> {
                let image = codec::decode(&webp, &wp, &DecodeOptions::default())?;
                let f = resample(&image.frames[0], None, 200, wh)?;
                codec::encode(
                    &Image {
                        frames: vec![f],
                        loop_count: 0,
                    },
                    &webp_q,
                )
            },
        );
    }

    // 5b. HEIC/AVIF decode: full vs the embedded thumbnail (shrink-on-load
    //     picks the 160×100 thumbnail item of the 480×300 fixtures).
    if r.wanted("heif") {
        for name in ["thumb.heic", "thumb.avif"] {
            let bytes = fixture(name)?;
            let hp = codec::probe(&bytes, &limits)?;
            for (label, min_size) in [("full", None), ("thumbnail", Some((150, 90)))] {
                let opts = DecodeOptions {
                    min_size,
                    all_frames: false,
                };
                let got = codec::decode(&bytes, &hp, &opts)?;
                r.run(&format!("decode/heif-{name}/{label}"), &size(&got), || {
                    codec::decode(&bytes, &hp, &opts)
                });
            }
        }
    }

    // 6. The whole P1 pipeline, and the same work with a forced full decode.
    let process = "image/resize,w_200/quality,Q_85";
    let out = ossimg::img::process(&jpeg, process, &NoResources, &limits)?;
    let plan = ossimg::img::plan::parse(process, &NoResources)?;
    let min_size = ossimg::img::pipeline::shrink_target(&plan, (probe.width, probe.height), false);
    let decoded = codec::decode(
        &jpeg,
        &probe,
        &DecodeOptions {
            min_size,
            all_frames: false,
        },
    )?;
    println!(
        "pipeline shrink-on-load: min_size {:?} -> decoded {} (full would be {}x{})",
        min_size,
        size(&decoded),
        probe.width,
        probe.height
    );
    r.run(
        "pipeline/p1-resize-w200-q85",
        &format!("{} bytes out", out.bytes.len()),
        || ossimg::img::process(&jpeg, process, &NoResources, &limits),
    );
    let jpeg_q85 = EncodeOptions {
        format: Format::Jpeg,
        quality: 85,
        progressive: false,
    };
    r.run(
        "pipeline/p1-forced-full-decode",
        "full decode + resize + encode",
        || -> Result<Vec<u8>, ossimg::img::Error> {
            let image = codec::decode(&jpeg, &probe, &DecodeOptions::default())?;
            let f = resample(&image.frames[0], None, 200, th)?;
            codec::encode(
                &Image {
                    frames: vec![f],
                    loop_count: 0,
                },
                &jpeg_q85,
            )
        },
    );
    Ok(())
}
