import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signRequest } from './sign-request.ts';
import { SigningKeyCache } from './signing-key-cache.ts';
import { type MutableRequest, withSignature, XKS_REGION, XKS_SERVICE } from './testing/requests.ts';
import { verifyRequest } from './verify-request.ts';

const NOW = new Date('2024-06-01T00:00:00Z');

/** Header values a client can send: printable ASCII plus spaces and tabs. */
const headerValue = fc.stringMatching(/^[\x20-\x7e\t]*$/);
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,16}$/).filter((n) => n !== 'x-amz-date');
const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);

const requestArb = fc.record({
  method: fc.constantFrom('POST', 'GET', 'PUT'),
  path: fc
    .tuple(fc.array(segment, { maxLength: 3 }), fc.boolean())
    .map(
      ([prefix, doubled]) => `${doubled ? '/' : ''}/${[...prefix, 'kms/xks/v1/health'].join('/')}`,
    ),
  extra: fc.dictionary(
    headerName,
    fc.oneof(headerValue, fc.array(headerValue, { minLength: 1, maxLength: 3 })),
    { maxKeys: 4 },
  ),
  body: fc.uint8Array({ maxLength: 2048 }),
  accessKeyId: fc.stringMatching(/^[A-Z2-7]{20,30}$/),
  secretAccessKey: fc.stringMatching(/^[A-Za-z0-9/+=]{43,64}$/),
  skewMs: fc.integer({ min: -300_000, max: 300_000 }),
});

type RequestCase = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function build(r: RequestCase) {
  const req: MutableRequest = {
    method: r.method,
    path: r.path,
    headers: { host: 'xks.example.com:8443', ...r.extra },
    body: r.body,
  };
  const credentials = { accessKeyId: r.accessKeyId, secretAccessKey: r.secretAccessKey };
  const signed = withSignature(
    req,
    signRequest(req, credentials, {
      region: XKS_REGION,
      service: XKS_SERVICE,
      now: new Date(NOW.getTime() + r.skewMs),
      signedHeaders: Object.keys(r.extra),
    }),
  );
  const options = {
    region: XKS_REGION,
    service: XKS_SERVICE,
    now: NOW,
    resolveSecret: (id: string) => (id === r.accessKeyId ? r.secretAccessKey : undefined),
  };
  return { signed, options };
}

// Hundreds of pure-JS signatures per property: seconds on a loaded 2-core host, not the unit
// tests' 5 s default.
describe('sign -> verify (property)', { timeout: 30_000 }, () => {
  it('every signed request verifies, with and without a cache', () => {
    const cache = new SigningKeyCache(16);
    fc.assert(
      fc.property(requestArb, (r) => {
        const { signed, options } = build(r);
        expect(verifyRequest(signed, options)).toEqual({ ok: true, accessKeyId: r.accessKeyId });
        expect(verifyRequest(signed, { ...options, cache })).toEqual({
          ok: true,
          accessKeyId: r.accessKeyId,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('any single-byte change to the body fails', () => {
    fc.assert(
      fc.property(
        requestArb.filter((r) => r.body.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (r, at, xor) => {
          const { signed, options } = build(r);
          const body = signed.body.slice();
          const i = at % body.length;
          body[i] = (body[i] ?? 0) ^ xor;
          expect(verifyRequest({ ...signed, body }, options)).toMatchObject({
            ok: false,
            reason: 'SIGNATURE_MISMATCH',
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any change to a signed header value that survives canonicalization fails', () => {
    fc.assert(
      fc.property(
        requestArb.filter((r) => Object.keys(r.extra).length > 0),
        fc.stringMatching(/^[!-~]$/),
        (r, extraChar) => {
          const { signed, options } = build(r);
          const name = Object.keys(r.extra)[0] ?? '';
          const original = signed.headers[name];
          const changed = Array.isArray(original)
            ? [...original, extraChar]
            : `${String(original)}${extraChar}`;
          const tampered = { ...signed, headers: { ...signed.headers, [name]: changed } };
          expect(verifyRequest(tampered, options)).toMatchObject({
            ok: false,
            reason: 'SIGNATURE_MISMATCH',
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
