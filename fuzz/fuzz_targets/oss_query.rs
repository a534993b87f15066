//! The query-string decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let q = ossimg::oss::query::Query::parse(&s);
    let _ = q.has("x-oss-process");
    let _ = q.get("uploadId");
});
