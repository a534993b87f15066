//! Signature verification (V1, V4, presigned URLs) over arbitrary headers
//! and query strings. Input lines: `METHOD`, `query`, then `name: value`
//! headers.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use ossimg::oss::auth::{authenticate, Credential, CredentialStore, RequestView};
use ossimg::oss::query::Query;

struct Keys;

impl CredentialStore for Keys {
    fn lookup(&self, access_key_id: &str) -> Option<Credential> {
        (access_key_id == "AK" || access_key_id.starts_with("LTAI")).then(|| Credential {
            access_key_id: access_key_id.to_string(),
            access_key_secret: "secret".to_string(),
            security_token: if access_key_id.ends_with("sts") {
                Some("token".to_string())
            } else {
                None
            },
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mut lines = s.split('\n');
    let method = lines.next().unwrap_or("GET");
    let query = Query::parse(lines.next().unwrap_or(""));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_700_000);
    for (bucket, key) in [(None, None), (Some("b"), None), (Some("b"), Some("k/é"))] {
        let view = RequestView {
            method,
            bucket,
            key,
            query: &query,
            headers: &headers,
        };
        let _ = authenticate(&view, &Keys, now, Duration::from_secs(900));
    }
});
