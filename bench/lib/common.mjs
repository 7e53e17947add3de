// @ts-check
// Shared helpers of the end-to-end benchmarks: machine facts, tables, result files, percentiles.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectEngine } from '@xkslab/vcm';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(BENCH_DIR, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const MAIN_JS = join(REPO_ROOT, 'apps', 'xkslab', 'dist', 'main.js');

/** The machine the figures were taken on; load average shows how busy it was. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    loadAvgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

/** @param {ReturnType<typeof machineInfo>} m */
export function machineLine(m) {
  return `${m.model} x${m.cpus}, node ${m.node}, ${m.platform}, load ${m.loadAvgAtStart.join(' ')}`;
}

/**
 * Prints a left/right aligned table: columns from `rightFrom` on are right-aligned.
 * @param {string} title
 * @param {string[]} header
 * @param {unknown[][]} rows
 */
export function printTable(title, header, rows, rightFrom = 1) {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  /** @param {string[]} r */
  const line = (r) =>
    r
      .map((c, i) => (i >= rightFrom ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

/**
 * Writes `<repo>/bench/results/<name>.json` atomically (tmp + rename).
 * @param {string} name
 * @param {unknown} report
 */
export async function writeResult(name, report) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const out = join(RESULTS_DIR, `${name}.json`);
  const tmp = `${out}.tmp`;
  await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(tmp, out);
  console.log(`wrote ${out}`);
  return out;
}

/**
 * Percentile (nearest rank) of an ascending-sorted numeric array.
 * @param {readonly number[]} sorted
 * @param {number} p
 * @returns {number}
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/**
 * @param {readonly number[]} values
 * @returns {number}
 */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  const at = (/** @type {number} */ i) => s[i] ?? Number.NaN;
  return s.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

export const round = (/** @type {number} */ x, digits = 2) =>
  Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
export const fmtInt = (/** @type {number} */ x) =>
  Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-';
export const fmtMs = (/** @type {number} */ x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
export const fmtRatio = (/** @type {number} */ x) =>
  Number.isFinite(x) ? `${x.toFixed(2)}x` : '-';

export const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `--name VALUE` taken out of `argv`: whether it was given, its value, and the arguments without
 * both (the positional ones, for scripts that take a few of each).
 * @param {string[]} argv @param {string} name
 * @returns {{ given: boolean, value: string | undefined, rest: string[] }}
 */
export function takeOption(argv, name) {
  const at = argv.indexOf(name);
  if (at < 0) return { given: false, value: undefined, rest: argv };
  return {
    given: true,
    value: argv[at + 1],
    rest: argv.filter((_, i) => i !== at && i !== at + 1),
  };
}

/**
 * Command-line flags shared by every bench section. `pnpm bench -- --scale-max 1000000` reaches
 * here through turbo; BENCH_* environment variables do the same (turbo passes them through).
 */
export function benchOptions(argv = process.argv.slice(2), env = process.env) {
  /** @param {string} name */
  const flag = (name) => {
    const i = argv.indexOf(`--${name}`);
    if (i === -1) return undefined;
    const next = argv[i + 1];
    return next === undefined || next.startsWith('--') ? 'true' : next;
  };
  const quick = (flag('quick') ?? env.BENCH_QUICK) !== undefined;
  /** @param {string | undefined} v @param {number} d */
  const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
  return {
    quick,
    only: (flag('only') ?? env.BENCH_ONLY ?? '').split(',').filter(Boolean),
    /** Seconds per closed-loop measurement. */
    duration: num(flag('duration') ?? env.BENCH_DURATION_S, quick ? 2 : 5),
    rounds: num(flag('rounds') ?? env.BENCH_ROUNDS, quick ? 1 : 3),
    connections: num(flag('connections') ?? env.BENCH_CONNECTIONS, 16),
    /** Seconds of the fixed-rate run. */
    rateDuration: num(flag('rate-duration') ?? env.BENCH_RATE_DURATION_S, quick ? 5 : 60),
    /**
     * Interleaved rounds the fixed-rate seconds are split into: each case runs a round in turn, so
     * a slow minute of the host falls on every case alike.
     */
    rateRounds: Math.max(1, num(flag('rate-rounds') ?? env.BENCH_RATE_ROUNDS, quick ? 1 : 6)),
    rate: num(flag('rate') ?? env.BENCH_RATE, 1800),
    scaleMax: num(flag('scale-max') ?? env.BENCH_SCALE_MAX, quick ? 1000 : 100_000),
    /** 10-s open-loop rounds per key store size: a p99 of 5,000 requests moves with a few stalls. */
    scaleRounds: num(flag('scale-rounds') ?? env.BENCH_SCALE_ROUNDS, quick ? 1 : 5),
    /** serve's --engine; auto, as serve, is native where its addon loads (see engineUsed). */
    engine: flag('engine') ?? env.BENCH_ENGINE ?? 'auto',
    /** Another build's main.js: its encrypt joins the HTTP cases (A/B of a change, same run). */
    compare: flag('compare') ?? env.BENCH_COMPARE,
  };
}

/**
 * The engine a server given `--engine choice` runs on, for the results: auto comes to native where
 * the addon loads (the bundle's copy is built from the same source as the package's).
 * @param {string} choice
 */
export function engineUsed(choice) {
  return choice === 'auto' ? selectEngine('auto').engine.name : choice;
}
