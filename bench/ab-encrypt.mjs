// @ts-check
// An interleaved A/B of XKS encrypt between this build and another one (`node bench/ab-encrypt.mjs
// OTHER_MAIN_JS [ROUNDS]`): both servers run at once, rounds alternate (A B, B A, ...), each round a
// 3 s closed loop (16 connections, autocannon in its own process). Besides req/s it reports the
// server's CPU time per encrypt (from /proc), which a shared, loaded host disturbs much less than
// throughput: a change that costs CPU shows there; a change that only adds latency shows in req/s.
import { newCredential } from '@xkslab/conformance/testing';
import { median, sleep } from './lib/common.mjs';
import { runLoad } from './lib/load.mjs';
import { benchSeed, cpuMs, removeDir, signedPool, startXkslab, tempDir } from './lib/servers.mjs';

const other = process.argv[2];
if (!other) throw new Error('usage: node bench/ab-encrypt.mjs OTHER_MAIN_JS [ROUNDS]');
const rounds = Number(process.argv[3] ?? 8);
const credential = newCredential();

/** @param {string} name @param {string | undefined} mainJs */
async function side(name, mainJs) {
  const dir = await tempDir('ab');
  const server = await startXkslab({
    dataDir: `${dir}/data`,
    seed: benchSeed(credential),
    ...(mainJs ? { mainJs } : {}),
  });
  return {
    name,
    dir,
    server,
    rps: /** @type {number[]} */ ([]),
    cpuUs: /** @type {number[]} */ ([]),
  };
}

const a = await side('this build', undefined);
const b = await side('other build', other);
/** @param {typeof a} s */
const pool = (s) => signedPool({ port: s.server.port, credential, op: 'encrypt', count: 1000 });
/** @param {typeof a} s @param {number} durationSec */
const load = (s, durationSec) =>
  runLoad('closed', { url: s.server.url, connections: 16, durationSec, requests: pool(s) });

for (const s of [a, b]) await load(s, 1); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const s of r % 2 ? [b, a] : [a, b]) {
    const before = await cpuMs(s.server.pid);
    const res = await load(s, 3);
    const after = await cpuMs(s.server.pid);
    if (res.non2xx || res.errors)
      throw new Error(`${s.name}: ${res.non2xx} non-2xx, ${res.errors} errors`);
    s.rps.push(Math.round(res.reqPerSec));
    s.cpuUs.push(Math.round(((after - before) * 1000) / res.requests));
    await sleep(200);
  }
}
for (const s of [a, b]) {
  console.log(
    `${s.name}: req/s ${s.rps.join(' ')} (median ${median(s.rps)}); server CPU us/encrypt ${s.cpuUs.join(' ')} (median ${median(s.cpuUs)})`,
  );
  await s.server.stop();
  await removeDir(s.dir);
}
const ratios = (/** @type {number[]} */ x, /** @type {number[]} */ y) =>
  x.map((v, i) => v / (y[i] ?? Number.NaN));
const show = (/** @type {number[]} */ r) =>
  `${r.map((v) => v.toFixed(2)).join(' ')} (median ${median(r).toFixed(2)})`;
console.log(`req/s, this/other per round: ${show(ratios(a.rps, b.rps))}`);
console.log(`CPU per encrypt, this/other per round: ${show(ratios(a.cpuUs, b.cpuUs))}`);
