/**
 * A second XKS proxy, independent of xkslab's (node:http(s) + node:crypto, see sigv4.ts and
 * xks.ts), for the tests: the conformance runner must pass it clean, which guards against
 * checks that only fit xkslab's own answers.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Credential, verifySigv4 } from './sigv4.ts';
import { decryptOp, encryptOp, healthOp, type Key, metadataOp, XksFailure } from './xks.ts';

export type IndependentProxyOptions = {
  prefix: string;
  region: string;
  credentials: readonly Credential[];
  keys: Record<string, Omit<Key, 'material'>>;
  /** PEM server certificate and key; with `ca`, client certificates are required (mTLS). */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };
};

export type IndependentProxy = { port: number; close(): Promise<void> };

const MAX_BODY = 4 * 1024 * 1024;
const KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...extra });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, e: XksFailure) {
  send(res, e.status, { errorName: e.errorName, errorMessage: e.message });
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type Route = { op: 'health' } | { op: 'metadata' | 'encrypt' | 'decrypt'; keyId: string };

function routeOf(target: string, prefix: string): Route | undefined {
  const path = target.split('?')[0] ?? '';
  const base = `${prefix}/kms/xks/v1`;
  if (path === `${base}/health`) return { op: 'health' };
  const m = /^\/keys\/([^/]+)\/(metadata|encrypt|decrypt)$/.exec(path.slice(base.length));
  if (!path.startsWith(`${base}/`) || !m || !KEY_ID.test(m[1] as string)) return undefined;
  return { op: m[2] as 'metadata' | 'encrypt' | 'decrypt', keyId: m[1] as string };
}

function parseJsonBody(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    throw new XksFailure('ValidationException', 400, 'Content-Type must be application/json');
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new XksFailure('ValidationException', 400, 'The body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new XksFailure('ValidationException', 400, 'The body is not a JSON object');
  }
  return json as Record<string, unknown>;
}

/** Starts the proxy on 127.0.0.1 and a free port. */
export async function startIndependentProxy(o: IndependentProxyOptions): Promise<IndependentProxy> {
  const keys = new Map(
    Object.entries(o.keys).map(([id, k]) => [id, { ...k, material: randomBytes(32) } as Key]),
  );
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '';
    const route = routeOf(target, o.prefix);
    if (!route) {
      req.resume();
      return fail(res, new XksFailure('InvalidUriPathException', 404, 'No such URI path'));
    }
    if (req.method !== 'POST') {
      req.resume();
      return send(
        res,
        405,
        { errorName: 'ValidationException', errorMessage: 'Use POST' },
        { allow: 'POST' },
      );
    }
    const body = await readBody(req);
    if (body === undefined) {
      return fail(
        res,
        new XksFailure('UnsupportedOperationException', 501, 'The body is too large'),
      );
    }
    const signed = verifySigv4({
      method: 'POST',
      target,
      headers: req.headers,
      body,
      region: o.region,
      now: Date.now(),
      credentials: o.credentials,
    });
    if (!signed)
      return fail(res, new XksFailure('AuthenticationFailedException', 401, 'Bad signature'));
    const json = parseJsonBody(req, body);
    if (route.op === 'health') return send(res, 200, healthOp(json));
    const key = keys.get(route.keyId);
    const ops = { metadata: metadataOp, encrypt: encryptOp, decrypt: decryptOp };
    return send(res, 200, ops[route.op](key, json));
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof XksFailure) return fail(res, e);
      fail(res, new XksFailure('InternalException', 500, 'Internal error'));
    });
  };
  const server: Server = o.tls
    ? createHttpsServer(
        {
          cert: o.tls.cert,
          key: o.tls.key,
          minVersion: 'TLSv1.2',
          ...(o.tls.ca ? { ca: o.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
        },
        listener,
      )
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
