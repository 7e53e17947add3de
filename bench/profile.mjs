// @ts-check
// Profiles the server under load: starts xkslab with `node --cpu-prof`, drives one operation
// closed-loop with autocannon (own process) for a few seconds, stops the server with SIGTERM so
// the profile is written, and prints the functions with the most self time, grouped by package.
//
//   node bench/profile.mjs [encrypt|decrypt|metadata|health] [seconds] [--engine node]
// The .cpuprofile lands in $TMPDIR; open it in Chrome DevTools for the full picture.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import { benchOptions, printTable } from './lib/common.mjs';
import { runLoad } from './lib/load.mjs';
import { benchSeed, sealMany, signedPool, startXkslab, tempDir } from './lib/servers.mjs';

const positional = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const op = /** @type {import('./lib/servers.mjs').Operation} */ (positional[0] ?? 'encrypt');
const seconds = Number(positional[1] ?? 5);
const opts = benchOptions();
const dir = await tempDir('profile');
const credential = newCredential();
const profDir = join(dir, 'prof');
const xks = await startXkslab({
  dataDir: join(dir, 'data'),
  seed: benchSeed(credential),
  args: ['--engine', opts.engine],
  nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir],
});
const sealed =
  op === 'decrypt' ? await sealMany({ url: xks.url, port: xks.port, credential, count: 200 }) : [];
const pool = signedPool({
  port: xks.port,
  credential,
  op,
  count: 1000,
  sealedFor: (i) => sealed[i % 200],
});
const result = await runLoad('closed', {
  url: xks.url,
  connections: opts.connections,
  durationSec: seconds,
  requests: pool,
});
await xks.stop('SIGTERM');
console.log(
  `${op}: ${Math.round(result.reqPerSec)} req/s under the profiler, ${result.non2xx} non-2xx`,
);

const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no .cpuprofile written');
/**
 * @typedef {{ functionName: string; url: string; lineNumber: number }} CallFrame
 * @typedef {{ id: number; callFrame: CallFrame; children?: number[] }} ProfileNode
 */
/** @type {{ nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }} */
const profile = JSON.parse(await readFile(join(profDir, file), 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
/** @type {Map<ProfileNode, number>} */
const self = new Map();
const dt = profile.timeDeltas;
for (const [i, sample] of profile.samples.entries()) {
  const n = byId.get(sample);
  if (n === undefined) continue;
  self.set(n, (self.get(n) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const where = (/** @type {string} */ url) => {
  if (!url) return '(native/gc)';
  const m =
    /node_modules\/\.pnpm\/([^/]+)\//.exec(url) ?? /\/(packages\/[^/]+|apps\/[^/]+)\//.exec(url);
  if (m?.[1]) return m[1].replace(/@(\d[^_]*)(_.*)?$/, '');
  if (url.startsWith('node:')) return 'node core';
  return url;
};
/** @type {Map<string, number>} */
const fnTotals = new Map();
/** @type {Map<string, number>} */
const pkgTotals = new Map();
for (const [n, t] of self) {
  const cf = n.callFrame;
  const file = /\/(?:src|dist)\/(.+)$/.exec(cf.url)?.[1];
  const key = `${cf.functionName || '(anonymous)'} ${where(cf.url)}${file && !cf.url.includes('node_modules') ? `/${file}` : ''}:${cf.lineNumber + 1}`;
  fnTotals.set(key, (fnTotals.get(key) ?? 0) + t);
  const pkg = where(cf.url);
  pkgTotals.set(pkg, (pkgTotals.get(pkg) ?? 0) + t);
}
// Inclusive time: a sample counts once for every distinct function on its stack.
/** @type {Map<number, number>} */
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** @type {Map<string, number>} */
const incl = new Map();
const label = (/** @type {ProfileNode} */ n) => {
  const cf = n.callFrame;
  const file = /\/(?:src|dist)\/(.+)$/.exec(cf.url)?.[1];
  return `${cf.functionName || '(anonymous)'} ${where(cf.url)}${file && !cf.url.includes('node_modules') ? `/${file}` : ''}:${cf.lineNumber + 1}`;
};
for (let i = 0; i < profile.samples.length; i++) {
  const seen = new Set();
  let id = profile.samples[i];
  while (id !== undefined) {
    const node = byId.get(id);
    if (node === undefined) break;
    const key = label(node);
    if (!seen.has(key)) {
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + (dt[i] ?? 0));
    }
    id = parent.get(id);
  }
}
const top = (/** @type {Map<string, number>} */ m, /** @type {number} */ k) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
printTable(
  'self time by package',
  ['package', 'share'],
  top(pkgTotals, 15).map(([k, t]) => [k, `${((100 * t) / total).toFixed(1)}%`]),
);
printTable(
  'self time by function',
  ['function', 'share'],
  top(fnTotals, 30).map(([k, t]) => [k, `${((100 * t) / total).toFixed(1)}%`]),
);
printTable(
  'inclusive time by function',
  ['function', 'share'],
  top(incl, 60).map(([k, t]) => [k, `${((100 * t) / total).toFixed(1)}%`]),
);
console.log(`\nprofile: ${join(profDir, file)}`);
