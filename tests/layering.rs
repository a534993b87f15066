//! Import rules between modules (docs/architecture.md): `img`, `oss` and
//! `storage` never import one another or the HTTP stack.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn check(module: &str, forbidden: &[&str]) {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(module),
        &mut files,
    );
    assert!(!files.is_empty(), "no files under src/{module}");
    let mut problems = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in forbidden {
                if code.contains(bad) {
                    problems.push(format!("{}:{}: uses `{bad}`", f.display(), n + 1));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering violations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn img_is_independent() {
    check(
        "img",
        &[
            "crate::oss",
            "crate::storage",
            "crate::server",
            "crate::config",
            "tokio::",
            "axum",
            "hyper",
        ],
    );
}

#[test]
fn oss_is_pure() {
    check(
        "oss",
        &[
            "crate::storage",
            "crate::img",
            "crate::server",
            "axum",
            "tokio::",
            "hyper",
        ],
    );
}

#[test]
fn storage_knows_no_http() {
    check(
        "storage",
        &["crate::server", "crate::img", "crate::oss", "axum", "hyper"],
    );
}
