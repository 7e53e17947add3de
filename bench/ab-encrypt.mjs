// @ts-check
// An interleaved A/B of XKS encrypt between this build and another one (`node bench/ab-encrypt.mjs
// OTHER_MAIN_JS [ROUNDS] [OPERATION] [--rate R] [--other-args 'ARGS']`; OPERATION health,
// metadata, decrypt or encrypt-cdiv measures that call instead; --other-args gives the other
// server extra serve flags, so OTHER_MAIN_JS may be this build: `apps/xkslab/dist/main.js
// --other-args '--engine node'` weighs a flag): both servers run at once, rounds alternate (A B, B A,
// ...), each round a 3 s closed loop (16 connections, autocannon in its own process), or with
// `--rate R` 10 s at R requests a second (open loop, as KMS sends). Besides req/s it reports the
// server's CPU time per call (from /proc), which a shared, loaded host disturbs much less than
// throughput: a change that costs CPU shows there; a change that only adds latency shows in req/s.
import { newCredential } from '@xkslab/conformance/testing';
import { abSide, perRound, runAb, stopAb } from './lib/ab.mjs';
import { median, takeOption } from './lib/common.mjs';
import { cpuMs } from './lib/proc.mjs';

const rateOption = takeOption(process.argv.slice(2), '--rate');
const otherArgsOption = takeOption(rateOption.rest, '--other-args');
const rate = rateOption.value === undefined ? undefined : Number(rateOption.value);
const otherArgs = otherArgsOption.value?.split(' ').filter(Boolean) ?? [];
const [other, roundsArg, opArg] = otherArgsOption.rest;
const OPERATIONS = ['encrypt', 'health', 'metadata', 'decrypt', 'encrypt-cdiv'];
const op = /** @type {import('./lib/servers.mjs').Operation} */ (opArg ?? 'encrypt');
if (!other || !OPERATIONS.includes(op) || (rate !== undefined && !(rate > 0))) {
  throw new Error(
    `usage: node bench/ab-encrypt.mjs OTHER_MAIN_JS [ROUNDS] [${OPERATIONS.join('|')}] [--rate REQ_PER_SEC] [--other-args 'SERVE FLAGS']`,
  );
}
const rounds = Number(roundsArg ?? 8);
const credential = newCredential();

const a = await abSide('this build', { label: 'ab', credential });
const b = await abSide('other build', { label: 'ab', credential, mainJs: other, args: otherArgs });
await runAb([a, b], { credential, rounds, cpu: { server: cpuMs }, op, rate });
for (const s of [a, b]) {
  console.log(
    `${s.name}: req/s ${perRound(s.rps)}; server CPU us/${op} ${perRound(s.cpuUs.server ?? [])}`,
  );
}
await stopAb([a, b]);
const ratios = (/** @type {number[]} */ x, /** @type {number[] | undefined} */ y) =>
  x.map((v, i) => v / (y?.[i] ?? Number.NaN));
const show = (/** @type {number[]} */ r) =>
  `${r.map((v) => v.toFixed(2)).join(' ')} (median ${median(r).toFixed(2)})`;
console.log(`req/s, this/other per round: ${show(ratios(a.rps, b.rps))}`);
console.log(
  `CPU per ${op}, this/other per round: ${show(ratios(a.cpuUs.server ?? [], b.cpuUs.server))}`,
);
