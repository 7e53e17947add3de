/**
 * KMS's load on one key store: 1,800 encrypt requests per second (200-byte plaintext, 64-byte AAD),
 * open loop (bench/load/open.mjs in its own process: each request is sent when due, latency counts
 * from that moment), for 60 s (5 s in short mode): zero errors and p99 under 25 ms, a tenth of
 * KMS's 250 ms deadline (the p99 in the 60 s run only). `pnpm bench` reports the same run next to
 * a bare node:http baseline.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBody, keyPath, newCredential, type XksTarget } from '@xkslab/conformance/testing';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: bench/ is JavaScript checked by its own tsconfig, without declaration files
import { cpuMs } from '../../bench/lib/proc.mjs';
import { REPO_ROOT, startXkslab, type XkslabServer } from '../support/binary.ts';
import { collectOutput } from '../support/process-output.ts';
import { SHORT, signedHeaders } from './support.ts';

const RATE = 1800;
const SECONDS = SHORT ? 5 : 60;
const P99_LIMIT_MS = 25;
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

function runOpenLoop(file: string): Promise<OpenLoopResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', 'load', 'open.mjs'), file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 60) * 1000);
    child.once('close', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`exit ${code}: ${output.stderr}`);
        done(JSON.parse(output.stdout.trim().split('\n').pop() ?? '') as OpenLoopResult);
      } catch (e) {
        fail(e);
      }
    });
  });
}

describe('fixed rate', () => {
  let server: XkslabServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it(`encrypts at ${RATE} req/s for ${SECONDS} s with zero errors${SHORT ? '' : `, and p99 < ${P99_LIMIT_MS} ms on a machine with headroom`}`, async () => {
    const credential = newCredential();
    const prefix = '/rate/ks';
    const region = 'us-east-2';
    server = await startXkslab({
      seed: {
        modules: [{ name: 'rate', keys: [{ id: 'k0', usage: ['ENCRYPT', 'DECRYPT'] }] }],
        keyStores: [{ uriPathPrefix: prefix, region, module: 'rate', credentials: [credential] }],
      },
    });
    const target: XksTarget = { port: server.port, prefix, region, credential };
    const path = keyPath(target, 'k0', 'encrypt');
    const requests = Array.from({ length: 2000 }, () => {
      const body = JSON.stringify(
        encryptBody({ plaintext: randomBytes(200), aad: randomBytes(64) }),
      );
      return { method: 'POST', path, headers: signedHeaders(target, path, body), body };
    });
    const file = join(tmpdir(), `xkslab-rate-${process.pid}.json`);
    const config = { url: server.url, rate: RATE, durationSec: SECONDS, requests };
    await writeFile(file, JSON.stringify({ ...config, durationSec: 1 }));
    await runOpenLoop(file); // warm-up, not judged
    await writeFile(file, JSON.stringify(config));
    // The latency target assumes a machine that serves this rate with room to spare: with more
    // runnable work than cores (other jobs), or a CPU so slow (a shared host) that the server needs
    // most of a core for the rate, requests queue and p99 measures the machine, not xkslab. The
    // server's own CPU time over the run tells the second case. Errors always count.
    const load = loadavg()[0] ?? 0;
    const busy = load > cpus().length;
    const pid = server.child.pid ?? 0;
    const cpuBefore = await cpuMs(pid);
    const started = performance.now();
    const result = await runOpenLoop(file).finally(() => rm(file, { force: true }));
    const coreShare = ((await cpuMs(pid)) - cpuBefore) / (performance.now() - started);
    console.log(
      `rate: ${result.requests} requests at ${Math.round(result.achievedRate)}/s: p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, p99.9 ${result.latencyMs.p999.toFixed(2)} ms, max ${result.latencyMs.max.toFixed(2)} ms, ${result.non2xx + result.errors} errors`,
    );
    expect(result.non2xx + result.errors).toBe(0);
    expect(result.ok).toBe(RATE * SECONDS);
    console.log(`rate: the server used ${(coreShare * 100).toFixed(0)} % of a core`);
    if (SHORT) {
      // One event-loop pause of a few hundred ms (0.1-2.6 s were seen on the 2-core CI host, in
      // the builds before and after the hot-path work alike) holds back ~360 requests at this
      // rate: it alone decides the p99 of a 5 s run. The 60 s run judges it; pnpm bench reports it.
      console.log(
        `rate: p99 not judged in the ${SECONDS} s run (a single pause decides it); the 60 s run (pnpm test:reliability) judges it`,
      );
    } else if (busy) {
      console.log(
        `rate: p99 not judged: load average ${load.toFixed(1)} on ${cpus().length} cores before the run`,
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
