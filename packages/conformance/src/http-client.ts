import {
  type Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
} from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** TLS settings of the runner: trust anchors and an optional client certificate (mTLS). */
export type TlsSettings = {
  /** PEM of the CA(s) that issued the proxy's certificate; the system store when absent. */
  ca?: string | Buffer | undefined;
  /** PEM client certificate and key, for proxies that require mTLS. */
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
};

/** Where the proxy is: parsed once from the --url. */
export type Endpoint = {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** The Host header: the host, with the port when it is not the scheme's default (§2.1). */
  host: string;
  /** The URL path, e.g. `/example/prefix/kms/xks/v1`. */
  basePath: string;
  tls: TlsSettings;
};

export type WireRequest = {
  method: string;
  /** The request target exactly as sent (never normalized). */
  path: string;
  /** Header names as sent. No Host entry: `Endpoint.host` is used unless `headers.host` is given. */
  headers: Record<string, string>;
  body?: Uint8Array | undefined;
};

export type TlsInfo = { protocol: string | null; cipher: string | undefined };

export type WireResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  tls?: TlsInfo;
  /**
   * Milliseconds from the moment the connection was ready (TCP connected, TLS handshake done) to
   * the last byte of the answer: the proxy's time for the call, without the set-up KMS saves by
   * reusing connections.
   */
  answerMs: number;
};

/** The request never got a complete response: refused, reset, timed out, TLS failure... */
export class NetworkError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'NetworkError';
    this.code = code;
  }
}

export type SendOptions = {
  timeoutMs: number;
  /** A keep-alive agent (load runs); a fresh connection per request when absent. */
  agent?: HttpAgent | HttpsAgent | undefined;
  /** Aborts the request (the runner was interrupted). */
  signal?: AbortSignal | undefined;
};

/**
 * Sends one request with node:http(s), keeping full control of the target, the Host header and
 * every other header (fetch would normalize them). Resolves when the whole response has arrived.
 */
export function send(
  endpoint: Endpoint,
  req: WireRequest,
  options: SendOptions,
): Promise<WireResponse> {
  const headers: Record<string, string> = { ...req.headers };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) headers.host = endpoint.host;
  const body = req.body;
  if (
    body !== undefined &&
    !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')
  ) {
    headers['content-length'] = String(body.length);
  }
  const isHttps = endpoint.protocol === 'https:';
  const common = {
    host: endpoint.hostname,
    port: endpoint.port,
    method: req.method,
    path: req.path,
    headers,
    setHost: false,
    agent: options.agent ?? false,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    let responded = false;
    let ready = performance.now();
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      const err = e as NodeJS.ErrnoException;
      reject(new NetworkError(err.code ?? 'ERROR', err.message ?? String(e)));
    };
    const onResponse = (res: import('node:http').IncomingMessage) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) {
          fail(
            Object.assign(new Error('the connection closed mid-answer'), { code: 'ECONNRESET' }),
          );
        }
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        const socket = res.socket as TLSSocket | null;
        const tls =
          isHttps && socket && typeof socket.getProtocol === 'function'
            ? { protocol: socket.getProtocol(), cipher: socket.getCipher()?.standardName }
            : undefined;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          ...(tls ? { tls } : {}),
          answerMs: performance.now() - ready,
        });
      });
    };
    const r = isHttps
      ? httpsRequest(
          {
            ...common,
            ...(endpoint.tls.ca ? { ca: endpoint.tls.ca } : {}),
            ...(endpoint.tls.cert ? { cert: endpoint.tls.cert } : {}),
            ...(endpoint.tls.key ? { key: endpoint.tls.key } : {}),
            ...(isIP(endpoint.hostname) ? {} : { servername: endpoint.hostname }),
          },
          onResponse,
        )
      : httpRequest(common, onResponse);
    r.on('socket', (socket) => {
      const mark = () => {
        ready = performance.now();
      };
      if (!socket.connecting) mark();
      else socket.once(isHttps ? 'secureConnect' : 'connect', mark);
    });
    r.setTimeout(options.timeoutMs, () => {
      r.destroy(
        Object.assign(new Error(`no complete response within ${options.timeoutMs} ms`), {
          code: 'TIMEOUT',
        }),
      );
    });
    // A proxy may answer (e.g. 501 for an oversized body) before reading all we send: a write
    // error once the response has started is not a failure (the response's own end or error
    // decides); a missing response is. A proxy that resets the connection while the body is
    // still going out can lose its answer this way (RFC 9112 §9.6); xkslab drains and closes.
    r.on('error', (e) => {
      if (!responded) fail(e);
    });
    r.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.length));
  });
}

/** Header value as one string (repeated headers joined with ', '). */
export function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
