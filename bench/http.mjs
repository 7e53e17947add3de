// @ts-check
// Items 2 and 5 of the benchmark: XKS over HTTP (and HTTPS) on loopback against a bare node:http
// server in the same run (item 3, the fixed-rate run, is rate.mjs).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import {
  engineUsed,
  fmtInt,
  fmtMs,
  fmtRatio,
  MAIN_JS,
  median,
  printTable,
  round,
  sleep,
} from './lib/common.mjs';
import { runLoad, summarize } from './lib/load.mjs';
import { cpuMs, rssMiB } from './lib/proc.mjs';
import {
  benchSeed,
  FLOOR_CASE,
  removeDir,
  sealMany,
  selfSignedCert,
  sendOnce,
  signedPool,
  startBare,
  startFloor,
  startXkslab,
  tempDir,
} from './lib/servers.mjs';

const POOL = 1000;
/** Closed-loop encrypt against the bare server in the same round (the hot-path target). */
const ENCRYPT_VS_BARE_TARGET = 0.25;
const SEALED = 200;

/** Which TLS flags `xkslab serve` has (the TLS work may or may not be in this build). */
function tlsSupport() {
  let help = '';
  try {
    help = execFileSync(process.execPath, [MAIN_JS, 'serve', '--help'], { encoding: 'utf8' });
  } catch {
    return { cert: false, dev: false };
  }
  return { cert: help.includes('--tls-cert'), dev: help.includes('--dev-tls') };
}

/**
 * @typedef {import('./lib/servers.mjs').Credential} Credential
 * @typedef {import('./lib/servers.mjs').SealedWithAad} SealedWithAad
 * @typedef {import('./lib/servers.mjs').PoolRequest} PoolRequest
 * @typedef {import('./lib/servers.mjs').Operation} Operation
 * @typedef {ReturnType<typeof import('./lib/common.mjs').benchOptions>} BenchOptions
 * @typedef {import('./lib/load.mjs').ClosedRun} ClosedRun
 */

/**
 * @param {{ port: number }} server
 * @param {Credential} credential
 * @param {SealedWithAad[]} sealed
 * @param {Operation} op
 */
function poolFor(server, credential, sealed, op) {
  return signedPool({
    port: server.port,
    credential,
    op,
    count: POOL,
    sealedFor: (i) => sealed[i % sealed.length],
  });
}

/**
 * @param {string} url
 * @param {PoolRequest[]} pool
 * @param {string} what
 */
async function checkPool(url, pool, what) {
  const first = pool[0];
  if (first === undefined) throw new Error(`${what}: the request pool is empty`);
  const res = await sendOnce(url, first);
  if (res.status !== 200)
    throw new Error(`${what}: first request answered ${res.status} ${res.text}`);
}

/**
 * @typedef {{ stop(): Promise<unknown> }} Stoppable
 * @typedef {{ url: string; port: number; pid: number | undefined }} XksServer
 * @typedef {{ name: string; baseline: string; url: string; pid: number | undefined;
 *   pool: () => PoolRequest[]; check?: true }} HttpCase
 */

/**
 * Starts every server of the closed-loop cases (each pushed to `servers` as soon as it runs, so
 * the caller stops them whatever fails later) and seals the ciphertexts the decrypt cases send.
 * @param {BenchOptions} opts @param {string} dir @param {Credential} credential
 * @param {Stoppable[]} servers
 */
async function startServers(opts, dir, credential, servers) {
  const seed = benchSeed(credential);
  const tls = tlsSupport();
  const cert = await selfSignedCert(dir);
  /**
   * @template {Stoppable} T
   * @param {Promise<T>} starting
   * @returns {Promise<T>}
   */
  const started = async (starting) => {
    const server = await starting;
    servers.push(server);
    return server;
  };
  const xksOn = (/** @type {string} */ data, /** @type {string[]} */ args, mainJs = MAIN_JS) =>
    started(startXkslab({ dataDir: join(dir, data), seed, args, mainJs }));
  const bare = await started(startBare());
  const floor = await started(startFloor(credential, dir));
  const xks = await xksOn('data', ['--engine', opts.engine]);
  const sealed = await sealMany({ url: xks.url, port: xks.port, credential, count: SEALED });
  // The same server with the other AES-GCM engine, for the encrypt case only.
  const otherEngine = engineUsed(opts.engine) === 'node' ? 'noble' : 'node';
  const xksOther = await xksOn('data-other-engine', ['--engine', otherEngine]);
  const xksCompare = opts.compare
    ? await xksOn('data-compare', ['--engine', opts.engine], opts.compare)
    : undefined;
  const bareTls = cert ? await started(startBare({ tls: cert })) : undefined;
  /** @type {string[] | undefined} */
  let tlsArgs;
  if (tls.cert && cert) tlsArgs = ['--tls-cert', cert.cert, '--tls-key', cert.key];
  else if (tls.dev) tlsArgs = ['--dev-tls'];
  const xksTls = tlsArgs
    ? await xksOn('data-tls', ['--engine', opts.engine, ...tlsArgs])
    : undefined;
  const tlsNote = tlsArgs
    ? undefined
    : 'this build of xkslab serve has no --tls-cert/--dev-tls: HTTPS measured on the bare server only';
  const sealedTls = xksTls
    ? await sealMany({ url: xksTls.url, port: xksTls.port, credential, count: SEALED })
    : [];
  return {
    bare,
    floor,
    xks,
    sealed,
    otherEngine,
    xksOther,
    xksCompare,
    bareTls,
    xksTls,
    sealedTls,
    tlsNote,
  };
}

/**
 * The cases, in the order they run in each round and appear in the table.
 * @param {Awaited<ReturnType<typeof startServers>>} s @param {Credential} credential
 * @returns {HttpCase[]}
 */
function casesOf(s, credential) {
  const { bare, floor, xks, sealed } = s;
  /**
   * A checked case of xkslab against the bare server of the same protocol.
   * @param {string} name @param {XksServer} server @param {Operation} op
   * @param {{ baseline?: string; sealed?: SealedWithAad[] }} [more]
   * @returns {HttpCase}
   */
  const xksCase = (name, server, op, more = {}) => ({
    name,
    baseline: more.baseline ?? 'bare node:http',
    url: server.url,
    pid: server.pid,
    pool: () => poolFor(server, credential, more.sealed ?? sealed, op),
    check: true,
  });
  /** @type {HttpCase[]} */
  const cases = [
    {
      name: 'bare node:http',
      baseline: 'bare node:http',
      url: `http://127.0.0.1:${bare.port}`,
      pid: bare.pid,
      pool: () => poolFor(xks, credential, sealed, 'encrypt'),
    },
    {
      name: FLOOR_CASE,
      baseline: 'bare node:http',
      url: `http://127.0.0.1:${floor.port}`,
      pid: floor.pid,
      pool: () => poolFor(xks, credential, sealed, 'encrypt'),
    },
    .../** @type {Operation[]} */ (['health', 'metadata', 'encrypt', 'decrypt']).map((op) =>
      xksCase(`xkslab ${op}`, xks, op),
    ),
  ];
  cases.push(xksCase('xkslab encrypt + CDIV (as KMS asks)', xks, 'encrypt-cdiv'));
  if (s.xksCompare) {
    cases.push(xksCase('xkslab encrypt [--compare build]', s.xksCompare, 'encrypt'));
  }
  cases.push(xksCase(`xkslab encrypt --engine ${s.otherEngine}`, s.xksOther, 'encrypt'));
  if (s.bareTls) {
    cases.push({
      name: 'bare node:https',
      baseline: 'bare node:https',
      url: `https://127.0.0.1:${s.bareTls.port}`,
      pid: s.bareTls.pid,
      pool: () => poolFor(xks, credential, sealed, 'encrypt'),
    });
  }
  if (s.xksTls) {
    cases.push(
      xksCase('xkslab encrypt https', s.xksTls, 'encrypt', {
        baseline: 'bare node:https',
        sealed: s.sealedTls,
      }),
    );
  }
  return cases;
}

/**
 * A short warm-up of each case (not recorded: JIT, connection set-up, caches), then the rounds,
 * each case in turn: every run, and the server's CPU time per request of each (from /proc; closed
 * loop, a server is CPU-bound).
 * @param {BenchOptions} opts @param {HttpCase[]} cases
 */
async function runRounds(opts, cases) {
  /** @type {Map<string, ClosedRun[]>} */
  const runs = new Map(cases.map((c) => [c.name, []]));
  /** @type {Map<string, number[]>} */
  const cpuUs = new Map(cases.map((c) => [c.name, []]));
  /** @param {string} url @param {number} durationSec @param {PoolRequest[]} pool */
  const load = (url, durationSec, pool) =>
    runLoad('closed', { url, connections: opts.connections, durationSec, requests: pool });
  for (const c of cases) {
    const pool = c.pool();
    if (c.check) await checkPool(c.url, pool, c.name);
    await load(c.url, 1, pool);
  }
  for (let round = 0; round < opts.rounds; round++) {
    for (const c of cases) {
      const pool = c.pool();
      const cpuBefore = await cpuMs(c.pid);
      const result = await load(c.url, opts.duration, pool);
      const cpuUsed = (await cpuMs(c.pid)) - cpuBefore;
      runs.get(c.name)?.push(result);
      cpuUs.get(c.name)?.push((cpuUsed * 1000) / result.requests);
      await sleep(200);
    }
  }
  return { runs, cpuUs };
}

/**
 * Item 2 and 5: closed loop at fixed concurrency, cases interleaved round by round.
 * @param {BenchOptions} opts
 */
export async function closedLoopBench(opts) {
  const dir = await tempDir('http');
  const credential = newCredential();
  /** @type {Stoppable[]} */
  const servers = [];
  try {
    const started = await startServers(opts, dir, credential, servers);
    const cases = casesOf(started, credential);
    const rssBefore = await rssMiB(started.xks.pid);
    const { runs, cpuUs } = await runRounds(opts, cases);
    const rssAfter = await rssMiB(started.xks.pid);
    const results = cases.map((c) => ({
      ...summarize(c.name, runs.get(c.name) ?? [], runs.get(c.baseline) ?? []),
      baseline: c.baseline,
      cpuUsPerRequest: round(median(cpuUs.get(c.name) ?? []), 1),
    }));
    return {
      ...report(opts, results, runs, started.tlsNote),
      xkslabRssMiB: { beforeLoad: round(rssBefore, 1), afterLoad: round(rssAfter, 1) },
    };
  } finally {
    for (const s of servers.reverse()) await s.stop().catch(() => undefined);
    await removeDir(dir);
  }
}

/**
 * Prints the table and the target lines, and returns the JSON result without the memory figures.
 * @param {BenchOptions} opts
 * @param {(ReturnType<typeof summarize> & { baseline: string; cpuUsPerRequest: number })[]} results
 * @param {Map<string, ClosedRun[]>} runs @param {string | undefined} tlsNote
 */
function report(opts, results, runs, tlsNote) {
  const httpEnc = results.find((r) => r.case === 'xkslab encrypt');
  const httpsEnc = results.find((r) => r.case === 'xkslab encrypt https');
  const bareHttps = results.find((r) => r.case === 'bare node:https');
  const bareHttp = results.find((r) => r.case === 'bare node:http');
  printTable(
    `XKS over loopback, ${opts.connections} connections, ${opts.rounds} round(s) x ${opts.duration} s, median of rounds (load generator: autocannon in its own process, pre-signed pool of ${POOL})`,
    [
      'case',
      'req/s',
      'vs baseline',
      'CPU us/req',
      'p50 ms',
      'p99 ms',
      'max ms',
      'non-2xx',
      'errors',
    ],
    results.map((r) => [
      r.case,
      fmtInt(r.reqPerSec),
      `${fmtRatio(r.ratioToBare)} ${r.baseline === r.case ? '(baseline)' : `of ${r.baseline}`}`,
      r.cpuUsPerRequest,
      fmtMs(r.latencyMs.p50),
      fmtMs(r.latencyMs.p99),
      fmtMs(r.latencyMs.max),
      r.non2xx,
      r.errors,
    ]),
  );
  // GetHealthStatus against encrypt: the ratio of each round (both in the same round), median.
  const healthRuns = runs.get('xkslab health') ?? [];
  const encryptRuns = runs.get('xkslab encrypt') ?? [];
  const healthVsEncrypt = round(
    median(healthRuns.map((r, i) => r.reqPerSec / (encryptRuns[i]?.reqPerSec ?? Number.NaN))),
    3,
  );
  const targets = {
    encryptVsBare: {
      target: `>= ${ENCRYPT_VS_BARE_TARGET}`,
      measured: httpEnc?.ratioToBare,
      met: (httpEnc?.ratioToBare ?? 0) >= ENCRYPT_VS_BARE_TARGET,
    },
    healthVsEncrypt: { target: '>= 1', measured: healthVsEncrypt, met: healthVsEncrypt >= 1 },
  };
  const tlsCost = {
    bareHttpsVsHttp:
      bareHttps && bareHttp ? round(bareHttps.reqPerSec / bareHttp.reqPerSec, 3) : undefined,
    xkslabEncryptHttpsVsHttp:
      httpsEnc && httpEnc ? round(httpsEnc.reqPerSec / httpEnc.reqPerSec, 3) : undefined,
    note: tlsNote,
  };
  console.log(
    `target encrypt >= ${ENCRYPT_VS_BARE_TARGET}x bare: ${fmtRatio(httpEnc?.ratioToBare ?? Number.NaN)} (${targets.encryptVsBare.met ? 'met' : 'MISSED'}); health >= encrypt: ${fmtRatio(healthVsEncrypt)} (${targets.healthVsEncrypt.met ? 'met' : 'MISSED'})` +
      (tlsCost.bareHttpsVsHttp
        ? `; TLS: bare https/http ${fmtRatio(tlsCost.bareHttpsVsHttp)}`
        : '') +
      (tlsCost.xkslabEncryptHttpsVsHttp
        ? `, xkslab encrypt https/http ${fmtRatio(tlsCost.xkslabEncryptHttpsVsHttp)}`
        : '') +
      (tlsNote ? ` (${tlsNote})` : ''),
  );
  return {
    settings: {
      connections: opts.connections,
      durationSec: opts.duration,
      rounds: opts.rounds,
      engine: engineUsed(opts.engine),
      pool: POOL,
      signing:
        'pre-signed pool (host;x-amz-date, signed just before each run, well inside the 5-minute skew window), each request with its own kmsRequestId, plaintext and AAD',
      plaintextBytes: 200,
      aadBytes: 64,
    },
    results,
    targets,
    tlsCost,
  };
}
