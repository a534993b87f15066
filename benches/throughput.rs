//! In-process throughput of `ossimg::img::process` with N worker threads,
//! used by `scripts/bench.sh` to compare against libvips, sharp and Pillow on
//! the same inputs.
//!
//! `cargo bench --bench throughput -- --input FILE --process STR [--workers 2]
//! [--count 40] [--out FILE]` prints one JSON line: images/s, wall seconds,
//! output bytes and peak RSS (VmHWM) in KiB. With no `--input` it runs a short
//! default (P1 on photo-12mp.jpg) so that a plain `cargo bench` works.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ossimg::img::{Limits, NoResources};

type BenchResult = Result<(), Box<dyn std::error::Error>>;

/// Peak resident set size of this process in KiB (Linux `VmHWM`), 0 if unknown.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> BenchResult {
    let mut input = format!(
        "{}/fixtures/images/photo-12mp.jpg",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut process = String::from("image/resize,w_200/quality,Q_85");
    let mut workers = 2usize;
    let mut count = 20usize;
    let mut out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--input" => input = value()?,
            "--process" => process = value()?,
            "--workers" => workers = value()?.parse()?,
            "--count" => count = value()?.parse()?,
            "--out" => out = Some(value()?),
            _ => {} // `--bench` from cargo, filters
        }
    }
    let workers = workers.max(1);
    let source = std::fs::read(&input)?;
    let limits = Limits::default();
    // One untimed call: checks the request and gives the output for --out.
    let first = ossimg::img::process(&source, &process, &NoResources, &limits)?;
    if let Some(path) = &out {
        std::fs::write(path, &first.bytes)?;
    }
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| -> BenchResult {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| -> Result<(), ossimg::img::Error> {
                    while next.fetch_add(1, Ordering::Relaxed) < count {
                        std::hint::black_box(ossimg::img::process(
                            &source,
                            &process,
                            &NoResources,
                            &limits,
                        )?);
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "worker panicked")??;
        }
        Ok(())
    })?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"impl\":\"ossimg\",\"images_per_s\":{:.3},\"seconds\":{secs:.4},\"count\":{count},\"workers\":{workers},\"out_bytes\":{},\"peak_rss_kib\":{}}}",
        count as f64 / secs,
        first.bytes.len(),
        peak_rss_kib()
    );
    Ok(())
}
