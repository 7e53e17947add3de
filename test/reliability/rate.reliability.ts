/**
 * KMS's load on one key store: 1,800 encrypt requests per second (200-byte plaintext, 64-byte AAD),
 * open loop (bench/load/open.mjs in its own process: each request is sent when due, latency counts
 * from that moment), for 60 s (5 s in short mode): zero errors and p99 under 25 ms, a tenth of
 * KMS's 250 ms deadline (in short mode under the deadline itself), on a machine that was quiet
 * during the run. `pnpm bench` reports the same run next to a bare node:http baseline.
 */

import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: bench/ is JavaScript checked by its own tsconfig, without declaration files
import { runLoad } from '../../bench/lib/load.mjs';
// @ts-expect-error: as above (bench/lib)
import * as proc from '../../bench/lib/proc.mjs';
// @ts-expect-error: as above (bench/lib)
import * as bench from '../../bench/lib/servers.mjs';
import { SHORT } from './support.ts';

const RATE = 1800;
const SECONDS = SHORT ? 5 : 60;
/**
 * The target, 25 ms (a tenth of KMS's deadline), in the 60 s run. In the 5 s run (9,000
 * requests) one pause of ~100 ms holds back the 1 % that decides the p99 by itself: a CI run on a
 * quiet host (CPU waits 8.9 %, I/O waits 0.2 %, 52 % of a core) measured p99 29.7 ms with a max
 * of 114 ms. So the short run holds the p99 to KMS's own deadline, 250 ms, which no single pause
 * of that size can break, and the 60 s run (108,000 requests) to the target.
 */
const P99_LIMIT_MS = SHORT ? 250 : 25;
/**
 * Above this share of one core the server is near saturation and queueing dominates its latency
 * (an M/D/1 queue at 70 % utilisation already waits ~1.2 service times on average, with a long
 * tail); on the machines the target was set on, xkslab needs about 40 %.
 */
const SATURATED_CORE_SHARE = 0.7;

type OpenLoopResult = {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  achievedRate: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
};
type BenchServer = { port: number; url: string; pid: number; stop(): Promise<unknown> };

describe('fixed rate', () => {
  let server: BenchServer | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await server?.stop();
    if (dir) await bench.removeDir(dir);
  });

  it(`encrypts at ${RATE} req/s for ${SECONDS} s with zero errors, and p99 < ${P99_LIMIT_MS} ms on a quiet machine with headroom`, async () => {
    // The server and the generator are the bench's (bench/lib): stdout goes to /dev/null, so the
    // server formats and writes every log line as it would to a file, and no reader of a pipe
    // shares the machine's cores with the two processes measured.
    const credential = newCredential();
    const dataDir = join(await bench.tempDir('rate-test'), 'data');
    dir = join(dataDir, '..');
    server = (await bench.startXkslab({
      dataDir,
      seed: bench.benchSeed(credential),
    })) as BenchServer;
    const pool = () =>
      bench.signedPool({ port: server?.port, credential, op: 'encrypt', count: 2000 });
    const run = (durationSec: number): Promise<OpenLoopResult> =>
      runLoad('open', { url: server?.url, rate: RATE, durationSec, requests: pool() });
    // Warm-up, not judged: after 1 s at this rate V8 was still compiling the hot path, and the
    // first 150 ms of the measured run answered in up to 260 ms; after 2 s it no longer did.
    await run(3);
    // The latency target assumes a machine that serves this rate with room to spare. Two things
    // make p99 measure the machine rather than xkslab, and both are measured: a machine disturbed
    // during the run (tasks waiting for a CPU or on I/O, from Linux's pressure stall information,
    // or a hypervisor taking CPU time: one pause of a few hundred ms holds back hundreds of
    // requests at this rate, and a bare node:http server burning the same CPU per request
    // suffers as much, see docs/performance.md); and a CPU so slow that the server needs most of
    // a core for the rate, where requests queue whatever xkslab does. Without pressure figures
    // (not Linux), a load average over the core count before the run stands in for the first.
    // Errors always count.
    const load = loadavg()[0] ?? 0;
    const busy = load > cpus().length;
    const pid = server.pid;
    const cpuBefore = await proc.cpuMs(pid);
    const hostBefore = await proc.hostSample();
    const started = performance.now();
    const result = await run(SECONDS);
    const coreShare = ((await proc.cpuMs(pid)) - cpuBefore) / (performance.now() - started);
    const host = proc.hostDisturbance(hostBefore, await proc.hostSample());
    const pct = (share: number) => (Number.isNaN(share) ? 'n/a' : `${(share * 100).toFixed(1)} %`);
    console.log(
      `rate: ${result.requests} requests at ${Math.round(result.achievedRate)}/s: p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, p99.9 ${result.latencyMs.p999.toFixed(2)} ms, max ${result.latencyMs.max.toFixed(2)} ms, ${result.non2xx + result.errors} errors`,
    );
    console.log(
      `rate: the server used ${(coreShare * 100).toFixed(0)} % of a core; during the run tasks waited for a CPU ${pct(host.cpuWaitShare)} and on I/O ${pct(host.ioWaitShare)} of the time, steal ${pct(host.stealShare)}`,
    );
    expect(result.non2xx + result.errors).toBe(0);
    expect(result.ok).toBe(RATE * SECONDS);
    if (Number.isNaN(host.cpuWaitShare) && busy) {
      console.log(
        `rate: p99 not judged: load average ${load.toFixed(1)} on ${cpus().length} cores before the run`,
      );
    } else if (!proc.quietHost(host)) {
      console.log(
        `rate: p99 not judged: the machine was disturbed during the run (limits: CPU waits ${pct(proc.QUIET_HOST_LIMITS.cpuWaitShare)}, I/O waits ${pct(proc.QUIET_HOST_LIMITS.ioWaitShare)}, steal ${pct(proc.QUIET_HOST_LIMITS.stealShare)})`,
      );
    } else if (coreShare > SATURATED_CORE_SHARE) {
      console.log(
        `rate: p99 not judged: at ${RATE} req/s the server needed ${(coreShare * 100).toFixed(0)} % of a core on this machine (over ${SATURATED_CORE_SHARE * 100} %), so requests queue whatever xkslab does; pnpm bench measures the CPU per request`,
      );
    } else {
      expect(result.latencyMs.p99).toBeLessThan(P99_LIMIT_MS);
    }
  });
});
