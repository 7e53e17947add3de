// @ts-check
// Runs a load generator (bench/load/closed.mjs or open.mjs) as a child process and returns its
// JSON result. The request pool goes through a temporary file.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, median, round } from './common.mjs';

/**
 * @param {'open' | 'closed'} kind
 * @param {{ durationSec?: number } & Record<string, unknown>} config
 * @returns {Promise<any>} the generator's JSON result (its last stdout line), as it printed it
 */
export async function runLoad(kind, config) {
  const file = join(tmpdir(), `xkslab-bench-load-${randomUUID()}.json`);
  await writeFile(file, JSON.stringify(config));
  try {
    const script = join(BENCH_DIR, 'load', kind === 'open' ? 'open.mjs' : 'closed.mjs');
    const limitMs = ((config.durationSec ?? 10) + 60) * 1000;
    return await new Promise((done, fail) => {
      const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (s) => {
        out += s;
      });
      child.stderr.setEncoding('utf8').on('data', (s) => {
        err += s;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
      child.once('close', (code) => {
        clearTimeout(timer);
        const line = out.trim().split('\n').pop();
        try {
          if (code !== 0) throw new Error(`exit ${code}`);
          done(JSON.parse(line ?? ''));
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          fail(new Error(`load generator ${kind} failed (${why}): ${err || out}`));
        }
      });
    });
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * What one closed-loop run printed (bench/load/closed.mjs).
 * @typedef {{ reqPerSec: number; latencyMs: Record<'p50' | 'p99' | 'max', number>;
 *   non2xx: number; errors: number; timeouts: number; requests: number }} ClosedRun
 */

/**
 * One case over its rounds: median req/s and latency, and the median ratio to its baseline's
 * runs of the same rounds.
 * @param {string} name
 * @param {ClosedRun[]} runs
 * @param {ClosedRun[]} baselineRuns
 */
export function summarize(name, runs, baselineRuns) {
  const rps = runs.map((r) => r.reqPerSec);
  const ratios = runs.map((r, i) => r.reqPerSec / (baselineRuns[i]?.reqPerSec ?? Number.NaN));
  const lat = (/** @type {'p50' | 'p99' | 'max'} */ k) => median(runs.map((r) => r.latencyMs[k]));
  return {
    case: name,
    reqPerSec: round(median(rps), 0),
    reqPerSecRounds: rps.map((x) => round(x, 0)),
    ratioToBare: round(median(ratios), 3),
    latencyMs: { p50: round(lat('p50')), p99: round(lat('p99')), max: round(lat('max')) },
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
    requests: runs.reduce((a, r) => a + r.requests, 0),
  };
}
