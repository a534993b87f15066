//! Configuration: the sample file, precedence (file < env < flags), errors
//! that name their key, and `ossimg config --print`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ossimg::config::{env_name, Config, ConfigError, CredentialConfig, LogFormat, KEYS};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ossimg.toml")
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `ossimg <args>` with exactly `vars` in the environment.
fn ossimg(args: &[&str], vars: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ossimg"))
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .expect("run ossimg");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("ossimg.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

#[test]
fn sample_is_the_defaults() {
    let c = Config::from_file(&sample()).expect("sample parses");
    assert_eq!(c, Config::default());
    c.validate().expect("defaults are valid");
}

#[test]
fn sample_documents_every_key_and_its_variable() {
    let text = std::fs::read_to_string(sample()).expect("sample");
    for (key, _) in KEYS {
        let set = text.lines().any(|l| {
            let l = l.trim_start_matches('#').trim_start();
            l.starts_with(&format!("{key} =")) || l == format!("[{key}]")
        });
        assert!(set, "ossimg.toml does not list `{key}`");
        assert!(
            text.contains(&env_name(key)),
            "ossimg.toml does not name {}",
            env_name(key)
        );
    }
    // And every key of the struct is in KEYS.
    let table = toml::Table::try_from(Config {
        default_bucket: Some("b".into()),
        ..Config::default()
    })
    .expect("serializes");
    for key in table.keys() {
        assert!(
            KEYS.iter().any(|(k, _)| k == key),
            "`{key}` missing in KEYS"
        );
    }
}

#[test]
fn env_overrides_file_for_every_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(
        dir.path(),
        "queue = 5\nregion = \"from-file\"\ncors = true\nworkers = 3\n\
         virtual_host_suffixes = [\"file.example\"]\n",
    );
    let c = Config::layered(
        Some(&file),
        env(&[
            ("OSSIMG_QUEUE", "7"),
            ("OSSIMG_CORS", "off"),
            ("OSSIMG_VIRTUAL_HOST_SUFFIXES", "a.example, b.example"),
            (
                "OSSIMG_CNAME",
                "img.example.com=photos,cdn.example.com=assets",
            ),
            ("OSSIMG_DEFAULT_BUCKET", "fallback"),
            ("OSSIMG_FONT_DIRS", "/opt/fonts::/srv/fonts"),
            ("OSSIMG_LOG_FORMAT", "json"),
            (
                "OSSIMG_CREDENTIALS",
                r#"[{access_key_id = "ak", access_key_secret = "sk"}]"#,
            ),
            ("UNRELATED", "1"),
        ]),
    )
    .expect("loads");
    assert_eq!(c.queue, 7, "env beats file");
    assert_eq!(c.region, "from-file", "file beats default");
    assert_eq!(c.workers, 3);
    assert!(!c.cors);
    assert_eq!(c.virtual_host_suffixes, ["a.example", "b.example"]);
    assert_eq!(
        c.cname.get("img.example.com").map(String::as_str),
        Some("photos")
    );
    assert_eq!(c.default_bucket.as_deref(), Some("fallback"));
    assert_eq!(
        c.font_dirs,
        [PathBuf::from("/opt/fonts"), PathBuf::from("/srv/fonts")]
    );
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(
        c.credentials,
        [CredentialConfig {
            access_key_id: "ak".into(),
            access_key_secret: "sk".into(),
            security_token: None,
        }]
    );
    assert_eq!(c.max_clock_skew_secs, 900, "untouched keys keep defaults");
}

#[test]
fn empty_optional_env_unsets_the_file_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(dir.path(), "default_bucket = \"x\"\n");
    let c = Config::layered(Some(&file), env(&[("OSSIMG_DEFAULT_BUCKET", "")])).expect("loads");
    assert_eq!(c.default_bucket, None);
}

#[test]
fn invalid_values_name_their_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(dir.path(), "queue = \"many\"\n");
    let err = Config::layered(Some(&file), env(&[])).expect_err("rejects");
    assert!(err.to_string().contains("queue"), "{err}");

    for (var, value, key) in [
        ("OSSIMG_WORKERS", "-1", "workers"),
        ("OSSIMG_QUEUE", "lots", "queue"),
        ("OSSIMG_CORS", "maybe", "cors"),
        ("OSSIMG_LOG_FORMAT", "xml", "log_format"),
        ("OSSIMG_CNAME", "no-equals-sign", "cname"),
        ("OSSIMG_CREDENTIALS", "[{access_key_id = 1}]", "credentials"),
    ] {
        let err = Config::layered(None, env(&[(var, value)])).expect_err(var);
        assert_eq!(err.key(), Some(key), "{err}");
        let text = err.to_string();
        assert!(text.contains(key) && text.contains(var), "{text}");
    }

    for (var, value, key) in [
        ("OSSIMG_LISTEN", "not-an-address", "listen"),
        ("OSSIMG_QUEUE", "0", "queue"),
        (
            "OSSIMG_HEADER_READ_TIMEOUT_SECS",
            "0",
            "header_read_timeout_secs",
        ),
        ("OSSIMG_MAX_HEADER_BYTES", "10", "max_header_bytes"),
        ("OSSIMG_MAX_OBJECT_SIZE", "0", "max_object_size"),
        ("OSSIMG_MAX_PART_SIZE", "0", "max_part_size"),
        ("OSSIMG_MIN_PART_SIZE", "6000000000", "min_part_size"),
        ("OSSIMG_MAX_PARTS", "10001", "max_parts"),
        ("OSSIMG_MAX_PARTS", "0", "max_parts"),
        ("OSSIMG_MAX_DELETE_KEYS", "0", "max_delete_keys"),
        ("OSSIMG_LOG", "ossimg=[[", "log"),
    ] {
        let c = Config::layered(None, env(&[(var, value)])).expect("type checks");
        let err: ConfigError = c.validate().expect_err(var);
        assert_eq!(err.key(), Some(key), "{err}");
    }
}

#[test]
fn binary_fails_at_start_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8 path");
    let (code, _, stderr) = ossimg(
        &["serve", "--data", data, "--listen", "127.0.0.1:0"],
        &[("OSSIMG_QUEUE", "zero")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("queue"), "{stderr}");

    let file = write_file(dir.path(), "max_header_bytes = 12\n");
    let (code, _, stderr) = ossimg(
        &[
            "serve",
            "--config",
            file.to_str().expect("utf-8"),
            "--data",
            data,
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("max_header_bytes"), "{stderr}");
}

#[test]
fn binary_precedence_and_print_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(
        dir.path(),
        "listen = \"127.0.0.1:1111\"\nregion = \"file-region\"\nqueue = 5\nworkers = 2\n\
         [cname]\n\"img.example.com\" = \"photos\"\n",
    );
    let (code, stdout, stderr) = ossimg(
        &["config", "--print", "--listen", "127.0.0.1:3333"],
        &[
            ("OSSIMG_CONFIG", file.to_str().expect("utf-8")),
            ("OSSIMG_LISTEN", "127.0.0.1:2222"),
            ("OSSIMG_QUEUE", "9"),
            ("OSSIMG_ACCESS_KEY_ID", "owner-ak"),
            ("OSSIMG_ACCESS_KEY_SECRET", "owner-secret"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stdout.contains("owner-secret"),
        "secret printed:\n{stdout}"
    );
    let printed = Config::from_toml(&stdout).expect("the printed config parses back");
    assert_eq!(printed.listen, "127.0.0.1:3333", "flag beats env and file");
    assert_eq!(printed.queue, 9, "env beats file");
    assert_eq!(printed.region, "file-region");
    assert_eq!(printed.workers, 2);
    assert_eq!(printed.credentials.len(), 1);
    assert_eq!(printed.credentials[0].access_key_id, "owner-ak");
    assert_eq!(printed.credentials[0].access_key_secret, "********");

    // Apart from the masked secret, the print is the effective config.
    let expected = Config {
        listen: "127.0.0.1:3333".into(),
        region: "file-region".into(),
        queue: 9,
        workers: 2,
        cname: [("img.example.com".to_string(), "photos".to_string())].into(),
        credentials: vec![CredentialConfig {
            access_key_id: "owner-ak".into(),
            access_key_secret: "********".into(),
            security_token: None,
        }],
        ..Config::default()
    };
    assert_eq!(printed, expected);

    // Env alone (no flag) beats the file.
    let (code, stdout, stderr) = ossimg(
        &["config", "--print"],
        &[
            ("OSSIMG_CONFIG", file.to_str().expect("utf-8")),
            ("OSSIMG_LISTEN", "127.0.0.1:2222"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let printed = Config::from_toml(&stdout).expect("parses back");
    assert_eq!(printed.listen, "127.0.0.1:2222");
}

#[test]
fn defaults_print_round_trip() {
    let (code, stdout, stderr) = ossimg(&["config", "--print"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        Config::from_toml(&stdout).expect("parses back"),
        Config::default()
    );
}

#[test]
fn size_limits_from_file_and_env() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(
        dir.path(),
        "max_object_size = 1000\nmax_part_size = 600\nmin_part_size = 100\n",
    );
    let c = Config::layered(
        Some(&file),
        env(&[
            ("OSSIMG_MAX_PART_SIZE", "700"),
            ("OSSIMG_MAX_PARTS", "5"),
            ("OSSIMG_MAX_DELETE_KEYS", "2"),
        ]),
    )
    .expect("loads");
    c.validate().expect("valid");
    assert_eq!(
        (
            c.max_object_size,
            c.max_part_size,
            c.min_part_size,
            c.max_parts,
            c.max_delete_keys
        ),
        (1000, 700, 100, 5, 2)
    );
    assert_eq!(c.max_multipart_object_size(), 3500);
    let d = Config::default();
    assert_eq!(
        (
            d.max_object_size,
            d.max_part_size,
            d.min_part_size,
            d.max_parts,
            d.max_delete_keys
        ),
        (5 << 30, 5 << 30, 100 * 1024, 10_000, 1000)
    );
}

#[test]
fn font_dirs_file_env_flags_and_print() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(dir.path(), "font_dirs = [\"/from/file\"]\n");
    let file = file.to_str().expect("utf-8");
    let print = |args: &[&str], vars: &[(&str, &str)]| {
        let mut all = vec!["config", "--print", "--config", file];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = ossimg(&all, vars);
        assert_eq!(code, 0, "{stderr}");
        Config::from_toml(&stdout)
            .expect("parses back")
            .font_dirs
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(print(&[], &[]), ["/from/file"]);
    assert_eq!(
        print(&[], &[("OSSIMG_FONT_DIRS", "/env/a:/env/b")]),
        ["/env/a", "/env/b"]
    );
    assert_eq!(
        print(
            &["--font-dir", "/flag/a", "--font-dir", "/flag/b"],
            &[("OSSIMG_FONT_DIRS", "/env/a")]
        ),
        ["/flag/a", "/flag/b"]
    );
    assert_eq!(
        print(&[], &[("OSSIMG_FONT_DIRS", "")]),
        Vec::<String>::new()
    );
    // Defaults: Debian's directories.
    let (code, stdout, _) = ossimg(&["config", "--print"], &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("font_dirs = [\"/usr/share/fonts\", \"/usr/local/share/fonts\"]"),
        "{stdout}"
    );
}

/// A served text watermark renders with the fonts of `font_dirs` in the
/// config file, and fails with 501 naming the package when they lack it.
#[test]
fn served_text_watermark_uses_configured_font_dirs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fonts = dir.path().join("fonts");
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&fonts).expect("mkdir");
    std::fs::create_dir_all(&empty).expect("mkdir");
    std::fs::copy(
        common::system_font("wqy-microhei.ttc"),
        fonts.join("wqy-microhei.ttc"),
    )
    .expect("copy font");
    let jpeg = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/images/orientation-1.jpg"),
    )
    .expect("fixture");
    let query = format!(
        "/wmk/in.jpg?x-oss-process=image/watermark,text_{},type_{}/format,png",
        common::b64url("Hi"),
        common::b64url("wqy-microhei")
    );
    for (name, font_dir, ok) in [("with-font", &fonts, true), ("without", &empty, false)] {
        let config = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!("font_dirs = [{:?}]\n", font_dir.to_str().expect("utf-8")),
        )
        .expect("write config");
        let data = dir.path().join(name);
        let args = [std::ffi::OsStr::new("--config"), config.as_os_str()];
        let server = common::Server::launch(common::Launch {
            args: &args,
            clear_env: true,
            ..common::Launch::new(&data)
        });
        assert_eq!(server.signed("PUT", "/wmk/", &[], b"").0, 200);
        assert_eq!(server.signed("PUT", "/wmk/in.jpg", &[], &jpeg).0, 200);
        let (status, headers, body) = server.signed("GET", &query, &[], b"");
        let text = String::from_utf8_lossy(&body);
        if ok {
            assert_eq!(status, 200, "{text}");
            assert!(
                headers
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case("content-type") && v == "image/png"),
                "{headers:?}"
            );
        } else {
            assert_eq!(status, 501, "{text}");
            assert!(text.contains("<Code>NotImplemented</Code>"), "{text}");
            assert!(text.contains("fonts-wqy-microhei"), "{text}");
        }
    }
}
