// @ts-check
// What each per-call part of an XKS encrypt costs, by subtraction: for each part, a copy of the
// built bundle with that one part taken out runs beside the real build in an interleaved A/B
// (bench/lib/ab.mjs: closed loop, rounds alternate, server CPU time per encrypt from /proc). The
// CPU the part costs is 1 - (CPU without it / CPU with it). The copies are for measuring only:
// one skips SigV4 after the first verification, one drops the audit entry, one the log line, one
// the metrics observation, one the schema validation. Each patch names the exact bundle text it
// replaces and stops with an error when the bundle no longer has it (the code moved: update the
// patch), so a figure never comes from a copy that skipped nothing.
//
//   node bench/ab-parts.mjs [ROUNDS] [PART ...]     (after pnpm build)
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import { abSide, runAb, stopAb } from './lib/ab.mjs';
import { MAIN_JS, median, printTable } from './lib/common.mjs';
import { cpuMs } from './lib/proc.mjs';
import { assertBuilt } from './lib/servers.mjs';

/** @type {Record<string, { what: string, from: string, to: string }>} */
const PARTS = {
  sigv4: {
    what: 'SigV4 verification (the first result reused)',
    from: 'acceptSigv4(ctx, verifySigv4(ctx));',
    to: 'ctx.deps.abFirstSigv4 ??= verifySigv4(ctx); acceptSigv4(ctx, ctx.deps.abFirstSigv4);',
  },
  audit: {
    what: 'the audit entry (hash chain and write)',
    from: "  if (!deps.audit) return Promise.resolve();\n  return deps.audit.append({\n    operation: log.operation ?? 'UnknownPath',",
    to: "  return Promise.resolve();\n  return deps.audit.append({\n    operation: log.operation ?? 'UnknownPath',",
  },
  log: {
    what: 'the request log line',
    from: "  deps.logger.info('xks', line);",
    to: '',
  },
  metrics: {
    what: 'the metrics observation',
    from: '  deps.metrics?.observe(log.operation',
    to: '  void 0 && deps.metrics?.observe(log.operation',
  },
  validation: {
    what: 'the request schema (zod)',
    from: '  const parsed = ctx.route.schema.safeParse(ctx.json);',
    to: '  const parsed = { success: true, data: ctx.json };',
  },
};

const args = process.argv.slice(2);
const rounds = Number(args[0] ?? 4);
const chosen = args.length > 1 ? args.slice(1) : Object.keys(PARTS);
assertBuilt();
const bundle = await readFile(MAIN_JS, 'utf8');
const credential = newCredential();
/** @type {string[][]} */
const rows = [];
for (const name of chosen) {
  const part = PARTS[name];
  if (part === undefined) throw new Error(`unknown part ${name}; parts: ${Object.keys(PARTS)}`);
  // esbuild prints double quotes; the patches are written as in the source.
  const from = part.from.replaceAll("'", '"');
  const count = bundle.split(from).length - 1;
  if (count !== 1) {
    throw new Error(`${name}: the bundle has ${count} copies of ${JSON.stringify(from)}, not 1`);
  }
  // Beside main.js: the bundle finds its static files relative to itself.
  const copy = join(MAIN_JS, '..', `main.ab-without-${name}.js`);
  await writeFile(copy, bundle.replace(from, part.to.replaceAll("'", '"')));
  try {
    const a = await abSide('this build', { label: 'ab-parts', credential });
    const b = await abSide(`without ${name}`, { label: 'ab-parts', credential, mainJs: copy });
    await runAb([a, b], { credential, rounds, cpu: { server: cpuMs } });
    await stopAb([a, b]);
    const withPart = a.cpuUs.server ?? [];
    const ratios = (b.cpuUs.server ?? []).map((v, i) => v / (withPart[i] ?? Number.NaN));
    const share = 1 - median(ratios);
    rows.push([
      name,
      part.what,
      String(median(withPart)),
      ratios.map((r) => r.toFixed(2)).join(' '),
      `${(share * 100).toFixed(0)}% (${Math.round(share * median(withPart))} us)`,
    ]);
  } finally {
    await rm(copy, { force: true });
  }
}
printTable(
  `What each part of an encrypt costs: server CPU per encrypt with and without it (${rounds} interleaved rounds of 3 s, closed loop)`,
  ['part', 'taken out', 'CPU us with', 'without/with per round', 'share of CPU'],
  rows,
  2,
);
