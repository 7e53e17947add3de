// @ts-check
// Where xkslab's CPU per encrypt goes beyond the floor of the work, symbol by symbol: each case
// (bare node:http, the XKS encrypt floor, xkslab) runs alone at a fixed rate (KMS's 1,800 req/s
// by default) under `perf record` (cpu-clock sampling, node with --perf-basic-prof so JIT-compiled
// JavaScript has names), and every sample is turned into microseconds per request. It prints each
// case's CPU per request (/proc, as the rate bench measures it; perf's own count beside it), the
// split by where the code lives (Node's binary, JIT-compiled JavaScript, the kernel, libc), and
// the symbols whose cost differs most between the last two cases (xkslab against the floor).
//
//   node bench/perf-diff.mjs [--rate 1800] [--seconds 20] [--top 30] [--cases bare,floor,xkslab]
//
// Needs Linux `perf` (Debian: apt-get install linux-perf) and the rights to attach it to a child
// process (root, or kernel.perf_event_paranoid <= 1). The sampling itself costs a few per cent,
// so read the ratios, not the absolute figures. Names of JIT-compiled code are approximate where V8
// reuses code memory (perf reads one map per process). Results: bench/results/perf-diff.json.
import { spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import {
  benchOptions,
  fmtRatio,
  machineInfo,
  machineLine,
  printTable,
  round,
  takeOption,
  writeResult,
} from './lib/common.mjs';
import { runLoad } from './lib/load.mjs';
import { cpuMs } from './lib/proc.mjs';
import {
  benchSeed,
  removeDir,
  signedPool,
  startBare,
  startFloor,
  startXkslab,
  tempDir,
} from './lib/servers.mjs';

/** Samples a second; each sample stands for 1e6 / SAMPLE_HZ microseconds of CPU. */
const SAMPLE_HZ = 4000;
/** perf report's field separator: a character no symbol name has. */
const SEP = '\x1f';
const CASES = /** @type {const} */ (['bare', 'floor', 'xkslab']);

/** @param {string} name @param {string} fallback */
function option(name, fallback) {
  return takeOption(process.argv, `--${name}`).value ?? fallback;
}
const { rate } = benchOptions();
const seconds = Number(option('seconds', '20'));
const top = Number(option('top', '30'));
const cases = option('cases', CASES.join(',')).split(',');
if (!(rate > 0) || !(seconds > 0) || !(top > 0)) {
  throw new Error('--rate, --seconds and --top take positive numbers');
}
for (const c of cases) {
  if (!CASES.includes(/** @type {any} */ (c)))
    throw new Error(`unknown case ${c}; cases: ${CASES}`);
}
if (spawnSync('perf', ['--version']).status !== 0) {
  throw new Error('perf not found: install it (Debian: apt-get install linux-perf) and run again');
}

const credential = newCredential();
const dir = await tempDir('perf-diff');
// V8 writes a log file beside the map perf reads; it goes into the temporary directory.
const nodeArgs = [
  '--perf-basic-prof',
  '--no-logfile-per-isolate',
  `--logfile=${join(dir, 'v8.log')}`,
];

/**
 * Starts one case with JIT symbols written for perf.
 * @param {string} name
 * @returns {Promise<{ port: number, pid: number | undefined, stop(): Promise<unknown> }>}
 */
async function start(name) {
  if (name === 'bare') return startBare({ nodeArgs });
  if (name === 'floor') return startFloor(credential, dir, nodeArgs);
  return startXkslab({ dataDir: join(dir, 'data'), seed: benchSeed(credential), nodeArgs });
}

/**
 * Samples per (where, symbol) from a perf.data file; JIT tiers (`*`, `^`, `~`) folded together.
 * @param {string} file
 */
function readSamples(file) {
  const out = spawnSync(
    'perf',
    [
      'report',
      '-i',
      file,
      '--no-children',
      '--sort',
      'dso,sym',
      '--stdio',
      '-g',
      'none',
      '-F',
      'sample,dso,sym',
      '-t',
      SEP,
    ],
    { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 },
  );
  if (out.status !== 0) throw new Error(`perf report failed: ${out.stderr}`);
  /** @type {Map<string, { where: string, symbol: string, samples: number }>} */
  const rows = new Map();
  for (const line of out.stdout.split('\n')) {
    if (line.startsWith('#')) continue;
    const [count, dso, sym] = line.split(SEP).map((s) => s.trim());
    if (!count || dso === undefined || sym === undefined) continue;
    const where = whereOf(dso);
    const symbol = symbolName(sym.replace(/^\[.\]\s*/, ''));
    const key = `${where}\n${symbol}`;
    const row = rows.get(key) ?? { where, symbol, samples: 0 };
    row.samples += Number(count);
    rows.set(key, row);
  }
  return [...rows.values()];
}

/**
 * A symbol's name across builds: a JavaScript function by its name alone (the floor loads the
 * packages' own files where xkslab runs one bundle, so file and line differ for the same code),
 * its compiler tier (`*`, `^`, `~`) dropped.
 * @param {string} sym
 */
function symbolName(sym) {
  const js = /^JS:[*^~+-]?(\S*)/.exec(sym);
  if (!js) return sym;
  return `JS ${js[1] || '(anonymous)'}`;
}

/** @param {string} dso */
function whereOf(dso) {
  if (dso === 'node') return "Node's binary (V8, libuv, llhttp, OpenSSL)";
  if (dso.startsWith('[JIT]')) return 'JIT-compiled JavaScript';
  if (dso === '[kernel.kallsyms]') return 'kernel';
  if (dso.startsWith('libc.so')) return 'libc';
  return dso;
}

/**
 * One case at the rate: warm-up, then the measured run under perf.
 * @param {string} name
 */
async function profileCase(name) {
  const server = await start(name);
  const url = `http://127.0.0.1:${server.port}`;
  const pool = () => signedPool({ port: server.port, credential, op: 'encrypt', count: 1000 });
  try {
    await runLoad('open', { url, rate, durationSec: 3, requests: pool() });
    const data = join(dir, `${name}.perf.data`);
    const perf = spawn(
      'perf',
      [
        'record',
        '-q',
        '-e',
        'cpu-clock',
        '-F',
        String(SAMPLE_HZ),
        '-p',
        String(server.pid),
        '-o',
        data,
      ],
      { stdio: 'ignore' },
    );
    const recorded = new Promise((done) => perf.once('close', done));
    const cpuStart = await cpuMs(server.pid);
    const run = await runLoad('open', { url, rate, durationSec: seconds, requests: pool() });
    const cpuUsed = (await cpuMs(server.pid)) - cpuStart;
    perf.kill('SIGINT');
    await recorded;
    if (run.errors || run.non2xx)
      throw new Error(`${name}: ${run.errors} errors, ${run.non2xx} non-2xx`);
    const usPerSample = 1e6 / SAMPLE_HZ;
    const symbols = readSamples(data).map((r) => ({
      where: r.where,
      symbol: r.symbol,
      usPerRequest: (r.samples * usPerSample) / run.requests,
    }));
    await rm(data, { force: true });
    await rm(`/tmp/perf-${server.pid}.map`, { force: true });
    return {
      name,
      requests: run.requests,
      p99Ms: run.latencyMs?.p99,
      cpuUsPerRequest: (cpuUsed * 1000) / run.requests,
      sampledUsPerRequest: symbols.reduce((a, s) => a + s.usPerRequest, 0),
      symbols,
    };
  } finally {
    await server.stop();
  }
}

const machine = machineInfo();
console.log(`perf diff at ${rate} req/s, ${seconds} s a case, on ${machineLine(machine)}`);
const results = [];
for (const name of cases) results.push(await profileCase(name));
await removeDir(dir);

const base = results[0];
printTable(
  'CPU per encrypt request',
  ['case', 'us (/proc)', `vs ${base?.name}`, 'us (perf samples)', 'p99 ms'],
  results.map((r) => [
    r.name,
    round(r.cpuUsPerRequest, 1),
    fmtRatio(r.cpuUsPerRequest / (base?.cpuUsPerRequest ?? Number.NaN)),
    round(r.sampledUsPerRequest, 1),
    round(r.p99Ms ?? Number.NaN, 2),
  ]),
);

/**
 * @typedef {Awaited<ReturnType<typeof profileCase>>} CaseResult
 * @typedef {CaseResult['symbols'][number]} SymbolCost
 */
/**
 * A case's microseconds per request summed by `by`.
 * @param {CaseResult} r @param {(s: SymbolCost) => string} by
 */
const totals = (r, by) => {
  /** @type {Map<string, number>} */
  const m = new Map();
  for (const s of r.symbols) m.set(by(s), (m.get(by(s)) ?? 0) + s.usPerRequest);
  return m;
};
const byWhere = results.map((r) => totals(r, (s) => s.where));
const places = [...new Set(byWhere.flatMap((m) => [...m.keys()]))]
  .map((w) => ({ w, max: Math.max(...byWhere.map((m) => m.get(w) ?? 0)) }))
  .filter((p) => p.max >= 0.5)
  .sort((a, b) => b.max - a.max);
printTable(
  'where the CPU goes, us per request',
  ['where', ...results.map((r) => r.name)],
  places.map(({ w }) => [w, ...byWhere.map((m) => round(m.get(w) ?? 0, 1))]),
);

const [before, after] = results.slice(-2);
/** @type {{ where: string, symbol: string, a: number, b: number }[]} */
let diff = [];
/** @type {{ gapUs: number, largestUs: number, symbolsForHalf: number } | undefined} */
let spread;
if (before && after && before !== after) {
  const key = (/** @type {{ where: string, symbol: string }} */ s) => `${s.where}\n${s.symbol}`;
  const a = totals(before, key);
  const b = totals(after, key);
  // The symbols the last case spends more on first.
  diff = [...new Set([...a.keys(), ...b.keys()])]
    .map((k) => {
      const [where = '', symbol = ''] = k.split('\n');
      return { where, symbol, a: a.get(k) ?? 0, b: b.get(k) ?? 0 };
    })
    .sort((x, y) => y.b - y.a - (x.b - x.a));
  printTable(
    `the ${top} symbols ${after.name} spends most more on than ${before.name}, us per request`,
    ['symbol', 'where', before.name, after.name, 'difference'],
    diff
      .slice(0, top)
      .map((d) => [
        d.symbol.slice(0, 90),
        d.where.split(' ')[0],
        round(d.a, 2),
        round(d.b, 2),
        round(d.b - d.a, 2),
      ]),
    2,
  );
  const gapUs = after.sampledUsPerRequest - before.sampledUsPerRequest;
  let covered = 0;
  let symbolsForHalf = 0;
  for (const d of diff) {
    if (covered >= gapUs / 2 || d.b <= d.a) break;
    covered += d.b - d.a;
    symbolsForHalf++;
  }
  spread = {
    gapUs: round(gapUs, 1),
    largestUs: round((diff[0]?.b ?? 0) - (diff[0]?.a ?? 0), 2),
    symbolsForHalf,
  };
  console.log(
    `\n${after.name} - ${before.name}: ${spread.gapUs} us per request sampled; the largest single symbol is ${spread.largestUs} us of it, and half of it takes the ${symbolsForHalf} largest`,
  );
}

await writeResult('perf-diff', {
  machine,
  rate,
  seconds,
  sampleHz: SAMPLE_HZ,
  cases: results.map((r) => ({
    name: r.name,
    requests: r.requests,
    p99Ms: r.p99Ms,
    cpuUsPerRequest: round(r.cpuUsPerRequest, 1),
    sampledUsPerRequest: round(r.sampledUsPerRequest, 1),
    byWhere: Object.fromEntries([...totals(r, (s) => s.where)].map(([k, v]) => [k, round(v, 2)])),
  })),
  spread,
  largestDifferences: diff.slice(0, 100).map((d) => ({ ...d, a: round(d.a, 3), b: round(d.b, 3) })),
});
