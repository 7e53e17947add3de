/**
 * A reader of the server's stdout that stops reading (a paused pager, a stuck log shipper): the
 * proxy goes on answering, keeps at most LOG_BACKLOG_LIMIT_BYTES of log lines waiting for it,
 * and says how many lines it dropped once the reader catches up.
 */
import { Agent, request } from 'node:http';
import { EXTERNAL_KEY_ID_MAX } from '@xkslab/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_URI_PATH_PREFIX } from '../apps/xkslab/src/defaults.ts';
import { LOG_BACKLOG_LIMIT_BYTES } from '../apps/xkslab/src/logger.ts';
import { startXkslab, waitFor, type XkslabServer } from './support/binary.ts';

/**
 * An unsigned encrypt of the default key store with a key id of the longest form (128
 * characters): refused at SigV4 on a connection kept alive, and logged with its key id in a
 * ~360-byte line, so few calls fill the backlog.
 */
const UNSIGNED = `${DEFAULT_URI_PATH_PREFIX}/kms/xks/v1/keys/${'k'.repeat(EXTERNAL_KEY_ID_MAX)}/encrypt`;
const CONNECTIONS = 16;

/** Sends `count` POSTs to UNSIGNED, CONNECTIONS at a time; resolves with the statuses, counted. */
async function flood(port: number, count: number): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = new Map<number, number>();
  let next = 0;
  const one = () =>
    new Promise<void>((done, fail) => {
      const req = request(
        { port, host: '127.0.0.1', method: 'POST', path: UNSIGNED, agent },
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
    // 15,000 lines of ~360 bytes are ~5.4 MB: past the 4 MiB limit and the ~128 KiB the pipe and
    // this side's stream buffer take in.
    const calls = 15_000;
    stdout.pause();
    const statuses = await flood(server.port, calls);
    expect(Object.fromEntries(statuses)).toEqual({ 401: calls });
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
    // limit, the pipe and the reader's buffer, far from all 15,000.
    const lineBytes =
      Buffer.byteLength(server.stdoutLines().findLast((l) => l.includes('"msg":"xks"')) ?? '') + 1;
    expect(lineBytes).toBeGreaterThan(300);
    expect(logged * lineBytes).toBeLessThan(LOG_BACKLOG_LIMIT_BYTES + 1024 * 1024);
  }, 90_000);
});
