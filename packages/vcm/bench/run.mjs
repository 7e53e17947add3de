// Throughput of Vcm encrypt/decrypt (MemoryRecordStore, key cached) per engine and input size,
// against raw node:crypto AES-256-GCM on the same inputs. Run after `pnpm build` (imports dist/).
// Prints a table and writes <repo>/bench/results/vcm-crypto.json.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { cipherEngine, MemoryRecordStore, Vcm } from '../dist/index.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1000);
const WARMUP_MS = Math.min(200, DURATION_MS / 5);
const SIZES = [32, 1024, 4300];
const AAD_BYTES = 64;
const RESULTS = new URL('../../../bench/results/', import.meta.url);

/** Runs `op` (sync or async) repeatedly for about `ms`; returns ops per second. */
async function measure(op, ms) {
  let batch = 1;
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) await op();
    ops += batch;
    now = process.hrtime.bigint();
    // Grow the batch until one takes ~10 ms, so the clock is not read on every op.
    if (now - start < BigInt(ms * 1e5) && batch < 1 << 16) batch *= 2;
  }
  return ops / (Number(now - start) / 1e9);
}

async function bench(op) {
  await measure(op, WARMUP_MS);
  return measure(op, DURATION_MS);
}

const key = randomBytes(32);
const aad = randomBytes(AAD_BYTES);
const results = [];

for (const size of SIZES) {
  const plaintext = randomBytes(size);
  const iv = randomBytes(12);

  // Baseline: node:crypto directly (fixed IV, no key lookup, no IV generation).
  const baselineEncrypt = () => {
    const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return [ct, c.getAuthTag()];
  };
  const [baseCt, baseTag] = baselineEncrypt();
  const baselineDecrypt = () => {
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    d.setAuthTag(baseTag);
    d.setAAD(aad);
    return Buffer.concat([d.update(baseCt), d.final()]);
  };
  const baseline = {
    encrypt: await bench(baselineEncrypt),
    decrypt: await bench(baselineDecrypt),
  };
  for (const op of ['encrypt', 'decrypt']) {
    results.push({ size, op, impl: 'node:crypto (baseline)', opsPerSec: baseline[op], ratio: 1 });
  }

  for (const engineName of ['noble', 'node']) {
    const vcm = await Vcm.open({
      store: new MemoryRecordStore(),
      engine: cipherEngine(engineName),
      masterKey: randomBytes(32),
    });
    await vcm.createModule({ name: 'bench' });
    await vcm.createKey('bench', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'], material: key });
    const sealed = await vcm.encrypt('bench', 'k', { plaintext, aad });
    const input = { ...sealed, aad };
    const ops = {
      encrypt: () => vcm.encrypt('bench', 'k', { plaintext, aad }),
      decrypt: () => vcm.decrypt('bench', 'k', input),
    };
    for (const op of ['encrypt', 'decrypt']) {
      const opsPerSec = await bench(ops[op]);
      results.push({
        size,
        op,
        impl: `Vcm + ${engineName} engine`,
        opsPerSec,
        ratio: opsPerSec / baseline[op],
      });
    }
    await vcm.close();
  }
}

for (const r of results) {
  r.opsPerSec = Math.round(r.opsPerSec);
  r.mibPerSec = Number(((r.opsPerSec * r.size) / 2 ** 20).toFixed(2));
  r.ratio = Number(r.ratio.toFixed(3));
}

const cpus = os.cpus();
const machine = {
  cpus: cpus.length,
  model: cpus[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  arch: os.arch(),
};

const header = ['bytes', 'op', 'implementation', 'ops/s', 'MiB/s', 'vs baseline'];
const rows = results.map((r) => [
  String(r.size),
  r.op,
  r.impl,
  r.opsPerSec.toLocaleString('en-US'),
  r.mibPerSec.toFixed(2),
  `${r.ratio.toFixed(2)}x`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) =>
  cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
console.log(`vcm-crypto: ${machine.model} x${machine.cpus}, node ${machine.node}`);
console.log(
  `AES-256-GCM, ${AAD_BYTES}-byte AAD, ~${DURATION_MS} ms per measurement, one op at a time`,
);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));

await mkdir(RESULTS, { recursive: true });
const out = new URL('vcm-crypto.json', RESULTS);
const tmp = new URL('vcm-crypto.json.tmp', RESULTS);
const report = {
  benchmark: 'vcm-crypto',
  description:
    'Vcm.encrypt/decrypt ops/s (MemoryRecordStore, cached key, sequential awaits) per engine vs raw node:crypto aes-256-gcm (fixed IV) on the same inputs',
  date: new Date().toISOString(),
  machine,
  settings: { durationMs: DURATION_MS, warmupMs: WARMUP_MS, aadBytes: AAD_BYTES, sizes: SIZES },
  results,
};
await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
await rename(tmp, out);
console.log(`\nwrote ${out.pathname}`);
