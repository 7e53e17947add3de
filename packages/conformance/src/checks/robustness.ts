import { randomBytes } from 'node:crypto';
import {
  EncryptResponse,
  GetHealthStatusResponse,
  GetKeyMetadataResponse,
  isXksErrorName,
  XKS_ERRORS,
} from '@xkslab/protocol';
import {
  decryptBody,
  encryptBody,
  healthBody,
  KMS_KEY_ARN,
  metadataBody,
  requestMetadata,
} from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext } from '../context.ts';
import { describeReply, errorNameOf, expectError, expectOk, fail } from '../expect.ts';

const rand = (n: number) => new Uint8Array(randomBytes(n));

/** Health, metadata, encrypt and decrypt with requestMetadata extended by `extra` must all work. */
async function allAccept(ctx: CheckContext, extra: Record<string, unknown>, what: string) {
  const key = ctx.options.keyId;
  expectOk(
    await ctx.post(ctx.healthPath(), healthBody(extra)),
    GetHealthStatusResponse,
    `${what} (health)`,
  );
  expectOk(
    await ctx.post(ctx.keyPath(key, 'metadata'), metadataBody(extra)),
    GetKeyMetadataResponse,
    `${what} (metadata)`,
  );
  const plaintext = rand(24);
  const enc = await ctx.post(ctx.keyPath(key, 'encrypt'), {
    ...encryptBody({ plaintext }),
    requestMetadata: requestMetadata('Encrypt', extra),
  });
  const sealed = expectOk(enc, EncryptResponse, `${what} (encrypt)`);
  const dec = await ctx.post(ctx.keyPath(key, 'decrypt'), {
    ...decryptBody(sealed),
    requestMetadata: requestMetadata('Decrypt', extra),
  });
  if (dec.status !== 200) fail(`${what} (decrypt): expected 200, got ${describeReply(dec)}`);
}

const LONG_ARN = `arn:aws:iam::111122223333:role/${'r'.repeat(2048 - 'arn:aws:iam::111122223333:role/'.length)}`;

export const robustnessChecks = [
  defineCheck({
    id: 'robust.unknown-kms-operation',
    title: 'Unknown kmsOperation values are accepted (KMS adds operations)',
    specRef: '§1.1',
    severity: 'MUST',
    why: 'KMS adds operations over time; refusing an unknown kmsOperation breaks working key stores on the day KMS adds one.',
    run: (ctx) =>
      allAccept(
        ctx,
        { kmsOperation: 'FutureKmsOperation2030' },
        'kmsOperation FutureKmsOperation2030',
      ),
  }),
  defineCheck({
    id: 'robust.unknown-fields',
    title: 'Unknown fields in the body and in requestMetadata are ignored',
    specRef: '§1.1',
    severity: 'MUST',
    why: 'KMS adds request fields over time; strict parsing breaks the proxy when it does.',
    async run(ctx) {
      await allAccept(
        ctx,
        {
          awsSourceVpc: 'vpc-0123456789abcdef0',
          awsSourceVpce: 'vpce-0123456789abcdef0',
          kmsViaService: 'ebs',
          SourceIdentity: 'xkslab',
          futureMetadataField: { nested: [1, 2, 3] },
        },
        'extra requestMetadata fields',
      );
      const reply = await ctx.post(ctx.keyPath(ctx.options.keyId, 'encrypt'), {
        ...encryptBody({ plaintext: rand(16) }),
        futureTopLevelField: 'ignored',
      });
      expectOk(reply, EncryptResponse, 'encrypt with an extra top-level field');
    },
  }),
  defineCheck({
    id: 'robust.opaque-request-id',
    title: 'kmsRequestId is opaque: a value that is not a UUID is accepted',
    specRef: '§1.1',
    severity: 'MUST',
    why: "kmsRequestId is opaque; validating it as a UUID may break on KMS's next format.",
    run: (ctx) =>
      allAccept(
        ctx,
        { kmsRequestId: 'not-a-uuid:xkslab/conformance#1' },
        'a non-UUID kmsRequestId',
      ),
  }),
  defineCheck({
    id: 'robust.long-arns',
    title: 'ARNs of 2048 characters in requestMetadata are accepted',
    specRef: '§1.1',
    severity: 'MUST',
    why: 'ARNs in requestMetadata can be 2048 characters long.',
    run: (ctx) =>
      allAccept(
        ctx,
        { awsPrincipalArn: LONG_ARN, kmsKeyArn: `${KMS_KEY_ARN.slice(0, 20)}${'k'.repeat(2028)}` },
        '2048-character ARNs',
      ),
  }),
  defineCheck({
    id: 'robust.pretty-request',
    title: 'A pretty-printed, multi-line request body is accepted',
    specRef: '§4',
    severity: 'MUST',
    why: 'Clients may send multi-line JSON; the signature covers those exact bytes.',
    async run(ctx) {
      const text = JSON.stringify(encryptBody({ plaintext: rand(16) }), null, 2);
      expectOk(
        await ctx.post(ctx.keyPath(ctx.options.keyId, 'encrypt'), text),
        EncryptResponse,
        'pretty-printed encrypt',
      );
    },
  }),
  defineCheck({
    id: 'robust.malformed-json',
    title: 'A body that is not JSON is 400 ValidationException',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'Garbage must get a clean ValidationException, never a crash or a 500.',
    async run(ctx) {
      for (const text of ['{"requestMetadata":', 'not json at all', '[]', 'null']) {
        expectError(
          await ctx.post(ctx.keyPath(ctx.options.keyId, 'encrypt'), text),
          'ValidationException',
          `body ${JSON.stringify(text)}`,
        );
      }
      expectError(
        await ctx.post(ctx.healthPath(), '{"requestMetadata":'),
        'ValidationException',
        'truncated health body',
      );
    },
  }),
  defineCheck({
    id: 'robust.wrong-types',
    title: 'Fields of the wrong JSON type are 400 ValidationException',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'Fields of the wrong type are invalid input, not an internal error.',
    async run(ctx) {
      const good = encryptBody({ plaintext: rand(16) });
      for (const [what, change] of [
        ['plaintext a number', { plaintext: 12345 }],
        ['requestMetadata a string', { requestMetadata: 'metadata' }],
        ['encryptionAlgorithm null', { encryptionAlgorithm: null }],
        [
          'kmsRequestId a number',
          { requestMetadata: requestMetadata('Encrypt', { kmsRequestId: 7 }) },
        ],
      ] as const) {
        expectError(
          await ctx.post(ctx.keyPath(ctx.options.keyId, 'encrypt'), { ...good, ...change }),
          'ValidationException',
          what,
        );
      }
    },
  }),
  defineCheck({
    id: 'robust.empty-body',
    title: 'An empty body is 400 ValidationException',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'An empty body is invalid input, not an internal error.',
    async run(ctx) {
      expectError(
        await ctx.post(ctx.keyPath(ctx.options.keyId, 'encrypt'), ''),
        'ValidationException',
        'empty encrypt body',
      );
    },
  }),
  defineCheck({
    id: 'robust.oversized-body',
    title: 'A 2 MiB request gets a clean answer: 200, or an XKS 4xx/501 error',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'A huge body must get a clean error, not exhaust the proxy or reset the connection.',
    untimed: true,
    async run(ctx) {
      const reply = await ctx.post(
        ctx.keyPath(ctx.options.keyId, 'encrypt'),
        encryptBody({ plaintext: rand(1536 * 1024) }),
      );
      if (reply.status === 200) {
        expectOk(reply, EncryptResponse, 'oversized encrypt');
        ctx.note('the proxy encrypts 1.5 MiB');
        return;
      }
      const name = errorNameOf(reply.text);
      if (
        name === undefined ||
        !isXksErrorName(name) ||
        XKS_ERRORS[name].status !== reply.status ||
        (reply.status >= 500 && reply.status !== 501)
      ) {
        fail(`oversized encrypt: expected a 4xx or 501 XKS error, got ${describeReply(reply)}`);
      }
      ctx.note(describeReply(reply));
    },
  }),
];

/** Runs after everything that abuses the proxy. */
export const stillAnsweringCheck = defineCheck({
  id: 'robust.still-answering',
  title: 'After all the malformed requests, the proxy still answers health and encrypt',
  specRef: '§1.6',
  severity: 'MUST',
  why: 'Malformed traffic must not leave the proxy broken for the KMS calls that follow.',
  async run(ctx) {
    expectOk(await ctx.post(ctx.healthPath(), healthBody()), GetHealthStatusResponse, 'health');
    await ctx.encryptOk(ctx.options.keyId, { plaintext: rand(16) });
  },
});
