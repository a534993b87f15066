"""ossimg vs libvips/sharp/Pillow-SIMD/thumbor/nginx, in one run (P1-P6).

Run through scripts/bench.sh, which installs the peers and builds ossimg.
Every server listens on 127.0.0.1 and every load run is bounded (wrk -d, or a
fixed request count). Prints one table of ossimg/peer ratios with the goal of
each row and writes benches/results/<stamp>/{results.json,table.md}.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures", "images")
VENV = os.path.join(ROOT, ".venv-bench", "bin", "python")
VENV_SIMD = os.path.join(ROOT, ".venv-bench-simd", "bin", "python")
NODE_DIR = os.path.join(ROOT, "benches", "node")
PY_PEER = os.path.join(ROOT, "benches", "peers", "py_peer.py")
KEY_ID, KEY_SECRET = "benchkey", "benchsecret-benchsecret"
BUCKET = "bench"

# Same input and the same request for ossimg and every peer.
WORKLOADS = {
    "P1": dict(input="photo-12mp.jpg", process="image/resize,w_200/quality,Q_85",
               op=dict(kind="width", w=200, fmt="jpeg", q=85), count=40,
               label="photo-12mp.jpg -> w_200 JPEG Q85"),
    "P3a": dict(input="photo-12mp.jpg", process="image/resize,w_800/format,webp/quality,Q_80",
                op=dict(kind="width", w=800, fmt="webp", q=80), count=20,
                label="photo-12mp.jpg -> w_800 WebP Q80"),
    "P3b": dict(input="photo-2mp.jpg", process="image/resize,m_fill,w_300,h_300/quality,Q_85",
                op=dict(kind="fill", w=300, h=300, fmt="jpeg", q=85), count=60,
                label="photo-2mp.jpg -> m_fill 300x300 Q85"),
    "P3c": dict(input="alpha-photo.png", process="image/resize,p_50",
                op=dict(kind="percent", p=50, fmt="png"), count=10,
                label="alpha-photo.png -> p_50 PNG"),
    "P3d": dict(input="animated.gif", process="image/resize,w_100",
                op=dict(kind="width", w=100, fmt="gif", anim=True), count=12,
                label="animated.gif -> w_100, all frames"),
}


def log(msg):
    print(msg, flush=True)


def med(xs):
    return statistics.median(xs) if xs else None


def spread(xs):
    if not xs:
        return "n/a"
    return f"{med(xs):.1f} [{min(xs):.1f}-{max(xs):.1f}]"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_json(cmd, env=None, timeout=600):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {p.stderr.strip()[-400:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


class Peers:
    """Which peers are usable, and why not when they are not."""

    def __init__(self, status_file):
        self.why = {}
        if status_file and os.path.exists(status_file):
            for line in open(status_file):
                name, _, reason = line.rstrip("\n").partition("\t")
                self.why[name] = reason
        self.check("pyvips", [VENV, "-c", "import pyvips; print(pyvips.__version__, 'on libvips',"
                                          " '.'.join(str(pyvips.version(i)) for i in range(3)))"])
        self.check("pillow-simd", [VENV_SIMD, "-c", "import PIL; print(PIL.__version__)"])
        self.check("thumbor", [VENV, "-c", "import thumbor; print(thumbor.__version__)"])
        self.check("sharp", ["node", "-e", "const v = require('sharp').versions;"
                                        " console.log(v.sharp + ' on libvips ' + v.vips)"], cwd=NODE_DIR)
        self.check("vipsthumbnail", ["vipsthumbnail", "--vips-version"])
        self.check("nginx", ["nginx", "-v"])
        self.check("wrk", ["wrk", "--version"], ok_codes=(0, 1))
        self.check("oss2", [VENV, "-c", "import oss2; print(oss2.__version__)"])

    def check(self, name, cmd, cwd=None, ok_codes=(0,)):
        if name in self.why:
            return
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=60)
            if p.returncode not in ok_codes:
                self.why[name] = (p.stderr or p.stdout).strip().splitlines()[-1][:200]
            else:
                self.version = getattr(self, "version", {})
                self.version[name] = (p.stdout + p.stderr).strip().splitlines()[0][:80] if (p.stdout + p.stderr).strip() else ""
        except (OSError, subprocess.TimeoutExpired) as e:
            self.why[name] = str(e)[:200]

    def ok(self, name):
        return name not in self.why


# ---------------------------------------------------------------- in-process


def inproc(args, peers, name, wl, workers, count, out):
    op = json.dumps(wl["op"])
    inp = os.path.join(FIX, wl["input"])
    if name == "ossimg":
        return run_json([args.throughput, "--input", inp, "--process", wl["process"],
                         "--workers", str(workers), "--count", str(count), "--out", out])
    if name == "pyvips":
        return run_json([VENV, PY_PEER, "--lib", "pyvips", "--op", op, "--input", inp,
                         "--workers", str(workers), "--count", str(count), "--out", out],
                        env={"VIPS_CONCURRENCY": "1"})
    if name == "pillow-simd":
        return run_json([VENV_SIMD, PY_PEER, "--lib", "pillow", "--op", op, "--input", inp,
                         "--workers", str(workers), "--count", str(count), "--out", out])
    if name == "sharp":
        return run_json(["node", os.path.join(NODE_DIR, "sharp_peer.js"), op, inp,
                         str(workers), str(count), out],
                        env={"UV_THREADPOOL_SIZE": str(workers)})
    if name == "vipsthumbnail":
        return vipsthumbnail(wl, inp, workers, count, out)
    raise ValueError(name)


def vipsthumbnail(wl, inp, workers, count, out):
    """`workers` vipsthumbnail processes, each given its share of the images."""
    op = wl["op"]
    tmp = tempfile.mkdtemp(prefix="vt-")
    try:
        src = inp + ("[n=-1]" if op.get("anim") else "")
        if op["kind"] == "width":
            size = ["-s", f"{op['w']}x"]
        elif op["kind"] == "fill":
            size = ["-s", f"{op['w']}x{op['h']}", "--smartcrop", "centre"]
        else:
            w = int(subprocess.run(["vipsheader", "-f", "width", inp], capture_output=True,
                                   text=True).stdout)
            size = ["-s", f"{round(w * op['p'] / 100)}x"]
        ext = {"jpeg": "jpg", "webp": "webp", "png": "png", "gif": "gif"}[op["fmt"]]
        opts = f"[Q={op['q']},strip]" if "q" in op else "[strip]"
        outpat = os.path.join(tmp, f"%s.{ext}{opts}")
        per = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
        # One untimed run for the output file.
        subprocess.run(["vipsthumbnail", *size, "-o", outpat, src], check=True,
                       capture_output=True, env=dict(os.environ, VIPS_CONCURRENCY="1"))
        produced = os.path.join(tmp, os.path.splitext(os.path.basename(inp))[0] + "." + ext)
        shutil.copy(produced, out)
        t = time.perf_counter()
        procs = [subprocess.Popen(["vipsthumbnail", *size, "-o", outpat, *([src] * n)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env=dict(os.environ, VIPS_CONCURRENCY="1"))
                 for n in per if n]
        for p in procs:
            if p.wait() != 0:
                raise RuntimeError("vipsthumbnail: " + p.stderr.read().decode()[-300:])
        secs = time.perf_counter() - t
        return {"impl": "vipsthumbnail", "images_per_s": count / secs, "seconds": secs,
                "count": count, "workers": workers, "out_bytes": os.path.getsize(out),
                "peak_rss_kib": 0}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- servers


class Server:
    def __init__(self, cmd, port, ready_path, env=None, cwd=None):
        e = dict(os.environ)
        if env:
            e.update(env)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, env=e, cwd=cwd, stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        self.port = port
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{cmd[0]} exited: {self.log.read().decode()[-500:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=2) as r:
                    if r.status < 500:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{cmd[0]} not ready on 127.0.0.1:{port}")

    def rss_kib(self, field="VmRSS"):
        """RSS of the server process and its children (thumbor's forks)."""
        total = 0
        pids = [self.proc.pid]
        try:
            out = subprocess.run(["pgrep", "-s", str(self.proc.pid)], capture_output=True,
                                 text=True).stdout.split()
            pids = sorted(set(pids + [int(x) for x in out]))
        except OSError:
            pass
        for pid in pids:
            try:
                for line in open(f"/proc/{pid}/status"):
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wrk(url, conc, secs):
    """Bounded wrk run against 127.0.0.1 only; returns requests/s and errors."""
    assert url.startswith("http://127.0.0.1:"), url
    threads = min(2, conc)
    p = subprocess.run(["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{secs}s",
                        "--timeout", "30s", url], capture_output=True, text=True,
                       timeout=secs + 60)
    m = re.search(r"Requests/sec:\s+([\d.]+)", p.stdout)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", p.stdout)
    errs = re.search(r"Socket errors:.*", p.stdout)
    total = re.search(r"(\d+) requests in", p.stdout)
    if not m or not total:
        raise RuntimeError("wrk: " + p.stdout[-300:] + p.stderr[-300:])
    n, nbad = int(total.group(1)), int(bad.group(1)) if bad else 0
    if n == 0 or nbad > n // 2:
        raise RuntimeError(f"wrk {url}: {nbad} of {n} responses were not 2xx/3xx")
    # Only successful responses count.
    return float(m.group(1)) * (n - nbad) / n, nbad, errs.group(0) if errs else ""


def start_ossimg(args, data, cache_bytes=None):
    """Starts `ossimg serve`; `cache_bytes=0` turns the result cache off."""
    port = free_port()
    env = {"OSSIMG_ACCESS_KEY_ID": KEY_ID, "OSSIMG_ACCESS_KEY_SECRET": KEY_SECRET,
           "RUST_LOG": "warn"}
    if cache_bytes is not None:
        env["OSSIMG_CACHE_BYTES"] = str(cache_bytes)
    srv = Server([args.ossimg, "serve", "--listen", f"127.0.0.1:{port}", "--data", data], port,
                 "/-/ready", env=env)
    return srv


def upload(port, files):
    import oss2  # in .venv-bench

    auth = oss2.Auth(KEY_ID, KEY_SECRET)
    bucket = oss2.Bucket(auth, f"http://127.0.0.1:{port}", BUCKET)
    try:
        bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
    except oss2.exceptions.BucketAlreadyExists:
        pass
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    for key, path in files.items():
        bucket.put_object_from_file(key, path)


def start_thumbor(root):
    port = free_port()
    conf = os.path.join(root, "thumbor.conf")
    with open(conf, "w") as f:
        f.write(f"""LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = '{root}'
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = None
ALLOW_UNSAFE_URL = True
QUALITY = 85
AUTO_WEBP = False
""")
    thumbor = os.path.join(os.path.dirname(VENV), "thumbor")
    return Server([thumbor, "--ip", "127.0.0.1", "--port", str(port), "--conf", conf,
                   "--processes", "2", "-l", "warning"], port, "/healthcheck")


def start_nginx(root):
    port = free_port()
    conf = os.path.join(root, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path {root}/tmp;
  proxy_temp_path {root}/tmp;
  fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp;
  scgi_temp_path {root}/tmp;
  server {{
    listen 127.0.0.1:{port};
    root {root}/www;
    location = /healthz {{ return 200 "ok"; }}
  }}
}}
""")
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    return Server(["nginx", "-c", conf, "-p", root, "-g", "daemon off;"], port, "/healthz")


# ---------------------------------------------------------------- P4 mixed load


def mixed_load(port, n, conc=4):
    """n GETs over a mix of processed and plain requests, `conc` at a time."""
    paths = [f"/{BUCKET}/photo-12mp.jpg?x-oss-process={WORKLOADS[k]['process']}"
             for k in ("P1", "P3a")]
    paths += [f"/{BUCKET}/{WORKLOADS[k]['input']}?x-oss-process={WORKLOADS[k]['process']}"
              for k in ("P3b", "P3c", "P3d")]
    paths += [f"/{BUCKET}/blob-4mb.bin", f"/{BUCKET}/photo-2mp.jpg",
              f"/{BUCKET}/photo-2mp.jpg?x-oss-process=image/info"]
    counter = [0]
    errors = [0]
    lock = threading.Lock()

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = counter[0]
                if i >= n:
                    break
                counter[0] += 1
            try:
                c.request("GET", paths[i % len(paths)])
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    with lock:
                        errors[0] += 1
            except (OSError, http.client.HTTPException):
                with lock:
                    errors[0] += 1
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.close()

    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errors[0]


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ossimg", required=True)
    ap.add_argument("--throughput", required=True)
    ap.add_argument("--peer-status")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="",
                    help="comma-separated in-process workloads to (re)run, e.g. P1,P3a; "
                         "HTTP workloads run only when this is empty or has HTTP")
    ap.add_argument("--merge", help="results.json of an earlier run: keep what is not rerun")
    args = ap.parse_args()
    only = [x for x in args.only.split(",") if x]
    runs = 3 if args.quick else 5
    http_runs = 2 if args.quick else 3
    http_secs = 4 if args.quick else 10
    scale = 0.4 if args.quick else 1.0
    mixed_n = int(os.environ.get("OSSIMG_BENCH_MIXED_REQUESTS", "1000" if args.quick else "10000"))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    outdir = os.path.join(ROOT, "benches", "results", stamp)
    os.makedirs(outdir, exist_ok=True)
    peers = Peers(args.peer_status)
    for k, v in sorted(peers.why.items()):
        log(f"peer unavailable: {k}: {v}")
    res = {"stamp": stamp, "quick": args.quick, "runs": runs, "peers_unavailable": peers.why,
           "versions": getattr(peers, "version", {}), "inproc": {}, "http": {}}
    if args.merge:
        with open(args.merge) as f:
            old = json.load(f)
        res["inproc"], res["http"] = old["inproc"], old["http"]
        res["merged_from"] = old["stamp"]
        for k in only:
            res["inproc"].pop(k, None)

    # ---- P1, P3 (and P4 peak RSS): in-process, 2 workers
    impls = ["ossimg", "vipsthumbnail", "pyvips", "sharp", "pillow-simd"]
    for key, wl in WORKLOADS.items():
        if only and key not in only:
            continue
        count = max(4, int(wl["count"] * scale))
        log(f"== {key}: {wl['label']} ({count} images x {runs} runs, 2 workers)")
        for name in impls:
            if name != "ossimg" and not peers.ok(name):
                continue
            out = os.path.join(outdir, f"{key}-{name}.out")
            rows = []
            try:
                for _ in range(runs):
                    rows.append(inproc(args, peers, name, wl, 2, count, out))
            except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as e:
                log(f"   {name}: failed: {e}")
                res["inproc"].setdefault(key, {})[name] = {"error": str(e)[:300]}
                continue
            ips = [r["images_per_s"] for r in rows]
            rss = [r["peak_rss_kib"] for r in rows]
            res["inproc"].setdefault(key, {})[name] = {
                "images_per_s": ips, "peak_rss_kib": rss, "out_bytes": rows[0]["out_bytes"]}
            log(f"   {name:<14} {spread(ips)} img/s   out {rows[0]['out_bytes']} B"
                f"   peak RSS {med(rss) / 1024:.0f} MiB")

    # ---- HTTP: P2, P4 (mixed), P5, P6
    work = tempfile.mkdtemp(prefix="ossimg-bench-")
    os.chmod(work, 0o755)  # nginx workers run as an unprivileged user
    www = os.path.join(work, "www")
    os.makedirs(www)
    blob = os.path.join(www, "blob-4mb.bin")
    with open(blob, "wb") as f:
        f.write(os.urandom(4 * 1024 * 1024))
    for name in ("photo-12mp.jpg", "photo-2mp.jpg", "alpha-photo.png", "animated.gif"):
        shutil.copy(os.path.join(FIX, name), www)
    H = res["http"]
    srv = None
    do_http = not only or "HTTP" in only
    try:
        if not do_http:
            raise RuntimeError("HTTP workloads not selected (--only)")
        if not (peers.ok("wrk") and peers.ok("oss2")):
            raise RuntimeError("wrk or oss2 unavailable: HTTP workloads skipped")
        files = {n: os.path.join(www, n) for n in os.listdir(www)}
        # P2 repeats one request, as the peers' runs do; thumbor keeps no
        # result cache by default, so ossimg runs with its cache off here:
        # every request decodes, resizes and encodes.
        srv = start_ossimg(args, os.path.join(work, "data-nocache"), cache_bytes=0)
        upload(srv.port, files)
        base = f"http://127.0.0.1:{srv.port}/{BUCKET}"
        p1url = f"{base}/photo-12mp.jpg?x-oss-process={WORKLOADS['P1']['process']}"
        with urllib.request.urlopen(p1url) as r:
            H["p2_ossimg_bytes"] = len(r.read())
        for conc in (2, 4, 8):
            xs = []
            for _ in range(http_runs):
                rps, bad, errs = wrk(p1url, conc, http_secs)
                xs.append(rps)
                if bad or errs:
                    log(f"   warning: ossimg c={conc}: {bad} non-2xx; {errs}")
            H[f"p2_ossimg_c{conc}"] = xs
            log(f"== P2 ossimg (result cache off) c={conc}: {spread(xs)} req/s")
        srv.stop()
        # P5, P6 and P4 run with the default configuration (cache on).
        srv = start_ossimg(args, os.path.join(work, "data"))
        upload(srv.port, files)
        base = f"http://127.0.0.1:{srv.port}/{BUCKET}"
        p1url = f"{base}/photo-12mp.jpg?x-oss-process={WORKLOADS['P1']['process']}"
        xs = []
        for _ in range(http_runs):
            rps, bad, errs = wrk(f"{base}/blob-4mb.bin", 8, http_secs)
            xs.append(rps)
            if bad or errs:
                log(f"   warning: ossimg P5: {bad} non-2xx; {errs}")
        H["p5_ossimg"] = xs
        log(f"== P5 ossimg 4 MB GET c=8: {spread(xs)} req/s")
        xs = []
        for _ in range(http_runs):
            rps, bad, errs = wrk(p1url, 8, http_secs)
            xs.append(rps)
            if bad or errs:
                log(f"   warning: ossimg P6: {bad} non-2xx; {errs}")
        H["p6_ossimg"] = xs
        log(f"== P6 ossimg repeated processed GET c=8: {spread(xs)} req/s")
        # P4: RSS growth over mixed requests.
        warm = max(100, mixed_n // 10)
        e1 = mixed_load(srv.port, warm)
        rss_warm = srv.rss_kib()
        e2 = mixed_load(srv.port, mixed_n)
        rss_end = srv.rss_kib()
        H["p4_mixed"] = {"requests": mixed_n, "warmup": warm, "errors": e1 + e2,
                         "rss_after_warmup_kib": rss_warm, "rss_after_kib": rss_end,
                         "peak_kib": srv.rss_kib("VmHWM")}
        log(f"== P4 ossimg server RSS: {rss_warm / 1024:.0f} MiB after {warm} requests, "
            f"{rss_end / 1024:.0f} MiB after {mixed_n} more ({e1 + e2} errors)")
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        log(f"ossimg HTTP workloads: {e}")
        if do_http:
            H["ossimg_error"] = str(e)[:300]
    finally:
        if srv:
            srv.stop()

    if do_http and peers.ok("thumbor") and peers.ok("wrk"):
        th = None
        try:
            th = start_thumbor(www)
            url = f"http://127.0.0.1:{th.port}/unsafe/200x0/filters:quality(85)/photo-12mp.jpg"
            with urllib.request.urlopen(url) as r:
                H["p2_thumbor_bytes"] = len(r.read())
            for conc in (2, 4, 8):
                xs = []
                for _ in range(http_runs):
                    rps, bad, errs = wrk(url, conc, http_secs)
                    xs.append(rps)
                    if bad or errs:
                        log(f"   warning: thumbor c={conc}: {bad} non-2xx; {errs}")
                H[f"p2_thumbor_c{conc}"] = xs
                log(f"== P2 thumbor c={conc}: {spread(xs)} req/s")
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            log(f"thumbor failed: {e}")
            peers.why["thumbor"] = f"did not run: {str(e)[:200]}"
        finally:
            if th:
                th.stop()

    if do_http and peers.ok("nginx") and peers.ok("wrk"):
        ng = None
        try:
            ng = start_nginx(work)
            xs = []
            for _ in range(http_runs):
                rps, bad, errs = wrk(f"http://127.0.0.1:{ng.port}/blob-4mb.bin", 8, http_secs)
                xs.append(rps)
                if bad or errs:
                    log(f"   warning: nginx: {bad} non-2xx; {errs}")
            H["p5_nginx"] = xs
            log(f"== P5 nginx 4 MB GET c=8: {spread(xs)} req/s")
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            log(f"nginx failed: {e}")
            peers.why["nginx"] = f"did not run: {str(e)[:200]}"
        finally:
            if ng:
                ng.stop()
    shutil.rmtree(work, ignore_errors=True)

    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    table = render(res, peers)
    with open(os.path.join(outdir, "table.md"), "w") as f:
        f.write(table)
    print()
    print(table)
    log(f"raw results: {outdir}")
    return 0


def render(res, peers):
    I, H = res["inproc"], res["http"]

    def m(xs):
        return med(xs) if xs else None

    def ips(key, name):
        r = I.get(key, {}).get(name, {})
        return r.get("images_per_s")

    def fastest(key):
        best = None
        for name, r in I.get(key, {}).items():
            if name == "ossimg" or "images_per_s" not in r:
                continue
            v = m(r["images_per_s"])
            if best is None or v > best[1]:
                best = (name, v, r["images_per_s"])
        return best

    def fmt(xs, unit=""):
        if not xs:
            return "n/a"
        return f"{med(xs):.1f} ({min(xs):.1f}-{max(xs):.1f}){unit}"

    rows = []

    def row(workload, ours, peer, ratio, goal, met):
        mark = "n/a" if met is None else ("met" if met else "NOT met")
        rows.append(f"| {workload} | {ours} | {peer} | {ratio} | {goal} | {mark} |")

    def ratio_row(key, label, target):
        o = ips(key, "ossimg")
        fb = fastest(key)
        if not o:
            row(label, "failed", "", "", f">= {target}x fastest peer", None)
        elif not fb:
            row(label, fmt(o, " img/s"), "peer unavailable", "", f">= {target}x fastest peer", None)
        else:
            r = m(o) / fb[1]
            row(label, fmt(o, " img/s"), f"{fb[0]}: {fmt(fb[2], ' img/s')}", f"{r:.2f}x",
                f">= {target}x fastest peer", r >= target)

    ratio_row("P1", "P1 12 MP JPEG -> w_200 Q85, 2 workers", 2.0)
    fb1 = fastest("P1")
    for conc in (2, 4, 8):
        o, t = H.get(f"p2_ossimg_c{conc}"), H.get(f"p2_thumbor_c{conc}")
        if not o:
            row(f"P2 HTTP c={conc} vs thumbor", "failed", "", "", ">= 2.5x thumbor", None)
        elif not t:
            row(f"P2 HTTP c={conc} vs thumbor", fmt(o, " req/s"), "peer unavailable", "",
                ">= 2.5x thumbor", None)
        else:
            r = m(o) / m(t)
            row(f"P2 HTTP c={conc} vs thumbor", fmt(o, " req/s"), f"thumbor: {fmt(t, ' req/s')}",
                f"{r:.2f}x", ">= 2.5x thumbor", r >= 2.5)
    best = max((m(H[k]) for k in H if k.startswith("p2_ossimg_c")), default=None)
    if best and fb1:
        r = best / fb1[1]
        row("P2 HTTP best c vs fastest in-process peer", f"{best:.1f} req/s",
            f"{fb1[0]}: {fb1[1]:.1f} img/s", f"{r:.2f}x", ">= 1.5x fastest peer in-process",
            r >= 1.5)
    else:
        row("P2 HTTP best c vs fastest in-process peer", f"{best or 'failed'}",
            "peer unavailable" if not fb1 else "", "", ">= 1.5x fastest peer in-process", None)
    for key, label in (("P3a", "P3 12 MP -> w_800 WebP Q80"), ("P3b", "P3 2 MP -> fill 300x300 Q85"),
                       ("P3c", "P3 alpha PNG -> p_50 PNG"), ("P3d", "P3 animated GIF -> w_100")):
        ratio_row(key, label, 1.5)
    o = I.get("P1", {}).get("ossimg", {}).get("peak_rss_kib")
    pv = I.get("P1", {}).get("pyvips", {}).get("peak_rss_kib")
    if o and pv:
        r = m(o) / m(pv)
        row("P4 peak RSS, P1 with 2 workers", f"{m(o) / 1024:.0f} MiB",
            f"pyvips: {m(pv) / 1024:.0f} MiB", f"{r:.2f}x", "<= pyvips peak", r <= 1.0)
    else:
        row("P4 peak RSS, P1 with 2 workers", f"{m(o) / 1024:.0f} MiB" if o else "failed",
            "peer unavailable", "", "<= pyvips peak", None)
    mx = H.get("p4_mixed")
    if mx:
        g = (mx["rss_after_kib"] - mx["rss_after_warmup_kib"]) / 1024
        row(f"P4 server RSS growth over {mx['requests']} mixed requests",
            f"{mx['rss_after_warmup_kib'] / 1024:.0f} -> {mx['rss_after_kib'] / 1024:.0f} MiB "
            f"({mx['errors']} errors)", "", f"{g:+.0f} MiB", "no growth (< +10%)",
            mx["rss_after_kib"] <= 1.1 * mx["rss_after_warmup_kib"])
    else:
        row("P4 server RSS growth, mixed requests", "failed", "", "", "no growth", None)
    o, n = H.get("p5_ossimg"), H.get("p5_nginx")
    if o and n:
        r = m(o) / m(n)
        row("P5 GET 4 MB object, c=8", fmt(o, " req/s"), f"nginx: {fmt(n, ' req/s')}",
            f"{r:.2f}x", ">= 0.8x nginx", r >= 0.8)
    else:
        row("P5 GET 4 MB object, c=8", fmt(o, " req/s") if o else "failed",
            "peer unavailable" if not n else "", "", ">= 0.8x nginx", None)
    o6, o5 = H.get("p6_ossimg"), H.get("p5_ossimg")
    if o6 and o5:
        r = m(o6) / m(o5)
        row("P6 repeated identical processed GET, c=8", fmt(o6, " req/s"),
            f"ossimg P5: {fmt(o5, ' req/s')}", f"{r:.2f}x", ">= 0.8x P5 (result cache)",
            False if r < 0.8 else True)
    else:
        row("P6 repeated identical processed GET", "failed", "", "", ">= 0.8x P5", None)

    # Quality parity: output sizes vs libvips (pyvips, else vipsthumbnail).
    parity = []
    for key, wl in WORKLOADS.items():
        o = I.get(key, {}).get("ossimg", {}).get("out_bytes")
        ref_name = next((n for n in ("pyvips", "vipsthumbnail")
                         if "out_bytes" in I.get(key, {}).get(n, {})), None)
        if not o or not ref_name:
            parity.append(f"| {key} {wl['label']} | {o or 'n/a'} | n/a | | peer unavailable |")
            continue
        ref = I[key][ref_name]["out_bytes"]
        d = (o - ref) / ref * 100
        # Lossless PNG: smaller is no loss of quality, so only "not larger" counts.
        ok = d <= 10 if wl["op"]["fmt"] == "png" else abs(d) <= 10
        parity.append(f"| {key} {wl['label']} | {o} | {ref_name}: {ref} | {d:+.1f}% | "
                      f"{'met' if ok else 'NOT met'} |")

    head = ("| workload | ossimg median (min-max) | peer median (min-max) | ossimg/peer | goal | |\n"
            "| --- | --- | --- | --- | --- | --- |\n")
    out = f"Run {res['stamp']} ({'quick' if res['quick'] else 'full'}; in-process: median of {res['runs']} runs)\n\n"
    if res.get("merged_from"):
        out += f"(Rows not rerun are from run {res['merged_from']}.)\n\n"
    out += head + "\n".join(rows) + "\n\n"
    out += ("Output size parity (same quality; goal: within 10% of libvips; lossless PNG: at most 10% larger)\n\n"
            "| workload | ossimg bytes | libvips bytes | difference | within 10% |\n"
            "| --- | --- | --- | --- | --- |\n" + "\n".join(parity) + "\n")
    if peers.why:
        out += "\nPeers unavailable:\n" + "".join(f"- {k}: {v}\n" for k, v in sorted(peers.why.items()))
    if getattr(peers, "version", None):
        out += "\nVersions: " + "; ".join(f"{k} {v}" for k, v in sorted(peers.version.items())) + "\n"
    return out


if __name__ == "__main__":
    sys.exit(main())
