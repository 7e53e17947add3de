import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LingerBounds, lingeringResponse } from './lingering-close.ts';

const MiB = 1024 * 1024;
let server: Server | undefined;
/** When the server closed the first connection it accepted. */
let serverClosed: Promise<number>;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** POST /early answers 413 without reading; POST /read reads the body first; GET answers at once. */
async function start(bounds: Partial<LingerBounds> = {}): Promise<number> {
  const ServerResponse = lingeringResponse({
    maxBytes: 64 * MiB,
    maxMs: 10_000,
    idleMs: 10_000,
    ...bounds,
  });
  server = createServer({ ServerResponse }, (req, res) => {
    const answer = (status: number) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":false}');
    if (req.url === '/early') answer(413);
    else if (req.url === '/read') req.resume().on('end', () => answer(200));
    else answer(200);
  });
  const accepted = server;
  serverClosed = new Promise((closed) => {
    accepted.once('connection', (socket: Socket) => {
      socket.once('close', () => closed(Date.now()));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const post = (path: string, length: number) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`;

/**
 * A client that never closes its side on its own (so only the server's bounds can end the
 * connection): sends `head` and `body`; resolves with how long the server took to close.
 */
async function serverCloseAfter(port: number, head: string, body: Buffer): Promise<number> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('error', () => {});
  socket.resume();
  await once(socket, 'connect');
  const started = Date.now();
  socket.write(head);
  socket.write(body);
  const closedAt = await serverClosed;
  socket.destroy();
  return closedAt - started;
}

describe('lingeringResponse', () => {
  it('answers before the body, reads all of it, and closes without a reset', async () => {
    const port = await start();
    const body = Buffer.alloc(8 * MiB, 1);
    // Writes everything, then reads: the server must read the body for this client to finish.
    const socket = connect(port, '127.0.0.1');
    const errors: string[] = [];
    socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
    await once(socket, 'connect');
    socket.write(post('/early', body.length));
    if (!socket.write(body)) await once(socket, 'drain');
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    await once(socket, 'close');
    const answer = Buffer.concat(received).toString('latin1');
    expect(errors).toEqual([]);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).toContain('{"ok":false}');
  });

  it('closes once the body has ended, without waiting for the client', async () => {
    const port = await start();
    expect(
      await serverCloseAfter(port, post('/early', 300_000), Buffer.alloc(300_000)),
    ).toBeLessThan(2000);
  });

  it('closes after the idle bound when the client stops sending', async () => {
    const port = await start({ idleMs: 200 });
    const ms = await serverCloseAfter(port, post('/early', 1000), Buffer.alloc(10));
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(ms).toBeLessThan(3000);
  });

  it('closes after the byte bound while more is announced', async () => {
    const port = await start({ maxBytes: 256 * 1024 });
    expect(await serverCloseAfter(port, post('/early', 64 * MiB), Buffer.alloc(MiB))).toBeLessThan(
      3000,
    );
  });

  it('closes after the overall bound when the client trickles', async () => {
    const port = await start({ maxMs: 300 });
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => {});
    socket.resume();
    const started = Date.now();
    socket.write(post('/early', 1000));
    const trickle = setInterval(() => socket.write('x'), 50);
    const closedAt = await serverClosed;
    clearInterval(trickle);
    socket.destroy();
    expect(closedAt - started).toBeGreaterThanOrEqual(250);
    expect(closedAt - started).toBeLessThan(3000);
  });

  it('keeps the connection of a request whose body was read', async () => {
    const port = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = () =>
      new Promise<{ connection: string | undefined; reused: boolean }>((done, fail) => {
        const r = request(
          { port, host: '127.0.0.1', method: 'POST', path: '/read', agent },
          (res) => {
            res
              .resume()
              .on('end', () =>
                done({ connection: res.headers.connection, reused: r.reusedSocket }),
              );
          },
        );
        r.on('error', fail).end(Buffer.alloc(100_000));
      });
    try {
      expect(await send()).toEqual({ connection: 'keep-alive', reused: false });
      expect(await send()).toEqual({ connection: 'keep-alive', reused: true });
    } finally {
      agent.destroy();
    }
  });

  it('keeps the connection of a request without a body answered at once', async () => {
    const port = await start();
    const socket = connect(port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [first] = (await once(socket, 'data')) as [Buffer];
    expect(first.toString()).toMatch(/\r\nConnection: keep-alive\r\n/i);
    socket.destroy();
  });
});
