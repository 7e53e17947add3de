import { XKS_SIGV4_SERVICE } from '@xkslab/protocol';
import { metadataBody } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext } from '../context.ts';
import { describeReply, errorNameOf, fail, type Reply } from '../expect.ts';
import { bodyBytes } from '../sign.ts';
import { kmsParts, signParts } from '../sigv4-variants.ts';
import {
  ACCESS_KEY_VARIANTS,
  ALGORITHM_VARIANTS,
  BODY_VARIANTS,
  DATE_WINDOW_VARIANTS,
  HEADER_LIST_VARIANTS,
  PAYLOAD_HASH_VARIANTS,
  REGION_VARIANTS,
  REQUIRED_HEADER_VARIANTS,
  SCOPE_DATE_VARIANTS,
  SERVICE_VARIANTS,
  SIGNATURE_VARIANTS,
  TERMINATOR_VARIANTS,
  type Variant,
} from './sigv4-matrix-variants.ts';

/**
 * The SigV4 negative matrix: every part of a KMS request's signature varied one at a time, each
 * variant re-signed so that only that part is wrong. Every variant must be 401
 * AuthenticationFailedException (§2.1, §1.7); a check fails listing each variant the proxy
 * accepted or answered otherwise. The unchanged request goes first and must be accepted: it
 * proves the variants are built on a request the proxy takes.
 */
export type VariantOutcome = { what: string; reply: Reply };

/** What the judgement says about the outcomes: undefined when every variant was refused right. */
export function judgeVariants(outcomes: readonly VariantOutcome[]): string | undefined {
  const accepted = outcomes.filter((o) => o.reply.status >= 200 && o.reply.status < 300);
  const otherwise = outcomes.filter(
    (o) =>
      !(o.reply.status >= 200 && o.reply.status < 300) &&
      !(o.reply.status === 401 && errorNameOf(o.reply.text) === 'AuthenticationFailedException'),
  );
  if (accepted.length === 0 && otherwise.length === 0) return undefined;
  const parts = [];
  if (accepted.length > 0) {
    parts.push(
      `accepted (${accepted[0]?.reply.status}): ${accepted.map((o) => o.what).join('; ')}`,
    );
  }
  if (otherwise.length > 0) {
    const list = otherwise.map((o) => `${o.what} -> ${describeReply(o.reply)}`).join('; ');
    parts.push(`not 401 AuthenticationFailedException: ${list}`);
  }
  return `${accepted.length + otherwise.length} of ${outcomes.length} variants wrong: ${parts.join('. ')}`;
}

/** Sends the unchanged request, then every variant, to the metadata URI of the main key. */
async function runMatrix(ctx: CheckContext, variants: readonly Variant[]): Promise<void> {
  const o = ctx.options;
  const path = ctx.keyPath(o.keyId, 'metadata');
  const now = ctx.run.clock();
  const base = () =>
    kmsParts({
      host: ctx.run.endpoint.host,
      body: bodyBytes(metadataBody()),
      accessKeyId: o.accessKeyId,
      secretAccessKey: o.secretAccessKey,
      region: o.region,
      service: XKS_SIGV4_SERVICE,
      now,
    });
  const control = await ctx.request(signParts(base(), path), true);
  if (control.status !== 200) {
    fail(`the unchanged request (signed as KMS signs) was refused: ${describeReply(control)}`);
  }
  const outcomes: VariantOutcome[] = [];
  const failures: { sent: typeof ctx.lastSent; received: typeof ctx.lastReceived }[] = [];
  for (const v of variants) {
    const reply = await ctx.request(
      signParts(v.change(base(), { region: o.region, now }), path),
      true,
    );
    outcomes.push({ what: v.what, reply });
    if (judgeVariants([{ what: v.what, reply }]) !== undefined) {
      failures.push({ sent: ctx.lastSent, received: ctx.lastReceived });
    }
  }
  const verdict = judgeVariants(outcomes);
  if (verdict !== undefined) {
    // The report shows the first offending exchange.
    ctx.lastSent = failures[0]?.sent;
    ctx.lastReceived = failures[0]?.received;
    fail(verdict);
  }
  ctx.note(`${variants.length} variants, each 401 AuthenticationFailedException`);
}

/** One matrix check: metadata for docs and reports beside the variants. */
function matrixCheck(def: {
  id: string;
  title: string;
  specRef: string;
  why: string;
  variants: readonly Variant[];
}) {
  return defineCheck({
    id: def.id,
    title: def.title,
    specRef: def.specRef,
    severity: 'MUST',
    why: def.why,
    run: (ctx) => runMatrix(ctx, def.variants),
  });
}

const SIGV4_SPEC = 'SigV4 (AWS General Reference, "Create a signed AWS API request")';

export const sigv4MatrixChecks = [
  matrixCheck({
    id: 'sigv4.matrix.algorithm',
    title: 'Any algorithm but AWS4-HMAC-SHA256 is 401',
    specRef: `§2.1; ${SIGV4_SPEC}: algorithm`,
    why: 'A proxy that ignores the algorithm token accepts headers no KMS request carries; it is how signature downgrades start.',
    variants: ALGORITHM_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.access-key',
    title: 'An access key id that is not exactly a live one is 401',
    specRef: '§2.1, §2.2, §4',
    why: 'Matching access key ids loosely (case, prefix) lets a retired or foreign credential through.',
    variants: ACCESS_KEY_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.scope-date',
    title: 'A credential scope date other than the X-Amz-Date day is 401',
    specRef: `§2.1; ${SIGV4_SPEC}: credential scope`,
    why: 'The scope date must agree with X-Amz-Date, else a signing key of another day signs today.',
    variants: SCOPE_DATE_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.scope-region',
    title: 'A credential scope region other than the key store region is 401',
    specRef: '§2.1',
    why: 'A signature made for another region (another key store) must not open this one.',
    variants: REGION_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.scope-service',
    title: 'A credential scope service other than kms-xks-proxy is 401',
    specRef: '§2.1',
    why: 'A signature for another service (kms) must not be replayable against the proxy.',
    variants: SERVICE_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.scope-terminator',
    title: 'A credential scope not ending in aws4_request is 401',
    specRef: `${SIGV4_SPEC}: credential scope`,
    why: 'A verifier taking the terminator from the request derives keys nobody was given.',
    variants: TERMINATOR_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.required-headers',
    title: 'A signature that does not cover host and x-amz-date is 401',
    specRef: '§2.1',
    why: 'Unsigned host or date lets a captured request be replayed to another host or at any time.',
    variants: REQUIRED_HEADER_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.signed-headers-form',
    title: 'SignedHeaders unsorted, repeated or not lower case is 401',
    specRef: `${SIGV4_SPEC}: SignedHeaders`,
    why: 'A verifier that normalizes SignedHeaders accepts Authorization headers nobody signed.',
    variants: HEADER_LIST_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.signature',
    title: 'A signature wrong in any digit, length or case is 401',
    specRef: `§2.1; ${SIGV4_SPEC}: signature`,
    why: 'A comparison of a prefix, of decoded bytes or of any case is a forgery waiting to happen.',
    variants: SIGNATURE_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.body',
    title: 'A body changed after signing is 401, whatever the change',
    specRef: '§2.1, §4',
    why: 'The payload hash is what binds plaintext and ciphertext to the signature.',
    variants: BODY_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.payload-hash',
    title: 'An x-amz-content-sha256 that is not the hash of the body is 401',
    specRef: `§4; ${SIGV4_SPEC}: payload hash`,
    why: 'A verifier that takes the payload hash from the header lets anyone swap the body.',
    variants: PAYLOAD_HASH_VARIANTS,
  }),
  matrixCheck({
    id: 'sigv4.matrix.date-window',
    title: 'X-Amz-Date beyond 15 minutes either side, or malformed, is 401',
    specRef: '§2.1, §0 fact 2',
    why: 'Without a time window every captured request can be replayed forever.',
    variants: DATE_WINDOW_VARIANTS,
  }),
];
