import { execFile, execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthorization } from './authorization.ts';
import { XKS_CREDENTIALS, XKS_REGION, XKS_SERVICE } from './testing/requests.ts';
import type { HttpRequestParts } from './types.ts';
import { verifyRequest } from './verify-request.ts';

function hasCurlWithSigV4(): boolean {
  try {
    return execFileSync('curl', ['--help', 'all'], { encoding: 'utf8' }).includes('--aws-sigv4');
  } catch {
    return false;
  }
}

const run = promisify(execFile);
const curlMissing = !hasCurlWithSigV4();

type Captured = HttpRequestParts & { headers: IncomingHttpHeaders };

describe.skipIf(curlMissing)('cross-check with curl --aws-sigv4', () => {
  const captured: Captured[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: new Uint8Array(Buffer.concat(chunks)),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  });

  async function curl(path: string, body: string): Promise<Captured> {
    captured.length = 0;
    await run('curl', [
      '--silent',
      '--show-error',
      '--fail',
      '--aws-sigv4',
      `aws:amz:${XKS_REGION}:${XKS_SERVICE}`,
      '--user',
      `${XKS_CREDENTIALS.accessKeyId}:${XKS_CREDENTIALS.secretAccessKey}`,
      '--header',
      'Content-Type: application/json',
      '--data-binary',
      body,
      `${base}${path}`,
    ]);
    const [req] = captured;
    if (req === undefined) throw new Error('curl request not captured');
    return req;
  }

  function verify(req: Captured) {
    return verifyRequest(req, {
      region: XKS_REGION,
      service: XKS_SERVICE,
      now: new Date(),
      resolveSecret: (id) =>
        id === XKS_CREDENTIALS.accessKeyId ? XKS_CREDENTIALS.secretAccessKey : undefined,
    });
  }

  const body = JSON.stringify({
    requestMetadata: {
      kmsRequestId: 'f3c0b4f2-9c1e-4a33-8f0e-1f1d6a2b7c11',
      kmsOperation: 'KmsHealthCheck',
    },
  });

  it('verifies a POST with a JSON body, signed content-type;host;x-amz-date', async () => {
    const req = await curl('/example/prefix/kms/xks/v1/health', body);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/example/prefix/kms/xks/v1/health');
    expect(new TextDecoder().decode(req.body)).toBe(body);
    expect(req.headers['x-amz-content-sha256']).toBeUndefined();
    expect(req.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const auth = parseAuthorization(String(req.headers.authorization));
    expect(auth?.signedHeaders).toEqual(['content-type', 'host', 'x-amz-date']);
    expect(auth?.service).toBe(XKS_SERVICE);
    expect(verify(req)).toEqual({ ok: true, accessKeyId: XKS_CREDENTIALS.accessKeyId });
  });

  it('verifies a double-slash path, which curl sends and signs as given', async () => {
    const req = await curl('//kms/xks/v1/keys/foo/encrypt', body);
    expect(req.path).toBe('//kms/xks/v1/keys/foo/encrypt');
    expect(verify(req)).toMatchObject({ ok: true });
    expect(verify({ ...req, path: '/kms/xks/v1/keys/foo/encrypt' })).toMatchObject({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });

  it('verifies an already canonical query string', async () => {
    // curl 7.88.1 signs the query verbatim (no sorting, no re-encoding), so only a query that is
    // already in SigV4 canonical form can agree; XKS calls carry no query at all.
    const path = '/kms/xks/v1/health?a=0&a=1&c=x%20y&d=~%2A';
    const req = await curl(path, body);
    expect(req.path).toBe(path);
    expect(verify(req)).toMatchObject({ ok: true });
  });

  it('rejects the curl request once its body is changed', async () => {
    const req = await curl('/kms/xks/v1/health', body);
    const changed = new TextEncoder().encode(body.replace('KmsHealthCheck', 'KmsHealthChecK'));
    expect(verify({ ...req, body: changed })).toMatchObject({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });
});
