// @ts-check
// Encrypt over HTTP through a `pkcs11` module on a SoftHSMv2 token, through a virtual module, and
// raw pkcs11js calls on the same kind of token, in one run: the proxy's overhead per request is
// the HTTP latency minus the raw token call. Needs SoftHSMv2 (apt-get install softhsm2).
//
//   node bench/pkcs11.mjs [--duration S] [--rounds N] [--connections N]
//
// Writes bench/results/xks-pkcs11.json.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import { createSoftHsmToken, openRawPkcs11AesGcm, softHsmMissing } from '@xkslab/vcm/testing';
import {
  benchOptions,
  fmtInt,
  fmtMs,
  machineInfo,
  machineLine,
  median,
  printTable,
  round,
  sleep,
  writeResult,
} from './lib/common.mjs';
import { runLoad } from './lib/load.mjs';
import {
  benchSeed,
  PREFIX,
  REGION,
  removeDir,
  sendOnce,
  signedPool,
  startXkslab,
  tempDir,
} from './lib/servers.mjs';

const POOL = 1000;
/** The sizes of the other benchmarks' encrypt pool (bench/lib/servers.mjs). */
const PLAINTEXT_BYTES = 200;
const AAD_BYTES = 64;
const PIN_ENV = 'XKSLAB_BENCH_HSM_PIN';

const missing = softHsmMissing();
if (missing !== undefined) {
  console.log(`skipped: ${missing}`);
  process.exit(0);
}
const opts = benchOptions();
const hsm = await createSoftHsmToken({ label: 'bench', pin: randomBytes(8).toString('hex') });
const dir = await tempDir('pkcs11');
const credential = newCredential();
/** @type {Array<{ stop(): Promise<unknown> }>} */
const servers = [];
try {
  const virtual = await startXkslab({ dataDir: join(dir, 'virtual'), seed: benchSeed(credential) });
  servers.push(virtual);
  const tokenSeed = {
    modules: [
      {
        name: 'hsm',
        pkcs11: { library: hsm.library, tokenLabel: hsm.label, pinEnv: PIN_ENV },
        keys: [{ id: 'k0', usage: ['ENCRYPT', 'DECRYPT'] }],
      },
    ],
    keyStores: [
      {
        name: 'bench',
        uriPathPrefix: PREFIX,
        region: REGION,
        module: 'hsm',
        credentials: [credential],
      },
    ],
  };
  const token = await startXkslab({
    dataDir: join(dir, 'pkcs11'),
    seed: tokenSeed,
    env: { ...hsm.env, [PIN_ENV]: hsm.pin },
  });
  servers.push(token);
  const cases = [
    { name: 'encrypt via pkcs11 module (SoftHSMv2)', server: token },
    { name: 'encrypt via virtual module', server: virtual },
  ];
  /** @type {Map<string, any[]>} */
  const runs = new Map(cases.map((c) => [c.name, []]));
  for (const c of cases) {
    const pool = signedPool({ port: c.server.port, credential, op: 'encrypt', count: POOL });
    const [sample] = pool;
    if (sample === undefined) throw new Error('empty pool');
    const first = await sendOnce(c.server.url, sample);
    if (first.status !== 200) throw new Error(`${c.name}: ${first.status} ${first.text}`);
    await runLoad('closed', {
      url: c.server.url,
      connections: opts.connections,
      durationSec: 1,
      requests: pool,
    });
  }
  for (let r = 0; r < opts.rounds; r++) {
    for (const c of cases) {
      const requests = signedPool({ port: c.server.port, credential, op: 'encrypt', count: POOL });
      const url = c.server.url;
      const result = await runLoad('closed', {
        url,
        connections: opts.connections,
        durationSec: opts.duration,
        requests,
      });
      runs.get(c.name)?.push(result);
      await sleep(200);
    }
  }
  for (const s of servers.splice(0)) await s.stop();
  const raw = await rawPkcs11(hsm, opts.duration);
  const http = cases.map((c) => {
    const rs = runs.get(c.name) ?? [];
    return {
      case: c.name,
      reqPerSec: round(median(rs.map((x) => x.reqPerSec)), 0),
      latencyMs: {
        p50: round(median(rs.map((x) => x.latencyMs.p50))),
        p99: round(median(rs.map((x) => x.latencyMs.p99))),
      },
      non2xx: rs.reduce((a, x) => a + x.non2xx, 0),
      errors: rs.reduce((a, x) => a + x.errors + x.timeouts, 0),
    };
  });
  const pk = http[0];
  const vm = http[1];
  console.log(`xkslab pkcs11 bench on ${machineLine(machineInfo())}`);
  printTable(
    `encrypt, ${PLAINTEXT_BYTES} B plaintext, ${AAD_BYTES} B AAD, ${opts.connections} connections, ${opts.rounds} x ${opts.duration} s (median)`,
    ['case', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    [
      ...http.map((h) => [
        h.case,
        fmtInt(h.reqPerSec),
        fmtMs(h.latencyMs.p50),
        fmtMs(h.latencyMs.p99),
        String(h.non2xx),
        String(h.errors),
      ]),
      [
        'raw pkcs11js C_EncryptInit+C_Encrypt, one session',
        fmtInt(raw.opsPerSec),
        fmtMs(raw.usPerOp / 1000),
        '-',
        '0',
        '0',
      ],
    ],
  );
  const overhead = {
    /** Per request, at this concurrency: the HTTP proxy's cost beyond one raw token call. */
    pkcs11CapacityUsPerRequest: round(1e6 / (pk?.reqPerSec ?? NaN) - raw.usPerOp, 1),
    virtualCapacityUsPerRequest: round(1e6 / (vm?.reqPerSec ?? NaN), 1),
    rawTokenUsPerCall: round(raw.usPerOp, 1),
  };
  console.log(
    `per request (1 / throughput): pkcs11 ${fmtMs(1000 / (pk?.reqPerSec ?? NaN))} ms, virtual ${fmtMs(1000 / (vm?.reqPerSec ?? NaN))} ms; raw token call ${raw.usPerOp.toFixed(1)} µs; proxy overhead beyond the token call ${overhead.pkcs11CapacityUsPerRequest} µs`,
  );
  await writeResult('xks-pkcs11', {
    benchmark: 'xks-pkcs11',
    date: new Date().toISOString(),
    machine: machineInfo(),
    http,
    raw,
    overhead,
  });
} finally {
  for (const s of servers) await s.stop();
  await removeDir(dir);
  await hsm.remove();
}

/**
 * Raw pkcs11js in this process (one logged-in session, an AES-256 key): C_EncryptInit +
 * C_Encrypt (CKM_AES_GCM, a fresh 12-byte IV each) in a loop for `seconds`.
 * @param {import('@xkslab/vcm/testing').SoftHsmToken} token
 * @param {number} seconds
 */
async function rawPkcs11(token, seconds) {
  const raw = await openRawPkcs11AesGcm(token, randomBytes(32));
  try {
    const plaintext = randomBytes(PLAINTEXT_BYTES);
    const aad = randomBytes(AAD_BYTES);
    let ops = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      raw.encrypt(randomBytes(12), plaintext, aad);
      ops++;
    }
    const elapsed = performance.now() - start;
    return { ops, opsPerSec: round((ops * 1000) / elapsed, 0), usPerOp: (elapsed * 1000) / ops };
  } finally {
    raw.close();
  }
}
