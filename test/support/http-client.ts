/**
 * A raw HTTP/1.1 client over node:http: the caller controls the method, the exact request target,
 * the Host header and every other header (fetch would normalize them). One connection per request.
 */
import { request } from 'node:http';

export type RawResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
};

export type RawRequest = {
  port: number;
  method?: string;
  /** The request target exactly as sent, e.g. `//kms/xks/v1/health`. */
  path: string;
  /** Sent as given (names as written). A `host` entry overrides the default `127.0.0.1:<port>`. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length), in 16 KiB pieces. */
  chunked?: boolean;
  timeoutMs?: number;
};

const DEFAULT_TIMEOUT_MS = 10_000;
const CHUNK_BYTES = 16 * 1024;

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name);
}

/** Sends one request on a fresh connection and resolves with status, headers and body text. */
export function rawRequest(req: RawRequest): Promise<RawResponse> {
  const body =
    req.body === undefined
      ? undefined
      : typeof req.body === 'string'
        ? Buffer.from(req.body, 'utf8')
        : Buffer.from(req.body);
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (!hasHeader(headers, 'host')) headers.Host = `127.0.0.1:${req.port}`;
  if (body && !req.chunked && !hasHeader(headers, 'content-length')) {
    headers['Content-Length'] = String(body.length);
  }
  if (req.chunked) headers['Transfer-Encoding'] = 'chunked';
  return new Promise((done, fail) => {
    let settled = false;
    let responded = false;
    const settle = (f: () => void) => {
      if (!settled) {
        settled = true;
        f();
      }
    };
    const r = request(
      {
        host: '127.0.0.1',
        port: req.port,
        method: req.method ?? 'POST',
        path: req.path,
        headers,
        agent: false,
        setHost: false,
      },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          settle(() =>
            done({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          ),
        );
        res.on('error', (e) => settle(() => fail(e)));
        res.on('close', () => {
          if (!res.complete) settle(() => fail(new Error('the connection closed mid-answer')));
        });
      },
    );
    r.setTimeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
      r.destroy(new Error(`no complete response within ${req.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
    });
    // A server may answer (e.g. 501 for an oversized body) before reading everything we send;
    // a write error once the answer has started is not a test failure (the answer's own 'end' or
    // 'error' decides), a missing answer is.
    r.on('error', (e) => {
      if (!responded) settle(() => fail(e));
    });
    if (body && req.chunked) {
      for (let i = 0; i < body.length; i += CHUNK_BYTES) r.write(body.subarray(i, i + CHUNK_BYTES));
      r.end();
    } else {
      r.end(body);
    }
  });
}
