//! Host + path → bucket/key resolution. Input: `host\npath`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ossimg::oss::addressing::{resolve, resolve_path_style, AddressingConfig};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let (host, path) = s.split_once('\n').unwrap_or(("", &s));
    let mut cfg = AddressingConfig::default();
    cfg.cname_map
        .insert("img.example.com".into(), "photos".into());
    cfg.default_bucket = Some("fallback".into());
    let host = if host.is_empty() { None } else { Some(host) };
    let _ = resolve(host, path, &cfg);
    let _ = resolve(host, path, &AddressingConfig::default());
    let _ = resolve_path_style(path);
});
