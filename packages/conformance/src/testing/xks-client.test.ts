import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyRequest } from '@xkslab/sigv4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMS_KEY_ARN, PRINCIPAL_ARN } from '../bodies.ts';
import { signXksRequest } from '../sign.ts';
import { sealedOf, xksClient } from './xks-client.ts';

const CREDENTIAL = { accessKeyId: 'AKIAXKSLABKITTEST2345', secretAccessKey: 'k'.repeat(43) };
const REGION = 'eu-west-1';

type Seen = { path: string; signedHeaders: string; body: Record<string, unknown> };

/** A node:http server that verifies SigV4 like a proxy and answers what it saw. */
let server: Server;
let port: number;
const seen: Seen[] = [];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks)));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    const verdict = verifyRequest(
      { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body },
      {
        region: REGION,
        service: 'kms-xks-proxy',
        now: new Date(),
        resolveSecret: (id) =>
          id === CREDENTIAL.accessKeyId ? CREDENTIAL.secretAccessKey : undefined,
      },
    );
    if (!verdict.ok) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errorName: 'AuthenticationFailedException' }));
      return;
    }
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    seen.push({ path: req.url ?? '', signedHeaders, body: JSON.parse(body.toString('utf8')) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ciphertext: 'Y3Q=',
        initializationVector: 'aXY=',
        authenticationTag: 'dGFn',
        ciphertextMetadata: 'bWQ=',
      }),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
});

describe('the test kit XKS client', () => {
  it('signs like KMS (host;x-amz-date) and sends the kit bodies to the key store paths', async () => {
    seen.length = 0;
    const xks = xksClient({ port, prefix: '/kit/ks', region: REGION, credential: CREDENTIAL });
    expect((await xks.health()).status).toBe(200);
    expect((await xks.metadata('k1')).status).toBe(200);
    const enc = await xks.encrypt('k1', Buffer.from('hello'), Buffer.from('aad'));
    expect(enc.status).toBe(200);
    const sealed = sealedOf(enc);
    expect(sealed).toEqual({
      ciphertext: 'Y3Q=',
      initializationVector: 'aXY=',
      authenticationTag: 'dGFn',
      ciphertextMetadata: 'bWQ=',
    });
    expect((await xks.decrypt('k1', sealed, Buffer.from('aad'))).status).toBe(200);
    expect(seen.map((s) => s.path)).toEqual([
      '/kit/ks/kms/xks/v1/health',
      '/kit/ks/kms/xks/v1/keys/k1/metadata',
      '/kit/ks/kms/xks/v1/keys/k1/encrypt',
      '/kit/ks/kms/xks/v1/keys/k1/decrypt',
    ]);
    expect(new Set(seen.map((s) => s.signedHeaders))).toEqual(new Set(['host;x-amz-date']));
    const [, , encrypt, decrypt] = seen;
    expect(encrypt?.body).toMatchObject({
      requestMetadata: {
        kmsOperation: 'Encrypt',
        awsPrincipalArn: PRINCIPAL_ARN,
        kmsKeyArn: KMS_KEY_ARN,
      },
      plaintext: Buffer.from('hello').toString('base64'),
      additionalAuthenticatedData: Buffer.from('aad').toString('base64'),
      encryptionAlgorithm: 'AES_GCM',
    });
    expect(decrypt?.body).toMatchObject({
      requestMetadata: { kmsOperation: 'Decrypt' },
      ciphertext: 'Y3Q=',
      ciphertextMetadata: 'bWQ=',
      additionalAuthenticatedData: Buffer.from('aad').toString('base64'),
    });
  });

  it('signs content-type too in curl style, and a wrong secret is refused', async () => {
    seen.length = 0;
    const target = { port, prefix: '', region: REGION, credential: CREDENTIAL };
    expect((await xksClient(target, { style: 'curl' }).health()).status).toBe(200);
    expect(seen[0]?.signedHeaders).toBe('content-type;host;x-amz-date');
    const wrong = { ...CREDENTIAL, secretAccessKey: 'w'.repeat(43) };
    const refused = await xksClient(target).health(wrong);
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({ errorName: 'AuthenticationFailedException' });
  });

  it('signs the tampered path or body when asked, sending the real ones', () => {
    const req = signXksRequest({
      host: '127.0.0.1:1',
      path: '/real',
      body: { a: 1 },
      credential: CREDENTIAL,
      region: REGION,
      now: new Date('2026-01-01T00:00:00Z'),
      signPath: '/signed',
    });
    expect(req.path).toBe('/real');
    expect(new TextDecoder().decode(req.body)).toBe('{"a":1}');
    const verdict = verifyRequest(
      { method: 'POST', path: '/real', headers: req.headers, body: req.body },
      {
        region: REGION,
        service: 'kms-xks-proxy',
        now: new Date('2026-01-01T00:00:00Z'),
        resolveSecret: () => CREDENTIAL.secretAccessKey,
      },
    );
    expect(verdict.ok).toBe(false);
    expect(req.headers['x-amz-date']).toBe('20260101T000000Z');
  });
});
