/**
 * The shared set-up of the verifyRequest tests: a fixed clock, options for the XKS scope and
 * requests signed with the test credentials, and small edits of a signed request.
 */
import { signRequest } from '../sign-request.ts';
import { type VerifyOptions, verifyRequest } from '../verify-request.ts';
import {
  type MutableRequest,
  withSignature,
  XKS_CREDENTIALS,
  XKS_REGION,
  XKS_SERVICE,
  xksEncryptRequest,
} from './requests.ts';

export const NOW = new Date('2024-03-01T10:20:30Z');
export const MINUTE = 60_000;
export const OTHER_SECRET = 'Xq3nBQ8f0E9x1qv3lJmQ8bS0t8x8Jv1kq5Hc1b2aUu0=';

export function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    region: XKS_REGION,
    service: XKS_SERVICE,
    now: NOW,
    resolveSecret: (id) =>
      id === XKS_CREDENTIALS.accessKeyId ? XKS_CREDENTIALS.secretAccessKey : undefined,
    ...overrides,
  };
}

export function signed(
  req: MutableRequest = xksEncryptRequest(),
  opts: { now?: Date; region?: string; service?: string; signedHeaders?: string[] } = {},
): MutableRequest {
  return withSignature(
    req,
    signRequest(req, XKS_CREDENTIALS, {
      region: opts.region ?? XKS_REGION,
      service: opts.service ?? XKS_SERVICE,
      now: opts.now ?? NOW,
      ...(opts.signedHeaders === undefined ? {} : { signedHeaders: opts.signedHeaders }),
    }),
  );
}

export function authOf(req: MutableRequest): string {
  const v = req.headers.authorization;
  if (typeof v !== 'string') throw new Error('no authorization');
  return v;
}

export function withAuth(req: MutableRequest, authorization: string): MutableRequest {
  return { ...req, headers: { ...req.headers, authorization } };
}

export function withoutHeader(req: MutableRequest, name: string): MutableRequest {
  const headers = { ...req.headers };
  delete headers[name];
  return { ...req, headers };
}

export function reasonOf(req: MutableRequest, opts: VerifyOptions = options()): string {
  const result = verifyRequest(req, opts);
  return result.ok ? 'OK' : result.reason;
}
