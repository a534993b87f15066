"""Shared helpers for the Python SDK suites.

The suites run the unmodified official SDKs (`oss2`, `alibabacloud-oss-v2`)
against a real `ossimg` process. `tests/sdk.rs` starts the server and passes
its address and credentials through these environment variables:

OSSIMG_TEST_ENDPOINT    e.g. http://127.0.0.1:38211
OSSIMG_TEST_AK / _SK    an ordinary access key
OSSIMG_TEST_STS_AK / _STS_SK / _STS_TOKEN    an STS-style key with its token
"""

import base64
import hashlib
import io
import os
import uuid
from pathlib import Path

import pytest

ENV_VARS = (
    "OSSIMG_TEST_ENDPOINT",
    "OSSIMG_TEST_AK",
    "OSSIMG_TEST_SK",
    "OSSIMG_TEST_STS_AK",
    "OSSIMG_TEST_STS_SK",
    "OSSIMG_TEST_STS_TOKEN",
)

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURE_JPEG = REPO_ROOT / "fixtures" / "images" / "orientation-1.jpg"
FIXTURE_JPEG_SIZE = (640, 480)

# A key with every character the spec calls out: '/', space, '+', '#', '?'.
AWKWARD_KEY = "dir/sub dir/a+b#c?d e.txt"


class Env:
    """Endpoint and credentials of the server under test."""

    def __init__(self):
        missing = [name for name in ENV_VARS if not os.environ.get(name)]
        if missing:
            pytest.fail(
                "missing environment variables %s: run these suites through "
                "`cargo test --test sdk` (or scripts/test.sh), which starts the server"
                % ", ".join(missing),
                pytrace=False,
            )
        self.endpoint = os.environ["OSSIMG_TEST_ENDPOINT"].rstrip("/")
        self.ak = os.environ["OSSIMG_TEST_AK"]
        self.sk = os.environ["OSSIMG_TEST_SK"]
        self.sts_ak = os.environ["OSSIMG_TEST_STS_AK"]
        self.sts_sk = os.environ["OSSIMG_TEST_STS_SK"]
        self.sts_token = os.environ["OSSIMG_TEST_STS_TOKEN"]


@pytest.fixture(scope="session")
def env():
    return Env()


@pytest.fixture(scope="session")
def jpeg_bytes():
    return FIXTURE_JPEG.read_bytes()


def unique_bucket(prefix):
    """A fresh, valid bucket name (3-63 chars, lower-case) for one module/mode."""
    name = "%s-%s" % (prefix, uuid.uuid4().hex[:10])
    assert 3 <= len(name) <= 63
    return name.lower()


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def urlsafe_b64(text):
    """URL-safe Base64 without padding, as the OSS documentation prescribes."""
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def random_bytes(n, seed=0):
    """Deterministic pseudo-random bytes (so failures are reproducible)."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, counter)).digest()
        counter += 1
    return bytes(out[:n])


def image_size(data):
    """Decode an image with Pillow and return (width, height)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return img.size


def error_code(exc):
    """The OSS error code carried by an SDK exception (oss2 or v2), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        code = getattr(exc, "code", None)
        if isinstance(code, str) and code:
            return code
        unwrap = getattr(exc, "unwrap", None)
        nxt = unwrap() if callable(unwrap) else None
        exc = nxt or exc.__cause__ or exc.__context__
    return None


def error_status(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for attr in ("status", "status_code"):
            val = getattr(exc, attr, None)
            if isinstance(val, int) and val:
                return val
        unwrap = getattr(exc, "unwrap", None)
        nxt = unwrap() if callable(unwrap) else None
        exc = nxt or exc.__cause__ or exc.__context__
    return None


class ImageCall:
    """Context manager for image-processing calls: a 501 NotImplemented from
    the server fails the test with a clear message instead of a stack dump."""

    def __init__(self, what):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if error_code(exc) == "NotImplemented" or error_status(exc) == 501:
            pytest.fail(
                "image processing is not implemented by the server: %s answered "
                "501 NotImplemented" % self.what,
                pytrace=False,
            )
        return False


def image_call(what):
    return ImageCall(what)


def region_diff(a, b, box):
    """Mean absolute RGB difference of two images inside box (l, t, r, b)."""
    from PIL import Image, ImageChops, ImageStat

    with Image.open(io.BytesIO(a)) as ia, Image.open(io.BytesIO(b)) as ib:
        da = ia.convert("RGB").crop(box)
        db = ib.convert("RGB").crop(box)
        return sum(ImageStat.Stat(ImageChops.difference(da, db)).mean) / 3


def blue_png(size=100):
    """A solid blue PNG, used as an image watermark."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), (0, 0, 255)).save(out, format="PNG")
    return out.getvalue()
