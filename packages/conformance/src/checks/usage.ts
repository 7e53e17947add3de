import { randomBytes } from 'node:crypto';
import { GetKeyMetadataResponse } from '@xkslab/protocol';
import { bogusSealed, decryptBody, encryptBody, metadataBody } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext } from '../context.ts';
import { expectError, expectOk, fail } from '../expect.ts';

const rand = (n: number) => new Uint8Array(randomBytes(n));

/** The key's metadata must list exactly the crypto usages it is said to have. */
async function expectUsage(ctx: CheckContext, keyId: string, encrypt: boolean, decrypt: boolean) {
  const md = expectOk(
    await ctx.post(ctx.keyPath(keyId, 'metadata'), metadataBody()),
    GetKeyMetadataResponse,
    'metadata',
  );
  for (const [usage, wanted] of [
    ['ENCRYPT', encrypt],
    ['DECRYPT', decrypt],
  ] as const) {
    if (md.keyUsage.includes(usage) !== wanted) {
      fail(
        `metadata keyUsage ${JSON.stringify(md.keyUsage)} ${wanted ? 'lacks' : 'lists'} ${usage}`,
      );
    }
  }
}

export const usageChecks = [
  defineCheck({
    id: 'usage.encrypt-only',
    title: 'An encrypt-only key encrypts, and its decrypt is InvalidKeyUsageException',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'Key usage limits are a security control; a proxy that ignores them lets an encrypt-only key decrypt.',
    needs: ['encryptOnlyKeyId'],
    async run(ctx) {
      const key = ctx.options.encryptOnlyKeyId as string;
      await expectUsage(ctx, key, true, false);
      const { sealed } = await ctx.encryptOk(key, { plaintext: rand(32) }, 'encrypt-only encrypt');
      expectError(
        await ctx.post(ctx.keyPath(key, 'decrypt'), decryptBody(sealed)),
        'InvalidKeyUsageException',
        'decrypt with the encrypt-only key',
      );
    },
  }),
  defineCheck({
    id: 'usage.decrypt-only',
    title: 'A decrypt-only key refuses encrypt (InvalidKeyUsageException) but decrypts',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'A decrypt-only key (e.g. during retirement) must refuse new encryptions yet decrypt old data.',
    needs: ['decryptOnlyKeyId'],
    async run(ctx) {
      const key = ctx.options.decryptOnlyKeyId as string;
      await expectUsage(ctx, key, false, true);
      expectError(
        await ctx.post(ctx.keyPath(key, 'encrypt'), encryptBody({ plaintext: rand(16) })),
        'InvalidKeyUsageException',
        'encrypt with the decrypt-only key',
      );
      // The key may decrypt: a foreign ciphertext fails on the tag, not on the usage.
      expectError(
        await ctx.post(ctx.keyPath(key, 'decrypt'), decryptBody(bogusSealed())),
        'InvalidCiphertextException',
        'decrypt of a foreign ciphertext with the decrypt-only key',
      );
    },
  }),
  defineCheck({
    id: 'usage.no-usage',
    title: 'A key without ENCRYPT and DECRYPT refuses both with InvalidKeyUsageException',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'A key without ENCRYPT and DECRYPT must not be usable for either.',
    needs: ['noUsageKeyId'],
    async run(ctx) {
      const key = ctx.options.noUsageKeyId as string;
      await expectUsage(ctx, key, false, false);
      expectError(
        await ctx.post(ctx.keyPath(key, 'encrypt'), encryptBody({ plaintext: rand(16) })),
        'InvalidKeyUsageException',
        'encrypt',
      );
      expectError(
        await ctx.post(ctx.keyPath(key, 'decrypt'), decryptBody(bogusSealed())),
        'InvalidKeyUsageException',
        'decrypt',
      );
    },
  }),
];
