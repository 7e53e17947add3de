// @ts-check
// The interleaved A/B of the ab-*.mjs benches: two xkslab servers on the same seed run at once; a
// 1 s warm-up each, then rounds that alternate (A B, B A, ...), each a 3 s closed loop of signed
// calls, encrypts unless told otherwise (16 connections, autocannon in its own process). With a
// rate, each round is instead 10 s of the open-loop generator at that rate (3 s warm-up), as the
// fixed-rate bench runs it: CPU per call at KMS's rate, without the order effects of running the
// two builds one after the other. Each round records req/s and, for every named CPU counter (from
// /proc), the CPU time per call.
import { median, sleep } from './common.mjs';
import { runLoad } from './load.mjs';
import { benchSeed, removeDir, signedPool, startXkslab, tempDir } from './servers.mjs';

/**
 * @typedef {import('./servers.mjs').Credential} Credential
 * @typedef {(pid: number | undefined) => Promise<number>} CpuCounter
 * @typedef {{
 *   name: string,
 *   dir: string,
 *   server: Awaited<ReturnType<typeof startXkslab>>,
 *   rps: number[],
 *   cpuUs: Record<string, number[]>,
 * }} AbSide
 */

/**
 * Starts one side: `xkslab serve` on a fresh temporary directory with the bench seed.
 * @param {string} name
 * @param {{ label: string, credential: Credential, args?: string[], mainJs?: string }} options
 * @returns {Promise<AbSide>}
 */
export async function abSide(name, { label, credential, args = [], mainJs }) {
  const dir = await tempDir(label);
  const server = await startXkslab({
    dataDir: `${dir}/data`,
    seed: benchSeed(credential),
    args,
    ...(mainJs ? { mainJs } : {}),
  });
  return { name, dir, server, rps: [], cpuUs: {} };
}

/**
 * Runs the warm-up and `rounds` alternating rounds; `cpu` names the counters read around each
 * round, in that order, before and after it.
 * @param {[AbSide, AbSide]} sides
 * @param {{
 *   credential: Credential,
 *   rounds: number,
 *   cpu: Record<string, CpuCounter>,
 *   op?: import('./servers.mjs').Operation,
 *   rate?: number | undefined,
 * }} options
 */
export async function runAb(sides, { credential, rounds, cpu, op = 'encrypt', rate }) {
  const [a, b] = sides;
  const counters = Object.entries(cpu);
  /** @param {AbSide} s @param {number} durationSec */
  const load = async (s, durationSec) => {
    const url = s.server.url;
    if (rate === undefined) {
      const requests = signedPool({ port: s.server.port, credential, op, count: 1000 });
      const res = await runLoad('closed', { url, connections: 16, durationSec, requests });
      return { ...res, rps: res.reqPerSec };
    }
    const requests = signedPool({ port: s.server.port, credential, op, count: 2000 });
    const res = await runLoad('open', { url, rate, durationSec, requests });
    return { ...res, rps: res.achievedRate };
  };
  const [warmUpSec, roundSec] = rate === undefined ? [1, 3] : [3, 10];
  /** @param {AbSide} s */
  const readCpu = async (s) => {
    /** @type {number[]} */
    const ms = [];
    for (const [, read] of counters) ms.push(await read(s.server.pid));
    return ms;
  };
  for (const s of sides) {
    for (const [counter] of counters) s.cpuUs[counter] = [];
  }
  for (const s of sides) await load(s, warmUpSec);
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [b, a] : [a, b]) {
      const before = await readCpu(s);
      const res = await load(s, roundSec);
      const after = await readCpu(s);
      if (res.non2xx || res.errors)
        throw new Error(`${s.name}: ${res.non2xx} non-2xx, ${res.errors} errors`);
      s.rps.push(Math.round(res.rps));
      counters.forEach(([counter], i) => {
        const used = (after[i] ?? Number.NaN) - (before[i] ?? Number.NaN);
        s.cpuUs[counter]?.push(Math.round((used * 1000) / res.requests));
      });
      await sleep(200);
    }
  }
}

/**
 * A side's figures: its per-round values and their median.
 * @param {number[]} values
 */
export function perRound(values) {
  return `${values.join(' ')} (median ${median(values)})`;
}

/**
 * Stops both servers and removes their directories.
 * @param {AbSide[]} sides
 */
export async function stopAb(sides) {
  for (const s of sides) {
    await s.server.stop();
    await removeDir(s.dir);
  }
}
