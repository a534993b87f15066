"""alibabacloud-oss-v2 1.4.1 against ossimg: the acceptance scenario of oss-api.md §15.

Every test runs once per mode: default V4, signature_version='v1', and STS
credentials with both signature versions (v2 in V1 mode sends the token in
the unsigned `security-token` header), each mode in its own fresh bucket.
"""

import datetime
import hashlib
import io
import re

import alibabacloud_oss_v2 as oss
import pytest
import requests

from conftest import (
    AWKWARD_KEY,
    b64,
    blue_png,
    error_code,
    error_status,
    image_call,
    image_size,
    md5_hex,
    random_bytes,
    region_diff,
    unique_bucket,
    urlsafe_b64,
)

REGION = "cn-hangzhou"
MODES = ["v4", "v1", "sts", "sts-v1"]
KIB = 1024


def service_error(exc):
    """The ServiceError inside an OperationError (or the error itself)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, oss.exceptions.ServiceError):
            return exc
        unwrap = getattr(exc, "unwrap", None)
        exc = (unwrap() if callable(unwrap) else None) or exc.__cause__
    return None


def make_client(env, mode):
    cfg = oss.config.load_default()
    if mode.startswith("sts"):
        provider = oss.credentials.StaticCredentialsProvider(env.sts_ak, env.sts_sk, env.sts_token)
    else:
        provider = oss.credentials.StaticCredentialsProvider(env.ak, env.sk)
    cfg.credentials_provider = provider
    cfg.region = REGION
    cfg.endpoint = env.endpoint
    if mode in ("v1", "sts-v1"):
        cfg.signature_version = "v1"
    return oss.Client(cfg)


class Ctx:
    def __init__(self, env, mode, jpeg):
        self.env = env
        self.mode = mode
        self.client = make_client(env, mode)
        self.name = unique_bucket("v2-" + mode)
        self.jpeg = jpeg
        self.img_key = "img/photo.jpg"

    def put(self, key, data, **kw):
        return self.client.put_object(oss.PutObjectRequest(bucket=self.name, key=key, body=data, **kw))

    def get(self, key, **kw):
        return self.client.get_object(oss.GetObjectRequest(bucket=self.name, key=key, **kw))


def cleanup(c):
    client, name = c.client, c.name
    errors = []
    try:
        for page in client.list_multipart_uploads_paginator().iter_page(oss.ListMultipartUploadsRequest(bucket=name)):
            for up in page.uploads or []:
                client.abort_multipart_upload(
                    oss.AbortMultipartUploadRequest(bucket=name, key=up.key, upload_id=up.upload_id)
                )
    except Exception as e:  # noqa: BLE001 - cleanup reports, it does not mask
        errors.append("abort uploads: %r" % e)
    try:
        for page in client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=name)):
            objs = [oss.DeleteObject(key=o.key) for o in page.contents or []]
            if objs:
                client.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(bucket=name, objects=objs))
    except Exception as e:  # noqa: BLE001
        errors.append("delete objects: %r" % e)
    try:
        styles = client.list_style(oss.ListStyleRequest(bucket=name)).style_list
        for s in (styles.styles if styles else None) or []:
            client.delete_style(oss.DeleteStyleRequest(bucket=name, style_name=s.name))
    except Exception as e:  # noqa: BLE001
        errors.append("delete styles: %r" % e)
    try:
        client.delete_bucket(oss.DeleteBucketRequest(bucket=name))
    except Exception as e:  # noqa: BLE001
        raise AssertionError("could not delete bucket %s (%s): %r" % (name, errors, e))


@pytest.fixture(scope="module", params=MODES)
def ctx(request, env, jpeg_bytes):
    c = Ctx(env, request.param, jpeg_bytes)
    c.client.put_bucket(oss.PutBucketRequest(bucket=c.name))
    c.put(c.img_key, jpeg_bytes, content_type="image/jpeg")
    yield c
    cleanup(c)


def assert_code(excinfo, code, status=None):
    se = service_error(excinfo.value)
    assert se is not None, "expected a ServiceError, got %r" % excinfo.value
    assert se.code == code, "expected %s, got %s (%s)" % (code, se.code, se.message)
    if status is not None:
        assert se.status_code == status
    return se


def test_list_buckets(ctx):
    res = ctx.client.list_buckets(oss.ListBucketsRequest(prefix=ctx.name))
    assert [b.name for b in res.buckets] == [ctx.name]
    names = []
    for page in ctx.client.list_buckets_paginator().iter_page(oss.ListBucketsRequest()):
        names += [b.name for b in page.buckets or []]
    assert ctx.name in names
    assert ctx.client.is_bucket_exist(ctx.name) is True


def test_put_get_awkward_key_with_metadata(ctx, tmp_path):
    data = random_bytes(3000, seed=11)
    put = ctx.put(AWKWARD_KEY, data, metadata={"author": "alice", "Magic": "Abra Cadabra"}, content_type="text/plain")
    assert put.status_code == 200
    assert put.etag == '"%s"' % md5_hex(data).upper()
    assert re.fullmatch(r"[0-9A-F]{24}", put.request_id), put.request_id
    assert put.headers.get("Date")
    assert put.hash_crc64  # v2 compared it with its own CRC

    got = ctx.get(AWKWARD_KEY)
    assert md5_hex(got.body.content) == md5_hex(data)
    assert got.metadata["author"] == "alice"
    assert got.metadata["magic"] == "Abra Cadabra"
    assert got.content_type == "text/plain"
    assert got.etag == put.etag

    out = tmp_path / "out.bin"
    ctx.client.get_object_to_file(oss.GetObjectRequest(bucket=ctx.name, key=AWKWARD_KEY), str(out))
    assert md5_hex(out.read_bytes()) == md5_hex(data)

    part = tmp_path / "part.bin"
    # v2 checks the CRC header even for a range: the server must omit it on 206.
    ctx.client.get_object_to_file(
        oss.GetObjectRequest(bucket=ctx.name, key=AWKWARD_KEY, range_header="bytes=0-4"), str(part)
    )
    assert part.read_bytes() == data[:5]


def test_range_get(ctx):
    ctx.put("range.txt", b"0123456789abcdef")
    got = ctx.get("range.txt", range_header="bytes=0-4")
    assert got.status_code == 206
    assert got.body.content == b"01234"
    assert got.content_range == "bytes 0-4/16"
    std = ctx.get("range.txt", range_header="bytes=10-100", range_behavior="standard")
    assert std.body.content == b"abcdef"


def test_get_with_process(ctx, tmp_path):
    with image_call("v2 get_object(process='image/resize,w_100')"):
        got = ctx.get(ctx.img_key, process="image/resize,w_100")
        body = got.body.content
    assert image_size(body) == (100, 75)
    assert got.content_length == len(body)
    assert got.hash_crc64 is None

    out = tmp_path / "small.jpg"
    with image_call("v2 get_object_to_file(process=...)"):
        ctx.client.get_object_to_file(
            oss.GetObjectRequest(bucket=ctx.name, key=ctx.img_key, process="image/resize,w_100"), str(out)
        )
    assert image_size(out.read_bytes()) == (100, 75)


def test_response_header_overrides(ctx):
    disposition = 'attachment; filename="a b.jpg"'
    got = ctx.get(ctx.img_key, response_content_type="image/png", response_content_disposition=disposition)
    assert md5_hex(got.body.content) == md5_hex(ctx.jpeg)
    assert got.content_type == "image/png"
    assert got.content_disposition == disposition


def test_head_meta_exists(ctx):
    data = b"hello oss"
    ctx.put("head.txt", data, metadata={"k": "v"})
    head = ctx.client.head_object(oss.HeadObjectRequest(bucket=ctx.name, key="head.txt"))
    assert head.content_length == len(data)
    assert head.metadata["k"] == "v"
    assert head.hash_crc64 == "15021467531229347219"
    assert head.object_type == "Normal"

    meta = ctx.client.get_object_meta(oss.GetObjectMetaRequest(bucket=ctx.name, key="head.txt"))
    assert meta.content_length == len(data)
    assert meta.etag == head.etag

    assert ctx.client.is_object_exist(ctx.name, "head.txt") is True
    assert ctx.client.is_object_exist(ctx.name, "no/such/key.txt") is False


def test_missing_key(ctx):
    with pytest.raises(Exception) as err:
        ctx.get("missing.txt")
    assert_code(err, "NoSuchKey", 404)
    with pytest.raises(Exception) as err:
        ctx.client.head_object(oss.HeadObjectRequest(bucket=ctx.name, key="missing.txt"))
    # HEAD has no body: the code travels base64-encoded in x-oss-err.
    assert_code(err, "NoSuchKey", 404)


def test_copy_and_replace_meta(ctx):
    data = random_bytes(1000, seed=12)
    ctx.put("copy/src.bin", data, metadata={"origin": "src"}, content_type="application/x-src")
    res = ctx.client.copy_object(
        oss.CopyObjectRequest(bucket=ctx.name, key="copy/dst.bin", source_bucket=ctx.name, source_key="copy/src.bin")
    )
    assert res.etag.strip('"').upper() == md5_hex(data).upper()
    got = ctx.get("copy/dst.bin")
    assert md5_hex(got.body.content) == md5_hex(data)
    assert got.metadata["origin"] == "src"

    ctx.client.copy_object(
        oss.CopyObjectRequest(
            bucket=ctx.name,
            key="copy/dst.bin",
            source_bucket=ctx.name,
            source_key="copy/dst.bin",
            metadata_directive="REPLACE",
            metadata={"color": "blue"},
            content_type="text/x-updated",
        )
    )
    head = ctx.client.head_object(oss.HeadObjectRequest(bucket=ctx.name, key="copy/dst.bin"))
    assert head.content_type == "text/x-updated"
    assert head.metadata.get("color") == "blue"
    assert "origin" not in head.metadata
    assert head.content_length == len(data)


def test_object_and_bucket_acl(ctx):
    ctx.put("acl.txt", b"acl body")
    req = oss.GetObjectAclRequest(bucket=ctx.name, key="acl.txt")
    assert ctx.client.get_object_acl(req).acl == "default"
    ctx.client.put_object_acl(oss.PutObjectAclRequest(bucket=ctx.name, key="acl.txt", acl="public-read"))
    assert ctx.client.get_object_acl(req).acl == "public-read"
    assert requests.get("%s/%s/acl.txt" % (ctx.env.endpoint, ctx.name), timeout=10).content == b"acl body"

    acl = ctx.client.get_bucket_acl(oss.GetBucketAclRequest(bucket=ctx.name))
    assert acl.acl == "private"
    assert acl.owner.id
    ctx.client.put_bucket_acl(oss.PutBucketAclRequest(bucket=ctx.name, acl="public-read"))
    assert ctx.client.get_bucket_acl(oss.GetBucketAclRequest(bucket=ctx.name)).acl == "public-read"
    ctx.client.put_bucket_acl(oss.PutBucketAclRequest(bucket=ctx.name, acl="private"))
    assert ctx.client.get_bucket_acl(oss.GetBucketAclRequest(bucket=ctx.name)).acl == "private"


def test_bucket_info_and_location(ctx):
    info = ctx.client.get_bucket_info(oss.GetBucketInfoRequest(bucket=ctx.name)).bucket_info
    assert info.name == ctx.name
    assert info.acl == "private"
    assert info.storage_class == "Standard"
    loc = ctx.client.get_bucket_location(oss.GetBucketLocationRequest(bucket=ctx.name)).location
    assert loc and loc == info.location


def test_listing(ctx):
    keys = ["list/a.txt", "list/b/1.txt", "list/b/2.txt", "list/c.txt", "list/d e/f.txt"]
    for k in keys:
        ctx.put(k, k.encode())

    res = ctx.client.list_objects(oss.ListObjectsRequest(bucket=ctx.name, prefix="list/", delimiter="/"))
    assert [o.key for o in res.contents] == ["list/a.txt", "list/c.txt"]
    assert [p.prefix for p in res.common_prefixes] == ["list/b/", "list/d e/"]

    v2 = ctx.client.list_objects_v2(oss.ListObjectsV2Request(bucket=ctx.name, prefix="list/", fetch_owner=True))
    assert [o.key for o in v2.contents] == sorted(keys)
    assert all(o.owner is not None and o.owner.id for o in v2.contents)
    assert v2.key_count == len(keys)

    paged = []
    pages = 0
    for page in ctx.client.list_objects_v2_paginator(limit=1).iter_page(
        oss.ListObjectsV2Request(bucket=ctx.name, prefix="list/")
    ):
        pages += 1
        paged += [o.key for o in page.contents or []]
    assert paged == sorted(keys)
    assert pages == len(keys)


def test_append(ctx):
    key = "append.log"
    r1 = ctx.client.append_object(oss.AppendObjectRequest(bucket=ctx.name, key=key, position=0, body=b"hello "))
    assert r1.next_position == 6
    r2 = ctx.client.append_object(oss.AppendObjectRequest(bucket=ctx.name, key=key, position=6, body=b"world"))
    assert r2.next_position == 11
    with pytest.raises(Exception) as err:
        ctx.client.append_object(oss.AppendObjectRequest(bucket=ctx.name, key=key, position=3, body=b"bad"))
    se = assert_code(err, "PositionNotEqualToLength", 409)
    assert se.headers.get("x-oss-next-append-position") == "11"
    assert ctx.get(key).body.content == b"hello world"


def test_multipart(ctx):
    key = "multi/big.bin"
    p1 = random_bytes(100 * KIB, seed=13)
    p2 = random_bytes(30 * KIB, seed=14)
    init = ctx.client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=ctx.name, key=key))
    assert init.key == key
    uid = init.upload_id
    r1 = ctx.client.upload_part(oss.UploadPartRequest(bucket=ctx.name, key=key, upload_id=uid, part_number=1, body=p1))
    r2 = ctx.client.upload_part(oss.UploadPartRequest(bucket=ctx.name, key=key, upload_id=uid, part_number=2, body=p2))

    parts = ctx.client.list_parts(oss.ListPartsRequest(bucket=ctx.name, key=key, upload_id=uid)).parts
    assert [(p.part_number, p.size) for p in parts] == [(1, len(p1)), (2, len(p2))]
    ups = ctx.client.list_multipart_uploads(oss.ListMultipartUploadsRequest(bucket=ctx.name, prefix="multi/")).uploads
    assert (key, uid) in [(u.key, u.upload_id) for u in ups]

    done = ctx.client.complete_multipart_upload(
        oss.CompleteMultipartUploadRequest(
            bucket=ctx.name,
            key=key,
            upload_id=uid,
            complete_multipart_upload=oss.CompleteMultipartUpload(
                parts=[oss.UploadPart(part_number=1, etag=r1.etag), oss.UploadPart(part_number=2, etag=r2.etag)]
            ),
        )
    )
    expected = hashlib.md5(hashlib.md5(p1).digest() + hashlib.md5(p2).digest()).hexdigest().upper() + "-2"
    assert done.etag.strip('"').upper() == expected
    assert done.key == key
    assert md5_hex(ctx.get(key).body.content) == md5_hex(p1 + p2)


def test_upload_part_copy_and_abort(ctx):
    src = "upc/src.bin"
    data = random_bytes(120 * KIB, seed=15)
    ctx.put(src, data)
    key = "upc/dst.bin"
    uid = ctx.client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=ctx.name, key=key)).upload_id
    res = ctx.client.upload_part_copy(
        oss.UploadPartCopyRequest(
            bucket=ctx.name,
            key=key,
            upload_id=uid,
            part_number=1,
            source_bucket=ctx.name,
            source_key=src,
            source_range="bytes=0-102399",
        )
    )
    assert res.etag.strip('"').upper() == md5_hex(data[: 100 * KIB]).upper()
    ctx.client.abort_multipart_upload(oss.AbortMultipartUploadRequest(bucket=ctx.name, key=key, upload_id=uid))
    with pytest.raises(Exception) as err:
        ctx.client.list_parts(oss.ListPartsRequest(bucket=ctx.name, key=key, upload_id=uid))
    assert_code(err, "NoSuchUpload", 404)


def test_uploader_downloader(ctx, tmp_path):
    data = random_bytes(250 * KIB, seed=16)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    key = "managed/file.bin"
    up = ctx.client.uploader(part_size=100 * KIB, parallel_num=2)
    res = up.upload_file(oss.PutObjectRequest(bucket=ctx.name, key=key), str(src))
    assert res.upload_id  # went through multipart, not a single PUT
    head = ctx.client.head_object(oss.HeadObjectRequest(bucket=ctx.name, key=key))
    assert head.object_type == "Multipart"
    assert head.content_length == len(data)

    dst = tmp_path / "dst.bin"
    down = ctx.client.downloader(part_size=100 * KIB, parallel_num=2)
    got = down.download_file(oss.GetObjectRequest(bucket=ctx.name, key=key), str(dst))
    assert got.written == len(data)
    assert md5_hex(dst.read_bytes()) == md5_hex(data)


def test_process_object_saveas(ctx):
    target = "saved/thumb 1.jpg"
    process = "image/resize,w_100|sys/saveas,o_%s,b_%s" % (b64(target), b64(ctx.name))
    with image_call("v2 process_object(... sys/saveas ...)"):
        res = ctx.client.process_object(oss.ProcessObjectRequest(bucket=ctx.name, key=ctx.img_key, process=process))
    assert res.key == target
    assert res.bucket == ctx.name
    assert res.process_status == "OK"
    saved = ctx.get(target).body.content
    assert res.file_size == len(saved)
    assert image_size(saved) == (100, 75)



def test_process_object_saveas_without_bucket(ctx):
    """No b_: saved in the source bucket; the reply's bucket is "" (§7.2)."""
    target = "saved/no-bucket.jpg"
    with image_call("v2 process_object without b_"):
        res = ctx.client.process_object(
            oss.ProcessObjectRequest(
                bucket=ctx.name, key=ctx.img_key, process="image/resize,w_50|sys/saveas,o_%s" % urlsafe_b64(target)
            )
        )
    assert res.status_code == 200
    assert (res.key, res.bucket, res.process_status) == (target, "", "OK")
    saved = ctx.get(target).body.content
    assert res.file_size == len(saved)
    assert image_size(saved) == (50, 38)


def test_process_object_saveas_with_style(ctx):
    name = "save_" + ctx.mode.replace("-", "_")
    ctx.client.put_style(
        oss.PutStyleRequest(bucket=ctx.name, style_name=name, style=oss.StyleContent(content="image/resize,w_120"))
    )
    target = "saved/styled.jpg"
    process = "style/%s|sys/saveas,o_%s,b_%s" % (name, b64(target), b64(ctx.name))
    with image_call("v2 process_object(style/... sys/saveas ...)"):
        res = ctx.client.process_object(oss.ProcessObjectRequest(bucket=ctx.name, key=ctx.img_key, process=process))
    assert (res.key, res.bucket, res.process_status) == (target, ctx.name, "OK")
    assert image_size(ctx.get(target).body.content) == (120, 90)
    ctx.client.delete_style(oss.DeleteStyleRequest(bucket=ctx.name, style_name=name))

def test_styles(ctx):
    name = "thumb_" + ctx.mode.replace("-", "_")
    ctx.client.put_style(
        oss.PutStyleRequest(bucket=ctx.name, style_name=name, style=oss.StyleContent(content="image/resize,w_100"))
    )
    got = ctx.client.get_style(oss.GetStyleRequest(bucket=ctx.name, style_name=name)).style
    assert got.name == name
    assert got.content == "image/resize,w_100"
    listed = ctx.client.list_style(oss.ListStyleRequest(bucket=ctx.name)).style_list.styles
    assert name in [s.name for s in listed]

    with image_call("v2 get_object(process='style/%s')" % name):
        body = ctx.get(ctx.img_key, process="style/" + name).body.content
    assert image_size(body) == (100, 75)

    ctx.client.delete_style(oss.DeleteStyleRequest(bucket=ctx.name, style_name=name))
    with pytest.raises(Exception) as err:
        ctx.client.get_style(oss.GetStyleRequest(bucket=ctx.name, style_name=name))
    assert_code(err, "NoSuchStyle", 404)


def test_presign(ctx):
    data = random_bytes(2048, seed=17)
    ctx.put("signed/get.bin", data)
    expires = datetime.timedelta(minutes=5)

    pre = ctx.client.presign(oss.GetObjectRequest(bucket=ctx.name, key="signed/get.bin"), expires=expires)
    plain = requests.get(pre.url, headers=dict(pre.signed_headers or {}), timeout=10)
    assert plain.status_code == 200, plain.text
    assert plain.content == data

    pre_put = ctx.client.presign(
        oss.PutObjectRequest(bucket=ctx.name, key="signed/put.txt", content_type="text/plain"), expires=expires
    )
    headers = dict(pre_put.signed_headers or {})
    assert headers.get("Content-Type") == "text/plain"
    put = requests.put(pre_put.url, data=b"via presigned put", headers=headers, timeout=10)
    assert put.status_code == 200, put.text
    got = ctx.get("signed/put.txt")
    assert got.body.content == b"via presigned put"
    assert got.content_type == "text/plain"


def test_presign_with_process(ctx):
    expires = datetime.timedelta(minutes=5)
    pre_img = ctx.client.presign(
        oss.GetObjectRequest(bucket=ctx.name, key=ctx.img_key, process="image/resize,w_100"), expires=expires
    )
    img = requests.get(pre_img.url, headers=dict(pre_img.signed_headers or {}), timeout=10)
    if img.status_code == 501:
        pytest.fail("image processing is not implemented by the server: presigned GET with process answered 501")
    assert img.status_code == 200, img.text
    assert image_size(img.content) == (100, 75)


def test_delete_multiple_and_delete(ctx):
    keys = ["del/a&b<c>.txt", "del/plain.txt", "del/sp ace.txt"]
    for k in keys:
        ctx.put(k, b"x")
    res = ctx.client.delete_multiple_objects(
        oss.DeleteMultipleObjectsRequest(bucket=ctx.name, objects=[oss.DeleteObject(key=k) for k in keys])
    )
    assert sorted(d.key for d in res.deleted_objects) == sorted(keys)
    for k in keys:
        assert ctx.client.is_object_exist(ctx.name, k) is False

    ctx.put("del/one.txt", b"1")
    res = ctx.client.delete_object(oss.DeleteObjectRequest(bucket=ctx.name, key="del/one.txt"))
    assert res.status_code == 204
    assert ctx.client.is_object_exist(ctx.name, "del/one.txt") is False


def test_delete_non_empty_bucket(ctx):
    ctx.put("keep.txt", b"keep")
    with pytest.raises(Exception) as err:
        ctx.client.delete_bucket(oss.DeleteBucketRequest(bucket=ctx.name))
    assert_code(err, "BucketNotEmpty", 409)
    assert error_code(err.value) == "BucketNotEmpty"
    assert error_status(err.value) == 409


def test_text_watermark(ctx):
    from conftest import region_diff, urlsafe_b64

    text = urlsafe_b64("ossimg 水印")
    with image_call("v2 get_object(process=watermark)"):
        got = ctx.get(ctx.img_key, process="image/watermark,text_%s,color_FF0000,size_40,g_se" % text)
        marked = got.body.content
    plain = ctx.get(ctx.img_key, process="image/format,png").body.content
    assert image_size(marked) == (640, 480)
    assert region_diff(marked, plain, (400, 380, 630, 470)) > 5
    assert region_diff(marked, plain, (0, 0, 300, 200)) < 4


def test_image_watermark(ctx):
    """A blue image watermark (its own preprocessing with P_20) at the top
    left: blue there, the rest of the picture untouched."""
    ctx.put("wm/logo.png", blue_png())
    logo = urlsafe_b64("wm/logo.png?x-oss-process=image/resize,P_20")
    with image_call("v2 get_object(process=image watermark)"):
        got = ctx.get(ctx.img_key, process="image/watermark,image_%s,g_nw,x_0,y_0/format,png" % logo)
        marked = got.body.content
    assert got.content_type == "image/png"
    plain = ctx.get(ctx.img_key, process="image/format,png").body.content
    assert image_size(marked) == (640, 480)
    # P_20 of 640x480 fits the 100x100 logo into 128x96: a blue 96x96 square.
    assert region_diff(marked, plain, (0, 0, 90, 90)) > 40
    assert region_diff(marked, plain, (100, 0, 640, 480)) < 1
    assert region_diff(marked, plain, (0, 100, 96, 480)) < 1
    from PIL import Image

    with Image.open(io.BytesIO(marked)) as im:
        rgb = im.convert("RGB")
        assert rgb.getpixel((10, 10)) == (0, 0, 255)
        assert rgb.getpixel((95, 95)) == (0, 0, 255)
        assert rgb.getpixel((96, 96)) != (0, 0, 255)
