// @ts-check
// Item 3 of the benchmark: open-loop encrypt at KMS's rate (1,800 req/s by default) against a bare
// node:http server at the same rate, in one run. Each case reports latency from each request's due
// time and the server's CPU time per request (from /proc), the figure a small VM's core pays:
// plain encrypt, encrypt with a CDIV as KMS asks for it, and (with --compare) another build's
// encrypt, so a change's CPU cost is an A/B of the same run.

import os from 'node:os';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import { engineUsed, fmtInt, fmtMs, fmtRatio, printTable, round } from './lib/common.mjs';
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
 * One case at the fixed rate: 2 s of warm-up, then the measured run with the server's CPU time.
 * @param {BenchOptions} opts @param {Target} server @param {string} url
 * @param {() => import('./lib/servers.mjs').PoolRequest[]} pool
 */
async function atRate(opts, server, url, pool) {
  await runLoad('open', { url, rate: opts.rate, durationSec: 2, requests: pool() });
  const rssStart = await rssMiB(server.pid);
  const cpuStart = await cpuMs(server.pid);
  const hostStart = await hostSample();
  const run = await runLoad('open', {
    url,
    rate: opts.rate,
    durationSec: opts.rateDuration,
    requests: pool(),
  });
  const cpuUsedMs = (await cpuMs(server.pid)) - cpuStart;
  const host = hostDisturbance(hostStart, await hostSample());
  return {
    ...run,
    host: { ...host, quiet: quietHost(host) },
    cpuUsPerRequest: round((cpuUsedMs * 1000) / run.requests, 1),
    coreShare: round(cpuUsedMs / (opts.rateDuration * 1000), 3),
    rssMiB: { start: round(rssStart, 1), end: round(await rssMiB(server.pid), 1) },
  };
}

/** A share as a whole percentage, or '-' where the kernel gave none. */
const pctOf = (/** @type {number} */ share) =>
  Number.isFinite(share) ? `${Math.round(share * 100)}%` : '-';

/**
 * @typedef {{ name: string; run: Awaited<ReturnType<typeof atRate>>; baseline?: true }} Case
 * @typedef {ReturnType<typeof judge>[number]} Row
 */

/**
 * Each case against the targets, with its CPU per request as a ratio to the first case's (bare)
 * and to the XKS floor's.
 * @param {Case[]} cases
 */
function judge(cases) {
  const bareRun = /** @type {Case} */ (cases[0]).run;
  const floorRun = cases.find((c) => c.name === FLOOR_CASE)?.run;
  return cases.map(({ name, run, baseline }) => ({
    name,
    run,
    baseline: baseline === true,
    cpuVsBare: round(run.cpuUsPerRequest / bareRun.cpuUsPerRequest, 2),
    cpuVsFloor: floorRun ? round(run.cpuUsPerRequest / floorRun.cpuUsPerRequest, 2) : Number.NaN,
    errors: run.non2xx + run.errors,
    met:
      baseline === true ||
      (run.non2xx + run.errors === 0 &&
        run.latencyMs.p99 < P99_TARGET_MS &&
        run.cpuUsPerRequest / bareRun.cpuUsPerRequest <= CPU_TARGET_RATIO),
  }));
}

/**
 * The table, a target line per case that is not a baseline, and the load average.
 * @param {BenchOptions} opts @param {Row[]} rows
 */
function printRows(opts, rows) {
  printTable(
    `Fixed rate ${opts.rate} req/s for ${opts.rateDuration} s each (open loop, latency from each request's due time; CPU from /proc)`,
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
      engine: engineUsed(opts.engine),
      compare: opts.compare,
      generator:
        'bench/load/open.mjs: own open-loop scheduler (1 ms ticks), keep-alive node:http agent, latency from due time',
    },
    cases: rows.map((r) => ({
      case: r.name,
      cpuVsBare: r.cpuVsBare,
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
    /** @type {Case[]} */
    const cases = [];
    const bareUrl = `http://127.0.0.1:${bare.port}`;
    cases.push({
      name: 'bare node:http (baseline)',
      run: await atRate(opts, bare, bareUrl, pool(xks, 'encrypt')),
      baseline: true,
    });
    cases.push({
      name: 'minimal Hono app (framework floor)',
      run: await atRate(opts, hono, `http://127.0.0.1:${hono.port}`, pool(xks, 'encrypt')),
      baseline: true,
    });
    cases.push({
      name: FLOOR_CASE,
      run: await atRate(opts, floor, `http://127.0.0.1:${floor.port}`, pool(xks, 'encrypt')),
      baseline: true,
    });
    cases.push({
      name: 'xkslab encrypt',
      run: await atRate(opts, xks, xks.url, pool(xks, 'encrypt')),
    });
    cases.push({
      name: 'xkslab encrypt + CDIV (as KMS asks)',
      run: await atRate(opts, xks, xks.url, pool(xks, 'encrypt-cdiv')),
    });
    if (other) {
      cases.push({
        name: 'xkslab encrypt [--compare build]',
        run: await atRate(opts, other, other.url, pool(other, 'encrypt')),
      });
    }
    const rows = judge(cases);
    printRows(opts, rows);
    return resultOf(opts, rows);
  } finally {
    for (const s of servers.reverse()) await s.stop().catch(() => undefined);
    await removeDir(dir);
  }
}
