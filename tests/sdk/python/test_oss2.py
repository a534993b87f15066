"""oss2 2.19.1 against ossimg: the acceptance scenario of oss-api.md §15.

Every test runs once per authentication mode (V1, V4, STS with V1 and V4
signatures), each mode in its own fresh bucket.
"""

import hashlib
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import oss2
import pytest
import requests
from oss2.models import PartInfo

from conftest import (
    AWKWARD_KEY,
    FIXTURE_JPEG_SIZE,
    b64,
    blue_png,
    error_code,
    image_call,
    image_size,
    md5_hex,
    random_bytes,
    region_diff,
    unique_bucket,
    urlsafe_b64,
)

REGION = "cn-hangzhou"
MODES = ["v1", "v4", "sts", "sts-v4"]
KIB = 1024


def make_auth(env, mode):
    if mode == "v1":
        return oss2.Auth(env.ak, env.sk)
    if mode == "v4":
        return oss2.AuthV4(env.ak, env.sk)
    if mode == "sts":
        return oss2.StsAuth(env.sts_ak, env.sts_sk, env.sts_token)
    if mode == "sts-v4":
        return oss2.StsAuth(env.sts_ak, env.sts_sk, env.sts_token, auth_version=oss2.AUTH_VERSION_4)
    raise ValueError(mode)


class Ctx:
    def __init__(self, env, mode, jpeg):
        self.env = env
        self.mode = mode
        self.auth = make_auth(env, mode)
        self.name = unique_bucket("oss2-" + mode)
        self.bucket = oss2.Bucket(self.auth, env.endpoint, self.name, region=REGION)
        self.service = oss2.Service(self.auth, env.endpoint, region=REGION)
        self.jpeg = jpeg
        self.img_key = "img/photo.jpg"

    def url(self, key):
        return "%s/%s/%s" % (self.env.endpoint, self.name, quote(key, safe=""))


def cleanup(bucket):
    errors = []
    try:
        for up in oss2.MultipartUploadIterator(bucket):
            bucket.abort_multipart_upload(up.key, up.upload_id)
    except Exception as e:  # noqa: BLE001 - cleanup reports, it does not mask
        errors.append("abort uploads: %r" % e)
    try:
        keys = [o.key for o in oss2.ObjectIterator(bucket)]
        for i in range(0, len(keys), 500):
            bucket.batch_delete_objects(keys[i : i + 500])
    except Exception as e:  # noqa: BLE001
        errors.append("delete objects: %r" % e)
    try:
        for style in bucket.list_bucket_style().styles:
            bucket.delete_bucket_style(style.name)
    except Exception as e:  # noqa: BLE001
        errors.append("delete styles: %r" % e)
    try:
        bucket.delete_bucket()
    except Exception as e:  # noqa: BLE001
        raise AssertionError("could not delete bucket %s (%s): %r" % (bucket.bucket_name, errors, e))


@pytest.fixture(scope="module", params=MODES)
def ctx(request, env, jpeg_bytes):
    c = Ctx(env, request.param, jpeg_bytes)
    c.bucket.create_bucket()
    c.bucket.put_object(c.img_key, jpeg_bytes, headers={"Content-Type": "image/jpeg"})
    yield c
    cleanup(c.bucket)


def test_list_buckets(ctx):
    result = ctx.service.list_buckets(prefix=ctx.name)
    names = [b.name for b in result.buckets]
    assert names == [ctx.name]
    assert all(b.location for b in result.buckets)
    assert ctx.name in [b.name for b in oss2.BucketIterator(ctx.service)]


def test_put_get_awkward_key_with_metadata(ctx, tmp_path):
    data = random_bytes(3000, seed=1)
    put = ctx.bucket.put_object(
        AWKWARD_KEY,
        data,
        headers={"Content-Type": "text/plain", "x-oss-meta-author": "alice", "x-oss-meta-Magic": "Abra Cadabra"},
    )
    assert put.status == 200
    assert put.etag == md5_hex(data).upper()  # oss2 strips the quotes
    assert put.crc is not None
    assert re.fullmatch(r"[0-9A-F]{24}", put.request_id), put.request_id  # oss2 compared it with its own CRC (enable_crc)

    got = ctx.bucket.get_object(AWKWARD_KEY)
    body = got.read()
    assert md5_hex(body) == md5_hex(data)
    assert got.headers["x-oss-meta-author"] == "alice"
    assert got.headers["x-oss-meta-magic"] == "Abra Cadabra"
    assert got.headers["Content-Type"] == "text/plain"
    assert got.etag == put.etag

    out = tmp_path / "out.bin"
    ctx.bucket.get_object_to_file(AWKWARD_KEY, str(out))  # CRC checked by oss2
    assert md5_hex(out.read_bytes()) == md5_hex(data)

    listed = [o.key for o in oss2.ObjectIterator(ctx.bucket, prefix="dir/")]
    assert AWKWARD_KEY in listed


def test_range_get(ctx):
    data = b"0123456789abcdef"
    ctx.bucket.put_object("range.txt", data)
    got = ctx.bucket.get_object("range.txt", byte_range=(0, 4))
    assert got.status == 206
    assert got.read() == b"01234"
    assert got.headers["Content-Range"] == "bytes 0-4/16"
    # A partial body must not carry the whole-object CRC (v2 would compare it).
    assert "x-oss-hash-crc64ecma" not in got.headers
    tail = ctx.bucket.get_object("range.txt", byte_range=(None, 3))
    assert tail.read() == b"def"


def test_conditional_get(ctx):
    put = ctx.bucket.put_object("cond.txt", b"conditional")
    with pytest.raises(oss2.exceptions.NotModified):
        ctx.bucket.get_object("cond.txt", headers={"If-None-Match": '"%s"' % put.etag})
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        ctx.bucket.get_object("cond.txt", headers={"If-Match": '"0123456789ABCDEF0123456789ABCDEF"'})
    ok = ctx.bucket.get_object("cond.txt", headers={"If-Match": '"%s"' % put.etag.lower()})
    assert ok.read() == b"conditional"


def test_get_with_process(ctx, tmp_path):
    with image_call("oss2 get_object(process='image/resize,w_100')"):
        got = ctx.bucket.get_object(ctx.img_key, process="image/resize,w_100")
        body = got.read()
    assert image_size(body) == (100, 75)
    assert int(got.headers["Content-Length"]) == len(body)
    assert got.headers["Content-Type"] == "image/jpeg"
    assert "x-oss-hash-crc64ecma" not in got.headers

    out = tmp_path / "small.jpg"
    with image_call("oss2 get_object_to_file(process=...)"):
        # Must not raise oss2.exceptions.InconsistentError (CRC mismatch).
        ctx.bucket.get_object_to_file(ctx.img_key, str(out), process="image/resize,w_100")
    assert image_size(out.read_bytes()) == (100, 75)


def test_response_header_overrides(ctx):
    disposition = 'attachment; filename="a b.jpg"'
    got = ctx.bucket.get_object(
        ctx.img_key,
        params={"response-content-type": "image/png", "response-content-disposition": disposition},
    )
    assert md5_hex(got.read()) == md5_hex(ctx.jpeg)
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Disposition"] == disposition


def test_head_meta_exists(ctx):
    data = b"hello oss"
    ctx.bucket.put_object("head.txt", data, headers={"x-oss-meta-k": "v"})
    head = ctx.bucket.head_object("head.txt")
    assert head.content_length == len(data)
    assert head.etag.upper() == md5_hex(data).upper()
    assert head.headers["x-oss-meta-k"] == "v"
    assert head.headers["x-oss-hash-crc64ecma"] == "15021467531229347219"
    assert head.object_type == "Normal"

    meta = ctx.bucket.get_object_meta("head.txt")
    assert meta.content_length == len(data)
    assert meta.etag == head.etag
    assert meta.last_modified > 0

    assert ctx.bucket.object_exists("head.txt") is True
    assert ctx.bucket.object_exists("no/such/key.txt") is False


def test_missing_key(ctx):
    with pytest.raises(oss2.exceptions.NoSuchKey) as err:
        ctx.bucket.get_object("missing.txt")
    assert err.value.status == 404
    with pytest.raises(oss2.exceptions.NotFound) as err:
        ctx.bucket.head_object("missing.txt")
    assert err.value.code == "NoSuchKey"


def test_copy_and_update_meta(ctx):
    data = random_bytes(1000, seed=2)
    ctx.bucket.put_object("copy/src.bin", data, headers={"x-oss-meta-origin": "src", "Content-Type": "application/x-src"})
    res = ctx.bucket.copy_object(ctx.name, "copy/src.bin", "copy/dst.bin")
    assert res.etag.upper() == md5_hex(data).upper()
    got = ctx.bucket.get_object("copy/dst.bin")
    assert md5_hex(got.read()) == md5_hex(data)
    assert got.headers["x-oss-meta-origin"] == "src"
    assert got.headers["Content-Type"] == "application/x-src"

    ctx.bucket.update_object_meta("copy/dst.bin", {"Content-Type": "text/x-updated", "x-oss-meta-color": "blue"})
    head = ctx.bucket.head_object("copy/dst.bin")
    assert head.content_type == "text/x-updated"
    assert head.headers["x-oss-meta-color"] == "blue"
    assert "x-oss-meta-origin" not in head.headers
    assert head.content_length == len(data)


def test_object_and_bucket_acl(ctx):
    data = b"acl test body"
    ctx.bucket.put_object("acl.txt", data)
    assert ctx.bucket.get_object_acl("acl.txt").acl == oss2.OBJECT_ACL_DEFAULT

    anon = requests.get(ctx.url("acl.txt"), timeout=10)
    assert anon.status_code == 403
    assert ET.fromstring(anon.content).findtext("Code") == "AccessDenied"

    ctx.bucket.put_object_acl("acl.txt", oss2.OBJECT_ACL_PUBLIC_READ)
    assert ctx.bucket.get_object_acl("acl.txt").acl == oss2.OBJECT_ACL_PUBLIC_READ
    anon = requests.get(ctx.url("acl.txt"), timeout=10)
    assert anon.status_code == 200
    assert anon.content == data

    assert ctx.bucket.get_bucket_acl().acl == oss2.BUCKET_ACL_PRIVATE
    ctx.bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    assert ctx.bucket.get_bucket_acl().acl == oss2.BUCKET_ACL_PUBLIC_READ
    ctx.bucket.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE)
    assert ctx.bucket.get_bucket_acl().acl == oss2.BUCKET_ACL_PRIVATE


def test_bucket_info_and_location(ctx):
    info = ctx.bucket.get_bucket_info()
    assert info.name == ctx.name
    assert info.acl.grant == oss2.BUCKET_ACL_PRIVATE
    assert info.storage_class == "Standard"
    assert info.owner.id
    location = ctx.bucket.get_bucket_location().location
    assert location == info.location
    assert location


def test_listing(ctx):
    keys = ["list/a.txt", "list/b/1.txt", "list/b/2.txt", "list/c.txt", "list/d e/f.txt"]
    for k in keys:
        ctx.bucket.put_object(k, k.encode())

    res = ctx.bucket.list_objects(prefix="list/", delimiter="/")
    assert [o.key for o in res.object_list] == ["list/a.txt", "list/c.txt"]
    assert res.prefix_list == ["list/b/", "list/d e/"]
    assert res.is_truncated is False
    assert res.object_list[0].size == len(b"list/a.txt")

    v2 = ctx.bucket.list_objects_v2(prefix="list/", fetch_owner=True)
    assert [o.key for o in v2.object_list] == sorted(keys)
    assert all(o.owner is not None and o.owner.id for o in v2.object_list)

    paged = [o.key for o in oss2.ObjectIterator(ctx.bucket, prefix="list/", max_keys=1)]
    assert paged == sorted(keys)
    paged_v2 = [o.key for o in oss2.ObjectIteratorV2(ctx.bucket, prefix="list/", max_keys=1)]
    assert paged_v2 == sorted(keys)


def test_append(ctx):
    key = "append.log"
    r1 = ctx.bucket.append_object(key, 0, b"hello ", init_crc=0)
    assert r1.next_position == 6
    # init_crc makes oss2 check the whole-object CRC the server returns.
    r2 = ctx.bucket.append_object(key, r1.next_position, b"world", init_crc=r1.crc)
    assert r2.next_position == 11
    with pytest.raises(oss2.exceptions.PositionNotEqualToLength) as err:
        ctx.bucket.append_object(key, 3, b"bad")
    assert err.value.next_position == 11
    got = ctx.bucket.get_object(key)
    assert got.read() == b"hello world"
    assert ctx.bucket.head_object(key).object_type == "Appendable"


def test_multipart(ctx):
    key = "multi/big.bin"
    p1 = random_bytes(100 * KIB, seed=3)
    p2 = random_bytes(30 * KIB, seed=4)
    upload_id = ctx.bucket.init_multipart_upload(key).upload_id
    r1 = ctx.bucket.upload_part(key, upload_id, 1, p1)
    r2 = ctx.bucket.upload_part(key, upload_id, 2, p2)
    assert r1.etag.upper() == md5_hex(p1).upper()

    parts = ctx.bucket.list_parts(key, upload_id).parts
    assert [(p.part_number, p.size) for p in parts] == [(1, len(p1)), (2, len(p2))]
    uploads = ctx.bucket.list_multipart_uploads(prefix="multi/").upload_list
    assert (key, upload_id) in [(u.key, u.upload_id) for u in uploads]

    done = ctx.bucket.complete_multipart_upload(key, upload_id, [PartInfo(1, r1.etag), PartInfo(2, r2.etag)])
    expected_etag = hashlib.md5(hashlib.md5(p1).digest() + hashlib.md5(p2).digest()).hexdigest().upper() + "-2"
    assert done.etag.upper() == expected_etag
    got = ctx.bucket.get_object(key)
    assert md5_hex(got.read()) == md5_hex(p1 + p2)
    assert got.headers["x-oss-object-type"] == "Multipart"
    assert key not in [u.key for u in ctx.bucket.list_multipart_uploads(prefix="multi/").upload_list]


def test_upload_part_copy_and_abort(ctx):
    src = "upc/src.bin"
    data = random_bytes(120 * KIB, seed=5)
    ctx.bucket.put_object(src, data)
    key = "upc/dst.bin"
    upload_id = ctx.bucket.init_multipart_upload(key).upload_id
    res = ctx.bucket.upload_part_copy(ctx.name, src, (0, 100 * KIB - 1), key, upload_id, 1)
    assert res.etag.upper() == md5_hex(data[: 100 * KIB]).upper()
    parts = ctx.bucket.list_parts(key, upload_id).parts
    assert [(p.part_number, p.size) for p in parts] == [(1, 100 * KIB)]
    ctx.bucket.abort_multipart_upload(key, upload_id)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        ctx.bucket.list_parts(key, upload_id)
    assert ctx.bucket.object_exists(key) is False


def test_resumable_upload_download(ctx, tmp_path):
    data = random_bytes(250 * KIB, seed=6)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    key = "resumable/file.bin"
    oss2.resumable_upload(
        ctx.bucket,
        key,
        str(src),
        store=oss2.ResumableStore(root=str(tmp_path)),
        multipart_threshold=100 * KIB,
        part_size=100 * KIB,
        num_threads=2,
    )
    head = ctx.bucket.head_object(key)
    assert head.object_type == "Multipart"
    assert head.content_length == len(data)

    dst = tmp_path / "dst.bin"
    oss2.resumable_download(
        ctx.bucket,
        key,
        str(dst),
        store=oss2.ResumableDownloadStore(root=str(tmp_path)),
        multiget_threshold=100 * KIB,
        part_size=100 * KIB,
        num_threads=2,
    )
    assert md5_hex(dst.read_bytes()) == md5_hex(data)


def test_process_object_saveas(ctx):
    target = "saved/thumb 1.jpg"
    process = "image/resize,w_100|sys/saveas,o_%s,b_%s" % (b64(target), b64(ctx.name))
    with image_call("oss2 process_object(... sys/saveas ...)"):
        res = ctx.bucket.process_object(ctx.img_key, process)
    assert res.status == 200
    assert res.object == target
    assert res.bucket == ctx.name
    assert res.process_status == "OK"
    saved = ctx.bucket.get_object(target).read()
    assert res.fileSize == len(saved)
    assert image_size(saved) == (100, 75)

    target2 = "saved/thumb-2.jpg"
    with image_call("oss2 process_object without b_"):
        res2 = ctx.bucket.process_object(ctx.img_key, "image/resize,w_50|sys/saveas,o_%s" % b64(target2))
    assert res2.object == target2
    assert res2.bucket == ""  # saved in the source bucket; oss2's own tests expect ""
    assert image_size(ctx.bucket.get_object(target2).read()) == (50, 38)



def test_process_object_saveas_with_style(ctx):
    """`style/<name>|sys/saveas,...` (image-processing.md §6.1, §7.1)."""
    name = "save_" + ctx.mode.replace("-", "_")
    ctx.bucket.put_bucket_style(name, "image/resize,w_120")
    target = "saved/styled %s.jpg" % ctx.mode
    with image_call("oss2 process_object(style/... sys/saveas ...)"):
        res = ctx.bucket.process_object(
            ctx.img_key, "style/%s|sys/saveas,o_%s,b_%s" % (name, b64(target), b64(ctx.name))
        )
    assert res.status == 200
    assert (res.object, res.bucket, res.process_status) == (target, ctx.name, "OK")
    saved = ctx.bucket.get_object(target).read()
    assert res.fileSize == len(saved)
    assert image_size(saved) == (120, 90)
    # Without b_: the source bucket, and "" in the reply.
    with image_call("oss2 process_object(style/... without b_)"):
        res2 = ctx.bucket.process_object(ctx.img_key, "style/%s|sys/saveas,o_%s" % (name, urlsafe_b64(target)))
    assert (res2.object, res2.bucket) == (target, "")
    assert image_size(ctx.bucket.get_object(target).read()) == (120, 90)
    ctx.bucket.delete_bucket_style(name)

def test_styles(ctx):
    name = "thumb_" + ctx.mode.replace("-", "_")
    ctx.bucket.put_bucket_style(name, "image/resize,w_100")
    got = ctx.bucket.get_bucket_style(name)
    assert got.name == name
    assert got.content == "image/resize,w_100"
    assert got.create_time and got.last_modify_time
    assert name in [s.name for s in ctx.bucket.list_bucket_style().styles]

    with image_call("oss2 get_object(process='style/%s')" % name):
        body = ctx.bucket.get_object(ctx.img_key, process="style/" + name).read()
    assert image_size(body) == (100, 75)

    ctx.bucket.delete_bucket_style(name)
    with pytest.raises(oss2.exceptions.OssError) as err:
        ctx.bucket.get_bucket_style(name)
    assert err.value.code == "NoSuchStyle"
    assert name not in [s.name for s in ctx.bucket.list_bucket_style().styles]


def test_signed_urls(ctx):
    data = random_bytes(2048, seed=7)
    ctx.bucket.put_object("signed/get.bin", data)

    url = ctx.bucket.sign_url("GET", "signed/get.bin", 300)
    assert md5_hex(ctx.bucket.get_object_with_url(url).read()) == md5_hex(data)
    plain = requests.get(url, timeout=10)
    assert plain.status_code == 200, plain.text
    assert plain.content == data

    put_url = ctx.bucket.sign_url("PUT", "signed/put.txt", 300, headers={"Content-Type": "text/plain"})
    res = ctx.bucket.put_object_with_url(put_url, b"via signed url", headers={"Content-Type": "text/plain"})
    assert res.status == 200
    got = ctx.bucket.get_object("signed/put.txt")
    assert got.read() == b"via signed url"
    assert got.headers["Content-Type"] == "text/plain"
    plain_put = requests.put(put_url, data=b"plain http", headers={"Content-Type": "text/plain"}, timeout=10)
    assert plain_put.status_code == 200, plain_put.text
    assert ctx.bucket.get_object("signed/put.txt").read() == b"plain http"



def test_signed_url_with_process(ctx):
    img_url = ctx.bucket.sign_url("GET", ctx.img_key, 300, params={"x-oss-process": "image/resize,w_100"})
    with image_call("oss2 get_object_with_url(presigned x-oss-process)"):
        body = ctx.bucket.get_object_with_url(img_url).read()
    assert image_size(body) == (100, 75)
    plain_img = requests.get(img_url, timeout=10)
    if plain_img.status_code == 501:
        pytest.fail("image processing is not implemented by the server: presigned GET with process answered 501")
    assert plain_img.status_code == 200, plain_img.text
    assert image_size(plain_img.content) == (100, 75)



def test_signed_url_with_style(ctx):
    """A presigned URL whose x-oss-process is `style/<name>` (signed like any
    x-oss-process value), fetched by the SDK and by plain HTTP."""
    name = "url_" + ctx.mode.replace("-", "_")
    ctx.bucket.put_bucket_style(name, "image/resize,w_80/format,png")
    url = ctx.bucket.sign_url("GET", ctx.img_key, 300, params={"x-oss-process": "style/" + name})
    with image_call("oss2 get_object_with_url(presigned style)"):
        got = ctx.bucket.get_object_with_url(url)
        body = got.read()
    assert image_size(body) == (80, 60)
    assert got.headers["Content-Type"] == "image/png"
    plain = requests.get(url, timeout=10)
    assert plain.status_code == 200, plain.text
    assert plain.headers["Content-Type"] == "image/png"
    assert image_size(plain.content) == (80, 60)
    # The signature covers the style name: another style with the same URL fails.
    other = url.replace("style%2F" + name, "style%2Fzz" + name[2:]) if "style%2F" in url else url.replace(
        "style/" + name, "style/zz" + name[2:]
    )
    assert other != url
    assert requests.get(other, timeout=10).status_code == 403
    ctx.bucket.delete_bucket_style(name)

def test_batch_delete_and_delete(ctx):
    keys = ["del/a&b<c>.txt", "del/plain.txt", "del/sp ace.txt"]
    for k in keys:
        ctx.bucket.put_object(k, b"x")
    res = ctx.bucket.batch_delete_objects(keys)
    assert sorted(res.deleted_keys) == sorted(keys)
    for k in keys:
        assert ctx.bucket.object_exists(k) is False

    ctx.bucket.put_object("del/one.txt", b"1")
    res = ctx.bucket.delete_object("del/one.txt")
    assert res.status == 204
    assert ctx.bucket.object_exists("del/one.txt") is False
    # Deleting a missing key is still a success.
    assert ctx.bucket.delete_object("del/one.txt").status == 204


def test_delete_non_empty_bucket(ctx):
    ctx.bucket.put_object("keep.txt", b"keep")
    with pytest.raises(oss2.exceptions.BucketNotEmpty) as err:
        ctx.bucket.delete_bucket()
    assert err.value.status == 409
    assert error_code(err.value) == "BucketNotEmpty"


def test_fixture_is_expected_size(jpeg_bytes):
    # Guards the image assertions above: the fixture is the 640x480 JPEG.
    assert image_size(jpeg_bytes) == FIXTURE_JPEG_SIZE


def test_watermarks(ctx):
    """A red CJK text watermark at the bottom right and a blue image watermark
    (its own preprocessing with P_20) at the top left; the rest is untouched."""
    ctx.bucket.put_object("wm/logo.png", blue_png())
    text = urlsafe_b64("水印 ossimg")
    logo = urlsafe_b64("wm/logo.png?x-oss-process=image/resize,P_20")
    process = "image/watermark,text_%s,color_FF0000,size_40,g_se/watermark,image_%s,g_nw,x_0,y_0" % (
        text,
        logo,
    )
    with image_call("oss2 get_object(process=watermark)"):
        marked = ctx.bucket.get_object(ctx.img_key, process=process).read()
    plain = ctx.bucket.get_object(ctx.img_key, process="image/format,png").read()
    assert image_size(marked) == (640, 480)
    # P_20 of 640x480 fits the 100x100 logo into 128x96: a blue 96x96 square.
    assert region_diff(marked, plain, (0, 0, 90, 90)) > 40
    assert region_diff(marked, plain, (400, 380, 630, 470)) > 5
    assert region_diff(marked, plain, (300, 0, 640, 200)) < 4
