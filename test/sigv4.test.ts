/**
 * SigV4 on the XKS API (spec §2.1, §2.2, §4): every way a signature can be wrong is
 * AuthenticationFailedException (401), and the 5-minute clock-skew window holds both ways.
 */
import { randomBytes } from 'node:crypto';
import {
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  randomAccessKeyId,
  randomSecretAccessKey,
} from '@xkslab/conformance/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import type { XkslabServer } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { rawRequest } from './support/http-client.ts';
import type { LabTargets } from './support/lab-seed.ts';
import {
  parseAuthorizationHeader,
  type SmithySignInput,
  smithySign,
} from './support/smithy-signer.ts';
import {
  fromRaw,
  type KeyStoreTarget,
  SIGNERS,
  sendXks,
  type XksResponse,
} from './support/xks-client.ts';
import { decryptOk, encryptOk } from './support/xks-ops.ts';

let server: XkslabServer;
let t: LabTargets;

const servers = useTempServers();
beforeAll(async () => {
  ({ server, t } = await servers.startLab());
});

const MINUTE = 60_000;

/** Signs a health call with smithy (overrides applied), then lets `edit` change what is sent. */
async function signedHealth(
  overrides: Partial<SmithySignInput> = {},
  edit: (req: { path: string; headers: Record<string, string>; body: string }) => void = () => {},
): Promise<XksResponse> {
  const target: KeyStoreTarget = t.a;
  const body = JSON.stringify(healthBody());
  const path = healthPath(target);
  const headers = await smithySign({
    credential: target.credential,
    region: target.region,
    host: server.host,
    path,
    body,
    unsignedHeaders: { 'content-type': 'application/json' },
    ...overrides,
  });
  const req = { path, headers, body };
  edit(req);
  return fromRaw(
    await rawRequest({ port: server.port, path: req.path, headers: req.headers, body: req.body }),
  );
}

const withCredential = (accessKeyId: string, secretAccessKey: string) => ({
  credential: { accessKeyId, secretAccessKey },
});

describe('refused with 401 AuthenticationFailedException', () => {
  const cases: Array<[string, () => Promise<XksResponse>]> = [
    [
      'a wrong secret',
      () => signedHealth(withCredential(t.a.credential.accessKeyId, randomSecretAccessKey())),
    ],
    [
      'the secret of the other credential of the same key store',
      () =>
        signedHealth(withCredential(t.a.credential.accessKeyId, t.a2.credential.secretAccessKey)),
    ],
    [
      'an unknown access key id',
      () => signedHealth(withCredential(randomAccessKeyId(26), t.a.credential.secretAccessKey)),
    ],
    [
      'a malformed access key id (10 characters)',
      () => signedHealth(withCredential(randomAccessKeyId(10), t.a.credential.secretAccessKey)),
    ],
    [
      'a malformed access key id (31 characters)',
      () => signedHealth(withCredential(randomAccessKeyId(31), t.a.credential.secretAccessKey)),
    ],
    [
      'a malformed access key id (lower case)',
      () =>
        signedHealth(
          withCredential(t.a.credential.accessKeyId.toLowerCase(), t.a.credential.secretAccessKey),
        ),
    ],
    ['a wrong region', () => signedHealth({ region: 'us-west-2' })],
    ["another key store's region", () => signedHealth({ region: t.b.region })],
    ['a wrong service (kms)', () => signedHealth({ service: 'kms' })],
    ['a wrong service (execute-api)', () => signedHealth({ service: 'execute-api' })],
    [
      'an x-amz-date 6 minutes stale',
      () => signedHealth({ signingDate: new Date(Date.now() - 6 * MINUTE) }),
    ],
    [
      'an x-amz-date 6 minutes in the future',
      () => signedHealth({ signingDate: new Date(Date.now() + 6 * MINUTE) }),
    ],
    [
      'an x-amz-date a day stale',
      () => signedHealth({ signingDate: new Date(Date.now() - 24 * 60 * MINUTE) }),
    ],
    [
      'a tampered body (same length)',
      () =>
        signedHealth({}, (req) => {
          req.body = req.body.replace('KmsHealthCheck', 'KmsHealthChecX');
        }),
    ],
    [
      'a body with one extra space',
      () =>
        signedHealth({}, (req) => {
          req.body = `${req.body} `;
        }),
    ],
    [
      'a tampered Host header',
      () =>
        signedHealth({}, (req) => {
          req.headers.host = `localhost:${server.port}`;
        }),
    ],
    [
      'a tampered x-amz-date (one second later)',
      () =>
        signedHealth({}, (req) => {
          const d = req.headers['x-amz-date'] ?? '';
          const s = Number(d.slice(13, 15));
          req.headers['x-amz-date'] = `${d.slice(0, 13)}${String((s + 1) % 60).padStart(2, '0')}Z`;
        }),
    ],
    [
      'a signature with one hex digit changed',
      () =>
        signedHealth({}, (req) => {
          const auth = req.headers.authorization ?? '';
          const last = auth.slice(-1);
          req.headers.authorization = `${auth.slice(0, -1)}${last === '0' ? '1' : '0'}`;
        }),
    ],
    [
      'a truncated signature',
      () =>
        signedHealth({}, (req) => {
          req.headers.authorization = (req.headers.authorization ?? '').slice(0, -2);
        }),
    ],
    [
      'a missing Authorization header',
      () =>
        signedHealth({}, (req) => {
          delete req.headers.authorization;
        }),
    ],
    [
      'an empty Authorization header',
      () =>
        signedHealth({}, (req) => {
          req.headers.authorization = '';
        }),
    ],
    [
      'a garbage Authorization header',
      () =>
        signedHealth({}, (req) => {
          req.headers.authorization = 'Bearer abc.def.ghi';
        }),
    ],
    [
      'the AWS4-HMAC-SHA1 algorithm name',
      () =>
        signedHealth({}, (req) => {
          req.headers.authorization = (req.headers.authorization ?? '').replace(
            'AWS4-HMAC-SHA256',
            'AWS4-HMAC-SHA1',
          );
        }),
    ],
    [
      'a missing x-amz-date header',
      () =>
        signedHealth({}, (req) => {
          delete req.headers['x-amz-date'];
        }),
    ],
    [
      'x-amz-date in another format',
      () =>
        signedHealth({}, (req) => {
          req.headers['x-amz-date'] = new Date().toUTCString();
        }),
    ],
    [
      'host left out of SignedHeaders',
      () =>
        signedHealth({}, (req) => {
          req.headers.authorization = (req.headers.authorization ?? '').replace(
            'SignedHeaders=host;x-amz-date',
            'SignedHeaders=x-amz-date',
          );
        }),
    ],
  ];

  it.each(cases)('%s', async (_name, run) => {
    expectXksError(await run(), 401, 'AuthenticationFailedException');
  });

  it('a path other than the signed one (signed for key foo, sent to key bar)', async () => {
    const body = JSON.stringify(encryptBody({ plaintext: randomBytes(8) }));
    const headers = await smithySign({
      credential: t.a.credential,
      region: t.a.region,
      host: server.host,
      path: keyPath(t.a, 'foo', 'encrypt'),
      body,
      unsignedHeaders: { 'content-type': 'application/json' },
    });
    const res = fromRaw(
      await rawRequest({ port: server.port, path: keyPath(t.a, 'bar', 'encrypt'), headers, body }),
    );
    expectXksError(res, 401, 'AuthenticationFailedException');
  });

  it('a signed header dropped from SignedHeaders (content-type;host;x-amz-date -> host;x-amz-date)', async () => {
    const res = await signedHealth(
      { signedHeaders: { 'content-type': 'application/json' }, unsignedHeaders: {} },
      (req) => {
        const auth = req.headers.authorization ?? '';
        expect(parseAuthorizationHeader(auth).signedHeaders).toBe('content-type;host;x-amz-date');
        req.headers.authorization = auth.replace(
          'SignedHeaders=content-type;host;x-amz-date',
          'SignedHeaders=host;x-amz-date',
        );
      },
    );
    expectXksError(res, 401, 'AuthenticationFailedException');
  });

  it('a signed header changed after signing (content-type)', async () => {
    const res = await signedHealth(
      { signedHeaders: { 'content-type': 'application/json' }, unsignedHeaders: {} },
      (req) => {
        req.headers['content-type'] = 'application/json; charset=utf-8';
      },
    );
    expectXksError(res, 401, 'AuthenticationFailedException');
  });

  it('a signed header that is not sent', async () => {
    const res = await signedHealth(
      {
        signedHeaders: { 'content-type': 'application/json', 'x-extra': 'v' },
        unsignedHeaders: {},
      },
      (req) => {
        delete req.headers['x-extra'];
      },
    );
    expectXksError(res, 401, 'AuthenticationFailedException');
  });

  it('an unsigned health call (health needs SigV4 although it names no key)', async () => {
    const body = JSON.stringify(healthBody());
    const res = fromRaw(
      await rawRequest({
        port: server.port,
        path: healthPath(t.a),
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
    expectXksError(res, 401, 'AuthenticationFailedException');
  });

  it.each([
    [
      'a wrong secret',
      () => ({ credential: { ...t.a.credential, secretAccessKey: randomSecretAccessKey() } }),
    ],
    ['a wrong region', () => ({ region: 'ap-south-1' })],
    ['a wrong service', () => ({ service: 'kms' })],
    [
      'an unknown access key id',
      () => ({ credential: { ...t.a.credential, accessKeyId: randomAccessKeyId(22) } }),
    ],
  ])('curl-signed with %s', async (_name, sign) => {
    const res = await sendXks(t.a, healthPath(t.a), healthBody(), { signer: 'curl', sign: sign() });
    expectXksError(res, 401, 'AuthenticationFailedException');
  });
});

describe('accepted', () => {
  it.each([
    ['4 minutes stale', -4 * MINUTE],
    ['4 minutes in the future', 4 * MINUTE],
  ])('an x-amz-date %s', async (_name, offset) => {
    expectOk(await signedHealth({ signingDate: new Date(Date.now() + offset) }));
  });

  it('the same request before tampering (control case)', async () => {
    expectOk(await signedHealth());
  });

  it('content-type;host;x-amz-date signed by smithy (what curl signs)', async () => {
    expectOk(
      await signedHealth({
        signedHeaders: { 'content-type': 'application/json' },
        unsignedHeaders: {},
      }),
    );
  });

  it('extra signed headers in any case, and unsigned extra headers', async () => {
    expectOk(
      await signedHealth({
        signedHeaders: { 'content-type': 'application/json', 'x-amz-meta-thing': '  a   b  ' },
        unsignedHeaders: { 'user-agent': 'e2e', 'x-unsigned': 'anything' },
      }),
    );
  });

  it.each(SIGNERS)('a round trip signed by %s on both key stores', async (signer) => {
    for (const target of [t.a, t.b]) {
      const plaintext = randomBytes(32);
      const out = await encryptOk(target, 'foo', { plaintext }, { signer });
      expect(await decryptOk(target, 'foo', out, undefined, { signer })).toEqual(plaintext);
    }
  });

  it('does not depend on which signer made the ciphertext', async () => {
    const plaintext = randomBytes(32);
    const out = await encryptOk(t.a, 'foo', { plaintext }, { signer: 'curl' });
    expect(await decryptOk(t.a, 'foo', out, undefined, { signer: 'smithy' })).toEqual(plaintext);
  });

  it('a wrong-secret request does not poison later good ones', async () => {
    const wrong = {
      ...t.a,
      credential: { ...t.a.credential, secretAccessKey: randomSecretAccessKey() },
    };
    expectXksError(
      await sendXks(wrong, healthPath(wrong), healthBody()),
      401,
      'AuthenticationFailedException',
    );
    expectOk(await sendXks(t.a, healthPath(t.a), healthBody()));
  });
});
