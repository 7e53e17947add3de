/**
 * RFC 9112 §3.2: a request with more than one Host header gets a 400. Every listener refuses it
 * (XKS with /ping, the admin listener with the dashboard and /metrics, the KMS emulator), each in
 * its own error format. Raw sockets, since HTTP clients do not send two Host headers.
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { XkslabServer } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';

const { start } = useTempServers();

type Answer = { status: number; body: string };

/** Sends `head` (CRLF lines, no body) on a new loopback connection; the status and body. */
function rawExchange(port: number, lines: readonly string[]): Promise<Answer> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error(`no answer on port ${port}: ${text}`));
    }, 5000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', fail);
    socket.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      done({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(`${[...lines, 'Connection: close'].join('\r\n')}\r\n\r\n`);
  });
}

const twoHosts = (port: number, requestLine: string, extra: string[] = []) =>
  rawExchange(port, [requestLine, `Host: 127.0.0.1:${port}`, 'Host: evil.example', ...extra]);

describe('a request with two Host headers', () => {
  let server: XkslabServer;
  let adminPort: number;
  let kmsPort: number;

  beforeAll(async () => {
    server = await start({ extraArgs: ['--admin-port', '0', '--kms-port', '0'] });
    adminPort = Number(
      new URL(JSON.parse(await readFile(join(server.dataDir, 'admin.json'), 'utf8')).url).port,
    );
    kmsPort = Number(
      /AWS KMS emulator listening on http:\/\/[^:]+:(\d+)/.exec(server.stderr())?.[1],
    );
    expect(kmsPort).toBeGreaterThan(0);
  });

  it('gets a 400 ValidationException on the XKS listener, /ping included', async () => {
    const one = await rawExchange(server.port, ['GET /ping HTTP/1.1', `Host: ${server.host}`]);
    expect(one.status).toBe(200);
    for (const line of ['GET /ping HTTP/1.1', 'POST /kms/xks/v1/keys/k/metadata HTTP/1.1']) {
      const answer = await twoHosts(server.port, line, ['Content-Length: 0']);
      expect(answer.status, line).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({
        errorName: 'ValidationException',
        errorMessage: expect.stringMatching(/Host/),
      });
    }
  });

  it('gets a 400 in the admin format on the admin listener (API, dashboard, /metrics)', async () => {
    for (const path of ['/admin/v1/modules', '/ui', '/metrics']) {
      const answer = await twoHosts(adminPort, `GET ${path} HTTP/1.1`);
      expect(answer.status, path).toBe(400);
      expect(JSON.parse(answer.body).error, path).toEqual({
        code: 'VALIDATION_ERROR',
        message: expect.stringMatching(/Host/),
      });
    }
  });

  it('gets a 400 ValidationException in the KMS format on the KMS emulator', async () => {
    const answer = await twoHosts(kmsPort, 'POST / HTTP/1.1', [
      'X-Amz-Target: TrentService.ListKeys',
      'Content-Type: application/x-amz-json-1.1',
      'Content-Length: 0',
    ]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      __type: 'ValidationException',
      message: expect.stringMatching(/Host/),
    });
  });
});
