import { randomBytes } from 'node:crypto';
import { GetKeyMetadataResponse, type XksErrorName } from '@xkslab/protocol';
import {
  type Body,
  bogusSealed,
  decryptBody,
  encryptBody,
  metadataBody,
  requestMetadata,
} from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext } from '../context.ts';
import { expectError, expectOk, fail } from '../expect.ts';

const rand = (n: number) => new Uint8Array(randomBytes(n));

/** Metadata, encrypt and decrypt of `keyId` must each answer `errorName`. */
async function allOperations(ctx: CheckContext, keyId: string, errorName: XksErrorName) {
  expectError(
    await ctx.post(ctx.keyPath(keyId, 'metadata'), metadataBody()),
    errorName,
    'metadata',
  );
  expectError(
    await ctx.post(ctx.keyPath(keyId, 'encrypt'), encryptBody({ plaintext: rand(16) })),
    errorName,
    'encrypt',
  );
  expectError(
    await ctx.post(ctx.keyPath(keyId, 'decrypt'), decryptBody(bogusSealed())),
    errorName,
    'decrypt',
  );
}

const VALIDATION_CASES: ReadonlyArray<[string, 'encrypt' | 'decrypt', Body]> = [
  [
    'encrypt without plaintext',
    'encrypt',
    { requestMetadata: requestMetadata('Encrypt'), encryptionAlgorithm: 'AES_GCM' },
  ],
  [
    'encrypt without requestMetadata',
    'encrypt',
    { plaintext: 'AAAA', encryptionAlgorithm: 'AES_GCM' },
  ],
  [
    'encryptionAlgorithm AES_CBC',
    'encrypt',
    encryptBody({ plaintext: rand(16) }, { encryptionAlgorithm: 'AES_CBC' }),
  ],
  [
    'ciphertextDataIntegrityValueAlgorithm SHA_512',
    'encrypt',
    encryptBody({ plaintext: rand(16) }, { ciphertextDataIntegrityValueAlgorithm: 'SHA_512' }),
  ],
  [
    'plaintext that is not Base64',
    'encrypt',
    encryptBody({ plaintext: rand(16) }, { plaintext: '@@not base64@@' }),
  ],
  [
    'decrypt without initializationVector',
    'decrypt',
    (() => {
      const { initializationVector: _iv, ...rest } = decryptBody(bogusSealed());
      return rest;
    })(),
  ],
];

export const errorChecks = [
  defineCheck({
    id: 'errors.key-not-found',
    title: 'An unknown external key id is 404 KeyNotFoundException on every key operation',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'KMS maps KeyNotFoundException to XksKeyNotFoundException at CreateKey; another error tells the customer something false.',
    async run(ctx) {
      const missing = `xkslab-conformance-missing-${randomBytes(4).toString('hex')}`;
      await allOperations(ctx, missing, 'KeyNotFoundException');
    },
  }),
  defineCheck({
    id: 'errors.validation',
    title: 'Missing fields, wrong enum values and bad Base64 are 400 ValidationException',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'Malformed input must be ValidationException, not a 500 (retryable) or a 200 with garbage.',
    async run(ctx) {
      for (const [what, op, body] of VALIDATION_CASES) {
        expectError(
          await ctx.post(ctx.keyPath(ctx.options.keyId, op), body),
          'ValidationException',
          what,
        );
      }
    },
  }),
  defineCheck({
    id: 'state.disabled-key',
    title: 'A disabled key reports DISABLED and its crypto calls are InvalidStateException',
    specRef: '§1.3',
    severity: 'MUST',
    why: 'A key disabled in the key manager must stop serving; KMS reports it as not enabled in the external key manager.',
    needs: ['disabledKeyId'],
    async run(ctx) {
      const key = ctx.options.disabledKeyId as string;
      const md = expectOk(
        await ctx.post(ctx.keyPath(key, 'metadata'), metadataBody()),
        GetKeyMetadataResponse,
        'metadata of the disabled key',
      );
      if (md.keyStatus !== 'DISABLED') {
        fail(`metadata of the disabled key says keyStatus ${md.keyStatus}`);
      }
      expectError(
        await ctx.post(ctx.keyPath(key, 'encrypt'), encryptBody({ plaintext: rand(16) })),
        'InvalidStateException',
        'encrypt with the disabled key',
      );
      expectError(
        await ctx.post(ctx.keyPath(key, 'decrypt'), decryptBody(bogusSealed())),
        'InvalidStateException',
        'decrypt with the disabled key',
      );
    },
  }),
];
