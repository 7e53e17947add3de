import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SigningKeyCache } from '@xkslab/sigv4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from './context.ts';
import { parseEndpoint } from './endpoint.ts';
import { runLoad } from './load.ts';
import { StallMonitor } from './stall-monitor.ts';

/** A stand-in proxy that answers every POST after `delayMs`, encrypts with a fixed shape. */
let server: Server;
let port: number;
let delayMs = 0;
let status = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          status === 200
            ? JSON.stringify({
                ciphertext: 'AAAA',
                initializationVector: 'AAAAAAAAAAAAAAAA',
                authenticationTag: 'AAAAAAAAAAAAAAAAAAAAAA==',
              })
            : '{"errorName":"ThrottlingException"}',
        );
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

function state(): RunState {
  return {
    options: {
      url: `http://127.0.0.1:${port}/kms/xks/v1`,
      accessKeyId: 'AKIAXKSLABEXAMPLE2345',
      secretAccessKey: 'a'.repeat(43),
      region: 'us-east-1',
      keyId: 'k',
    },
    endpoint: parseEndpoint(`http://127.0.0.1:${port}/kms/xks/v1`),
    exchanges: [],
    clock: () => new Date(),
    timeoutMs: 5000,
    signingCache: new SigningKeyCache(),
    stalls: new StallMonitor(),
    onProgress: undefined,
    load: undefined,
  };
}

describe('runLoad', () => {
  it('is open loop: a slow proxy still gets every request on schedule', async () => {
    delayMs = 300;
    status = 200;
    const started = performance.now();
    const r = await runLoad(state(), { rps: 40, seconds: 1 });
    const elapsed = performance.now() - started;
    // A closed loop with one request at a time would manage ~3 in a second.
    expect(r.sent).toBe(40);
    expect(r.succeeded).toBe(40);
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(295);
    expect(r.overDeadline).toBe(40);
    expect(r.overAlarm).toBe(40);
    // Closed loop, one at a time: 40 x 300 ms = 12 s.
    expect(elapsed).toBeLessThan(5000);
  });

  it('counts non-200 answers by errorName', async () => {
    delayMs = 0;
    status = 429;
    const r = await runLoad(state(), { rps: 20, seconds: 0.5 });
    expect(r.sent).toBe(10);
    expect(r.errors).toEqual({ ThrottlingException: 10 });
    expect(r.errorCount).toBe(10);
    expect(r.achievedRps).toBe(0);
  });
});
