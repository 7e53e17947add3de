// @ts-check
// Throughput of Vcm encrypt/decrypt (MemoryRecordStore, key cached) per engine and input size,
// against raw node:crypto AES-256-GCM and raw pkcs11js calls on a SoftHSMv2 token (apt package
// softhsm2; skipped with the reason when it is missing), on the same key and inputs. The cases of
// one size run in interleaved rounds (forward, then backward, ...; BENCH_ROUNDS, 5 by default), each
// case DURATION_MS / rounds per round; a case's figure is its median round and its ratio the median
// of its per-round ratios to node:crypto's, so a host that slows down mid-run moves both sides.
// Run after `pnpm build` (imports dist/). Prints tables and writes
// <repo>/bench/results/vcm-crypto.json.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { cipherEngine, MemoryRecordStore, selectEngine, Vcm } from '@xkslab/vcm';
import { createSoftHsmToken, openRawPkcs11AesGcm, softHsmMissing } from '@xkslab/vcm/testing';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const WARMUP_MS = Math.min(200, DURATION_MS / 5);
const SIZES = [32, 1024, 4300];
const AAD_BYTES = 64;
const RESULTS = new URL('../../../bench/results/', import.meta.url);
const OPS = /** @type {const} */ (['encrypt', 'decrypt']);
const BASELINE = 'node:crypto (baseline)';
const SOFTHSM = 'SoftHSMv2 via pkcs11js (raw)';
/**
 * The engine the SoftHSMv2 target is judged on: the default of `xkslab serve` (auto: native where
 * its addon loads, as it does after `pnpm build`; node otherwise, which the output then says).
 */
const DEFAULT_ENGINE = selectEngine('auto');
const TARGET_ENGINE = DEFAULT_ENGINE.engine.name;
if (DEFAULT_ENGINE.nativeUnavailable !== undefined) {
  console.log(`native engine skipped: ${DEFAULT_ENGINE.nativeUnavailable}`);
}
/** @type {import('@xkslab/vcm').CipherEngineName[]} */
const ENGINES =
  DEFAULT_ENGINE.nativeUnavailable === undefined ? ['noble', 'node', 'native'] : ['noble', 'node'];
const TARGET = { size: 1024, atLeast: 3 };

/** @typedef {(typeof OPS)[number]} Op */
/** @typedef {Record<Op, () => unknown>} Ops */
/** @typedef {{ size: number, op: Op, impl: string, opsPerSec: number, ratio: number, mibPerSec?: number }} Result */

/**
 * Runs `op` (sync or async) repeatedly for about `ms`; returns ops per second.
 * @param {() => unknown} op
 * @param {number} ms
 */
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

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Measures every case of one size, encrypt and decrypt, in interleaved rounds, into `results`.
 * The first case is the baseline (node:crypto).
 * @param {Result[]} results
 * @param {number} size
 * @param {{ impl: string, ops: Ops }[]} cases
 */
async function benchSize(results, size, cases) {
  for (const c of cases) for (const op of OPS) await measure(c.ops[op], WARMUP_MS);
  /** @type {Record<string, Record<Op, number[]>>} */
  const rounds = Object.fromEntries(cases.map((c) => [c.impl, { encrypt: [], decrypt: [] }]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 ? [...cases].reverse() : cases) {
      for (const op of OPS)
        rounds[c.impl]?.[op].push(await measure(c.ops[op], DURATION_MS / ROUNDS));
    }
  }
  const base = rounds[cases[0]?.impl ?? ''];
  for (const c of cases) {
    for (const op of OPS) {
      const mine = rounds[c.impl]?.[op] ?? [];
      const ratios = mine.map((v, i) => v / (base?.[op][i] ?? Number.NaN));
      results.push({ size, op, impl: c.impl, opsPerSec: median(mine), ratio: median(ratios) });
    }
  }
}

/**
 * node:crypto directly (fixed IV, no key lookup, no IV generation).
 * @param {Buffer} key @param {Buffer} iv @param {Buffer} plaintext @param {Buffer} aad
 * @returns {{ ops: Ops, sealed: Buffer }}
 */
function nodeCryptoOps(key, iv, plaintext, aad) {
  const encrypt = () => {
    const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return [ct, c.getAuthTag()];
  };
  const [ct, tag] = encrypt();
  if (ct === undefined || tag === undefined) throw new Error('no ciphertext');
  const decrypt = () => {
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    d.setAuthTag(tag);
    d.setAAD(aad);
    return Buffer.concat([d.update(ct), d.final()]);
  };
  return { ops: { encrypt, decrypt }, sealed: Buffer.concat([ct, tag]) };
}

const key = randomBytes(32);
const aad = randomBytes(AAD_BYTES);
/** @type {Result[]} */
const results = [];
const softHsmSkipped = softHsmMissing();
if (softHsmSkipped !== undefined) console.log(`${SOFTHSM} baseline skipped: ${softHsmSkipped}`);
const token =
  softHsmSkipped === undefined
    ? await createSoftHsmToken({ label: 'vcm-bench', pin: randomBytes(8).toString('hex') })
    : undefined;
try {
  // One logged-in session and the same key as every other case, open for the whole run.
  const hsm = token === undefined ? undefined : await openRawPkcs11AesGcm(token, key);
  try {
    for (const size of SIZES) {
      const plaintext = randomBytes(size);
      const iv = randomBytes(12);
      const base = nodeCryptoOps(key, iv, plaintext, aad);
      /** @type {{ impl: string, ops: Ops }[]} */
      const cases = [{ impl: BASELINE, ops: base.ops }];
      /** @type {Vcm[]} */
      const opened = [];
      for (const engineName of ENGINES) {
        const vcm = await Vcm.open({
          store: new MemoryRecordStore(),
          engine: cipherEngine(engineName),
          masterKey: randomBytes(32),
        });
        opened.push(vcm);
        await vcm.createModule({ name: 'bench' });
        await vcm.createKey('bench', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'], material: key });
        const input = { ...(await vcm.encrypt('bench', 'k', { plaintext, aad })), aad };
        cases.push({
          impl: `Vcm + ${engineName} engine`,
          ops: {
            encrypt: () => vcm.encrypt('bench', 'k', { plaintext, aad }),
            decrypt: () => vcm.decrypt('bench', 'k', input),
          },
        });
      }
      if (hsm !== undefined) {
        // C_EncryptInit + C_Encrypt (C_DecryptInit + C_Decrypt), CKM_AES_GCM, fixed IV as above.
        const sealed = hsm.encrypt(iv, plaintext, aad);
        if (!sealed.equals(base.sealed)) throw new Error('SoftHSMv2 and node:crypto disagree');
        cases.push({
          impl: SOFTHSM,
          ops: {
            encrypt: () => hsm.encrypt(iv, plaintext, aad),
            decrypt: () => hsm.decrypt(iv, sealed, aad),
          },
        });
      }
      await benchSize(results, size, cases);
      for (const vcm of opened) await vcm.close();
    }
  } finally {
    hsm?.close();
  }
} finally {
  await token?.remove();
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
  loadAvgAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
};

/**
 * @param {string[]} header
 * @param {string[][]} rows
 * @param {number} rightFrom the first right-aligned column
 */
function printTable(header, rows, rightFrom) {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  /** @param {string[]} cells */
  const line = (cells) =>
    cells
      .map((c, i) => (i >= rightFrom ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** @param {number} n */
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
/** @param {number} x */
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '-');

console.log(
  `vcm-crypto: ${machine.model} x${machine.cpus}, node ${machine.node}, load ${machine.loadAvgAtEnd.join(' ')}`,
);
console.log(
  `AES-256-GCM, ${AAD_BYTES}-byte AAD, ~${DURATION_MS} ms per case and op in ${ROUNDS} interleaved rounds (median), one op at a time`,
);
printTable(
  ['bytes', 'op', 'implementation', 'ops/s', 'MiB/s', 'vs baseline'],
  results.map((r) => [
    String(r.size),
    r.op,
    r.impl,
    fmtInt(r.opsPerSec),
    (r.mibPerSec ?? 0).toFixed(2),
    fmtRatio(r.ratio),
  ]),
  3,
);

/**
 * @param {number} size @param {Op} op @param {string} impl
 * @returns {number}
 */
const opsOf = (size, op, impl) =>
  results.find((r) => r.size === size && r.op === op && r.impl === impl)?.opsPerSec ?? Number.NaN;
const vcmImpl = `Vcm + ${TARGET_ENGINE} engine`;
/** @param {number} size @param {Op} op */
const vsHsm = (size, op) => {
  const vcmOpsPerSec = opsOf(size, op, vcmImpl);
  const softHsmOpsPerSec = opsOf(size, op, SOFTHSM);
  return { vcmOpsPerSec, softHsmOpsPerSec, ratio: round(vcmOpsPerSec / softHsmOpsPerSec, 3) };
};
/** @param {number} x @param {number} digits */
function round(x, digits) {
  return Number(x.toFixed(digits));
}

/** Vcm with the default engine against SoftHSMv2 per size, and the target at 1 KiB. */
let softHsm;
if (softHsmSkipped !== undefined) {
  console.log(`\n${SOFTHSM} baseline skipped: ${softHsmSkipped}`);
  softHsm = { skipped: softHsmSkipped };
} else {
  const rows = SIZES.map((size) => ({
    size,
    encrypt: vsHsm(size, 'encrypt'),
    decrypt: vsHsm(size, 'decrypt'),
  }));
  console.log(`\n${vcmImpl} (the default) vs ${SOFTHSM}, same key, one session`);
  printTable(
    [
      'bytes',
      'Vcm enc/s',
      'SoftHSMv2 enc/s',
      'enc ratio',
      'Vcm dec/s',
      'SoftHSMv2 dec/s',
      'dec ratio',
    ],
    rows.map((r) => [
      String(r.size),
      fmtInt(r.encrypt.vcmOpsPerSec),
      fmtInt(r.encrypt.softHsmOpsPerSec),
      fmtRatio(r.encrypt.ratio),
      fmtInt(r.decrypt.vcmOpsPerSec),
      fmtInt(r.decrypt.softHsmOpsPerSec),
      fmtRatio(r.decrypt.ratio),
    ]),
    1,
  );
  const at = rows.find((r) => r.size === TARGET.size);
  const met =
    at !== undefined && at.encrypt.ratio >= TARGET.atLeast && at.decrypt.ratio >= TARGET.atLeast;
  console.log(
    `target module encrypt/decrypt ${TARGET.size / 1024} KiB >= ${TARGET.atLeast}x SoftHSMv2: ${fmtRatio(at?.encrypt.ratio ?? Number.NaN)} / ${fmtRatio(at?.decrypt.ratio ?? Number.NaN)} (${met ? 'met' : 'MISSED'})`,
  );
  softHsm = {
    engine: TARGET_ENGINE,
    rows,
    target: { size: TARGET.size, atLeast: TARGET.atLeast, met },
  };
}

await mkdir(RESULTS, { recursive: true });
const out = new URL('vcm-crypto.json', RESULTS);
const tmp = new URL('vcm-crypto.json.tmp', RESULTS);
const report = {
  benchmark: 'vcm-crypto',
  description:
    'Vcm.encrypt/decrypt ops/s (MemoryRecordStore, cached key, sequential awaits) per engine vs raw node:crypto aes-256-gcm and raw pkcs11js CKM_AES_GCM on a SoftHSMv2 token (one session; fixed IV) on the same key and inputs; interleaved rounds, medians',
  date: new Date().toISOString(),
  machine,
  settings: {
    durationMs: DURATION_MS,
    rounds: ROUNDS,
    warmupMs: WARMUP_MS,
    aadBytes: AAD_BYTES,
    sizes: SIZES,
  },
  results,
  softHsm,
};
await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
await rename(tmp, out);
console.log(`\nwrote ${out.pathname}`);
