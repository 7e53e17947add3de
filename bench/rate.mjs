// @ts-check
// Item 3 of the benchmark: open-loop encrypt at KMS's rate (1,800 req/s by default) against a bare
// node:http server at the same rate, in one run. Each case reports latency from each request's due
// time and the server's CPU time per request (from /proc), the figure a small VM's core pays:
// plain encrypt, encrypt with a CDIV as KMS asks for it, and (with --compare) another build's
// encrypt, so a change's CPU cost is an A/B of the same run. The cases run interleaved: the
// seconds of each are split into rounds (--rate-rounds, 6 by default) and the cases take turns
// round by round, so the ratios to bare and to the floor are taken within a round and a slow
// minute of the host does not decide them (one case after another moved them by up to 45 %).

import os from 'node:os';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import {
  engineUsed,
  fmtInt,
  fmtMs,
  fmtRatio,
  median,
  percentile,
  printTable,
  round,
} from './lib/common.mjs';
import { runLoad } from './lib/load.mjs';
import { cpuMs, hostDisturbance, hostSample, quietHost, rssMiB } from './lib/proc.mjs';
import {
  benchSeed,
  FLOOR_CASE,
  removeDir,
  signedPool,
  startBare,
  startFloor,
  startHono,
  startXkslab,
  tempDir,
} from './lib/servers.mjs';

/** The headroom target: server CPU per encrypt at most this many times the bare server's. */
const CPU_TARGET_RATIO = 2.5;
const P99_TARGET_MS = 25;

/**
 * @typedef {ReturnType<typeof import('./lib/common.mjs').benchOptions>} BenchOptions
 * @typedef {import('./lib/servers.mjs').Operation} Operation
 * @typedef {{ port: number; pid: number | undefined }} Target
 */

/**
 * @typedef {{ requests: number; non2xx: number; errors: number; achievedRate: number;
 *   latencyMs: Record<'p50' | 'p90' | 'p99' | 'p999' | 'max', number>; latenciesMs: number[] }} OpenRun
 * @typedef {{ run: OpenRun; cpuUsedMs: number; host: import('./lib/proc.mjs').HostDisturbance }} Round
 */

/**
 * One round of one case at the fixed rate, with the server's CPU time and what disturbed the
 * machine meanwhile.
 * @param {BenchOptions} opts @param {Target} server @param {string} url
 * @param {() => import('./lib/servers.mjs').PoolRequest[]} pool @param {number} seconds
 * @returns {Promise<Round>}
 */
async function roundAtRate(opts, server, url, pool, seconds) {
  const cpuStart = await cpuMs(server.pid);
  const hostStart = await hostSample();
  /** @type {OpenRun} */
  const run = await runLoad('open', {
    url,
    rate: opts.rate,
    durationSec: seconds,
    requests: pool(),
    latencies: true,
  });
  const cpuUsedMs = (await cpuMs(server.pid)) - cpuStart;
  return { run, cpuUsedMs, host: hostDisturbance(hostStart, await hostSample()) };
}

/**
 * A case's rounds as one run: counts summed, latency percentiles over every request of every
 * round, CPU per request over all of them, and the host disturbed if any round was.
 * @param {Round[]} rounds @param {number} seconds a round's length
 * @param {{ start: number; end: number }} rss
 */
function combine(rounds, seconds, rss) {
  const sum = (/** @type {(r: Round) => number} */ f) => rounds.reduce((a, r) => a + f(r), 0);
  const requests = sum((r) => r.run.requests);
  const cpuUsedMs = sum((r) => r.cpuUsedMs);
  const latencies = rounds.flatMap((r) => r.run.latenciesMs).sort((a, b) => a - b);
  const worst = (/** @type {'cpuWaitShare' | 'ioWaitShare' | 'stealShare'} */ k) =>
    Math.max(...rounds.map((r) => r.host[k]));
  const host = {
    cpuWaitShare: worst('cpuWaitShare'),
    ioWaitShare: worst('ioWaitShare'),
    stealShare: worst('stealShare'),
  };
  return {
    requests,
    non2xx: sum((r) => r.run.non2xx),
    errors: sum((r) => r.run.errors),
    achievedRate: round(median(rounds.map((r) => r.run.achievedRate)), 1),
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      p999: percentile(latencies, 99.9),
      max: latencies.at(-1) ?? Number.NaN,
    },
    p99MsRounds: rounds.map((r) => round(r.run.latencyMs.p99, 2)),
    host: { ...host, quiet: rounds.every((r) => quietHost(r.host)) },
    cpuUsPerRequest: round((cpuUsedMs * 1000) / requests, 1),
    cpuUsRounds: rounds.map((r) => round((r.cpuUsedMs * 1000) / r.run.requests, 1)),
    coreShare: round(cpuUsedMs / (seconds * rounds.length * 1000), 3),
    rssMiB: { start: round(rss.start, 1), end: round(rss.end, 1) },
  };
}

/**
 * Every case at the fixed rate, interleaved: a 2 s warm-up of each, then `rounds` rounds in which
 * each case runs `seconds` in turn, the order rotating by one case a round so that no case always
 * follows the same neighbour. A slow minute of the host then falls on every case alike, and the
 * ratios are taken round by round.
 * @param {BenchOptions} opts
 * @param {{ name: string; server: Target; url: string; pool: () => import('./lib/servers.mjs').PoolRequest[]; baseline?: true }[]} specs
 * @returns {Promise<Case[]>}
 */
async function interleaved(opts, specs) {
  const rounds = opts.rateRounds;
  const seconds = opts.rateDuration / rounds;
  for (const c of specs) {
    await runLoad('open', { url: c.url, rate: opts.rate, durationSec: 2, requests: c.pool() });
  }
  const rssStart = await Promise.all(specs.map((c) => rssMiB(c.server.pid)));
  /** @type {Round[][]} */
  const done = specs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < specs.length; k++) {
      const i = (r + k) % specs.length;
      const c = /** @type {(typeof specs)[number]} */ (specs[i]);
      done[i]?.push(await roundAtRate(opts, c.server, c.url, c.pool, seconds));
    }
  }
  return Promise.all(
    specs.map(async (c, i) => ({
      name: c.name,
      run: combine(done[i] ?? [], seconds, {
        start: rssStart[i] ?? Number.NaN,
        end: await rssMiB(c.server.pid),
      }),
      ...(c.baseline ? { baseline: /** @type {const} */ (true) } : {}),
    })),
  );
}

/** A share as a whole percentage, or '-' where the kernel gave none. */
const pctOf = (/** @type {number} */ share) =>
  Number.isFinite(share) ? `${Math.round(share * 100)}%` : '-';

/**
 * @typedef {{ name: string; run: ReturnType<typeof combine>; baseline?: true }} Case
 * @typedef {ReturnType<typeof judge>[number]} Row
 */

/**
 * Round by round, a case's CPU per request as a ratio to another's in the same round.
 * @param {Case['run']} run @param {Case['run'] | undefined} to
 */
function ratios(run, to) {
  return run.cpuUsRounds.map((us, i) => us / (to?.cpuUsRounds[i] ?? Number.NaN));
}

/**
 * Each case against the targets, with its CPU per request as a ratio to the first case's (bare)
 * and to the XKS floor's: the median of the rounds' ratios, and their range.
 * @param {Case[]} cases
 */
function judge(cases) {
  const bareRun = /** @type {Case} */ (cases[0]).run;
  const floorRun = cases.find((c) => c.name === FLOOR_CASE)?.run;
  return cases.map(({ name, run, baseline }) => {
    const vsBare = ratios(run, bareRun);
    const cpuVsBare = round(median(vsBare), 2);
    return {
      name,
      run,
      baseline: baseline === true,
      cpuVsBare,
      cpuVsBareRange: [round(Math.min(...vsBare), 2), round(Math.max(...vsBare), 2)],
      cpuVsFloor: floorRun ? round(median(ratios(run, floorRun)), 2) : Number.NaN,
      errors: run.non2xx + run.errors,
      met:
        baseline === true ||
        (run.non2xx + run.errors === 0 &&
          run.latencyMs.p99 < P99_TARGET_MS &&
          cpuVsBare <= CPU_TARGET_RATIO),
    };
  });
}

/**
 * The table, a target line per case that is not a baseline, and the load average.
 * @param {BenchOptions} opts @param {Row[]} rows
 */
function printRows(opts, rows) {
  printTable(
    `Fixed rate ${opts.rate} req/s for ${opts.rateDuration} s each, in ${opts.rateRounds} interleaved round(s) (open loop, latency from each request's due time; CPU from /proc, ratios the median of the rounds')`,
    [
      'case',
      'requests',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'CPU us/req',
      'core',
      'CPU vs bare',
      'per round',
      'vs floor',
      'host waits cpu/io',
    ],
    rows.map((r) => [
      r.name,
      fmtInt(r.run.requests),
      fmtInt(r.run.achievedRate),
      fmtMs(r.run.latencyMs.p50),
      fmtMs(r.run.latencyMs.p99),
      fmtMs(r.run.latencyMs.max),
      r.errors,
      r.run.cpuUsPerRequest,
      `${Math.round(r.run.coreShare * 100)}%`,
      fmtRatio(r.cpuVsBare),
      r.baseline && r === rows[0] ? '' : `${r.cpuVsBareRange[0]}-${r.cpuVsBareRange[1]}`,
      fmtRatio(r.cpuVsFloor),
      `${pctOf(r.run.host.cpuWaitShare)}/${pctOf(r.run.host.ioWaitShare)}${r.run.host.quiet ? '' : ' (disturbed)'}`,
    ]),
  );
  for (const r of rows.filter((row) => !row.baseline)) {
    console.log(
      `target ${r.name}: 0 errors, p99 < ${P99_TARGET_MS} ms, CPU <= ${CPU_TARGET_RATIO}x bare: ${r.errors} errors, p99 ${fmtMs(r.run.latencyMs.p99)} ms, CPU ${fmtRatio(r.cpuVsBare)} (${r.met ? 'met' : 'MISSED'}; ${fmtRatio(r.cpuVsFloor)} of the XKS floor)`,
    );
  }
  console.log(
    `load at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

/**
 * The JSON result: settings, every case, and the encrypt case's figures under the names earlier
 * results used.
 * @param {BenchOptions} opts @param {Row[]} rows
 */
function resultOf(opts, rows) {
  const bareRun = /** @type {Row} */ (rows[0]).run;
  const xksRow = /** @type {Row} */ (rows.find((r) => r.name === 'xkslab encrypt'));
  return {
    settings: {
      rate: opts.rate,
      durationSec: opts.rateDuration,
      rounds: opts.rateRounds,
      engine: engineUsed(opts.engine),
      compare: opts.compare,
      generator:
        'bench/load/open.mjs: own open-loop scheduler (1 ms ticks), keep-alive node:http agent, latency from due time',
    },
    cases: rows.map((r) => ({
      case: r.name,
      cpuVsBare: r.cpuVsBare,
      cpuVsBareRange: r.cpuVsBareRange,
      cpuVsFloor: r.cpuVsFloor,
      met: r.met,
      ...r.run,
    })),
    // The fields earlier results had, for the encrypt case.
    xkslab: xksRow.run,
    bare: bareRun,
    p99VsBare: round(xksRow.run.latencyMs.p99 / bareRun.latencyMs.p99, 3),
    cpu: {
      serverCpuUsPerRequest: xksRow.run.cpuUsPerRequest,
      serverCoreShare: xksRow.run.coreShare,
      bareCpuUsPerRequest: bareRun.cpuUsPerRequest,
      ratio: xksRow.cpuVsBare,
    },
    loadAvgAtEnd: os.loadavg().map((x) => round(x, 2)),
    target: {
      errors: 0,
      p99Ms: P99_TARGET_MS,
      cpuVsBare: CPU_TARGET_RATIO,
      met: rows.every((r) => r.met),
    },
  };
}

/** @param {BenchOptions} opts */
export async function fixedRateBench(opts) {
  const dir = await tempDir('rate');
  const credential = newCredential();
  /** @type {{ stop(): Promise<void> }[]} */
  const servers = [];
  try {
    const bare = await startBare();
    servers.push(bare);
    const hono = await startHono();
    servers.push(hono);
    const floor = await startFloor(credential, dir);
    servers.push(floor);
    const start = (/** @type {string} */ name, /** @type {string | undefined} */ mainJs) =>
      startXkslab({
        dataDir: join(dir, name),
        seed: benchSeed(credential),
        args: ['--engine', opts.engine],
        ...(mainJs ? { mainJs } : {}),
      });
    const xks = await start('data', undefined);
    servers.push(xks);
    const other = opts.compare ? await start('data-compare', opts.compare) : undefined;
    if (other) servers.push(other);
    const pool = (/** @type {{ port: number }} */ s, /** @type {Operation} */ op) => () =>
      signedPool({ port: s.port, credential, op, count: 2000 });
    const cases = await interleaved(opts, [
      {
        name: 'bare node:http (baseline)',
        server: bare,
        url: `http://127.0.0.1:${bare.port}`,
        pool: pool(xks, 'encrypt'),
        baseline: true,
      },
      {
        name: 'minimal Hono app (framework floor)',
        server: hono,
        url: `http://127.0.0.1:${hono.port}`,
        pool: pool(xks, 'encrypt'),
        baseline: true,
      },
      {
        name: FLOOR_CASE,
        server: floor,
        url: `http://127.0.0.1:${floor.port}`,
        pool: pool(xks, 'encrypt'),
        baseline: true,
      },
      { name: 'xkslab encrypt', server: xks, url: xks.url, pool: pool(xks, 'encrypt') },
      {
        name: 'xkslab encrypt + CDIV (as KMS asks)',
        server: xks,
        url: xks.url,
        pool: pool(xks, 'encrypt-cdiv'),
      },
      ...(other
        ? [
            {
              name: 'xkslab encrypt [--compare build]',
              server: other,
              url: other.url,
              pool: pool(other, 'encrypt'),
            },
          ]
        : []),
    ]);
    const rows = judge(cases);
    printRows(opts, rows);
    return resultOf(opts, rows);
  } finally {
    for (const s of servers.reverse()) await s.stop().catch(() => undefined);
    await removeDir(dir);
  }
}
