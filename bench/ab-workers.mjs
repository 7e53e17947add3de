// @ts-check
// An interleaved A/B of XKS encrypt between `serve` (one process) and `serve --workers N` of this
// build (`node bench/ab-workers.mjs [N] [ROUNDS] [ENGINE]`): both servers run at once, rounds alternate,
// each a 3 s closed loop (16 connections, autocannon in its own process). Reports req/s and the
// CPU time per encrypt of the whole process group (primary and workers, from /proc) and of the
// first process alone (with workers: the primary, whose share bounds how far more workers scale).
import { newCredential } from '@xkslab/conformance/testing';
import { abSide, perRound, runAb, stopAb } from './lib/ab.mjs';
import { median } from './lib/common.mjs';
import { cpuMs, treeCpuMs } from './lib/proc.mjs';

const workers = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 6);
const engine = process.argv[4] ?? 'auto';
const credential = newCredential();

const label = 'ab-workers';
const a = await abSide('one process', { label, credential, args: ['--engine', engine] });
const b = await abSide(`--workers ${workers}`, {
  label,
  credential,
  args: ['--engine', engine, '--workers', String(workers)],
});
await runAb([a, b], { credential, rounds, cpu: { all: treeCpuMs, first: cpuMs } });
for (const s of [a, b]) {
  console.log(
    `${s.name}: req/s ${perRound(s.rps)}; CPU us/encrypt, all processes ${perRound(s.cpuUs.all ?? [])}; of which the first process ${median(s.cpuUs.first ?? [])}`,
  );
}
await stopAb([a, b]);
