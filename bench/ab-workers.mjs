// @ts-check
// An interleaved A/B of XKS encrypt between `serve` (one process) and `serve --workers N` of this
// build (`node bench/ab-workers.mjs [N] [ROUNDS] [ENGINE]`): both servers run at once, rounds alternate,
// each a 3 s closed loop (16 connections, autocannon in its own process). Reports req/s and the
// CPU time per encrypt of the whole process group (primary and workers, from /proc) and of the
// first process alone (with workers: the primary, whose share bounds how far more workers scale).
import { newCredential } from '@xkslab/conformance/testing';
import { median, sleep } from './lib/common.mjs';
import { runLoad } from './lib/load.mjs';
import { cpuMs, treeCpuMs } from './lib/proc.mjs';
import { benchSeed, removeDir, signedPool, startXkslab, tempDir } from './lib/servers.mjs';

const workers = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 6);
const engine = process.argv[4] ?? 'node';
const credential = newCredential();

/** @param {string} name @param {string[]} args */
async function side(name, args) {
  const dir = await tempDir('ab-workers');
  const server = await startXkslab({ dataDir: `${dir}/data`, seed: benchSeed(credential), args });
  return {
    name,
    dir,
    server,
    rps: /** @type {number[]} */ ([]),
    cpuUs: /** @type {number[]} */ ([]),
    primaryUs: /** @type {number[]} */ ([]),
  };
}

const a = await side('one process', ['--engine', engine]);
const b = await side(`--workers ${workers}`, ['--engine', engine, '--workers', String(workers)]);
/** @param {typeof a} s */
const pool = (s) => signedPool({ port: s.server.port, credential, op: 'encrypt', count: 1000 });
/** @param {typeof a} s @param {number} durationSec */
const load = (s, durationSec) =>
  runLoad('closed', { url: s.server.url, connections: 16, durationSec, requests: pool(s) });

for (const s of [a, b]) await load(s, 1); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const s of r % 2 ? [b, a] : [a, b]) {
    const before = await treeCpuMs(s.server.pid);
    const primaryBefore = await cpuMs(s.server.pid);
    const res = await load(s, 3);
    const after = await treeCpuMs(s.server.pid);
    const primaryAfter = await cpuMs(s.server.pid);
    if (res.non2xx || res.errors)
      throw new Error(`${s.name}: ${res.non2xx} non-2xx, ${res.errors} errors`);
    s.rps.push(Math.round(res.reqPerSec));
    s.cpuUs.push(Math.round(((after - before) * 1000) / res.requests));
    s.primaryUs.push(Math.round(((primaryAfter - primaryBefore) * 1000) / res.requests));
    await sleep(200);
  }
}
for (const s of [a, b]) {
  console.log(
    `${s.name}: req/s ${s.rps.join(' ')} (median ${median(s.rps)}); CPU us/encrypt, all processes ${s.cpuUs.join(' ')} (median ${median(s.cpuUs)}); of which the first process ${median(s.primaryUs)}`,
  );
  await s.server.stop();
  await removeDir(s.dir);
}
