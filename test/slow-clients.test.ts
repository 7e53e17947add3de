/**
 * Slow clients cannot hold the server: every listener (XKS, admin, KMS emulator) cuts a request
 * whose head and body have not arrived within the request timeout (`--request-timeout-ms`,
 * default 5 s; Node's own default is 300 s) and a connection that sends nothing; at most
 * `--max-connections` connections are open at once per listener; and 1,000 slow connections
 * leave the server answering signed XKS requests.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { useTempServers } from './support/fixture.ts';
import { startKms } from './support/kms.ts';
import { PREFIX_A } from './support/lab-seed.ts';
import { openFileLimit, type SlowClient, slowClient } from './support/slow-client.ts';
import { encryptOk, healthOk } from './support/xks-ops.ts';

const { startLab } = useTempServers();
const HEALTH = `${PREFIX_A}/kms/xks/v1/health`;
/** The default request timeout the server must apply, and what we allow on top of it. */
const DEFAULT_TIMEOUT_MS = 5000;
const MARGIN_MS = 2500;

let clients: SlowClient[] = [];
afterEach(() => {
  for (const c of clients) c.stop();
  clients = [];
});
const open = (o: Parameters<typeof slowClient>[0]) => {
  const c = slowClient(o);
  clients.push(c);
  return c;
};
/** Resolves with how long `c` stayed open, or with Infinity once `limitMs` has passed. */
const closedWithin = (c: SlowClient, limitMs: number) =>
  Promise.race([
    c.closed,
    new Promise<number>((done) => setTimeout(() => done(Number.POSITIVE_INFINITY), limitMs)),
  ]);

describe('the request timeout', () => {
  it('cuts a body sent at 1 byte/s, and a silent connection, on every listener', async () => {
    const { server } = await startLab({
      start: { extraArgs: ['--admin-port', '0', '--kms-port', '0'] },
    });
    const admin = JSON.parse(await readFile(join(server.dataDir, 'admin.json'), 'utf8'));
    const adminPort = Number(new URL(admin.url).port);
    const token = (await readFile(join(server.dataDir, 'admin-token'), 'utf8')).trim();
    const kmsPort = Number(
      /AWS KMS emulator listening on http:\/\/[^:]+:(\d+)/.exec(server.stderr())?.[1],
    );
    const slow = [
      open({ port: server.port, path: HEALTH }),
      open({
        port: adminPort,
        path: '/admin/v1/modules',
        headers: [`Authorization: Bearer ${token}`],
      }),
      open({ port: kmsPort, path: '/', headers: ['X-Amz-Target: TrentService.ListKeys'] }),
      open({ port: server.port }),
      open({ port: adminPort }),
      open({ port: kmsPort }),
    ];
    const limit = DEFAULT_TIMEOUT_MS + MARGIN_MS;
    const lasted = await Promise.all(slow.map((c) => closedWithin(c, limit + 1000)));
    console.info(`slow connections closed after ${lasted.join(', ')} ms`);
    for (const ms of lasted) expect(ms).toBeLessThan(limit);
    for (const ms of lasted) expect(ms).toBeGreaterThan(DEFAULT_TIMEOUT_MS - 1000);
  });

  it('is set by --request-timeout-ms', async () => {
    const { server } = await startLab({ start: { extraArgs: ['--request-timeout-ms', '1500'] } });
    const lasted = await closedWithin(open({ port: server.port, path: HEALTH }), 4000);
    expect(lasted).toBeGreaterThan(1000);
    expect(lasted).toBeLessThan(1500 + MARGIN_MS);
  });

  it('is set by --request-timeout-ms and --max-connections of xkslab kms too', async () => {
    const kms = await startKms(['--request-timeout-ms', '1500', '--max-connections', '2']);
    try {
      const port = Number(new URL(kms.url).port);
      const slow = [
        open({ port, path: '/', headers: ['X-Amz-Target: TrentService.ListKeys'] }),
        open({ port }),
      ];
      await new Promise((r) => setTimeout(r, 300));
      expect(await closedWithin(open({ port }), 1000)).toBeLessThan(1000);
      for (const c of slow) {
        const lasted = await closedWithin(c, 1500 + MARGIN_MS + 1000);
        expect(lasted).toBeGreaterThan(1000);
        expect(lasted).toBeLessThan(1500 + MARGIN_MS);
      }
    } finally {
      await kms.stop();
    }
  });

  it('over TLS: bounds the handshake and the silence after it', async () => {
    const { server } = await startLab({
      start: { extraArgs: ['--dev-tls', '--no-mtls', '--request-timeout-ms', '1500'] },
    });
    const noHandshake = open({ port: server.port });
    const started = Date.now();
    const silentAfterHandshake = new Promise<number>((done) => {
      const socket = tlsConnect({
        port: server.port,
        host: '127.0.0.1',
        rejectUnauthorized: false,
      });
      socket.on('error', () => {});
      socket.once('close', () => done(Date.now() - started));
      setTimeout(() => {
        socket.destroy();
        done(Number.POSITIVE_INFINITY);
      }, 6000);
    });
    const lasted = [await closedWithin(noHandshake, 6000), await silentAfterHandshake];
    for (const ms of lasted) expect(ms).toBeLessThan(1500 + MARGIN_MS);
  });
});

describe('--max-connections', () => {
  it('refuses connections past the cap until slow ones are cut', async () => {
    const { t } = await startLab({
      start: { extraArgs: ['--max-connections', '8', '--request-timeout-ms', '3000'] },
    });
    await healthOk(t.a);
    const slow = Array.from({ length: 8 }, () => open({ port: t.a.port, path: HEALTH }));
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.every((c) => c.isOpen())).toBe(true);
    const ninth = open({ port: t.a.port });
    expect(await closedWithin(ninth, 1000)).toBeLessThan(1000);
    await expect(healthOk(t.a)).rejects.toThrow();
    await Promise.all(slow.map((c) => closedWithin(c, 3000 + MARGIN_MS)));
    await healthOk(t.a);
  });
});

describe('1,000 slow connections', () => {
  const CONNECTIONS = 1000;
  it('leave the server answering signed requests', async (ctx) => {
    const limit = await openFileLimit();
    if (limit < CONNECTIONS + 200) {
      ctx.skip(
        `ulimit -n is ${limit}; ${CONNECTIONS + 200} open files are needed (raise it with ulimit -n)`,
      );
    }
    const { t } = await startLab({ start: { extraArgs: ['--request-timeout-ms', '10000'] } });
    for (let i = 0; i < CONNECTIONS; i++) {
      open({ port: t.a.port, path: HEALTH });
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500));
    const durations: number[] = [];
    for (let i = 0; i < 20; i++) {
      const begun = performance.now();
      await healthOk(t.a);
      await encryptOk(t.a, 'foo', { plaintext: Buffer.from('hello') });
      durations.push(performance.now() - begun);
    }
    const stillOpen = clients.filter((c) => c.isOpen()).length;
    const sorted = [...durations].sort((a, b) => a - b);
    const [median, slowest] = [sorted[sorted.length >> 1] ?? 0, sorted.at(-1) ?? 0];
    console.info(
      `${stillOpen} slow connections open; health+encrypt median ${median.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms`,
    );
    expect(stillOpen).toBe(CONNECTIONS);
    // Generous for a loaded machine: unhindered, a pair takes a few milliseconds.
    expect(median).toBeLessThan(1000);
    expect(slowest).toBeLessThan(5000);
  }, 30_000);
});
