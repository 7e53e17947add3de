/**
 * A reader of the server's stdout that stops reading (a paused pager, a stuck log shipper): the
 * proxy goes on answering, keeps at most LOG_BACKLOG_LIMIT_BYTES of log lines waiting for it,
 * and says how many lines it dropped once the reader catches up.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_BACKLOG_LIMIT_BYTES } from '../apps/xkslab/src/logger.ts';
import { startXkslab, waitFor, type XkslabServer } from './support/binary.ts';

/** A path no key store serves: the cheapest XKS call that still writes a log line. */
const NOWHERE = '/nowhere/kms/xks/v1/keys/k/encrypt';
const CONNECTIONS = 16;

/**
 * Sends `count` POSTs to NOWHERE, CONNECTIONS at a time (the proxy closes the connection after
 * refusing a path, so node:http's agent opens another); resolves with the statuses, counted.
 */
async function flood(port: number, count: number): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = new Map<number, number>();
  let next = 0;
  const one = () =>
    new Promise<void>((done, fail) => {
      const req = request(
        { port, host: '127.0.0.1', method: 'POST', path: NOWHERE, agent },
        (res) => {
          const status = res.statusCode ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          res.resume().on('end', done);
        },
      );
      req.on('error', fail);
      req.end('{}');
    });
  const lane = async () => {
    while (next < count) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, lane));
  agent.destroy();
  return statuses;
}

describe('a reader of stdout that stops reading', () => {
  let server: XkslabServer;
  beforeAll(async () => {
    server = await startXkslab();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('leaves at most the backlog limit waiting, answers every call, and counts what it dropped', async () => {
    const stdout = server.child.stdout;
    if (!stdout) throw new Error('no stdout pipe');
    const before = server.logs().filter((l) => l.msg === 'xks').length;
    // A line of this call is ~130 bytes: 40,000 of them are ~5.2 MB, past the 4 MiB limit and
    // the ~128 KiB the pipe and this side's stream buffer take in.
    const calls = 40_000;
    stdout.pause();
    const statuses = await flood(server.port, calls);
    expect(Object.fromEntries(statuses)).toEqual({ 404: calls });
    stdout.resume();
    // Once the reader has caught up, the next line written says how many were dropped.
    await waitFor(() => server.stdout().length > LOG_BACKLOG_LIMIT_BYTES, 20_000);
    await new Promise((r) => setTimeout(r, 200));
    await flood(server.port, 1);
    const notice = () => server.logs().find((l) => l.msg === 'log lines dropped');
    expect(await waitFor(() => notice() !== undefined, 10_000)).toBe(true);
    expect(notice()).toMatchObject({ level: 'warn' });
    const dropped = Number(notice()?.count);
    const logged = server.logs().filter((l) => l.msg === 'xks').length - before;
    expect(dropped).toBeGreaterThan(0);
    // Every call is either a line or counted among the dropped ones.
    expect(logged + dropped).toBe(calls + 1);
    // What waited in the server was bounded: the lines written before the first drop are the
    // limit, the pipe and the reader's buffer, nowhere near all 40,000.
    expect(logged * 130).toBeLessThan(LOG_BACKLOG_LIMIT_BYTES + 1024 * 1024);
  }, 90_000);
});
