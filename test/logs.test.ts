/**
 * What xkslab writes about requests: one JSON line per XKS call with the correlation fields, and
 * never plaintext, AAD, ciphertext, Authorization headers, signatures, secrets or key material.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  b64,
  decryptBody,
  encryptBody,
  healthPath,
  keyPath,
  randomSecretAccessKey,
  requestMetadata,
  unb64,
} from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectXksError } from './support/assertions.ts';
import { parseJsonLine, startXkslab, waitFor, type XkslabServer } from './support/binary.ts';
import { rawRequest } from './support/http-client.ts';
import { type LabSeed, type LabTargets, labSeed } from './support/lab-seed.ts';
import { smithySign } from './support/smithy-signer.ts';
import {
  type EncryptOutput,
  fromRaw,
  type KeyStoreTarget,
  SIGNERS,
  sendXks,
} from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk, metadataOk } from './support/xks-ops.ts';

/** Every form a secret value could leak in: as is, Base64 and hex of its text or bytes. */
function forms(label: string, value: string | Uint8Array): Array<[string, string]> {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  const out: Array<[string, string]> = [
    [`${label} (Base64)`, bytes.toString('base64')],
    [`${label} (hex)`, bytes.toString('hex')],
    [`${label} (HEX)`, bytes.toString('hex').toUpperCase()],
  ];
  if (typeof value === 'string') out.push([`${label} (raw)`, value]);
  return out;
}

function leaks(text: string, forbidden: Array<[string, string]>): string[] {
  return forbidden.filter(([, value]) => value.length >= 8 && text.includes(value)).map(([l]) => l);
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('request logs of a seeded server', () => {
  let lab: LabSeed;
  let server: XkslabServer;
  let t: LabTargets;
  const forbidden: Array<[string, string]> = [];
  const ids = {
    health: `health-${randomBytes(6).toString('hex')}`,
    metadata: `metadata-${randomBytes(6).toString('hex')}`,
    encrypt: `encrypt-${randomBytes(6).toString('hex')}`,
    decrypt: `decrypt-${randomBytes(6).toString('hex')}`,
    notFound: `notfound-${randomBytes(6).toString('hex')}`,
  };

  beforeAll(async () => {
    lab = labSeed();
    server = await startXkslab({ seed: lab.seed });
    t = lab.targets(server.port);
    for (const [name, c] of Object.entries(lab.credentials)) {
      forbidden.push(...forms(`secret of ${name}`, c.secretAccessKey));
      forbidden.push(...forms(`secret bytes of ${name}`, unb64(c.secretAccessKey)));
    }
    forbidden.push(...forms('key material', lab.material));
    forbidden.push(...forms('disabled key material', lab.disabledMaterial));
    // Traffic with known correlation ids (smithy), recording what must never be logged.
    const plaintextText = `PLAINTEXT-MARKER-${randomBytes(12).toString('hex')}`;
    const aadText = `AAD-MARKER-${randomBytes(12).toString('hex')}`;
    const plaintext = Buffer.from(plaintextText);
    const aad = Buffer.from(aadText);
    forbidden.push(...forms('plaintext', plaintextText), ...forms('AAD', aadText));

    const record = async (target: KeyStoreTarget, path: string, body: unknown) => {
      const text = JSON.stringify(body);
      const headers = await smithySign({
        credential: target.credential,
        region: target.region,
        host: server.host,
        path,
        body: text,
        unsignedHeaders: { 'content-type': 'application/json' },
      });
      const auth = headers.authorization ?? '';
      forbidden.push([`Authorization header for ${path}`, auth]);
      forbidden.push([`signature for ${path}`, auth.slice(auth.indexOf('Signature=') + 10)]);
      return fromRaw(await rawRequest({ port: server.port, path, headers, body: text }));
    };
    const health = {
      requestMetadata: { kmsRequestId: ids.health, kmsOperation: 'KmsHealthCheck' },
    };
    expect((await record(t.a, healthPath(t.a), health)).status).toBe(200);
    const md = { requestMetadata: requestMetadata('DescribeKey', { kmsRequestId: ids.metadata }) };
    expect((await record(t.b, keyPath(t.b, 'foo', 'metadata'), md)).status).toBe(200);
    const enc = {
      ...encryptBody({ plaintext, aad, cdiv: true }),
      requestMetadata: requestMetadata('Encrypt', { kmsRequestId: ids.encrypt }),
    };
    const encRes = await record(t.a2, keyPath(t.a2, 'fixed', 'encrypt'), enc);
    expect(encRes.status).toBe(200);
    const out = JSON.parse(encRes.text) as Record<string, string>;
    forbidden.push(...forms('ciphertext', unb64(out.ciphertext ?? '')));
    forbidden.push(['ciphertext (Base64 as sent)', out.ciphertext ?? '']);
    forbidden.push(...forms('authentication tag', unb64(out.authenticationTag ?? '')));
    const dec = {
      ...decryptBody(out as unknown as EncryptOutput, aad),
      requestMetadata: requestMetadata('Decrypt', { kmsRequestId: ids.decrypt }),
    };
    const decRes = await record(t.a, keyPath(t.a, 'fixed', 'decrypt'), dec);
    expect(JSON.parse(decRes.text)).toEqual({ plaintext: b64(plaintext) });
    const nf = { requestMetadata: requestMetadata('DescribeKey', { kmsRequestId: ids.notFound }) };
    expect((await record(t.a, keyPath(t.a, 'nope', 'metadata'), nf)).status).toBe(404);
    // An authentication failure, and the same traffic signed by curl.
    const wrong = {
      ...t.a,
      credential: { ...t.a.credential, secretAccessKey: randomSecretAccessKey() },
    };
    forbidden.push(...forms('wrong secret', wrong.credential.secretAccessKey));
    expectXksError(
      await sendXks(wrong, healthPath(wrong), health),
      401,
      'AuthenticationFailedException',
    );
    for (const signer of SIGNERS) {
      await healthOk(t.b, { signer });
      await metadataOk(t.a, 'fixed', { signer });
      const o = await encryptOk(t.a, 'fixed', { plaintext, aad }, { signer });
      forbidden.push(...forms(`ciphertext (${signer})`, unb64(o.ciphertext)));
      expect(await decryptOk(t.a, 'fixed', o, aad, { signer })).toEqual(plaintext);
    }
  });

  afterAll(async () => {
    await server?.stop();
  });

  const xksLines = () => server.logs().filter((l) => l.msg === 'xks');
  const lineFor = (kmsRequestId: string) => xksLines().find((l) => l.kmsRequestId === kmsRequestId);

  it('writes every stdout line as one JSON object with time, level and msg', async () => {
    await waitFor(() => lineFor(ids.notFound) !== undefined);
    const lines = server.stdoutLines().filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const parsed = parseJsonLine(line);
      expect(parsed, line).toBeDefined();
      expect(parsed).toMatchObject({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: expect.any(String),
        msg: expect.any(String),
      });
    }
  });

  it('logs each XKS call with kmsRequestId, operation, key, status and duration', async () => {
    await waitFor(() => lineFor(ids.notFound) !== undefined);
    const common = { level: 'info', status: 200, durationMs: expect.any(Number) };
    expect(lineFor(ids.health)).toMatchObject({
      ...common,
      operation: 'GetHealthStatus',
      keyStore: 'a',
      kmsOperation: 'KmsHealthCheck',
      accessKeyId: lab.credentials.a1.accessKeyId,
    });
    expect(lineFor(ids.metadata)).toMatchObject({
      ...common,
      operation: 'GetKeyMetadata',
      keyStore: 'b',
      keyId: 'foo',
      kmsOperation: 'DescribeKey',
      accessKeyId: lab.credentials.b.accessKeyId,
    });
    expect(lineFor(ids.encrypt)).toMatchObject({
      ...common,
      operation: 'Encrypt',
      keyStore: 'a',
      keyId: 'fixed',
      kmsOperation: 'Encrypt',
      accessKeyId: lab.credentials.a2.accessKeyId,
    });
    expect(lineFor(ids.decrypt)).toMatchObject({
      ...common,
      operation: 'Decrypt',
      keyId: 'fixed',
      kmsOperation: 'Decrypt',
    });
    expect(lineFor(ids.notFound)).toMatchObject({
      operation: 'GetKeyMetadata',
      keyId: 'nope',
      status: 404,
      errorName: 'KeyNotFoundException',
      durationMs: expect.any(Number),
    });
    for (const line of xksLines()) {
      expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
    }
  });

  it('logs an authentication failure with its reason and status 401', async () => {
    const failures = xksLines().filter((l) => l.status === 401);
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toMatchObject({
      operation: 'GetHealthStatus',
      keyStore: 'a',
      errorName: 'AuthenticationFailedException',
      authFailure: expect.any(String),
    });
  });

  it('never writes plaintext, AAD, ciphertext, Authorization, signatures, secrets or key material', async () => {
    const status = await server.stop();
    expect(status.code).toBe(0);
    const all = `${server.stdout()}\n${server.stderr()}`;
    expect(forbidden.length).toBeGreaterThan(30);
    expect(leaks(all, forbidden)).toEqual([]);
    expect(all).not.toMatch(/AWS4-HMAC-SHA256/);
    expect(all).not.toMatch(/Signature=/);
  });
});

describe('the generated first-start credential', () => {
  let first: XkslabServer | undefined;
  let second: XkslabServer | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await first?.stop();
    await second?.stop({ removeDataDir: true });
  });

  it('is printed once on stderr of the first start only, and never logged', async () => {
    first = await startXkslab();
    dataDir = first.dataDir;
    const config = JSON.parse(await readFile(join(dataDir, 'kms-proxy-config.json'), 'utf8')) as {
      XksProxyAuthenticationCredential: { AccessKeyId: string; RawSecretAccessKey: string };
    };
    const secret = config.XksProxyAuthenticationCredential.RawSecretAccessKey;
    const target: KeyStoreTarget = {
      port: first.port,
      prefix: '/xkslab',
      region: 'us-east-1',
      credential: {
        accessKeyId: config.XksProxyAuthenticationCredential.AccessKeyId,
        secretAccessKey: secret,
      },
    };
    for (const signer of SIGNERS) {
      await healthOk(target, { signer });
      const plaintext = randomBytes(10);
      const out = await encryptOk(target, 'default-key', { plaintext }, { signer });
      expect(await decryptOk(target, 'default-key', out, undefined, { signer })).toEqual(plaintext);
    }
    expect((await first.stop({ removeDataDir: false })).code).toBe(0);
    expect(count(first.stderr(), secret)).toBe(1);
    expect(first.stderr()).toMatch(
      new RegExp(`Secret access key +${secret.replace(/[+/]/g, '\\$&')}`),
    );
    expect(first.stderr()).toContain('First start');
    expect(leaks(first.stdout(), forms('secret', secret))).toEqual([]);
    expect(
      leaks(
        first.stderr(),
        forms('secret', secret).filter(([l]) => !l.endsWith('(raw)')),
      ),
    ).toEqual([]);

    second = await startXkslab({ dataDir });
    await healthOk({ ...target, port: second.port }, { signer: 'curl' });
    await metadataOk({ ...target, port: second.port }, 'default-key');
    expect((await second.stop()).code).toBe(0);
    expect(second.stderr()).not.toContain('First start');
    expect(leaks(`${second.stdout()}\n${second.stderr()}`, forms('secret', secret))).toEqual([]);
  });
});
