//! The `x-oss-process` parser: any string must give a plan or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = ossimg::img::plan::parse(s, &ossimg::img::NoResources);
    }
});
