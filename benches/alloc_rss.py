#!/usr/bin/env python3
"""Memory of `ossimg serve` under a long mixed load, one build per allocator.

Each binary serves the same fixtures with the result cache off (every
processed request decodes, processes and encodes), and `mixed_load` from
compare.py sends the P4 mix (thumbnails, WebP, fill, PNG, GIF, info, a 4 MB
plain GET) at concurrency 4. RSS is sampled after each slice of requests;
the last column is the peak (VmHWM).

    python3 benches/alloc_rss.py --requests 10000 \\
        system=target/release/ossimg mimalloc=/path/to/ossimg-mimalloc ...

Needs oss2 for the upload (the tests' .venv has it).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def run(name, binary, requests, slices, work):
    data = os.path.join(work, f"data-{name}")
    www = os.path.join(work, "www")
    args = argparse.Namespace(ossimg=binary)
    srv = compare.start_ossimg(args, data, cache_bytes=0)
    try:
        compare.upload(srv.port, {n: os.path.join(www, n) for n in os.listdir(www)})
        row = []
        started = time.time()
        step = requests // slices
        errors = 0
        for _ in range(slices):
            errors += compare.mixed_load(srv.port, step)
            row.append(srv.rss_kib() / 1024)
        peak = srv.rss_kib("VmHWM") / 1024
        took = time.time() - started
    finally:
        srv.stop()
    return row, peak, errors, took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--slices", type=int, default=5)
    ap.add_argument("builds", nargs="+", help="name=path/to/ossimg")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ossimg-alloc-")
    try:
        www = os.path.join(work, "www")
        os.makedirs(www)
        with open(os.path.join(www, "blob-4mb.bin"), "wb") as f:
            f.write(os.urandom(4 * 1024 * 1024))
        for n in ("photo-12mp.jpg", "photo-2mp.jpg", "alpha-photo.png", "animated.gif"):
            shutil.copy(os.path.join(compare.FIX, n), www)
        step = a.requests // a.slices
        head = " ".join(f"{(i + 1) * step:>7}" for i in range(a.slices))
        print(f"RSS in MiB after N requests (result cache off, concurrency 4)")
        print(f"{'build':<10} {head}    peak  errors  seconds")
        for spec in a.builds:
            name, _, path = spec.partition("=")
            row, peak, errors, took = run(name, path, a.requests, a.slices, work)
            cells = " ".join(f"{v:7.0f}" for v in row)
            print(f"{name:<10} {cells} {peak:7.0f} {errors:7d} {took:8.0f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
