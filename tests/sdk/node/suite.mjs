// ali-oss 6.23.0 against ossimg: the acceptance scenario of oss-api.md §15.
//
// Each `*.test.mjs` file calls `defineSuite(mode)` for one combination of
// addressing (IP endpoint with the default region, which makes ali-oss rewrite
// Host to `<bucket>.oss-cn-hangzhou.aliyuncs.com`; or `localhost` with
// `sldEnable: true`, i.e. path style) and authentication (V1, V4 via
// `authorizationV4: true`, STS via `stsToken`). Every mode uses its own bucket.
//
// The server address and keys come from the environment (set by tests/sdk.rs):
// OSSIMG_TEST_ENDPOINT, OSSIMG_TEST_AK, OSSIMG_TEST_SK, OSSIMG_TEST_STS_AK,
// OSSIMG_TEST_STS_SK, OSSIMG_TEST_STS_TOKEN.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import OSS from 'ali-oss';

// `localhost` must reach the IPv4 listener.
dns.setDefaultResultOrder('ipv4first');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE_JPEG = path.resolve(HERE, '../../../fixtures/images/orientation-1.jpg');
const KIB = 1024;
const AWKWARD_KEY = 'dir/sub dir/a+b#c?d e.txt';

const ENV_VARS = [
  'OSSIMG_TEST_ENDPOINT',
  'OSSIMG_TEST_AK',
  'OSSIMG_TEST_SK',
  'OSSIMG_TEST_STS_AK',
  'OSSIMG_TEST_STS_SK',
  'OSSIMG_TEST_STS_TOKEN',
];

function readEnv() {
  const missing = ENV_VARS.filter(n => !process.env[n]);
  if (missing.length) {
    throw new Error(
      `missing environment variables ${missing.join(', ')}: run these suites through ` +
        '`cargo test --test sdk` (or scripts/test.sh), which starts the server'
    );
  }
  const endpoint = new URL(process.env.OSSIMG_TEST_ENDPOINT);
  return {
    port: endpoint.port,
    ak: process.env.OSSIMG_TEST_AK,
    sk: process.env.OSSIMG_TEST_SK,
    stsAk: process.env.OSSIMG_TEST_STS_AK,
    stsSk: process.env.OSSIMG_TEST_STS_SK,
    stsToken: process.env.OSSIMG_TEST_STS_TOKEN,
  };
}

export const md5 = buf => crypto.createHash('md5').update(buf).digest('hex');

export function randomBytes(n, seed) {
  const parts = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const d = crypto.createHash('sha256').update(`${seed}:${i}`).digest();
    parts.push(d);
    len += d.length;
  }
  return Buffer.concat(parts).subarray(0, n);
}

/** Width and height from a JPEG's SOF marker (throws if it is not a JPEG). */
export function jpegSize(buf) {
  assert.ok(buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8, 'not a JPEG (no SOI marker)');
  let i = 2;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = buf.readUInt16BE(i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  throw new Error('JPEG without a SOF marker');
}

/** Decodes an uncompressed BMP (24 or 32 bits per pixel, either row order):
 * { width, height, rgb(x, y) → [r, g, b] }. */
export function bmp(buf) {
  assert.equal(buf.toString('latin1', 0, 2), 'BM', 'not a BMP');
  const offset = buf.readUInt32LE(10);
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(28);
  assert.ok(bpp === 24 || bpp === 32, `unsupported BMP depth ${bpp}`);
  const height = Math.abs(rawHeight);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const rgb = (x, y) => {
    const row = rawHeight > 0 ? height - 1 - y : y;
    const i = offset + row * stride + x * (bpp / 8);
    return [buf[i + 2], buf[i + 1], buf[i]];
  };
  return { width, height, rgb };
}

/** A solid-colour 24-bit BMP (used as an image watermark). */
export function solidBmp(size, [r, g, b]) {
  const stride = Math.ceil((size * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + stride * size);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(size, 18);
  buf.writeInt32LE(size, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(stride * size, 34);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = 54 + y * stride + x * 3;
      buf[i] = b;
      buf[i + 1] = g;
      buf[i + 2] = r;
    }
  }
  return buf;
}

/**
 * PutStyle through the client's own request signing: ali-oss has no style
 * API (its ImageClient is the retired image service), so the bucket
 * sub-resource request is built the way its bucket calls build theirs.
 */
async function putStyle(c, bucketName, name, content) {
  const params = c._bucketRequestParams('PUT', bucketName, { style: '', styleName: name });
  params.content = `<Style><Content>${content}</Content></Style>`;
  params.mime = 'xml';
  params.successStatuses = [200];
  const res = await c.request(params);
  assert.equal(res.status, 200);
}

/** Runs an image-processing call; a 501 NotImplemented fails with a clear message. */
async function imageCall(what, fn) {
  try {
    return await fn();
  } catch (err) {
    if (err && (err.status === 501 || err.code === 'NotImplemented')) {
      assert.fail(`image processing is not implemented by the server: ${what} answered 501 NotImplemented`);
    }
    throw err;
  }
}

async function fetchImage(what, url, init) {
  const res = await fetch(url, init);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status === 501) {
    assert.fail(`image processing is not implemented by the server: ${what} answered 501 NotImplemented`);
  }
  assert.equal(res.status, 200, `${what}: ${body.toString()}`);
  return { res, body };
}

async function rejectsWithCode(promise, code, status) {
  let caught = null;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected error ${code}, the call succeeded`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  if (status !== undefined) assert.equal(caught.status, status);
  return caught;
}

/**
 * mode: { name, addressing: 'ip' | 'sld' | 'ipsld', auth: 'v1' | 'v4', sts: boolean }
 */
export function defineSuite(mode) {
  describe(`ali-oss ${mode.name}`, () => {
    let env;
    let client; // client in the mode under test
    let signer; // hostname + sldEnable client with the same keys: signatureUrl refuses IP endpoints
    let bucket;
    let jpeg;
    let tmp;
    const imgKey = 'img/photo.jpg';

    const options = (addressing, bucketName) => {
      const o = {
        accessKeyId: mode.sts ? env.stsAk : env.ak,
        accessKeySecret: mode.sts ? env.stsSk : env.sk,
        bucket: bucketName,
        timeout: 30000,
      };
      if (mode.sts) o.stsToken = env.stsToken;
      if (mode.auth === 'v4') o.authorizationV4 = true;
      if (addressing === 'ip') {
        o.endpoint = `http://127.0.0.1:${env.port}`;
      } else if (addressing === 'ipsld') {
        // Sends /bucket/key *and* rewrites Host to <bucket>.<region>.aliyuncs.com (oss-api.md §2.2).
        o.endpoint = `http://127.0.0.1:${env.port}`;
        o.sldEnable = true;
      } else {
        o.endpoint = `http://localhost:${env.port}`;
        o.sldEnable = true;
      }
      return o;
    };

    before(async () => {
      env = readEnv();
      jpeg = fs.readFileSync(FIXTURE_JPEG);
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ossimg-node-'));
      bucket = `node-${mode.name}-${crypto.randomBytes(5).toString('hex')}`;
      client = new OSS(options(mode.addressing, bucket));
      signer = new OSS(options('sld', bucket));
      const res = await client.putBucket(bucket);
      assert.equal(res.res.status, 200);
      await client.put(imgKey, jpeg, { headers: { 'Content-Type': 'image/jpeg' } });
    });

    after(async () => {
      if (!client) return;
      const errors = [];
      try {
        const ups = await client.listUploads({ 'max-uploads': 1000 });
        for (const up of ups.uploads || []) await client.abortMultipartUpload(up.name, up.uploadId);
      } catch (err) {
        errors.push(`abort uploads: ${err}`);
      }
      try {
        let token;
        for (;;) {
          const query = { 'max-keys': 1000 };
          if (token) query['continuation-token'] = token;
          const page = await client.listV2(query);
          const names = (page.objects || []).map(o => o.name);
          if (names.length) await client.deleteMulti(names, { quiet: true });
          if (!page.isTruncated) break;
          token = page.nextContinuationToken;
        }
      } catch (err) {
        errors.push(`delete objects: ${err}`);
      }
      try {
        await client.deleteBucket(bucket);
      } catch (err) {
        throw new Error(`could not delete bucket ${bucket} (${errors.join('; ')}): ${err}`);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('listBuckets', async () => {
      const res = await client.listBuckets({ prefix: bucket });
      assert.deepEqual(
        res.buckets.map(b => b.name),
        [bucket]
      );
      assert.ok(res.owner.id);
    });

    it('put with meta and Content-Type, get, head, getObjectMeta', async () => {
      const data = randomBytes(3000, 21);
      const put = await client.put(AWKWARD_KEY, data, {
        meta: { author: 'alice', magic: 'Abra Cadabra' },
        headers: { 'Content-Type': 'text/plain' },
      });
      assert.equal(put.res.status, 200);
      assert.equal(put.name, AWKWARD_KEY);

      const got = await client.get(AWKWARD_KEY);
      assert.equal(md5(got.content), md5(data));
      assert.equal(got.res.headers['content-type'], 'text/plain');
      assert.equal(got.res.headers['x-oss-meta-author'], 'alice');

      const head = await client.head(AWKWARD_KEY);
      assert.equal(head.status, 200);
      assert.deepEqual(head.meta, { author: 'alice', magic: 'Abra Cadabra' });
      assert.equal(Number(head.res.headers['content-length']), data.length);
      assert.equal(head.res.headers.etag.replace(/"/g, '').toUpperCase(), md5(data).toUpperCase());

      const meta = await client.getObjectMeta(AWKWARD_KEY);
      assert.equal(meta.status, 200);
      assert.equal(Number(meta.res.headers['content-length']), data.length);
    });

    it('putStream (chunked) and getStream', async () => {
      const a = randomBytes(70 * KIB, 22);
      const b = randomBytes(50 * KIB, 23);
      const put = await client.putStream('stream/chunked.bin', Readable.from([a, b]));
      assert.equal(put.res.status, 200);
      const { stream } = await client.getStream('stream/chunked.bin');
      const chunks = [];
      for await (const c of stream) chunks.push(c);
      assert.equal(md5(Buffer.concat(chunks)), md5(Buffer.concat([a, b])));
    });

    it('get with Range', async () => {
      await client.put('range.txt', Buffer.from('0123456789abcdef'));
      const got = await client.get('range.txt', { headers: { Range: 'bytes=0-4' } });
      assert.equal(got.res.status, 206);
      assert.equal(got.content.toString(), '01234');
      assert.equal(got.res.headers['content-range'], 'bytes 0-4/16');
    });

    it('conditional get: If-None-Match gives 304, a wrong If-Match gives PreconditionFailed', async () => {
      const put = await client.put('cond.txt', Buffer.from('conditional'));
      const etag = put.res.headers.etag;
      assert.match(etag, /^"[0-9A-F]{32}"$/);
      const notModified = await client.get('cond.txt', { headers: { 'If-None-Match': etag } });
      assert.equal(notModified.res.status, 304);
      await rejectsWithCode(
        client.get('cond.txt', { headers: { 'If-Match': '"0123456789ABCDEF0123456789ABCDEF"' } }),
        'PreconditionFailed',
        412
      );
    });

    it('get with process', async () => {
      const got = await imageCall("get(process='image/resize,w_100')", () =>
        client.get(imgKey, { process: 'image/resize,w_100' })
      );
      assert.deepEqual(jpegSize(got.content), { width: 100, height: 75 });
      assert.equal(Number(got.res.headers['content-length']), got.content.length);
      assert.equal(got.res.headers['content-type'], 'image/jpeg');
    });

    it('get with a text watermark', async () => {
      const text = Buffer.from('水印 ossimg').toString('base64url');
      const process = `image/watermark,text_${text},color_FF0000,size_40,g_se`;
      const got = await imageCall('get(process=watermark)', () => client.get(imgKey, { process }));
      assert.deepEqual(jpegSize(got.content), { width: 640, height: 480 });
      const plain = await client.get(imgKey, { process: 'image/format,jpg' });
      assert.notDeepEqual(got.content, plain.content);
    });

    it('get with an image watermark: blue where it is drawn, untouched elsewhere', async () => {
      await client.put('wm/logo.bmp', solidBmp(100, [0, 0, 255]));
      const logo = Buffer.from('wm/logo.bmp?x-oss-process=image/resize,P_20').toString('base64url');
      const process = `image/watermark,image_${logo},g_nw,x_0,y_0/format,bmp`;
      const got = await imageCall('get(process=image watermark)', () => client.get(imgKey, { process }));
      assert.equal(got.res.headers['content-type'], 'image/bmp');
      const marked = bmp(got.content);
      const plain = bmp((await client.get(imgKey, { process: 'image/format,bmp' })).content);
      assert.deepEqual([marked.width, marked.height], [640, 480]);
      // P_20 of 640x480 fits the 100x100 logo into 128x96: a 96x96 square at (0, 0).
      let inside = 0;
      let changedOutside = 0;
      for (let y = 0; y < 480; y += 3) {
        for (let x = 0; x < 640; x += 3) {
          if (x < 96 && y < 96) {
            assert.deepEqual(marked.rgb(x, y), [0, 0, 255], `(${x}, ${y})`);
            inside++;
          } else if (marked.rgb(x, y).join() !== plain.rgb(x, y).join()) {
            changedOutside++;
          }
        }
      }
      assert.equal(inside, 32 * 32);
      assert.equal(changedOutside, 0);
      assert.notDeepEqual(plain.rgb(10, 10), [0, 0, 255]);
    });

    it('get with a style (style/NAME)', async () => {
      await putStyle(client, bucket, 'thumb_node', 'image/resize,w_100');
      const got = await imageCall("get(process='style/thumb_node')", () =>
        client.get(imgKey, { process: 'style/thumb_node' })
      );
      assert.equal(got.res.status, 200);
      assert.equal(got.res.headers['content-type'], 'image/jpeg');
      assert.deepEqual(jpegSize(got.content), { width: 100, height: 75 });
      await rejectsWithCode(client.get(imgKey, { process: 'style/nostyle' }), 'NoSuchStyle', 404);
    });

    it('get and head on a missing key', async () => {
      await rejectsWithCode(client.get('missing.txt'), 'NoSuchKey', 404);
      await rejectsWithCode(client.head('missing.txt'), 'NoSuchKey', 404);
    });

    it('copy', async () => {
      const data = randomBytes(1000, 24);
      await client.put('copy/src.bin', data, { meta: { origin: 'src' } });
      const res = await client.copy('copy/dst.bin', 'copy/src.bin');
      assert.equal(res.res.status, 200);
      assert.equal(res.data.etag.replace(/"/g, '').toUpperCase(), md5(data).toUpperCase());
      const got = await client.get('copy/dst.bin');
      assert.equal(md5(got.content), md5(data));
      assert.equal(got.res.headers['x-oss-meta-origin'], 'src');
      const other = await client.copy('copy/dst2.bin', `/${bucket}/${AWKWARD_KEY}`);
      assert.equal(other.res.status, 200);
    });

    it('putACL/getACL and putBucketACL/getBucketACL', async () => {
      await client.put('acl.txt', Buffer.from('acl body'));
      assert.equal((await client.getACL('acl.txt')).acl, 'default');
      await client.putACL('acl.txt', 'public-read');
      const acl = await client.getACL('acl.txt');
      assert.equal(acl.acl, 'public-read');
      assert.ok(acl.owner.id);
      const anon = await fetch(`http://127.0.0.1:${env.port}/${bucket}/acl.txt`);
      assert.equal(anon.status, 200);
      assert.equal(await anon.text(), 'acl body');

      assert.equal((await client.getBucketACL(bucket)).acl, 'private');
      await client.putBucketACL(bucket, 'public-read');
      assert.equal((await client.getBucketACL(bucket)).acl, 'public-read');
      await client.putBucketACL(bucket, 'private');
      assert.equal((await client.getBucketACL(bucket)).acl, 'private');
    });

    it('getBucketInfo and getBucketLocation', async () => {
      const info = await client.getBucketInfo(bucket);
      assert.equal(info.bucket.Name, bucket);
      assert.equal(info.bucket.AccessControlList.Grant, 'private');
      const loc = await client.getBucketLocation(bucket);
      assert.ok(loc.location);
      assert.equal(loc.location, info.bucket.Location);
    });

    it('list with delimiter, listV2 with and without continuation-token', async () => {
      const keys = ['list/a.txt', 'list/b/1.txt', 'list/b/2.txt', 'list/c.txt', 'list/d e/f.txt'];
      for (const k of keys) await client.put(k, Buffer.from(k));

      const res = await client.list({ prefix: 'list/', delimiter: '/' });
      assert.deepEqual(
        res.objects.map(o => o.name),
        ['list/a.txt', 'list/c.txt']
      );
      assert.deepEqual(res.prefixes, ['list/b/', 'list/d e/']);
      assert.ok(res.objects.every(o => o.owner.id));

      // An empty query value (signed as `prefix=` in V4 by ali-oss).
      const all = await client.list({ prefix: '', 'max-keys': 1000 });
      assert.ok(all.objects.map(o => o.name).includes('list/a.txt'));

      const p1 = await client.listV2({ prefix: 'list/', 'max-keys': 2 });
      assert.deepEqual(
        p1.objects.map(o => o.name),
        keys.slice(0, 2)
      );
      assert.equal(p1.isTruncated, true);
      assert.ok(p1.nextContinuationToken);
      const seen = p1.objects.map(o => o.name);
      let token = p1.nextContinuationToken;
      while (token) {
        const page = await client.listV2({ prefix: 'list/', 'max-keys': 2, 'continuation-token': token });
        seen.push(...page.objects.map(o => o.name));
        token = page.isTruncated ? page.nextContinuationToken : null;
      }
      assert.deepEqual(seen, [...keys].sort());
    });

    it('append twice, then a wrong position', async () => {
      const r1 = await client.append('append.log', Buffer.from('hello '));
      assert.equal(r1.nextAppendPosition, '6');
      const r2 = await client.append('append.log', Buffer.from('world'), { position: r1.nextAppendPosition });
      assert.equal(r2.nextAppendPosition, '11');
      const err = await rejectsWithCode(
        client.append('append.log', Buffer.from('bad'), { position: 3 }),
        'PositionNotEqualToLength',
        409
      );
      assert.ok(err);
      assert.equal((await client.get('append.log')).content.toString(), 'hello world');
    });

    it('multipartUpload with 100 KiB parts', async () => {
      const data = randomBytes(250 * KIB, 25);
      const file = path.join(tmp, 'multi.bin');
      fs.writeFileSync(file, data);
      const res = await client.multipartUpload('multi/big.bin', file, { partSize: 100 * KIB, parallel: 2 });
      assert.equal(res.res.status, 200);
      const got = await client.get('multi/big.bin');
      assert.equal(md5(got.content), md5(data));
      assert.equal(got.res.headers['x-oss-object-type'], 'Multipart');
    });

    it('listUploads and abortMultipartUpload', async () => {
      const init = await client.initMultipartUpload('uploads/pending.bin');
      const list = await client.listUploads({ prefix: 'uploads/' });
      assert.ok(list.uploads.some(u => u.name === 'uploads/pending.bin' && u.uploadId === init.uploadId));
      const abort = await client.abortMultipartUpload('uploads/pending.bin', init.uploadId);
      assert.equal(abort.res.status, 204);
      const after = await client.listUploads({ prefix: 'uploads/' });
      assert.ok(!after.uploads.some(u => u.uploadId === init.uploadId));
    });

    it('processObjectSave', async () => {
      const res = await imageCall('processObjectSave', () =>
        client.processObjectSave(imgKey, 'saved/thumb 1.jpg', 'image/resize,w_100', bucket)
      );
      assert.equal(res.status, 200);
      const saved = await client.get('saved/thumb 1.jpg');
      assert.deepEqual(jpegSize(saved.content), { width: 100, height: 75 });
    });

    it('processObjectSave with a style, with and without a target bucket', async () => {
      await putStyle(client, bucket, 'save_node', 'image/resize,w_120');
      const res = await imageCall('processObjectSave(style/...)', () =>
        client.processObjectSave(imgKey, 'saved/styled.jpg', 'style/save_node', bucket)
      );
      assert.equal(res.status, 200);
      const saved = await client.get('saved/styled.jpg');
      assert.deepEqual(jpegSize(saved.content), { width: 120, height: 90 });
      const res2 = await imageCall('processObjectSave(style/..., no bucket)', () =>
        client.processObjectSave(imgKey, 'saved/styled-2.jpg', 'style/save_node')
      );
      assert.equal(res2.status, 200);
      assert.deepEqual(jpegSize((await client.get('saved/styled-2.jpg')).content), { width: 120, height: 90 });
    });

    it('signatureUrl (plain, response) and signatureUrlV4 (GET, PUT), fetched with plain HTTP', async () => {
      const data = randomBytes(2048, 26);
      await client.put('signed/get.bin', data);

      const url = signer.signatureUrl('signed/get.bin', { expires: 300 });
      const plain = await fetch(url);
      assert.equal(plain.status, 200, await plain.clone().text());
      assert.equal(md5(Buffer.from(await plain.arrayBuffer())), md5(data));

      const disposition = 'attachment; filename="a b.jpg"';
      const respUrl = signer.signatureUrl(imgKey, {
        expires: 300,
        response: { 'content-type': 'image/png', 'content-disposition': disposition },
      });
      const resp = await fetch(respUrl);
      assert.equal(resp.status, 200, await resp.clone().text());
      assert.equal(resp.headers.get('content-type'), 'image/png');
      assert.equal(resp.headers.get('content-disposition'), disposition);
      assert.equal(md5(Buffer.from(await resp.arrayBuffer())), md5(jpeg));

      const v4 = await signer.signatureUrlV4('GET', 300, {}, 'signed/get.bin');
      const v4res = await fetch(v4);
      assert.equal(v4res.status, 200, await v4res.clone().text());
      assert.equal(md5(Buffer.from(await v4res.arrayBuffer())), md5(data));

      const putUrl = await signer.signatureUrlV4(
        'PUT',
        300,
        { headers: { 'Content-Type': 'text/plain' } },
        'signed/put.txt'
      );
      const put = await fetch(putUrl, { method: 'PUT', body: 'via v4 url', headers: { 'Content-Type': 'text/plain' } });
      assert.equal(put.status, 200, await put.clone().text());
      assert.equal((await client.get('signed/put.txt')).content.toString(), 'via v4 url');
    });

    it('signatureUrl with process and signatureUrlV4 with x-oss-process, fetched with plain HTTP', async () => {
      const imgUrl = signer.signatureUrl(imgKey, { expires: 300, process: 'image/resize,w_100' });
      const { body } = await fetchImage('signatureUrl with process', imgUrl);
      assert.deepEqual(jpegSize(body), { width: 100, height: 75 });

      const v4img = await signer.signatureUrlV4('GET', 300, { queries: { 'x-oss-process': 'image/resize,w_100' } }, imgKey);
      const v4body = (await fetchImage('signatureUrlV4 with x-oss-process', v4img)).body;
      assert.deepEqual(jpegSize(v4body), { width: 100, height: 75 });
    });

    it('signatureUrl with a style, fetched with plain HTTP; the style name is signed', async () => {
      await putStyle(client, bucket, 'url_node', 'image/resize,w_80');
      const url = signer.signatureUrl(imgKey, { expires: 300, process: 'style/url_node' });
      const { res, body } = await fetchImage('signatureUrl with a style', url);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(jpegSize(body), { width: 80, height: 60 });
      const other = url.replace(/style(%2F|\/)url_node/, 'style$1zz_node');
      assert.notEqual(other, url);
      await putStyle(client, bucket, 'zz_node', 'image/resize,w_80');
      const refused = await fetch(other);
      assert.equal(refused.status, 403, await refused.clone().text());
    });

    it('deleteMulti and delete', async () => {
      const keys = ['del/a&b<c>.txt', 'del/plain.txt', 'del/sp ace.txt'];
      for (const k of keys) await client.put(k, Buffer.from('x'));
      const res = await client.deleteMulti(keys, { quiet: false });
      assert.deepEqual(res.deleted.map(d => d.Key).sort(), [...keys].sort());
      for (const k of keys) await rejectsWithCode(client.head(k), 'NoSuchKey', 404);

      await client.put('del/one.txt', Buffer.from('1'));
      const del = await client.delete('del/one.txt');
      assert.equal(del.res.status, 204);
      await rejectsWithCode(client.get('del/one.txt'), 'NoSuchKey', 404);
    });

    it('deleteBucket on a non-empty bucket', async () => {
      await client.put('keep.txt', Buffer.from('keep'));
      await rejectsWithCode(client.deleteBucket(bucket), 'BucketNotEmpty', 409);
    });
  });
}
