// In-process throughput of sharp: node sharp_peer.js OPJSON INPUT WORKERS COUNT [OUT]
// Prints one JSON line like benches/throughput.rs. WORKERS requests are kept
// in flight; sharp's own per-image concurrency is 1 (UV_THREADPOOL_SIZE sets
// the pool), so WORKERS images are processed at once, as for the others.
'use strict';
const fs = require('fs');
const sharp = require('sharp');

sharp.cache(false);
sharp.concurrency(1);

async function main() {
  const [opJson, input, workersArg, countArg, out] = process.argv.slice(2);
  const op = JSON.parse(opJson);
  const workers = Number(workersArg || 2);
  const count = Number(countArg || 20);
  const buf = fs.readFileSync(input);
  const meta = await sharp(buf).metadata();

  function run() {
    let p = sharp(buf, { animated: !!op.anim });
    if (op.kind === 'width') p = p.resize({ width: op.w });
    else if (op.kind === 'fill') p = p.resize({ width: op.w, height: op.h, fit: 'cover' });
    else p = p.resize({ width: Math.round((meta.width * op.p) / 100) });
    if (op.fmt === 'jpeg') p = p.jpeg({ quality: op.q });
    else if (op.fmt === 'webp') p = p.webp({ quality: op.q });
    else if (op.fmt === 'png') p = p.png();
    else p = p.gif();
    return p.toBuffer();
  }

  const first = await run();
  if (out) fs.writeFileSync(out, first);
  let left = count;
  const t = process.hrtime.bigint();
  async function worker() {
    while (left > 0) {
      left -= 1;
      await run();
    }
  }
  await Promise.all(Array.from({ length: workers }, worker));
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(JSON.stringify({
    impl: 'sharp', images_per_s: count / secs, seconds: secs, count, workers,
    out_bytes: first.length, peak_rss_kib: process.resourceUsage().maxRSS,
  }));
}

main().catch((e) => { console.error(e); process.exit(1); });
