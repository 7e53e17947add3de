/**
 * Four ways to POST a large body, as different HTTP clients do it: node:http without an agent,
 * node:http with a keep-alive agent, curl (`--data-binary @file`), and a raw socket that writes
 * the whole request before it reads anything (as Java's HttpClient and many simple clients do).
 * Each resolves with what the client saw: the answer, and every socket error along the way
 * (EPIPE, ECONNRESET), even one that came after the answer. Bodies are slices of one shared
 * buffer, so a 64 MiB request allocates nothing.
 */
import { spawn } from 'node:child_process';
import { type Agent, request } from 'node:http';
import { connect } from 'node:net';

export type Seen = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Errors the client hit (codes such as EPIPE, ECONNRESET), before or after the answer. */
  errors: string[];
};

export type LargePost = {
  port: number;
  path: string;
  /** Sent besides Host and Content-Length. */
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs?: number;
};

const DEFAULT_TIMEOUT_MS = 30_000;
const RAW_WRITE_BYTES = 1024 * 1024;

const codeOf = (e: unknown): string =>
  (e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e);

/**
 * node:http, body written with one `end(body)` as most callers do; `agent` false opens a fresh
 * connection (and sends `Connection: close`), a keep-alive agent may reuse one.
 */
export function nodeHttpPost(post: LargePost, agent: Agent | false): Promise<Seen> {
  return new Promise((done) => {
    const errors: string[] = [];
    let answer: Omit<Seen, 'errors'> | undefined;
    // Done when the request is over on both sides: the answer read and the body sent (or failed),
    // so an error while the rest of the body is still going out is seen too.
    let pending = 2;
    let responded = false;
    const settle = () => {
      pending -= 1;
      if (pending === 0) done({ ...(answer ?? { status: 0, headers: {}, text: '' }), errors });
    };
    const r = request(
      {
        host: '127.0.0.1',
        port: post.port,
        method: 'POST',
        path: post.path,
        headers: { ...post.headers, 'content-length': String(post.body.length) },
        agent,
      },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => errors.push(`response: ${codeOf(e)}`));
        res.on('close', () => {
          if (res.complete) {
            answer = {
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            };
          }
          settle();
        });
      },
    );
    r.setTimeout(post.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
      r.destroy(Object.assign(new Error('no answer in time'), { code: 'TIMEOUT' }));
    });
    r.on('error', (e) => errors.push(codeOf(e)));
    r.on('close', () => {
      // No response at all: nothing else will settle.
      if (!responded) settle();
      settle();
    });
    r.end(post.body);
  });
}

/** curl with the body in a file (`--data-binary @file`); curl sends `Expect: 100-continue`. */
export function curlPost(post: LargePost, bodyFile: string): Promise<Seen> {
  const args = [
    '-sS',
    '--max-time',
    String(Math.ceil((post.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)),
  ];
  for (const [name, value] of Object.entries(post.headers)) args.push('-H', `${name}: ${value}`);
  args.push(
    '--data-binary',
    `@${bodyFile}`,
    '-D',
    '-',
    `http://127.0.0.1:${post.port}${post.path}`,
  );
  return new Promise((done, fail) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.once('error', fail);
    child.once('close', (code) => {
      const errors = code === 0 ? [] : [`curl exit ${code}: ${stderr.trim()}`];
      // -D - prints every header block (100 Continue first); the last one is the answer.
      const blocks = stdout.split('\r\n\r\n');
      const text = blocks.pop() ?? '';
      done({ ...parseHead(blocks.pop() ?? ''), text, errors });
    });
  });
}

/**
 * A raw socket that writes the request line, headers and the whole body (waiting for the socket
 * to drain, never reading), and only then reads the answer; then it closes its side and waits
 * for the connection to close.
 */
export function writeAllThenReadPost(post: LargePost): Promise<Seen> {
  return new Promise((done) => {
    const errors: string[] = [];
    const socket = connect(post.port, '127.0.0.1');
    const timer = setTimeout(() => {
      errors.push('TIMEOUT');
      socket.destroy();
    }, post.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    socket.on('error', (e) => errors.push(codeOf(e)));
    const received: Buffer[] = [];
    socket.once('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(received).toString('latin1');
      const at = all.indexOf('\r\n\r\n');
      const head = at === -1 ? all : all.slice(0, at);
      const text = at === -1 ? '' : Buffer.from(all.slice(at + 4), 'latin1').toString('utf8');
      done({ ...parseHead(head), text, errors });
    });
    const headers = Object.entries({
      host: `127.0.0.1:${post.port}`,
      ...post.headers,
      'content-length': String(post.body.length),
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const writeAll = async () => {
      socket.write(`POST ${post.path} HTTP/1.1\r\n${headers}\r\n`);
      for (let at = 0; at < post.body.length && !socket.destroyed; at += RAW_WRITE_BYTES) {
        if (!socket.write(post.body.subarray(at, at + RAW_WRITE_BYTES))) {
          await new Promise<void>((drained) => {
            const go = () => {
              socket.off('drain', go).off('close', go);
              drained();
            };
            socket.on('drain', go).on('close', go);
          });
        }
      }
      socket.on('data', (c: Buffer) => {
        received.push(c);
        // The whole answer is in: close our side (the server closes its own, or keeps it).
        if (answerComplete(Buffer.concat(received))) socket.end();
      });
    };
    socket.once('connect', () => void writeAll());
  });
}

function answerComplete(bytes: Buffer): boolean {
  const at = bytes.indexOf('\r\n\r\n');
  if (at === -1) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(bytes.subarray(0, at).toString('latin1'));
  return length !== null && bytes.length >= at + 4 + Number(length[1]);
}

function parseHead(head: string): Pick<Seen, 'status' | 'headers'> {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers };
}
