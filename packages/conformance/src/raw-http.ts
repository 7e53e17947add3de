import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Endpoint, WireRequest } from './http-client.ts';

/**
 * HTTP/1.1 over a socket the runner controls: for what node:http hides (several requests on one
 * connection, pipelining, connections left half-sent). Requests are written exactly as given;
 * responses are read in order with Content-Length or chunked bodies (RFC 9112 §6).
 */

export type RawResponse = {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
};

/** Opens a TCP (or TLS, with the runner's trust anchors and client certificate) connection. */
export function openSocket(endpoint: Endpoint, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const options = { host: endpoint.hostname, port: endpoint.port };
    const t = endpoint.tls;
    const socket =
      endpoint.protocol === 'https:'
        ? tlsConnect({
            ...options,
            ALPNProtocols: ['http/1.1'],
            ...(t.ca ? { ca: t.ca } : {}),
            ...(t.cert ? { cert: t.cert } : {}),
            ...(t.key ? { key: t.key } : {}),
            ...(isIP(endpoint.hostname) ? {} : { servername: endpoint.hostname }),
          })
        : netConnect(options);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(endpoint.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The bytes of one request: request line, headers (Host first), Content-Length, body. */
export function serializeRequest(req: WireRequest, host: string): Buffer {
  const body = req.body ?? new Uint8Array(0);
  const headers = { host, ...req.headers, 'content-length': String(body.length) };
  const lines = [`${req.method} ${req.path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

type Parsed = { response: RawResponse; rest: Buffer } | undefined;

/** The first complete response in `buf`, or undefined when more bytes are needed. */
export function parseResponse(buf: Buffer): Parsed {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP/1.1 status line: ${statusLine.slice(0, 40)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const status = Number(m[1]);
  let at = end + 4;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const chunks: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
      if (buf.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
      if (size === 0) break;
    }
    return { response: { status, headers, body: Buffer.concat(chunks) }, rest: buf.subarray(at) };
  }
  const length = Number(headers['content-length'] ?? '0');
  if (buf.length < at + length) return undefined;
  return {
    response: { status, headers, body: buf.subarray(at, at + length) },
    rest: buf.subarray(at + length),
  };
}

/** Reads the responses of one connection in order; `closed` tells whether the peer closed. */
export class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  readonly socket: Socket;
  private waiter: (() => void) | undefined;
  closed = false;
  error: Error | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    const end = (e?: Error) => {
      this.closed = true;
      if (e) this.error = e;
      this.waiter?.();
    };
    socket.on('end', () => end());
    socket.on('close', () => end());
    socket.on('error', end);
  }

  /** The next response, or an Error when the connection closes or `timeoutMs` passes first. */
  async next(timeoutMs: number): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponse(this.buf);
      if (parsed) {
        this.buf = parsed.rest;
        return parsed.response;
      }
      if (this.closed) {
        throw new Error(
          `the connection closed${this.error ? ` (${this.error.message})` : ''} before a complete answer`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete answer within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }
}
