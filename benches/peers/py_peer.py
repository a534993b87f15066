"""In-process throughput of a Python peer (pyvips or Pillow/Pillow-SIMD).

python py_peer.py --lib pyvips|pillow --op JSON --input FILE [--workers 2]
       [--count N] [--out FILE]

Prints one JSON line like benches/throughput.rs: images/s, seconds, output
bytes and peak RSS (KiB). Workers are threads of this one process (both
libraries release the GIL while decoding, resizing and encoding).
"""

import argparse
import io
import json
import resource
import sys
import threading
import time


def make_pyvips(op):
    import pyvips

    pyvips.cache_set_max(0)  # no operation cache: every call does the work
    big = 10_000_000

    def save(im):
        fmt = op["fmt"]
        if fmt == "jpeg":
            return im.jpegsave_buffer(Q=op["q"], strip=True)
        if fmt == "webp":
            return im.webpsave_buffer(Q=op["q"], strip=True)
        if fmt == "png":
            return im.pngsave_buffer(strip=True)
        if fmt == "gif":
            return im.gifsave_buffer(strip=True)
        raise ValueError(fmt)

    def run(buf):
        kind = op["kind"]
        opts = "n=-1" if op.get("anim") else ""
        if kind == "width":
            im = pyvips.Image.thumbnail_buffer(buf, op["w"], height=big, option_string=opts)
        elif kind == "fill":
            im = pyvips.Image.thumbnail_buffer(buf, op["w"], height=op["h"], crop="centre")
        elif kind == "percent":
            w = pyvips.Image.new_from_buffer(buf, "").width
            im = pyvips.Image.thumbnail_buffer(buf, round(w * op["p"] / 100), height=big)
        else:
            raise ValueError(kind)
        return save(im)

    return run


def make_pillow(op):
    from PIL import Image, ImageOps, ImageSequence

    def run(buf):
        im = Image.open(io.BytesIO(buf))
        kind = op["kind"]
        fmt = op["fmt"]
        if op.get("anim"):
            frames, durations = [], []
            for fr in ImageSequence.Iterator(im):
                f = fr.convert("RGBA")
                h = max(1, round(f.height * op["w"] / f.width))
                frames.append(f.resize((op["w"], h), Image.LANCZOS))
                durations.append(fr.info.get("duration", 100))
            out = io.BytesIO()
            frames[0].save(out, "GIF", save_all=True, append_images=frames[1:],
                           duration=durations, loop=im.info.get("loop", 0))
            return out.getvalue()
        w0, h0 = im.size
        if kind == "width":
            size = (op["w"], max(1, round(h0 * op["w"] / w0)))
        elif kind == "fill":
            size = (op["w"], op["h"])
        else:
            size = (round(w0 * op["p"] / 100), round(h0 * op["p"] / 100))
        if im.format == "JPEG":
            # Shrink-on-load (DCT scaling), the same trick libvips uses.
            scale = max(size[0] / w0, size[1] / h0)
            im.draft("RGB", (int(w0 * scale) + 1, int(h0 * scale) + 1))
        if kind == "fill":
            im = ImageOps.fit(im, size, Image.LANCZOS)
        else:
            im = im.resize(size, Image.LANCZOS)
        out = io.BytesIO()
        if fmt == "jpeg":
            im.convert("RGB").save(out, "JPEG", quality=op["q"])
        elif fmt == "webp":
            im.save(out, "WEBP", quality=op["q"])
        elif fmt == "png":
            im.save(out, "PNG")
        else:
            im.save(out, "GIF")
        return out.getvalue()

    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True, choices=["pyvips", "pillow"])
    ap.add_argument("--op", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--out")
    a = ap.parse_args()
    op = json.loads(a.op)
    run = make_pyvips(op) if a.lib == "pyvips" else make_pillow(op)
    with open(a.input, "rb") as f:
        buf = f.read()
    first = run(buf)
    if a.out:
        with open(a.out, "wb") as f:
            f.write(first)
    lock = threading.Lock()
    left = [a.count]

    def worker():
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            run(buf)

    t = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(a.workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    secs = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"impl": a.lib, "images_per_s": a.count / secs, "seconds": secs,
                      "count": a.count, "workers": a.workers, "out_bytes": len(first),
                      "peak_rss_kib": rss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
