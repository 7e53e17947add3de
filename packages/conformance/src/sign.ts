import { XKS_SIGV4_SERVICE } from '@xkslab/protocol';
import { type Credentials, type SigningKeyCache, signRequest } from '@xkslab/sigv4';
import type { WireRequest } from './http-client.ts';

/** How to sign one XKS POST; the defaults sign as KMS does (host;x-amz-date, §2.1). */
export type XksSignInput = {
  /** The Host header sent and signed, e.g. `127.0.0.1:4443`. */
  host: string;
  path: string;
  /** An object (sent as compact JSON), text or bytes. */
  body: object | string | Uint8Array;
  credential: Credentials;
  region: string;
  /** Default `kms-xks-proxy`. */
  service?: string | undefined;
  /** Signing time (X-Amz-Date); default now. */
  now?: Date | undefined;
  /** 'kms' signs host;x-amz-date, 'curl' content-type;host;x-amz-date (§2.1). */
  style?: 'kms' | 'curl' | undefined;
  /** Content-Type sent; null for none. Default application/json. */
  contentType?: string | null | undefined;
  /** More headers, sent and signed. */
  signedExtra?: Record<string, string> | undefined;
  /** Sign for this path but send to the real one (tampered path). */
  signPath?: string | undefined;
  /** Sign these bytes but send the real body (tampered body). */
  signBody?: Uint8Array | undefined;
  cache?: SigningKeyCache | undefined;
};

/** The bytes of a request body: objects as compact JSON, text as UTF-8. */
export function bodyBytes(body: object | string | Uint8Array): Uint8Array {
  if (body instanceof Uint8Array) return body;
  return new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A SigV4-signed XKS POST, ready for `send` (or any HTTP client): headers and body bytes. */
export function signXksRequest(input: XksSignInput): WireRequest & { body: Uint8Array } {
  const body = bodyBytes(input.body);
  const headers: Record<string, string> = { host: input.host };
  const contentType = input.contentType === undefined ? 'application/json' : input.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  Object.assign(headers, input.signedExtra ?? {});
  const signedHeaders = [
    ...(input.style === 'curl' ? ['content-type'] : []),
    ...Object.keys(input.signedExtra ?? {}).map((h) => h.toLowerCase()),
  ];
  const signed = signRequest(
    { method: 'POST', path: input.signPath ?? input.path, headers, body: input.signBody ?? body },
    input.credential,
    {
      region: input.region,
      service: input.service ?? XKS_SIGV4_SERVICE,
      now: input.now ?? new Date(),
      signedHeaders,
      ...(input.cache ? { cache: input.cache } : {}),
    },
  );
  headers.authorization = signed.authorization;
  headers['x-amz-date'] = signed['x-amz-date'];
  return { method: 'POST', path: input.path, headers, body };
}
