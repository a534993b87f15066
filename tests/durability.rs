//! Durability and streaming of large objects, against the real `ossimg serve`
//! process (the launcher in tests/common):
//!
//! - [`kill_during_large_writes_loses_nothing_acknowledged`]: SIGKILL while
//!   large PUTs and multipart completions overwrite the same keys, beside
//!   appends and `sys/saveas` writes; after a restart every key holds one
//!   whole version that was sent and no older than the last acknowledged one,
//!   and every listed object is whole.
//! - [`gib_multipart_object_streams_in_constant_memory`]: a 1 GiB multipart
//!   object goes up and comes back down while the server's peak RSS stays
//!   far below the object's size.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::{element, md5_hex, Client, Server};

const MIB: u64 = 1 << 20;

// ---- payloads and digests ---------------------------------------------------

/// Payloads are made in blocks of this size.
const BLOCK: u64 = 64 * 1024;
/// Random bytes that blocks are cut from.
const POOL_LEN: u64 = 4 * MIB;

/// `POOL_LEN` xorshift bytes, made once.
fn pool() -> &'static [u8] {
    static POOL: OnceLock<Vec<u8>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut pool = Vec::with_capacity(POOL_LEN as usize);
        while pool.len() < POOL_LEN as usize {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            pool.extend_from_slice(&x.to_le_bytes());
        }
        pool
    })
}

/// SplitMix64's finaliser: a well-spread hash of `z`.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `len` deterministic bytes named by `seed`, made as they are read. Block
/// `k` is the seed and `k` (16 bytes) followed by a window of the pool that
/// both choose: every block of every payload differs, and making one costs a
/// memcpy (this crate's test profile runs its own loops unoptimised).
#[derive(Clone, Copy, Debug)]
struct Payload {
    seed: u64,
    len: u64,
}

impl Payload {
    /// A reader of bytes `start..end`.
    fn reader(self, start: u64, end: u64) -> PayloadReader {
        PayloadReader {
            seed: self.seed,
            pos: start,
            end: end.min(self.len),
        }
    }

    /// Length and MD5 of the whole payload.
    fn version(self) -> Version {
        let mut sink = Md5Sink::new();
        pump(&mut self.reader(0, self.len), &mut sink).expect("hash a payload");
        sink.finish()
    }
}

/// Reads a range of a [`Payload`].
struct PayloadReader {
    seed: u64,
    pos: u64,
    end: u64,
}

impl Read for PayloadReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.pos / BLOCK;
        let within = (self.pos % BLOCK) as usize;
        let n = (buf.len() as u64)
            .min(BLOCK - within as u64)
            .min(self.end.saturating_sub(self.pos)) as usize;
        if n == 0 {
            return Ok(0);
        }
        let mut stamp = [0u8; 16];
        stamp[..8].copy_from_slice(&self.seed.to_le_bytes());
        stamp[8..].copy_from_slice(&k.to_le_bytes());
        let window = (mix(self.seed ^ mix(k)) % (POOL_LEN - BLOCK)) as usize;
        let mut done = 0;
        if within < stamp.len() {
            done = (stamp.len() - within).min(n);
            buf[..done].copy_from_slice(&stamp[within..within + done]);
        }
        let from = window + within + done;
        buf[done..n].copy_from_slice(&pool()[from..from + (n - done)]);
        self.pos += n as u64;
        Ok(n)
    }
}

/// Copies `from` into `to` through a 1 MiB buffer; returns the bytes copied.
fn pump(from: &mut impl Read, to: &mut impl Write) -> io::Result<u64> {
    let mut buf = vec![0u8; MIB as usize];
    let mut total = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
        total += n as u64;
    }
}

/// Length and MD5 (upper-case hex) of some bytes: what a version of an
/// object is recognised by.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    len: u64,
    md5: String,
}

/// Computes the [`Version`] of the bytes written to it. Past 1 MiB the bytes
/// go to a `md5sum` child process: this crate's test profile compiles the
/// md-5 crate's inlined rounds at opt-level 0 (~40 MB/s, which would make
/// hashing most of these tests' time), coreutils runs ~15× faster. Without
/// md5sum it hashes in process, only slower.
struct Md5Sink {
    head: Vec<u8>,
    child: Option<std::process::Child>,
    local: Option<md5::Md5>,
    len: u64,
}

impl Md5Sink {
    fn new() -> Md5Sink {
        Md5Sink {
            head: Vec::new(),
            child: None,
            local: None,
            len: 0,
        }
    }

    /// The length and MD5 of everything written.
    fn finish(mut self) -> Version {
        use md5::Digest as _;
        let md5 = if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let out = child.wait_with_output().expect("md5sum output");
            assert!(out.status.success(), "md5sum failed: {}", out.status);
            String::from_utf8_lossy(&out.stdout)
                .get(..32)
                .expect("md5sum prints 32 hex digits")
                .to_ascii_uppercase()
        } else if let Some(m) = self.local.take() {
            hex::encode_upper(m.finalize())
        } else {
            md5_hex(&self.head)
        };
        Version { len: self.len, md5 }
    }
}

impl Write for Md5Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use md5::Digest as _;
        self.len += buf.len() as u64;
        if let Some(child) = self.child.as_mut() {
            let stdin = child.stdin.as_mut().ok_or(io::ErrorKind::BrokenPipe)?;
            stdin.write_all(buf)?;
        } else if let Some(m) = self.local.as_mut() {
            m.update(buf);
        } else {
            self.head.extend_from_slice(buf);
            if self.head.len() as u64 > MIB {
                let head = std::mem::take(&mut self.head);
                let spawned = std::process::Command::new("md5sum")
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::null())
                    .spawn();
                match spawned {
                    Ok(mut child) => {
                        let stdin = child.stdin.as_mut().ok_or(io::ErrorKind::BrokenPipe)?;
                        stdin.write_all(&head)?;
                        self.child = Some(child);
                    }
                    Err(_) => self.local = Some(md5::Md5::new_with_prefix(&head)),
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Md5Sink {
    fn drop(&mut self) {
        // An unfinished sink: end the child (EOF on its stdin) and reap it.
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

/// Reads from `inner` and writes every byte read into each sink.
struct Tee<'a, R> {
    inner: R,
    sinks: Vec<&'a mut Md5Sink>,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for sink in &mut self.sinks {
            sink.write_all(&buf[..n])?;
        }
        Ok(n)
    }
}

/// GETs `path`, hashing the body as it arrives: the status and the body's
/// version.
fn get_version(client: &Client, path: &str) -> (u16, Version) {
    let resp = client
        .signed_streaming("GET", path, &[], 0, io::empty())
        .unwrap_or_else(|e| panic!("GET {path}: no answer: {e}"));
    let status = resp.status();
    let mut sink = Md5Sink::new();
    pump(&mut resp.into_reader(), &mut sink)
        .unwrap_or_else(|e| panic!("GET {path}: body cut: {e}"));
    (status, sink.finish())
}

/// A CompleteMultipartUpload body listing parts 1.. with these ETags.
fn complete_body(etags: &[String]) -> String {
    let parts: String = etags
        .iter()
        .enumerate()
        .map(|(i, e)| {
            format!(
                "<Part><PartNumber>{}</PartNumber><ETag>\"{e}\"</ETag></Part>",
                i + 1
            )
        })
        .collect();
    format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>")
}

/// The peak resident set (VmHWM) of process `pid`, KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

// ---- the kill -9 test ---------------------------------------------------------

/// Keys that only PUTs write, by two threads at once.
const PUT_KEYS: &[&str] = &["put/a", "put/b"];
/// Keys that only multipart completions write, by two threads at once.
const MPU_KEYS: &[&str] = &["mpu/c", "mpu/d"];
/// A key that both PUTs and completions write.
const MIXED_KEY: &str = "mixed/e";

/// What wrote a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Put,
    Complete,
}

/// One write of a whole version to a key: a PUT, or the completion of a
/// multipart upload.
#[derive(Clone, Debug)]
struct Attempt {
    key: &'static str,
    kind: Kind,
    version: Version,
    /// Just before the request was sent.
    sent: Instant,
    /// When the answer came, and its status (0: no answer, the connection
    /// failed).
    answer: Option<(Instant, u16)>,
}

impl Attempt {
    /// When a 200 for this write arrived.
    fn acked(&self) -> Option<Instant> {
        match self.answer {
            Some((at, 200)) => Some(at),
            _ => None,
        }
    }
}

/// Every write sent, shared by the writer threads and the killer.
#[derive(Default)]
struct Ledger {
    attempts: Vec<Attempt>,
    /// Set once the server process is dead; nothing is sent after it.
    killed: Option<Instant>,
    /// Attempts without an answer when the kill was sent.
    in_flight_at_kill: Vec<usize>,
    /// Why the kill came then.
    kill_moment: String,
    /// Answers that are neither a 200 nor a failed connection.
    unexpected: Vec<String>,
}

#[derive(Default)]
struct Shared {
    ledger: Mutex<Ledger>,
    /// Signalled at every send and answer.
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().expect("ledger lock")
    }

    /// Records a write about to be sent; `None` once the server is dead.
    fn send(&self, key: &'static str, kind: Kind, version: Version) -> Option<usize> {
        let mut l = self.lock();
        if l.killed.is_some() {
            return None;
        }
        l.attempts.push(Attempt {
            key,
            kind,
            version,
            sent: Instant::now(),
            answer: None,
        });
        self.changed.notify_all();
        Some(l.attempts.len() - 1)
    }

    /// Records the answer to attempt `id`.
    fn answer(&self, id: usize, status: u16) {
        let mut l = self.lock();
        l.attempts[id].answer = Some((Instant::now(), status));
        if status != 200 && status != 0 {
            let a = &l.attempts[id];
            let what = format!("{:?} {} answered {status}", a.kind, a.key);
            l.unexpected.push(what);
        }
        self.changed.notify_all();
    }

    /// Notes a status that is neither 200 nor 0 ("no answer") of a request
    /// outside the ledger; true when the writer should stop.
    fn stop_after(&self, what: &str, status: u16) -> bool {
        if status != 200 && status != 0 {
            self.lock()
                .unexpected
                .push(format!("{what} answered {status}"));
        }
        status != 200 || self.lock().killed.is_some()
    }
}

/// The youngest an unanswered PUT may be to count as in flight at the
/// server (a request this old has been received).
const MIN_AGE: Duration = Duration::from_millis(2);

/// Why now is a good moment to kill, or `None`. It needs: at least one PUT
/// and one completion acknowledged, and a key with two acknowledged
/// versions (an old one that must not come back); a completion in flight
/// between a quarter and half of the fastest acknowledged one's time, so
/// surely received and still at work at the server; a PUT in flight; and a
/// write in flight over an acknowledged version.
fn kill_moment(l: &Ledger, now: Instant) -> Option<String> {
    let acked = |kind: Kind| {
        l.attempts
            .iter()
            .filter(|a| a.kind == kind && a.acked().is_some())
            .count()
    };
    let (puts, completes) = (acked(Kind::Put), acked(Kind::Complete));
    let fastest = l
        .attempts
        .iter()
        .filter(|a| a.kind == Kind::Complete)
        .filter_map(|a| a.acked().map(|at| at - a.sent))
        .min()?;
    if puts == 0 {
        return None;
    }
    let twice = l.attempts.iter().find(|a| {
        l.attempts
            .iter()
            .filter(|b| b.key == a.key && b.acked().is_some())
            .count()
            >= 2
    })?;
    let age = |a: &Attempt| now.saturating_duration_since(a.sent);
    let window = (fastest / 4).max(MIN_AGE)..=(fastest / 2).max(MIN_AGE);
    let mut in_flight = l.attempts.iter().filter(|a| a.answer.is_none());
    let complete = in_flight
        .clone()
        .find(|a| a.kind == Kind::Complete && window.contains(&age(a)))?;
    let put = in_flight
        .clone()
        .find(|a| a.kind == Kind::Put && age(a) >= MIN_AGE)?;
    let overwrite = in_flight.find(|a| {
        l.attempts
            .iter()
            .any(|b| b.key == a.key && b.acked().is_some())
    })?;
    Some(format!(
        "{puts} PUTs and {completes} completions acknowledged (fastest completion {fastest:?}), \
         {} acknowledged twice or more; completion of {} ({} bytes) in flight for {:?}; PUT of \
         {} ({} bytes) in flight for {:?}; {:?} {} in flight over an acknowledged version",
        twice.key,
        complete.key,
        complete.version.len,
        age(complete),
        put.key,
        put.version.len,
        age(put),
        overwrite.kind,
        overwrite.key,
    ))
}

/// PUTs of 24–64 MiB (not whole MiB) to `keys`, one after another, until
/// the server dies.
fn put_writer(client: Client, shared: Arc<Shared>, seeds: Arc<AtomicU64>, keys: Vec<&'static str>) {
    for i in 0.. {
        let key = keys[i % keys.len()];
        let seed = seeds.fetch_add(1, Ordering::Relaxed);
        let len = 24 * MIB + mix(seed) % (40 * MIB);
        let payload = Payload { seed, len };
        let Some(id) = shared.send(key, Kind::Put, payload.version()) else {
            return;
        };
        let status = client
            .signed_streaming(
                "PUT",
                &format!("/dura/{key}"),
                &[],
                len,
                payload.reader(0, len),
            )
            .map_or(0, |r| r.status());
        shared.answer(id, status);
        if status != 200 {
            return;
        }
    }
}

/// Multipart uploads of three parts (16 MiB, 16 MiB and 1–16 MiB) to
/// `keys`, one after another, until the server dies.
fn multipart_writer(
    client: Client,
    shared: Arc<Shared>,
    seeds: Arc<AtomicU64>,
    keys: Vec<&'static str>,
) {
    for i in 0.. {
        let key = keys[i % keys.len()];
        let seed = seeds.fetch_add(1, Ordering::Relaxed);
        let bounds = [0, 16 * MIB, 32 * MIB, 33 * MIB + mix(seed) % (15 * MIB)];
        let payload = Payload {
            seed,
            len: bounds[3],
        };
        let (s, _, body) = client.signed("POST", &format!("/dura/{key}?uploads"), &[], &[]);
        if shared.stop_after("InitiateMultipartUpload", s) {
            return;
        }
        let upload = element(&String::from_utf8_lossy(&body), "UploadId").unwrap_or_default();
        let mut etags = Vec::new();
        for (n, range) in bounds.windows(2).enumerate() {
            let (status, etag) = client
                .signed_streaming(
                    "PUT",
                    &format!("/dura/{key}?partNumber={}&uploadId={upload}", n + 1),
                    &[],
                    range[1] - range[0],
                    payload.reader(range[0], range[1]),
                )
                .map_or((0, String::new()), |r| {
                    let etag = r.header("etag").unwrap_or("").trim_matches('"').to_string();
                    (r.status(), etag)
                });
            if shared.stop_after("UploadPart", status) {
                return;
            }
            etags.push(etag);
        }
        let Some(id) = shared.send(key, Kind::Complete, payload.version()) else {
            return;
        };
        let (status, _, _) = client.signed(
            "POST",
            &format!("/dura/{key}?uploadId={upload}"),
            &[],
            complete_body(&etags).as_bytes(),
        );
        shared.answer(id, status);
        if status != 200 {
            return;
        }
    }
}

/// Appends to one Appendable object: what was acknowledged, and the append
/// in flight when the server died.
#[derive(Default)]
struct AppendLog {
    acked: Vec<u8>,
    pending: Option<Vec<u8>>,
}

/// `sys/saveas` writes of `saved/thumb-<i>.jpg`: the acknowledged ones with
/// their sizes, and the one in flight when the server died.
#[derive(Default)]
struct Saves {
    acked: Vec<(u64, u64)>,
    pending: Option<u64>,
}

/// The key of the `i`-th saveas result, and its processing.
fn saved_key(i: u64) -> (String, String) {
    (
        format!("saved/thumb-{i}.jpg"),
        format!("image/resize,w_{}", 50 + i),
    )
}

/// kill -9 while large PUTs (24–64 MiB) and multipart completions (33–48
/// MiB, three parts) overwrite the same keys, two writers of each kind (so
/// same-key writes also race each other), with appends and `sys/saveas`
/// writes beside them. The kill waits (polling, with a deadline) for a
/// moment when a PUT and a completion have been acknowledged, a key has two
/// acknowledged versions, a completion is in flight and at work at the
/// server, a PUT is in flight, and a write is in flight over an
/// acknowledged version (see [`kill_moment`]); the test asserts these held
/// and that the kill cut at least one write short. After a restart:
///
/// - each key holds one version that was sent whole: the last acknowledged
///   one, or one in flight at the kill or acknowledged concurrently with it
///   (a version counts as superseded only when an acknowledged write to the
///   key was sent after its acknowledgement);
/// - a key with an acknowledged version exists and is listed;
/// - every listed key is one that was written, its listed size is its size,
///   and its MD5 is that of a version sent (no partial or temp object shows);
/// - the Appendable object is exactly the acknowledged appends, plus perhaps
///   the one in flight; saveas results are whole and equal a fresh render;
/// - the temp directory was swept.
#[test]
fn kill_during_large_writes_loses_nothing_acknowledged() {
    let began = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path());
    let (s, _, b) = server.signed("PUT", "/dura/", &[], &[]);
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
    let jpeg = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/images/orientation-1.jpg"
    ))
    .expect("fixture");
    assert_eq!(server.signed("PUT", "/dura/src.jpg", &[], &jpeg).0, 200);

    let shared = Arc::new(Shared::default());
    let seeds = Arc::new(AtomicU64::new(1));
    let client = server.client();
    let mut threads = Vec::new();
    for t in 0..2 {
        // The two PUT writers start on different keys; one of them also
        // writes the mixed key.
        let mut keys: Vec<&'static str> = PUT_KEYS.to_vec();
        keys.rotate_left(t);
        if t == 0 {
            keys.push(MIXED_KEY);
        }
        let (c, sh, se) = (client.clone(), shared.clone(), seeds.clone());
        threads.push(std::thread::spawn(move || put_writer(c, sh, se, keys)));
        let mut keys: Vec<&'static str> = MPU_KEYS.to_vec();
        keys.rotate_left(t);
        if t == 1 {
            keys.insert(0, MIXED_KEY);
        }
        let (c, sh, se) = (client.clone(), shared.clone(), seeds.clone());
        threads.push(std::thread::spawn(move || {
            multipart_writer(c, sh, se, keys)
        }));
    }
    let appends: Arc<Mutex<AppendLog>> = Arc::default();
    {
        let (appends, shared, client) = (appends.clone(), shared.clone(), client.clone());
        threads.push(std::thread::spawn(move || {
            for i in 1u64.. {
                let chunk = Payload {
                    seed: (1 << 40) | i,
                    len: 64 * 1024 + i,
                };
                let mut bytes = Vec::new();
                pump(&mut chunk.reader(0, chunk.len), &mut bytes).expect("chunk");
                let position = {
                    let mut log = appends.lock().expect("lock");
                    log.pending = Some(bytes.clone());
                    log.acked.len()
                };
                let (s, _, _) = client.signed(
                    "POST",
                    &format!("/dura/log?append&position={position}"),
                    &[],
                    &bytes,
                );
                if s == 200 {
                    let mut log = appends.lock().expect("lock");
                    log.pending = None;
                    log.acked.extend_from_slice(&bytes);
                }
                if shared.stop_after("AppendObject", s) {
                    return;
                }
            }
        }));
    }
    let saves: Arc<Mutex<Saves>> = Arc::default();
    {
        let (saves, shared, client) = (saves.clone(), shared.clone(), client.clone());
        threads.push(std::thread::spawn(move || {
            use base64::Engine;
            for i in 1u64.. {
                let (key, process) = saved_key(i);
                let o = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&key);
                let body = format!("x-oss-process={process}|sys/saveas,o_{o}");
                saves.lock().expect("lock").pending = Some(i);
                let (s, _, reply) =
                    client.signed("POST", "/dura/src.jpg?x-oss-process", &[], body.as_bytes());
                if s == 200 {
                    let v: serde_json::Value = serde_json::from_slice(&reply).expect("json reply");
                    let size = v["fileSize"].as_u64().expect("fileSize");
                    let mut saves = saves.lock().expect("lock");
                    saves.pending = None;
                    saves.acked.push((i, size));
                }
                if shared.stop_after("saveas", s) {
                    return;
                }
            }
        }));
    }

    // The killer: woken by every send and answer, and every millisecond to
    // re-check the ages; the deadline only turns a hang into a failure.
    let deadline = Instant::now() + Duration::from_secs(90);
    {
        let mut l = shared.lock();
        let moment = loop {
            let now = Instant::now();
            if let Some(why) = kill_moment(&l, now) {
                break why;
            }
            if now > deadline {
                let sent = l.attempts.len();
                let acked = l.attempts.iter().filter(|a| a.acked().is_some()).count();
                drop(l);
                server.kill();
                panic!("no moment to kill within 90 s: {sent} writes sent, {acked} acknowledged");
            }
            l = shared
                .changed
                .wait_timeout(l, Duration::from_millis(1))
                .expect("ledger lock")
                .0;
        };
        // The ledger stays locked until the process is dead: no answer can
        // be recorded between the check and the kill.
        l.in_flight_at_kill = (0..l.attempts.len())
            .filter(|&i| l.attempts[i].answer.is_none())
            .collect();
        server.kill();
        l.killed = Some(Instant::now());
        l.kill_moment = moment;
    }
    let killed_after = began.elapsed();
    for t in threads {
        t.join().expect("writer thread");
    }
    let l = shared.lock();
    assert!(
        l.unexpected.is_empty(),
        "unexpected answers: {:?}",
        l.unexpected
    );
    // The moment was as required: re-derived from what was recorded.
    let cut: Vec<&Attempt> = l
        .in_flight_at_kill
        .iter()
        .map(|&i| &l.attempts[i])
        .collect();
    assert!(
        cut.iter().any(|a| a.kind == Kind::Complete),
        "no completion in flight"
    );
    assert!(cut.iter().any(|a| a.kind == Kind::Put), "no PUT in flight");
    for kind in [Kind::Put, Kind::Complete] {
        assert!(
            l.attempts
                .iter()
                .any(|a| a.kind == kind && a.acked().is_some_and(|t| Some(t) < l.killed)),
            "no {kind:?} acknowledged before the kill"
        );
    }
    assert!(
        cut.iter().any(|a| l
            .attempts
            .iter()
            .any(|b| b.key == a.key && b.acked().is_some())),
        "no write in flight over an acknowledged version"
    );
    assert!(
        l.attempts.iter().any(|a| l
            .attempts
            .iter()
            .filter(|b| b.key == a.key && b.acked().is_some())
            .count()
            >= 2),
        "no key acknowledged twice"
    );
    let unanswered = |kind: Kind| {
        cut.iter()
            .filter(|a| a.kind == kind && a.answer.is_some_and(|(_, s)| s == 0))
            .count()
    };
    assert!(
        unanswered(Kind::Put) + unanswered(Kind::Complete) > 0,
        "the kill cut no write short"
    );
    eprintln!(
        "killed after {killed_after:?}: {}; cut short: {} PUTs, {} completions",
        l.kill_moment,
        unanswered(Kind::Put),
        unanswered(Kind::Complete),
    );

    drop(server);
    let server = Server::start(dir.path());
    let client = server.client();

    // Everything listed, with its size.
    let mut listed: BTreeMap<String, u64> = BTreeMap::new();
    let mut marker = String::new();
    loop {
        let (s, _, body) = server.signed(
            "GET",
            &format!("/dura/?max-keys=1000&marker={marker}"),
            &[],
            &[],
        );
        assert_eq!(s, 200);
        let xml = String::from_utf8_lossy(&body).into_owned();
        for chunk in xml.split("<Contents>").skip(1) {
            let key = element(chunk, "Key").expect("key");
            let size = element(chunk, "Size")
                .and_then(|v| v.parse().ok())
                .expect("size");
            listed.insert(key, size);
        }
        if element(&xml, "IsTruncated").as_deref() != Some("true") {
            break;
        }
        marker = element(&xml, "NextMarker").expect("next marker");
    }

    // Each large key: one whole version that it may hold.
    let mut by_key: BTreeMap<&str, Vec<&Attempt>> = BTreeMap::new();
    for a in &l.attempts {
        by_key.entry(a.key).or_default().push(a);
    }
    let (mut last_acked, mut landed_in_flight) = (0, 0);
    for (key, attempts) in &by_key {
        let acked = |a: &Attempt| a.acked().is_some();
        // Superseded: an acknowledged write to the key was sent after this
        // one's acknowledgement, so it is ordered after it.
        let superseded = |a: &Attempt| {
            a.acked()
                .is_some_and(|t| attempts.iter().any(|w| acked(w) && w.sent > t))
        };
        let allowed: Vec<&&Attempt> = attempts.iter().filter(|a| !superseded(a)).collect();
        let (s, got) = get_version(&client, &format!("/dura/{key}"));
        match s {
            200 => {
                let Some(hit) = allowed.iter().find(|a| a.version == got) else {
                    let older = attempts.iter().any(|a| a.version == got);
                    panic!(
                        "{key} holds {got:?}: {}; allowed: {allowed:?}",
                        if older {
                            "an older version than the last acknowledged one"
                        } else {
                            "no version that was sent (partial or mixed)"
                        }
                    );
                };
                if acked(hit) {
                    last_acked += 1;
                } else {
                    landed_in_flight += 1;
                }
                assert_eq!(listed.get(*key), Some(&got.len), "{key} listed wrongly");
            }
            404 => {
                assert!(
                    !attempts.iter().any(|a| acked(a)),
                    "{key}: acknowledged versions lost"
                );
                assert!(!listed.contains_key(*key), "{key} listed but not found");
            }
            s => panic!("GET {key}: {s}"),
        }
    }

    // The Appendable object: exactly the acknowledged appends, perhaps
    // followed by the whole append in flight.
    let appends = appends.lock().expect("lock");
    let (s, body) = client.signed("GET", "/dura/log", &[], &[]).map_body();
    if s == 200 {
        let mut with_pending = appends.acked.clone();
        with_pending.extend_from_slice(appends.pending.as_deref().unwrap_or_default());
        assert!(
            body == appends.acked || body == with_pending,
            "appended object has {} bytes: acknowledged {}, in flight {}",
            body.len(),
            appends.acked.len(),
            appends.pending.as_ref().map_or(0, Vec::len)
        );
        assert_eq!(listed.get("log"), Some(&(body.len() as u64)));
    } else {
        assert!(appends.acked.is_empty(), "acknowledged appends lost ({s})");
    }

    // saveas results: the acknowledged ones are there with their size; any
    // listed one is whole and equals a fresh render of its processing.
    let saves = saves.lock().expect("lock");
    for (i, size) in &saves.acked {
        let (key, _) = saved_key(*i);
        assert_eq!(listed.get(&key), Some(size), "{key} lost or resized");
    }
    let mut renders = 0;
    for i in saves.acked.iter().map(|(i, _)| *i).chain(saves.pending) {
        let (key, process) = saved_key(i);
        let Some(size) = listed.get(&key) else {
            continue;
        };
        let (s, saved) = client
            .signed("GET", &format!("/dura/{key}"), &[], &[])
            .map_body();
        assert_eq!(s, 200, "{key} listed but unreadable");
        assert_eq!(saved.len() as u64, *size, "{key} partial");
        ossimg::img::codec::probe(&saved, &ossimg::img::Limits::default())
            .expect("saved image decodes");
        let (s, fresh) = client
            .signed(
                "GET",
                &format!("/dura/src.jpg?x-oss-process={process}"),
                &[],
                &[],
            )
            .map_body();
        assert_eq!(s, 200);
        assert_eq!(md5_hex(&saved), md5_hex(&fresh), "{key} is not its render");
        renders += 1;
    }

    // Nothing else is listed: no temp or partial object.
    let known: BTreeSet<String> = by_key
        .keys()
        .map(|k| k.to_string())
        .chain(["log".to_string(), "src.jpg".to_string()])
        .chain(
            saves
                .acked
                .iter()
                .map(|(i, _)| *i)
                .chain(saves.pending)
                .map(|i| saved_key(i).0),
        )
        .collect();
    for key in listed.keys() {
        assert!(known.contains(key), "unexpected object listed: {key}");
    }
    let (s, src) = get_version(&client, "/dura/src.jpg");
    assert_eq!(s, 200);
    assert_eq!(src.md5, md5_hex(&jpeg), "src.jpg changed");

    // Stale temp files of the interrupted writes were swept at start.
    let tmp = dir.path().join("tmp");
    let leftovers = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "temp files left in {}", tmp.display());
    eprintln!(
        "{} writes to {} keys ({} bytes): {last_acked} keys hold their last acknowledged \
         version, {landed_in_flight} one that was in flight; {} bytes appended; {} saveas \
         acknowledged, {renders} checked; {} listed; {:?} in all",
        l.attempts.len(),
        by_key.len(),
        l.attempts.iter().map(|a| a.version.len).sum::<u64>(),
        appends.acked.len(),
        saves.acked.len(),
        listed.len(),
        began.elapsed(),
    );
}

/// The (status, body) of a [`Client::signed`] answer.
trait MapBody {
    fn map_body(self) -> (u16, Vec<u8>);
}

impl MapBody for (u16, Vec<(String, String)>, Vec<u8>) {
    fn map_body(self) -> (u16, Vec<u8>) {
        (self.0, self.2)
    }
}

// ---- constant memory ----------------------------------------------------------

/// Bytes in each part of the large object.
const PART: u64 = 64 * MIB;
/// Parts of the large object (1 GiB in all).
const PARTS: u64 = 16;
/// Bound on the server's peak RSS.
const RSS_BOUND_KIB: u64 = 96 * 1024;

/// Reads and writes stream with constant memory: a 1 GiB multipart object
/// (16 parts of 64 MiB, made as they are sent; the test never holds more
/// than 1 MiB of it) uploads, completes and downloads while the server's
/// peak RSS (VmHWM) stays under 96 MiB. Each part's ETag is its MD5, the
/// object's ETag is the multipart form of the spec, and the download's MD5,
/// computed as it arrives, is that of the bytes sent. (1 GiB, not the 5 GiB
/// of the goal: the test profile's server hashes uploads with an
/// unoptimised MD5 at ~40 MB/s, so on a 2-core VM the upload alone takes
/// ~25 s and the whole test ~30 s; 5 GiB would take minutes.)
#[test]
fn gib_multipart_object_streams_in_constant_memory() {
    let began = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path());
    let client = server.client();
    let pid = server.pid();
    assert_eq!(server.signed("PUT", "/big/", &[], &[]).0, 200);
    let rss_idle = peak_rss_kib(pid);

    let (s, _, body) = server.signed("POST", "/big/gib?uploads", &[], &[]);
    assert_eq!(s, 200);
    let upload = element(&String::from_utf8_lossy(&body), "UploadId").expect("UploadId");
    let payload = Payload {
        seed: 0x0005_EED0_F61B,
        len: PART * PARTS,
    };
    let mut whole = Md5Sink::new();
    let mut etags = Vec::new();
    let mut digests = Vec::new();
    for n in 1..=PARTS {
        let mut part = Md5Sink::new();
        let reader = Tee {
            inner: payload.reader((n - 1) * PART, n * PART),
            sinks: vec![&mut whole, &mut part],
        };
        let resp = client
            .signed_streaming(
                "PUT",
                &format!("/big/gib?partNumber={n}&uploadId={upload}"),
                &[],
                PART,
                reader,
            )
            .unwrap_or_else(|e| panic!("part {n}: {e}"));
        assert_eq!(resp.status(), 200, "part {n}");
        let etag = resp
            .header("etag")
            .unwrap_or("")
            .trim_matches('"')
            .to_string();
        let sent = part.finish();
        assert_eq!(sent.len, PART);
        assert_eq!(etag, sent.md5, "part {n} ETag");
        digests.extend(hex::decode(&sent.md5).expect("hex"));
        etags.push(etag);
    }
    let sent = whole.finish();
    assert_eq!(sent.len, PART * PARTS);
    let uploaded = began.elapsed();
    let rss_upload = peak_rss_kib(pid);

    let (s, _, body) = server.signed(
        "POST",
        &format!("/big/gib?uploadId={upload}"),
        &[],
        complete_body(&etags).as_bytes(),
    );
    let text = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(s, 200, "{text}");
    let etag = element(&text, "ETag").expect("ETag");
    let etag = etag.trim_matches('"').replace("&quot;", "");
    assert_eq!(etag, format!("{}-{PARTS}", md5_hex(&digests)));
    let completed = began.elapsed();
    let rss_complete = peak_rss_kib(pid);

    let resp = client
        .signed_streaming("GET", "/big/gib", &[], 0, io::empty())
        .expect("GET answered");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.header("content-length"),
        Some(sent.len.to_string().as_str())
    );
    let mut got = Md5Sink::new();
    pump(&mut resp.into_reader(), &mut got).expect("download");
    assert_eq!(got.finish(), sent, "downloaded bytes differ");
    let rss_end = peak_rss_kib(pid);
    eprintln!(
        "1 GiB: uploaded in {uploaded:?}, completed at {completed:?}, downloaded at {:?}; \
         server peak RSS {} MiB idle, {} after upload, {} after completion, {} after download",
        began.elapsed(),
        rss_idle / 1024,
        rss_upload / 1024,
        rss_complete / 1024,
        rss_end / 1024,
    );
    assert!(
        rss_end < RSS_BOUND_KIB,
        "server peak RSS {rss_end} KiB, bound {RSS_BOUND_KIB} KiB"
    );
}
