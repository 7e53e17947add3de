/**
 * Clients that hold a connection open the slow way: a request head, then a body of `length`
 * bytes sent one byte every `intervalMs` (or nothing at all). They stop writing as soon as the
 * server closes the connection, and `stop()` ends any still open, so a test never leaves one behind.
 */
import { connect, type Socket } from 'node:net';

export type SlowClient = {
  /** Resolves with the milliseconds from connect to the server closing the connection. */
  readonly closed: Promise<number>;
  /** Whether the server has closed the connection yet. */
  isOpen(): boolean;
  /** Ends the connection from this side (no-op once closed). */
  stop(): void;
};

export type SlowClientOptions = {
  port: number;
  /** Request target; absent: send nothing at all after connecting. */
  path?: string;
  length?: number;
  intervalMs?: number;
  contentType?: string;
  /** Extra header lines. */
  headers?: readonly string[];
};

export function slowClient(o: SlowClientOptions): SlowClient {
  const started = Date.now();
  const socket: Socket = connect(o.port, '127.0.0.1');
  let open = true;
  let timer: NodeJS.Timeout | undefined;
  socket.on('error', () => {}); // a reset from the server is one way of being cut
  socket.resume(); // discard any answer (a 408)
  const closed = new Promise<number>((done) => {
    socket.once('close', () => {
      open = false;
      clearInterval(timer);
      done(Date.now() - started);
    });
  });
  if (o.path !== undefined) {
    const path = o.path;
    socket.once('connect', () => {
      const head = [
        `POST ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${o.port}`,
        `Content-Type: ${o.contentType ?? 'application/json'}`,
        `Content-Length: ${o.length ?? 1000}`,
        ...(o.headers ?? []),
      ];
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      timer = setInterval(() => {
        if (open) socket.write('{');
      }, o.intervalMs ?? 1000);
    });
  }
  return {
    closed,
    isOpen: () => open,
    stop() {
      clearInterval(timer);
      if (open) socket.destroy();
    },
  };
}

/** The process's soft limit on open files (`ulimit -n`), or Infinity when unlimited. */
export async function openFileLimit(): Promise<number> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
}
