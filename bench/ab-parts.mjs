// @ts-check
// What each per-call part of an XKS encrypt costs, by subtraction: for each part, a copy of the
// built bundle with that one part taken out runs beside the real build in an interleaved A/B
// (bench/lib/ab.mjs: closed loop, rounds alternate, server CPU time per encrypt from /proc). The
// CPU the part costs is 1 - (CPU without it / CPU with it). The copies are for measuring only:
// one skips SigV4 after the first verification, one drops the audit entry, one the log line, one
// the metrics observation, one the schema validation, and three product stages: the module
// deadline, the key store quota and the authorization policies. Each patch names the exact bundle
// text it replaces and stops with an error when the bundle no longer has it (the code moved:
// update the patch), so a figure never comes from a copy that skipped nothing.
//
// --together takes every chosen part out of one copy instead: what the server would cost without
// all of them, the bound on what dropping them could buy. --rate R runs the rounds at R req/s
// (10 s each) instead of closed loop. --keep PATH leaves the last copy at PATH (beside main.js),
// so `pnpm bench --compare PATH` can measure it against bare node:http in the same run.
//
//   node bench/ab-parts.mjs [ROUNDS] [PART ...] [--together] [--rate R] [--keep PATH]
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import { abSide, runAb, stopAb } from './lib/ab.mjs';
import { MAIN_JS, median, printTable, takeOption } from './lib/common.mjs';
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
  deadline: {
    what: 'the module deadline (a timer per call)',
    from: '  return withDeadline(callRoute(ctx), ctx.deps.moduleTimeoutMs);',
    to: '  return callRoute(ctx);',
  },
  quota: {
    what: 'the key store quota',
    from: '    quota: quotaStage,',
    to: '    quota: () => {},',
  },
  policies: {
    what: 'the kill switch and the authorization policies',
    from: '    authorize: authorizeStage,',
    to: '    authorize: () => {},',
  },
};

const rateOption = takeOption(process.argv.slice(2), '--rate');
const keepOption = takeOption(rateOption.rest, '--keep');
const together = keepOption.rest.includes('--together');
const positional = keepOption.rest.filter((a) => a !== '--together');
const rate = rateOption.given ? Number(rateOption.value) : undefined;
if (rate !== undefined && !(rate > 0)) {
  throw new Error('--rate takes requests per second, e.g. --rate 1800');
}
const keep = keepOption.value;
if (keepOption.given && (keep === undefined || keep.startsWith('--'))) {
  throw new Error(
    '--keep takes a path beside main.js, e.g. --keep apps/xkslab/dist/main.stripped.js',
  );
}
// The bundle finds its static files relative to itself, so a kept copy must sit beside main.js.
if (keep !== undefined && resolve(keep) === MAIN_JS) {
  throw new Error(`--keep ${keep} would overwrite the build itself: name another file beside it`);
}
if (keep !== undefined && dirname(resolve(keep)) !== dirname(MAIN_JS)) {
  throw new Error(`--keep ${keep}: the copy must sit beside ${MAIN_JS}`);
}
const rounds = Number(positional[0] ?? 4);
const chosen = positional.length > 1 ? positional.slice(1) : Object.keys(PARTS);
for (const name of chosen) {
  if (PARTS[name] === undefined)
    throw new Error(`unknown part ${name}; parts: ${Object.keys(PARTS)}`);
}
assertBuilt();
const bundle = await readFile(MAIN_JS, 'utf8');
const credential = newCredential();

/**
 * The bundle with `names` taken out; stops when a patch's text is not in it exactly once.
 * @param {string[]} names
 */
function without(names) {
  let text = bundle;
  for (const name of names) {
    const part = /** @type {{ from: string, to: string }} */ (PARTS[name]);
    // esbuild prints double quotes; the patches are written as in the source.
    const from = part.from.replaceAll("'", '"');
    const count = text.split(from).length - 1;
    if (count !== 1) {
      throw new Error(`${name}: the bundle has ${count} copies of ${JSON.stringify(from)}, not 1`);
    }
    text = text.replace(from, part.to.replaceAll("'", '"'));
  }
  return text;
}

/** @type {string[][]} */
const rows = [];
const groups = together ? [chosen] : chosen.map((name) => [name]);
for (const names of groups) {
  const label = names.join('+');
  // Beside main.js: the bundle finds its static files relative to itself.
  const copy = keep ?? join(MAIN_JS, '..', `main.ab-without-${label}.js`);
  await writeFile(copy, without(names));
  try {
    const a = await abSide('this build', { label: 'ab-parts', credential });
    const b = await abSide(`without ${label}`, { label: 'ab-parts', credential, mainJs: copy });
    await runAb([a, b], { credential, rounds, rate, cpu: { server: cpuMs } });
    await stopAb([a, b]);
    const withPart = a.cpuUs.server ?? [];
    const ratios = (b.cpuUs.server ?? []).map((v, i) => v / (withPart[i] ?? Number.NaN));
    const share = 1 - median(ratios);
    rows.push([
      label,
      names.map((n) => PARTS[n]?.what).join('; '),
      String(median(withPart)),
      ratios.map((r) => r.toFixed(2)).join(' '),
      `${(share * 100).toFixed(0)}% (${Math.round(share * median(withPart))} us)`,
    ]);
  } finally {
    if (keep === undefined) await rm(copy, { force: true });
  }
}
if (keep !== undefined) console.log(`kept the copy without ${groups.at(-1)?.join('+')}: ${keep}`);
printTable(
  `What each part of an encrypt costs: server CPU per encrypt with and without it (${rounds} interleaved rounds, ${rate === undefined ? '3 s closed loop' : `10 s at ${rate} req/s`})`,
  ['part', 'taken out', 'CPU us with', 'without/with per round', 'share of CPU'],
  rows,
  2,
);
