import { XKS_SIGV4_SERVICE } from '@xkslab/protocol';
import { type VerifyOptions, type VerifyResult, verifyRequest } from '@xkslab/sigv4';
import { XksError } from '../errors.ts';
import type { XksContext } from './context.ts';

const AUTH_MESSAGES: Record<string, string> = {
  CLOCK_SKEW: 'Request time is more than 5 minutes from the proxy clock',
  WRONG_REGION: 'Credential scope region does not match this key store',
  WRONG_SERVICE: 'Credential scope service must be kms-xks-proxy',
  WRONG_SCOPE_DATE: 'Credential scope date does not match x-amz-date',
  MISSING_AUTHORIZATION: 'Missing Authorization header',
  MALFORMED_AUTHORIZATION: 'Malformed Authorization header',
  MISSING_DATE: 'Missing x-amz-date header',
  MALFORMED_DATE: 'Malformed x-amz-date header',
  HOST_NOT_SIGNED: 'The host header must be signed',
  DATE_NOT_SIGNED: 'The x-amz-date header must be signed',
  SIGNED_HEADER_MISSING: 'A signed header is missing from the request',
  SIGNED_HEADERS_NOT_SORTED: 'SignedHeaders must be sorted and list each header once',
  PAYLOAD_HASH_MISMATCH: 'x-amz-content-sha256 does not match the body',
};
const SIGNATURE_MISMATCH_MESSAGE = 'Signature does not match any credential of this key store';

/**
 * Verifies the request's SigV4 signature over the raw method, target, headers and body against
 * the key store's region and live credentials, at `ctx.now` (`maxSkewMs`: the allowed distance
 * from it; absent: the spec's 5 minutes).
 */
export function verifySigv4(ctx: XksContext, maxSkewMs?: number): VerifyResult {
  const { raw, keyStore, deps } = ctx;
  const options: VerifyOptions = {
    region: keyStore.region,
    service: XKS_SIGV4_SERVICE,
    now: ctx.now,
    resolveSecret: keyStore.secretFor,
    cache: deps.sigv4Cache,
  };
  if (deps.sigv4Hash !== undefined) options.hash = deps.sigv4Hash;
  if (maxSkewMs !== undefined) options.maxSkewMs = maxSkewMs;
  return verifyRequest(
    { method: raw.method, path: raw.target, headers: raw.headers, body: ctx.body },
    options,
  );
}

/** Takes a verification outcome: notes the credential's use, or refuses with the reason logged. */
export function acceptSigv4(ctx: XksContext, auth: VerifyResult): void {
  if (!auth.ok) {
    ctx.log.authFailure = auth.reason;
    throw new XksError(
      'AuthenticationFailedException',
      AUTH_MESSAGES[auth.reason] ?? SIGNATURE_MISMATCH_MESSAGE,
      { cause: auth.reason },
    );
  }
  ctx.log.accessKeyId = auth.accessKeyId;
  ctx.deps.registry.noteUse(auth.accessKeyId, ctx.now);
}

/** Stage `sigv4`: reads the proxy clock, then verifies the signature (spec §2.1). */
export function sigv4Stage(ctx: XksContext): void {
  ctx.now = ctx.deps.clock();
  acceptSigv4(ctx, verifySigv4(ctx));
}
