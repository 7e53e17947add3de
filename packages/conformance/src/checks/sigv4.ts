import { randomBytes } from 'node:crypto';
import { EncryptResponse, GetHealthStatusResponse, GetKeyMetadataResponse } from '@xkslab/protocol';
import type { Credentials } from '@xkslab/sigv4';
import { encryptBody, healthBody, metadataBody } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext, SignSpec } from '../context.ts';
import { expectError, expectOk } from '../expect.ts';
import type { WireRequest } from '../http-client.ts';

const MINUTE = 60_000;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A well-formed access key id (§2.2) that no proxy knows. */
export function randomAccessKeyId(): string {
  return [...randomBytes(24)].map((b) => BASE32[b & 31]).join('');
}

/** The same secret with one character changed (same length and alphabet). */
export function otherSecret(secret: string): string {
  const first = secret[0] === 'A' ? 'B' : 'A';
  return `${first}${secret.slice(1)}`;
}

/** A region that is not `region`. */
export function otherRegion(region: string): string {
  return region === 'eu-west-1' ? 'us-east-1' : 'eu-west-1';
}

/** Health and metadata of the main key, signed per `spec`, must be 401 AuthenticationFailed. */
async function expectAuthFailure(ctx: CheckContext, spec: SignSpec, what: string) {
  expectError(
    await ctx.post(ctx.keyPath(ctx.options.keyId, 'metadata'), metadataBody(), spec),
    'AuthenticationFailedException',
    `${what} (metadata)`,
  );
  expectError(
    await ctx.post(ctx.healthPath(), healthBody(), spec),
    'AuthenticationFailedException',
    `${what} (health)`,
  );
}

/** Health, metadata and encrypt signed per `spec` must succeed. */
async function expectAccepted(ctx: CheckContext, spec: SignSpec, what: string) {
  expectOk(
    await ctx.post(ctx.healthPath(), healthBody(), spec),
    GetHealthStatusResponse,
    `${what} (health)`,
  );
  expectOk(
    await ctx.post(ctx.keyPath(ctx.options.keyId, 'metadata'), metadataBody(), spec),
    GetKeyMetadataResponse,
    `${what} (metadata)`,
  );
  expectOk(
    await ctx.post(
      ctx.keyPath(ctx.options.keyId, 'encrypt'),
      encryptBody({ plaintext: new Uint8Array(randomBytes(16)) }),
      spec,
    ),
    EncryptResponse,
    `${what} (encrypt)`,
  );
}

function setAuthorization(req: WireRequest, value: string | undefined) {
  for (const name of Object.keys(req.headers)) {
    if (name.toLowerCase() === 'authorization') delete req.headers[name];
  }
  if (value !== undefined) req.headers.authorization = value;
}

const MALFORMED: ReadonlyArray<[string, (auth: string) => string]> = [
  ['garbage after the algorithm', () => 'AWS4-HMAC-SHA256 garbage'],
  ['no Signature component', (a) => a.replace(/, Signature=[0-9a-f]+$/, '')],
  ['another algorithm', (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')],
  [
    'a signature that is not hex',
    (a) => a.replace(/Signature=[0-9a-f]+$/, `Signature=${'z'.repeat(64)}`),
  ],
  ['a truncated signature', (a) => a.slice(0, -8)],
  ['Basic authentication', () => 'Basic dXNlcjpwYXNz'],
];

export const sigv4Checks = [
  defineCheck({
    id: 'sigv4.kms-signed-headers',
    title: 'Requests signed over host;x-amz-date (as KMS signs) are accepted',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'KMS signs host;x-amz-date; a proxy that refuses that cannot be used by KMS at all.',
    run: (ctx) => expectAccepted(ctx, { style: 'kms' }, 'signed host;x-amz-date'),
  }),
  defineCheck({
    id: 'sigv4.curl-signed-headers',
    title: 'Requests signed over content-type;host;x-amz-date (as curl signs) are accepted',
    specRef: '§2.1',
    severity: 'MUST',
    why: "Operators and AWS's test client sign content-type too; a verifier must honour whatever SignedHeaders lists.",
    run: (ctx) => expectAccepted(ctx, { style: 'curl' }, 'signed content-type;host;x-amz-date'),
  }),
  defineCheck({
    id: 'sigv4.missing-authorization',
    title: 'A request without Authorization is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'An unsigned request must never reach a key.',
    run: (ctx) => expectAuthFailure(ctx, { unsigned: true }, 'no Authorization'),
  }),
  defineCheck({
    id: 'sigv4.malformed-authorization',
    title: 'A malformed Authorization header is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'A header the verifier cannot parse must be refused, not half-read.',
    async run(ctx) {
      for (const [what, change] of MALFORMED) {
        await expectAuthFailure(
          ctx,
          {
            after: (req) => setAuthorization(req, change(req.headers.authorization ?? '')),
          },
          `Authorization with ${what}`,
        );
      }
    },
  }),
  defineCheck({
    id: 'sigv4.wrong-secret',
    title: 'A signature made with the wrong secret is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: "The signature is the proxy's authentication of KMS; a wrong secret must fail.",
    async run(ctx) {
      const credential: Credentials = {
        accessKeyId: ctx.options.accessKeyId,
        secretAccessKey: otherSecret(ctx.options.secretAccessKey),
      };
      await expectAuthFailure(ctx, { credential }, 'wrong secret');
    },
  }),
  defineCheck({
    id: 'sigv4.unknown-access-key',
    title: 'An unknown access key id is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: "Only the key store's credentials may sign.",
    async run(ctx) {
      const credential = {
        accessKeyId: randomAccessKeyId(),
        secretAccessKey: ctx.options.secretAccessKey,
      };
      await expectAuthFailure(ctx, { credential }, 'unknown access key id');
    },
  }),
  defineCheck({
    id: 'sigv4.wrong-region',
    title: 'A credential scope with another region is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'A signature for another region belongs to another key store.',
    run: (ctx) =>
      expectAuthFailure(ctx, { region: otherRegion(ctx.options.region) }, 'another region'),
  }),
  defineCheck({
    id: 'sigv4.wrong-service',
    title: 'A credential scope with service "kms" is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'A signature for the kms service must not be accepted by the proxy.',
    run: (ctx) => expectAuthFailure(ctx, { service: 'kms' }, 'service kms'),
  }),
  defineCheck({
    id: 'sigv4.clock-skew-rejected',
    title: 'x-amz-date 6 minutes in the past or future is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'SHOULD',
    why: 'A 5-minute window limits how long a captured request can be replayed.',
    async run(ctx) {
      const now = ctx.run.clock().getTime();
      await expectAuthFailure(ctx, { now: new Date(now - 6 * MINUTE) }, 'signed 6 minutes ago');
      await expectAuthFailure(ctx, { now: new Date(now + 6 * MINUTE) }, 'signed 6 minutes ahead');
    },
  }),
  defineCheck({
    id: 'sigv4.clock-skew-tolerated',
    title: 'x-amz-date 4 minutes in the past or future is accepted',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'Clocks drift; refusing a request a few minutes off breaks KMS calls for no gain.',
    async run(ctx) {
      const now = ctx.run.clock().getTime();
      await expectAccepted(ctx, { now: new Date(now - 4 * MINUTE) }, 'signed 4 minutes ago');
      await expectAccepted(ctx, { now: new Date(now + 4 * MINUTE) }, 'signed 4 minutes ahead');
    },
  }),
  defineCheck({
    id: 'sigv4.tampered-body',
    title: 'A body changed after signing is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'The payload hash binds the body to the signature; a changed body must fail.',
    async run(ctx) {
      const signBody = new TextEncoder().encode(JSON.stringify(metadataBody()));
      await expectAuthFailure(ctx, { signBody }, 'body changed after signing');
    },
  }),
  defineCheck({
    id: 'sigv4.tampered-path',
    title: 'A path changed after signing is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'The path names the key and operation; a changed path must fail.',
    async run(ctx) {
      expectError(
        await ctx.post(ctx.keyPath(ctx.options.keyId, 'metadata'), metadataBody(), {
          signPath: ctx.healthPath(),
        }),
        'AuthenticationFailedException',
        'signed for /health, sent to /metadata',
      );
    },
  }),
  defineCheck({
    id: 'sigv4.signed-header-removed',
    title: 'A request missing one of its SignedHeaders is 401 AuthenticationFailedException',
    specRef: '§2.1',
    severity: 'MUST',
    why: 'Every header listed as signed must be present and checked.',
    async run(ctx) {
      await expectAuthFailure(
        ctx,
        {
          signedExtra: { 'x-xkslab-probe': 'signed' },
          after: (req) => {
            delete req.headers['x-xkslab-probe'];
          },
        },
        'signed x-xkslab-probe removed',
      );
    },
  }),
  defineCheck({
    id: 'sigv4.second-credential',
    title: 'A second live credential of the key store works beside the first (rotation)',
    specRef: '§2.2',
    severity: 'SHOULD',
    why: 'Rotating the XKS credential without downtime needs two live credentials at once.',
    needs: ['secondCredential'],
    async run(ctx) {
      const credential = ctx.options.secondCredential as Credentials;
      await expectAccepted(ctx, { credential }, 'second credential');
      await expectAccepted(ctx, {}, 'first credential');
    },
  }),
];
