// @ts-check
// Item 4 of the benchmark: key store scale. For each size (1,000 / 100,000 / 1,000,000 keys):
// create the keys through Vcm.createKeys (one synced batch per BULK keys), measure the create
// rate against createKey (one synced write per key) in the same run, the disk used, xkslab's
// start-up time and resident memory, and the encrypt latency for a random key (open loop, every
// request a key drawn at random, so at large sizes almost every request misses the key cache).

import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import { cipherEngine, LevelRecordStore, Vcm } from '@xkslab/vcm';
import { engineUsed, fmtInt, fmtMs, fmtRatio, median, printTable, round } from './lib/common.mjs';
import { runLoad } from './lib/load.mjs';
import { memoryMiB, rssMiB } from './lib/proc.mjs';
import { benchSeed, removeDir, signedPool, startXkslab, tempDir } from './lib/servers.mjs';

const BULK = 1000;
const SINGLE_BASELINE = 200;
const MODULE = 'bench';
/** @type {Array<'ENCRYPT' | 'DECRYPT'>} */
const USAGE = ['ENCRYPT', 'DECRYPT'];
const RATE = 500;
const MEASURE_S = 10;
const WARM_S = 2;

/** @param {string} path */
function duKiB(path) {
  try {
    return Number(execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    return Number.NaN;
  }
}

/** @param {string} dataDir */
async function openVcm(dataDir) {
  const masterKey = Buffer.from(
    (await readFile(join(dataDir, 'master.key'), 'utf8')).trim(),
    'base64',
  );
  const store = await LevelRecordStore.open(join(dataDir, 'db'));
  return Vcm.open({ store, engine: cipherEngine('noble'), masterKey: new Uint8Array(masterKey) });
}

/**
 * Creates keys k1..k(n-1) in bulk (k0 comes from the seed); returns keys/s.
 * @param {Vcm} vcm
 * @param {number} n
 * @param {(done: number) => void} [onProgress]
 */
async function createBulk(vcm, n, onProgress) {
  const started = performance.now();
  for (let from = 1; from < n; from += BULK) {
    const to = Math.min(n, from + BULK);
    await vcm.createKeys(
      MODULE,
      Array.from({ length: to - from }, (_, i) => ({ id: `k${from + i}`, usage: USAGE })),
    );
    onProgress?.(to);
  }
  return (n - 1) / ((performance.now() - started) / 1000);
}

/**
 * One createKey (one synced write) per key: the baseline of the bulk path.
 * @param {Vcm} vcm
 * @param {number} count
 */
async function createSingle(vcm, count) {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await vcm.createKey(MODULE, { id: `single-${i}`, usage: USAGE });
  }
  return count / ((performance.now() - started) / 1000);
}

/**
 * The admin API of a running server (token from <dataDir>/admin-token), or undefined.
 * @param {{ url: string }} server
 * @param {string} dataDir
 */
async function adminOf(server, dataDir) {
  let token;
  try {
    token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  } catch {
    return undefined;
  }
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  return async (method, path, body) => {
    const res = await fetch(`${server.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
}

/**
 * Phase 1: a data directory with n keys, created through the admin API's bulk route
 * (POST .../keys/bulk, BULK keys per call, one synced batch each) on a running server, with
 * POST .../keys (one synced write per key) as the baseline; or, on a build without the admin API,
 * through Vcm.createKeys / createKey directly. Create rates and disk use.
 * @param {number} n
 * @param {string} dir
 */
async function buildSize(n, dir) {
  const dataDir = join(dir, `data-${n}`);
  const credential = newCredential();
  const server = await startXkslab({
    dataDir,
    seed: benchSeed(credential, { module: MODULE, keys: 1 }),
  });
  const admin = await adminOf(server, dataDir);
  let bulkRate;
  let singleRate;
  let via;
  let lastPrint = performance.now();
  const progress = (/** @type {number} */ done) => {
    if (performance.now() - lastPrint > 15_000) {
      lastPrint = performance.now();
      console.log(`  ${fmtInt(n)} keys: ${fmtInt(done)} created`);
    }
  };
  if (admin) {
    via = 'admin API: POST /admin/v1/modules/{module}/keys/bulk vs POST .../keys';
    let started = performance.now();
    for (let from = 1; from < n; from += BULK) {
      const count = Math.min(BULK, n - from);
      await admin('POST', `/modules/${MODULE}/keys/bulk`, {
        idPrefix: 'k',
        start: from,
        count,
        usage: USAGE,
      });
      progress(from + count);
    }
    bulkRate = (n - 1) / ((performance.now() - started) / 1000);
    started = performance.now();
    for (let i = 0; i < SINGLE_BASELINE; i++) {
      await admin('POST', `/modules/${MODULE}/keys`, { id: `single-${i}`, usage: USAGE });
    }
    singleRate = SINGLE_BASELINE / ((performance.now() - started) / 1000);
    await server.stop();
  } else {
    via = 'Vcm.createKeys vs Vcm.createKey (this build has no admin API)';
    await server.stop();
    const vcm = await openVcm(dataDir);
    bulkRate = await createBulk(vcm, n, progress);
    singleRate = await createSingle(vcm, SINGLE_BASELINE);
    await vcm.close();
  }
  return { n, dataDir, credential, bulkRate, singleRate, via, diskKiB: duKiB(join(dataDir, 'db')) };
}

/**
 * What one open-loop run printed (bench/load/open.mjs).
 * @typedef {{ requests: number; errors: number; non2xx: number; latencyMs: Record<'p50' | 'p90' | 'p99' | 'p999' | 'max', number> }} LoadRun
 */

/**
 * One key store size being measured: what buildSize made, then its server and runs.
 * @typedef {Awaited<ReturnType<typeof buildSize>> & {
 *   mainJs?: string,
 *   server: Awaited<ReturnType<typeof startXkslab>>,
 *   startupMs: number,
 *   rssStart: number,
 *   runs: LoadRun[],
 * }} SizeRun
 */

/**
 * The figures of one size after its runs: create rates, disk, start-up, memory, encrypt latency.
 * @param {SizeRun} b
 */
async function sizeResult(b) {
  const med = (/** @type {'p50' | 'p99' | 'max'} */ k) =>
    round(median(b.runs.map((x) => x.latencyMs[k])), 2);
  return {
    keys: b.n,
    bulkCreatePerSec: round(b.bulkRate, 0),
    singleCreatePerSec: round(b.singleRate, 0),
    bulkVsSingle: round(b.bulkRate / b.singleRate, 1),
    createdVia: b.via,
    p99VsFirst: Number.NaN,
    p50VsFirst: Number.NaN,
    diskMiB: round(b.diskKiB / 1024, 1),
    startupMs: round(b.startupMs, 0),
    rssMiB: {
      afterStart: round(b.rssStart, 1),
      afterLoad: round(await rssMiB(b.server.pid), 1),
    },
    memoryAfterLoadMiB: Object.fromEntries(
      Object.entries(await memoryMiB(b.server.pid)).map(([k, v]) => [k, round(v, 1)]),
    ),
    encrypt: {
      requests: b.runs.reduce((a, x) => a + x.requests, 0),
      errors: b.runs.reduce((a, x) => a + x.errors + x.non2xx, 0),
      latencyMs: { p50: med('p50'), p99: med('p99'), max: med('max') },
      p99Rounds: b.runs.map((x) => round(x.latencyMs.p99, 2)),
    },
  };
}

/** @param {ReturnType<typeof import('./lib/common.mjs').benchOptions>} opts */
export async function scaleBench(opts) {
  const sizes = [1000, 100_000, 1_000_000].filter((n) => n <= opts.scaleMax);
  const rounds = Math.max(1, opts.scaleRounds);
  const dir = await tempDir('scale');
  const servers = [];
  try {
    /** @type {SizeRun[]} */
    const built = [];
    for (const n of sizes) {
      console.log(`scale: creating ${fmtInt(n)} keys ...`);
      built.push(/** @type {SizeRun} */ (await buildSize(n, dir)));
    }
    // --compare: the other build serves a copy of each size's data (taken before any server
    // opens it: LevelDB may compact on open), measured in the same interleaved rounds.
    /** @type {SizeRun[]} */
    const compared = [];
    if (opts.compare) {
      for (const b of built) {
        const dataDir = `${b.dataDir}-compare`;
        await cp(b.dataDir, dataDir, { recursive: true });
        compared.push({ ...b, dataDir, mainJs: opts.compare });
      }
    }
    const targets = [...built, ...compared];
    // Phase 2: start one server per size (start-up time, RSS), all running side by side.
    for (const b of targets) {
      const server = await startXkslab({
        dataDir: b.dataDir,
        args: ['--engine', opts.engine],
        ...(b.mainJs ? { mainJs: b.mainJs } : {}),
      });
      servers.push(server);
      b.server = server;
      b.startupMs = server.startupMs;
      b.rssStart = await rssMiB(server.pid);
    }
    const pool = (/** @type {SizeRun} */ b, /** @type {number} */ count) =>
      signedPool({
        port: b.server.port,
        credential: b.credential,
        op: 'encrypt',
        count,
        keyFor: () => `k${randomInt(b.n)}`,
      });
    for (const b of targets) {
      await runLoad('open', {
        url: b.server.url,
        rate: RATE,
        durationSec: WARM_S,
        requests: pool(b, RATE * WARM_S),
      });
      b.runs = [];
    }
    // Phase 3: rounds interleaved across sizes, so machine noise hits every size alike.
    for (let r = 0; r < rounds; r++) {
      for (const b of targets) {
        b.runs.push(
          await runLoad('open', {
            url: b.server.url,
            rate: RATE,
            durationSec: MEASURE_S,
            requests: pool(b, RATE * MEASURE_S),
          }),
        );
      }
    }
    /** @type {Awaited<ReturnType<typeof sizeResult>>[]} */
    const results = [];
    for (const b of built) results.push(await sizeResult(b));
    const base = results[0];
    for (const r of base ? results : []) {
      r.p99VsFirst = round(r.encrypt.latencyMs.p99 / (base?.encrypt.latencyMs.p99 ?? 1), 2);
      r.p50VsFirst = round(r.encrypt.latencyMs.p50 / (base?.encrypt.latencyMs.p50 ?? 1), 2);
    }
    printTable(
      `Key store scale: bulk create (${BULK}/batch) vs createKey (${SINGLE_BASELINE} keys, one sync each); encrypt of a random key, open loop ${RATE} req/s for ${MEASURE_S} s`,
      [
        'keys',
        'bulk keys/s',
        'vs single',
        'disk MiB',
        'start ms',
        'RSS start',
        'RSS end',
        'anon MiB',
        'p50 ms',
        'p99 ms',
        'p99 vs 1k',
        'errors',
      ],
      results.map((r) => [
        fmtInt(r.keys),
        fmtInt(r.bulkCreatePerSec),
        fmtRatio(r.bulkVsSingle),
        r.diskMiB,
        fmtInt(r.startupMs),
        r.rssMiB.afterStart,
        r.rssMiB.afterLoad,
        r.memoryAfterLoadMiB.anon,
        fmtMs(r.encrypt.latencyMs.p50),
        fmtMs(r.encrypt.latencyMs.p99),
        fmtRatio(r.p99VsFirst),
        r.encrypt.errors,
      ]),
    );
    const largest = results[results.length - 1];
    if (largest) {
      console.log(
        `target p99 at the largest size (${fmtInt(largest.keys)}) within 1.5x of 1k: ${fmtRatio(largest.p99VsFirst)} (${largest.p99VsFirst <= 1.5 ? 'met' : 'MISSED'})${largest.keys < 1_000_000 ? '; 1M keys: pnpm bench -- --scale-max 1000000' : ''}`,
      );
    }
    const compare = compared.map((b) => ({
      keys: b.n,
      startupMs: round(b.startupMs, 0),
      errors: b.runs.reduce((a, x) => a + x.errors + x.non2xx, 0),
      latencyMs: {
        p50: round(median(b.runs.map((x) => x.latencyMs.p50)), 2),
        p99: round(median(b.runs.map((x) => x.latencyMs.p99)), 2),
      },
      p99Rounds: b.runs.map((x) => round(x.latencyMs.p99, 2)),
      p99VsFirst: Number.NaN,
    }));
    for (const c of compare) {
      c.p99VsFirst = round(c.latencyMs.p99 / (compare[0]?.latencyMs.p99 ?? 1), 2);
    }
    if (compare.length) {
      printTable(
        `The same sizes served by --compare ${opts.compare} (copies of the same data, same rounds)`,
        ['keys', 'p50 ms', 'p99 ms', 'p99 vs 1k', 'this build p99 vs 1k', 'errors'],
        compare.map((c, i) => [
          fmtInt(c.keys),
          fmtMs(c.latencyMs.p50),
          fmtMs(c.latencyMs.p99),
          fmtRatio(c.p99VsFirst),
          fmtRatio(results[i]?.p99VsFirst ?? Number.NaN),
          c.errors,
        ]),
      );
    }
    return {
      settings: {
        rounds,
        bulkBatch: BULK,
        singleBaseline: SINGLE_BASELINE,
        rate: RATE,
        measureSec: MEASURE_S,
        warmSec: WARM_S,
        keyCacheEntries: 10_000,
        engine: engineUsed(opts.engine),
        ...(opts.compare ? { compare: opts.compare } : {}),
      },
      results,
      ...(compare.length ? { compare } : {}),
    };
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    await removeDir(dir);
  }
}
