//! Every decoder behind `probe`: probe with small limits, then decode the
//! first frame and, for animations, all frames.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ossimg::img::codec::{decode, probe, DecodeOptions};
use ossimg::img::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_source_bytes: 4 * 1024 * 1024,
        max_source_side: 4096,
        max_source_pixels: 4_000_000,
        max_output_side: 4096,
        max_output_pixels: 4_000_000,
    };
    let Ok(p) = probe(data, &limits) else { return };
    for opts in [
        DecodeOptions {
            min_size: None,
            all_frames: false,
        },
        DecodeOptions {
            min_size: Some((16, 16)),
            all_frames: true,
        },
    ] {
        let _ = decode(data, &p, &opts);
    }
});
