import { randomBytes } from 'node:crypto';
import {
  CIPHERTEXT_METADATA_MAX_BYTES,
  decodedLength,
  type EncryptResponse,
} from '@xkslab/protocol';
import { decryptBody, type Sealed } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext } from '../context.ts';
import { CheckNotApplicable, describeReply, errorNameOf, fail } from '../expect.ts';

/** Encrypts of the same plaintext under the same key and AAD for crypto.nonce-unique. */
export const REPEATED_ENCRYPTS = 32;
/** Plaintext sizes around the AES block size, up to the spec's 4300-byte minimum (§1.4). */
export const GCM_SIZES = [1, 15, 16, 17, 31, 33, 255, 1000, 4300] as const;
const GCM_TAG_BYTES = 16;
const GCM_IV_BYTES = [12, 16];

const rand = (n: number) => new Uint8Array(randomBytes(n));

/** How many values of `values` repeat one seen before. */
function repeats(values: readonly string[]): number {
  return values.length - new Set(values).size;
}

/**
 * The judgement of crypto.nonce-unique on the answers to encrypts of one plaintext under one
 * key: undefined when IVs, ciphertexts and tags are all distinct.
 */
export function nonceProblem(answers: readonly EncryptResponse[]): string | undefined {
  const ivs = repeats(answers.map((a) => a.initializationVector));
  const cts = repeats(answers.map((a) => a.ciphertext));
  const tags = repeats(answers.map((a) => a.authenticationTag));
  if (ivs === 0 && cts === 0 && tags === 0) return undefined;
  return `over ${answers.length} encrypts of the same plaintext with the same key and AAD: ${ivs} repeated IVs, ${cts} repeated ciphertexts, ${tags} repeated tags (a repeated GCM nonce under one key reveals the XOR of plaintexts and lets the tag be forged, NIST SP 800-38D §8)`;
}

/** The judgement of crypto.gcm-sizes on one answer to an encrypt of `plaintextBytes`. */
export function sizeProblem(plaintextBytes: number, answer: EncryptResponse): string | undefined {
  const ct = decodedLength(answer.ciphertext);
  const iv = decodedLength(answer.initializationVector);
  const tag = decodedLength(answer.authenticationTag);
  const md = answer.ciphertextMetadata === undefined ? 0 : decodedLength(answer.ciphertextMetadata);
  const problems = [
    ...(ct === plaintextBytes ? [] : [`ciphertext ${ct} bytes (must be ${plaintextBytes})`]),
    ...(GCM_IV_BYTES.includes(iv) ? [] : [`IV ${iv} bytes (12 or 16)`]),
    ...(tag === GCM_TAG_BYTES ? [] : [`tag ${tag} bytes (16)`]),
    ...(md <= CIPHERTEXT_METADATA_MAX_BYTES
      ? []
      : [`ciphertextMetadata ${md} bytes (at most ${CIPHERTEXT_METADATA_MAX_BYTES})`]),
  ];
  return problems.length === 0
    ? undefined
    : `${plaintextBytes}-byte plaintext: ${problems.join(', ')}`;
}

/** Changes to ciphertextMetadata that must each make the decrypt fail (§1.5, §1.8). */
export function metadataTampers(metadata: string): Array<[string, string]> {
  const bytes = Buffer.from(metadata, 'base64');
  const other = Buffer.from(bytes.map((b) => b ^ 0xa5));
  return [
    ['one byte appended', Buffer.concat([bytes, Buffer.from([0])]).toString('base64')],
    ['its last byte removed', bytes.subarray(0, -1).toString('base64')],
    ['every byte changed', other.toString('base64')],
    [
      'its first byte changed',
      Buffer.concat([Buffer.from([(bytes[0] as number) ^ 0x01]), bytes.subarray(1)]).toString(
        'base64',
      ),
    ],
  ];
}

async function decryptMustFail(ctx: CheckContext, sealed: Sealed, aad: Uint8Array, what: string) {
  const reply = await ctx.post(ctx.keyPath(ctx.options.keyId, 'decrypt'), decryptBody(sealed, aad));
  if (reply.status === 200) return `${what}: decrypted (200)`;
  if (reply.status === 400 && errorNameOf(reply.text) === 'InvalidCiphertextException')
    return undefined;
  // A metadata of the wrong length may be refused as invalid input before any decrypt.
  if (reply.status === 400 && errorNameOf(reply.text) === 'ValidationException') return undefined;
  return `${what}: ${describeReply(reply)} (expected 400 InvalidCiphertextException)`;
}

export const hygieneChecks = [
  defineCheck({
    id: 'crypto.nonce-unique',
    title: `${REPEATED_ENCRYPTS} encrypts of one plaintext: IVs, ciphertexts and tags never repeat`,
    specRef: '§1.8; NIST SP 800-38D §8',
    severity: 'MUST',
    why: 'AES-GCM under one key is only secure while IVs never repeat: a cached answer, a counter that restarts or a constant IV gives plaintext away and lets tags be forged.',
    async run(ctx) {
      const plaintext = rand(48);
      const aad = rand(16);
      const answers: EncryptResponse[] = [];
      for (let i = 0; i < REPEATED_ENCRYPTS; i++) {
        answers.push((await ctx.encryptOk(ctx.options.keyId, { plaintext, aad })).response);
      }
      const problem = nonceProblem(answers);
      if (problem) fail(problem);
      ctx.note(`${answers.length} distinct IVs, ciphertexts and tags`);
    },
  }),
  defineCheck({
    id: 'crypto.gcm-sizes',
    title:
      'Every encrypt answer has AES-GCM sizes: |ciphertext| = |plaintext|, tag 16, IV 12/16, metadata <= 20',
    specRef: '§1.4, §0 fact 4',
    severity: 'MUST',
    why: 'KMS stores what the proxy returns and hands it back: padding, a tag left on the ciphertext or metadata over 20 bytes make KMS reject the answer or fail the later Decrypt.',
    async run(ctx) {
      const problems: string[] = [];
      for (const size of GCM_SIZES) {
        const { response } = await ctx.encryptOk(ctx.options.keyId, {
          plaintext: rand(size),
          aad: rand(8),
        });
        const problem = sizeProblem(size, response);
        if (problem) problems.push(problem);
      }
      if (problems.length > 0) fail(problems.join('; '));
      ctx.note(`${GCM_SIZES.length} plaintext sizes from 1 to 4300 bytes`);
    },
  }),
  defineCheck({
    id: 'crypto.metadata-bound',
    title: 'ciphertextMetadata lengthened, shortened or rewritten makes the decrypt fail',
    specRef: '§1.5, §1.8',
    severity: 'MUST',
    why: 'Metadata the proxy does not authenticate in full (only a prefix, only what it parses) can be changed in KMS ciphertext blobs without notice, e.g. to point at another key version.',
    async run(ctx) {
      const aad = rand(16);
      const { sealed } = await ctx.encryptOk(ctx.options.keyId, { plaintext: rand(32), aad });
      const metadata = sealed.ciphertextMetadata;
      if (metadata === undefined || metadata === '') {
        throw new CheckNotApplicable('the proxy returns no ciphertextMetadata (optional, §1.4)');
      }
      const problems: string[] = [];
      for (const [what, changed] of metadataTampers(metadata)) {
        const p = await decryptMustFail(
          ctx,
          { ...sealed, ciphertextMetadata: changed },
          aad,
          `metadata with ${what}`,
        );
        if (p) problems.push(p);
      }
      if (problems.length > 0) fail(problems.join('; '));
    },
  }),
];
