import { randomBytes } from 'node:crypto';
import {
  computeCdiv,
  decodedLength,
  EncryptResponse,
  MIN_SUPPORTED_AAD_BYTES,
  MIN_SUPPORTED_PLAINTEXT_BYTES,
} from '@xkslab/protocol';
import { decryptBody, encryptBody, type Sealed, unb64 } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext } from '../context.ts';
import { CheckNotApplicable, expectError, expectOk, fail, flipBit } from '../expect.ts';

const rand = (n: number) => new Uint8Array(randomBytes(n));

/** Encrypts `plaintext` (with `aad`) under the main key, decrypts it and compares. */
async function roundTrip(ctx: CheckContext, plaintext: Uint8Array, aad: Uint8Array | undefined) {
  const key = ctx.options.keyId;
  const { sealed } = await ctx.encryptOk(key, { plaintext, aad });
  const back = await ctx.decryptOk(key, sealed, aad);
  if (!back.equals(plaintext)) {
    fail(
      `decrypt returned ${back.length} bytes that differ from the ${plaintext.length} encrypted`,
    );
  }
}

/** Encrypts 32 random bytes with a 16-byte AAD; returns what a decrypt needs. */
async function sealWithAad(ctx: CheckContext): Promise<{ sealed: Sealed; aad: Uint8Array }> {
  const aad = rand(16);
  const { sealed } = await ctx.encryptOk(ctx.options.keyId, { plaintext: rand(32), aad });
  return { sealed, aad };
}

/** Decrypt of a modified ciphertext (or with modified AAD) must be InvalidCiphertextException. */
async function expectRefused(
  ctx: CheckContext,
  sealed: Sealed,
  aad: Uint8Array | undefined,
  what: string,
) {
  const reply = await ctx.post(ctx.keyPath(ctx.options.keyId, 'decrypt'), decryptBody(sealed, aad));
  expectError(reply, 'InvalidCiphertextException', what);
}

function tamperCheck(
  id: string,
  title: string,
  why: string,
  change: (s: Sealed, aad: Uint8Array) => { sealed: Sealed; aad: Uint8Array | undefined },
) {
  return defineCheck({
    id,
    title,
    specRef: '§1.5',
    severity: 'MUST',
    why,
    async run(ctx) {
      const { sealed, aad } = await sealWithAad(ctx);
      const changed = change(sealed, aad);
      await expectRefused(ctx, changed.sealed, changed.aad, title.toLowerCase());
    },
  });
}

function metadataOf(sealed: Sealed): string {
  if (sealed.ciphertextMetadata === undefined || sealed.ciphertextMetadata === '') {
    throw new CheckNotApplicable(
      'the proxy returns no ciphertextMetadata (optional, §1.4): nothing to tamper with',
    );
  }
  return sealed.ciphertextMetadata;
}

export const cryptoChecks = [
  defineCheck({
    id: 'encrypt.ok',
    title: 'Encrypt: standard Base64, IV 12/16 bytes, tag 16, metadata <= 20, |ct| = |pt|',
    specRef: '§1.4',
    severity: 'MUST',
    why: 'KMS stores exactly what Encrypt returns; non-standard Base64, wrong IV or tag sizes or metadata over 20 bytes make KMS reject the answer.',
    async run(ctx) {
      const plaintext = rand(100);
      const reply = await ctx.post(
        ctx.keyPath(ctx.options.keyId, 'encrypt'),
        encryptBody({ plaintext, aad: rand(20) }),
      );
      const out = expectOk(reply, EncryptResponse, 'encrypt');
      const ctLength = decodedLength(out.ciphertext);
      if (ctLength !== plaintext.length) {
        fail(
          `ciphertext is ${ctLength} bytes for ${plaintext.length} bytes of plaintext (must be equal; the tag goes in authenticationTag)`,
        );
      }
      const md = out.ciphertextMetadata === undefined ? 0 : decodedLength(out.ciphertextMetadata);
      ctx.note(`IV ${decodedLength(out.initializationVector)} bytes, metadata ${md} bytes`);
    },
  }),
  defineCheck({
    id: 'roundtrip.no-aad',
    title: 'Encrypt then decrypt without AAD gives the plaintext back',
    specRef: '§1.5',
    severity: 'MUST',
    why: "Data KMS encrypted through the proxy must decrypt again, or the customer's data is lost.",
    run: (ctx) => roundTrip(ctx, rand(64), undefined),
  }),
  defineCheck({
    id: 'roundtrip.aad',
    title: 'Encrypt then decrypt with AAD gives the plaintext back',
    specRef: '§1.5',
    severity: 'MUST',
    why: 'KMS passes an encryption context as AAD on most calls; the round trip must work with it.',
    run: (ctx) => roundTrip(ctx, rand(64), rand(48)),
  }),
  defineCheck({
    id: 'roundtrip.max-sizes',
    title: `Round trip of ${MIN_SUPPORTED_PLAINTEXT_BYTES} bytes of plaintext with ${MIN_SUPPORTED_AAD_BYTES} bytes of AAD`,
    specRef: '§1.4',
    severity: 'MUST',
    why: 'KMS sends up to 4300 bytes of plaintext and 8192 bytes of AAD; a proxy with smaller limits fails real GenerateDataKey and Encrypt calls.',
    run: (ctx) =>
      roundTrip(ctx, rand(MIN_SUPPORTED_PLAINTEXT_BYTES), rand(MIN_SUPPORTED_AAD_BYTES)),
  }),
  tamperCheck(
    'decrypt.missing-aad',
    'Decrypt without the AAD used to encrypt',
    'AAD binds a ciphertext to its context; a decrypt that succeeds without it lets ciphertexts move between contexts.',
    (sealed) => ({
      sealed,
      aad: undefined,
    }),
  ),
  tamperCheck(
    'decrypt.wrong-aad',
    'Decrypt with a different AAD',
    'A decrypt that ignores the AAD defeats the encryption context KMS relies on for access control and audit.',
    (sealed, aad) => {
      const other = new Uint8Array(aad);
      other[0] = (other[0] as number) ^ 0x80;
      return { sealed, aad: other };
    },
  ),
  defineCheck({
    id: 'decrypt.extra-aad',
    title: 'Decrypt with an AAD when none was used to encrypt',
    specRef: '§1.5',
    severity: 'MUST',
    why: 'An AAD the ciphertext was not made with must fail, or AAD is not authenticated at all.',
    async run(ctx) {
      const { sealed } = await ctx.encryptOk(ctx.options.keyId, { plaintext: rand(32) });
      await expectRefused(ctx, sealed, rand(16), 'decrypt with an extra AAD');
    },
  }),
  tamperCheck(
    'decrypt.tampered-ciphertext',
    'Decrypt with one bit flipped in the ciphertext',
    'AES-GCM authenticates the ciphertext; accepting a changed one means no integrity.',
    (s, aad) => ({
      sealed: { ...s, ciphertext: flipBit(s.ciphertext) },
      aad,
    }),
  ),
  tamperCheck(
    'decrypt.tampered-tag',
    'Decrypt with one bit flipped in the tag',
    'The tag is the integrity proof; a changed tag must fail or forgeries pass.',
    (s, aad) => ({
      sealed: { ...s, authenticationTag: flipBit(s.authenticationTag) },
      aad,
    }),
  ),
  tamperCheck(
    'decrypt.tampered-iv',
    'Decrypt with one bit flipped in the IV',
    'The IV is part of what GCM authenticates; a changed IV must fail.',
    (s, aad) => ({
      sealed: { ...s, initializationVector: flipBit(s.initializationVector, 0) },
      aad,
    }),
  ),
  tamperCheck(
    'decrypt.tampered-metadata',
    'Decrypt with one bit flipped in ciphertextMetadata',
    "ciphertextMetadata travels inside KMS's blob; unless it is bound into the AAD it can be changed unnoticed.",
    (s, aad) => ({ sealed: { ...s, ciphertextMetadata: flipBit(metadataOf(s)) }, aad }),
  ),
  tamperCheck(
    'decrypt.dropped-metadata',
    'Decrypt without the ciphertextMetadata the proxy returned',
    'Dropping the metadata must fail like changing it, or the binding can be stripped.',
    (s, aad) => {
      metadataOf(s);
      const { ciphertextMetadata: _dropped, ...rest } = s;
      return { sealed: rest, aad };
    },
  ),
  defineCheck({
    id: 'decrypt.bad-tag-length',
    title: 'Decrypt with a 15-byte tag is InvalidCiphertextException',
    specRef: '§1.7',
    severity: 'SHOULD',
    why: 'GCM tags shorter than 16 bytes weaken integrity; a proxy should refuse them as invalid ciphertext.',
    async run(ctx) {
      const { sealed, aad } = await sealWithAad(ctx);
      const tag = unb64(sealed.authenticationTag).subarray(0, 15).toString('base64');
      await expectRefused(ctx, { ...sealed, authenticationTag: tag }, aad, 'decrypt, 15-byte tag');
    },
  }),
  defineCheck({
    id: 'encrypt.cdiv',
    title: 'Encrypt returns a CDIV equal to SHA-256(AAD|metadata|IV|ciphertext|tag)',
    specRef: '§1.8',
    severity: 'MUST',
    why: 'KMS recomputes the CDIV and rejects an Encrypt answer whose value differs.',
    async run(ctx) {
      const aad = rand(33);
      const plaintext = rand(40);
      const reply = await ctx.post(
        ctx.keyPath(ctx.options.keyId, 'encrypt'),
        encryptBody({ plaintext, aad, cdiv: true }),
      );
      const out = expectOk(reply, EncryptResponse, 'encrypt with CDIV');
      if (out.ciphertextDataIntegrityValue === undefined) {
        fail('ciphertextDataIntegrityValueAlgorithm SHA_256 was sent but no CDIV came back');
      }
      const expected = Buffer.from(
        computeCdiv({
          aad,
          ciphertextMetadata:
            out.ciphertextMetadata === undefined ? undefined : unb64(out.ciphertextMetadata),
          iv: unb64(out.initializationVector),
          ciphertext: unb64(out.ciphertext),
          tag: unb64(out.authenticationTag),
        }),
      ).toString('base64');
      if (expected !== out.ciphertextDataIntegrityValue) {
        fail(
          `CDIV ${out.ciphertextDataIntegrityValue} differs from the recomputed ${expected}: KMS would reject this answer`,
        );
      }
      const back = await ctx.decryptOk(ctx.options.keyId, out, aad);
      if (!back.equals(plaintext)) fail('the CDIV-checked ciphertext does not decrypt back');
    },
  }),
  defineCheck({
    id: 'encrypt.cdiv-encrypt-only',
    title: 'CDIV on an encrypt-only key is InvalidKeyUsageException (verifying decrypt)',
    specRef: '§1.8',
    severity: 'MUST',
    why: "The CDIV must be proven by a decrypt before it is returned (AWS's test client checks this on an encrypt-only key).",
    needs: ['encryptOnlyKeyId'],
    async run(ctx) {
      const key = ctx.options.encryptOnlyKeyId as string;
      const reply = await ctx.post(
        ctx.keyPath(key, 'encrypt'),
        encryptBody({ plaintext: rand(32), cdiv: true }),
      );
      expectError(reply, 'InvalidKeyUsageException', 'encrypt with CDIV on the encrypt-only key');
    },
  }),
];
