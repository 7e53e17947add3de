// @ts-check
// Start-up time and size of the two ways xkslab ships, measured in the same run:
// `node apps/xkslab/dist/main.js` (the npm package's bundle) and `dist/xkslab` (the single
// executable from `pnpm build:exe`). For each: the time from spawn to the `listening` log line of
// `serve` on a fresh data directory, and the time of `--version` to exit. Runs alternate between
// the two, after one warm-up each (the executable's first run writes its addon cache; that cold
// run is reported on its own). `pnpm bench:startup` builds both first.
//
// Flags: --runs N (default 7). Writes bench/results/startup.json.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fmtMs,
  MAIN_JS,
  machineInfo,
  machineLine,
  median,
  printTable,
  REPO_ROOT,
  writeResult,
} from './lib/common.mjs';

const EXE = join(REPO_ROOT, 'dist', 'xkslab');
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 7 : Number(process.argv[runsFlag + 1]);
const TIMEOUT_MS = 30_000;

for (const file of [MAIN_JS, EXE]) {
  await stat(file).catch(() => {
    console.error(`${file} is missing: run 'pnpm build && pnpm build:exe' first`);
    process.exit(1);
  });
}

/**
 * Spawns `command` and resolves with the ms until `done(line)` holds for a stdout line or exit.
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {boolean} untilListening
 * @returns {Promise<number>}
 */
function timeUntil(command, args, env, untilListening) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
    let out = '';
    let err = '';
    /** @type {number | undefined} */
    let took;
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      if (untilListening && took === undefined && /"msg":"listening"/.test(out)) {
        took = elapsed();
        child.kill('SIGTERM');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s) => {
      err += s;
    });
    child.once('exit', (code) => {
      if (!untilListening && code === 0) took = elapsed();
    });
    child.once('close', () => {
      clearTimeout(timer);
      if (took === undefined) reject(new Error(`${command} ${args.join(' ')} failed: ${err}`));
      else resolve(took);
    });
  });
}

const work = await mkdtemp(join(tmpdir(), 'xkslab-startup-'));
/** @type {NodeJS.ProcessEnv} */
const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };
delete env.XKSLAB_MASTER_KEY;
let dataDirs = 0;
const serveArgs = () => [
  'serve',
  '--data-dir',
  join(work, `data-${dataDirs++}`),
  '--host',
  '127.0.0.1',
  '--port',
  '0',
];
/** @typedef {{ label: string; command: string; lead: string[] }} Variant */
/** @type {Record<'node' | 'exe', Variant>} */
const variants = {
  node: { label: 'node apps/xkslab/dist/main.js', command: process.execPath, lead: [MAIN_JS] },
  exe: { label: 'dist/xkslab (single executable)', command: EXE, lead: [] },
};
const VARIANTS = /** @type {Array<['node' | 'exe', Variant]>} */ (Object.entries(variants));
/**
 * @param {Variant} v
 * @param {'serve' | 'version'} what
 */
const measure = (v, what) =>
  what === 'serve'
    ? timeUntil(v.command, [...v.lead, ...serveArgs()], env, true)
    : timeUntil(v.command, [...v.lead, '--version'], env, false);

try {
  console.log(`xkslab start-up on ${machineLine(machineInfo())}`);
  const machine = machineInfo();
  const coldExeVersionMs = await measure(variants.exe, 'version');
  /** @type {Record<'node' | 'exe', { serve: number[]; version: number[] }>} */
  const samples = { node: { serve: [], version: [] }, exe: { serve: [], version: [] } };
  for (const v of Object.values(variants)) {
    await measure(v, 'serve');
    await measure(v, 'version');
  }
  for (let i = 0; i < RUNS; i++) {
    for (const [name, v] of VARIANTS) {
      samples[name].serve.push(await measure(v, 'serve'));
      samples[name].version.push(await measure(v, 'version'));
    }
  }
  const bundleBytes = (await stat(MAIN_JS)).size;
  const exeBytes = (await stat(EXE)).size;
  const nodeBytes = (await stat(process.execPath)).size;
  const rows = VARIANTS.map(([name, v]) => [
    v.label,
    fmtMs(median(samples[name].serve)),
    fmtMs(median(samples[name].version)),
  ]);
  printTable(
    `median of ${RUNS} runs (ms): serve = spawn to the 'listening' line on a fresh data dir`,
    ['', 'serve', '--version'],
    rows,
  );
  console.log(
    `\nsizes: dist/main.js ${(bundleBytes / 2 ** 20).toFixed(1)} MiB; dist/xkslab ${(exeBytes / 2 ** 20).toFixed(1)} MiB (the node binary alone: ${(nodeBytes / 2 ** 20).toFixed(1)} MiB)`,
  );
  console.log(
    `the executable's first --version with an empty addon cache: ${fmtMs(coldExeVersionMs)} ms`,
  );
  const version = JSON.parse(
    await readFile(join(REPO_ROOT, 'apps', 'xkslab', 'package.json'), 'utf8'),
  ).version;
  await writeResult('startup', {
    benchmark: 'startup',
    date: new Date().toISOString(),
    machine,
    version,
    runs: RUNS,
    sizes: { bundleBytes, executableBytes: exeBytes, nodeBinaryBytes: nodeBytes },
    medianMs: Object.fromEntries(
      VARIANTS.map(([name]) => [
        name,
        { serve: median(samples[name].serve), version: median(samples[name].version) },
      ]),
    ),
    coldCacheExeVersionMs: coldExeVersionMs,
    samplesMs: samples,
  });
} finally {
  await rm(work, { recursive: true, force: true });
}
