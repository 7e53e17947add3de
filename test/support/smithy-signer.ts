/**
 * Signer (a): the AWS SDK's own SigV4 implementation, @smithy/signature-v4. It signs every header
 * present on the request it is given, so we hand it exactly the headers that must be signed (KMS
 * signs `host;x-amz-date`) and add unsigned ones afterwards.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credential } from './credentials.ts';

export const XKS_SERVICE = 'kms-xks-proxy';

export type SmithySignInput = {
  credential: Credential;
  region: string;
  service?: string;
  method?: string;
  /** Host header value, e.g. `127.0.0.1:12345`. */
  host: string;
  /** Raw path, signed as is (no normalization, no re-encoding). */
  path: string;
  body: string | Uint8Array;
  /** Headers signed besides host and x-amz-date (names lower-case). */
  signedHeaders?: Record<string, string>;
  /** Headers added after signing. */
  unsignedHeaders?: Record<string, string>;
  /** Sign at this time instead of now. */
  signingDate?: Date;
  /** Let smithy add and sign x-amz-content-sha256 (off by default: KMS does not send it). */
  applyChecksum?: boolean;
};

/** The headers to send: host, x-amz-date, authorization, the signed extras and the unsigned ones. */
export async function smithySign(input: SmithySignInput): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: input.credential.accessKeyId,
      secretAccessKey: input.credential.secretAccessKey,
    },
    region: input.region,
    service: input.service ?? XKS_SERVICE,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: input.applyChecksum ?? false,
  });
  const [hostname = '127.0.0.1', port] = input.host.split(':');
  const request = new HttpRequest({
    method: input.method ?? 'POST',
    protocol: 'http:',
    hostname,
    ...(port ? { port: Number(port) } : {}),
    path: input.path,
    headers: { host: input.host, ...(input.signedHeaders ?? {}) },
    body: input.body,
  });
  const signed = await signer.sign(
    request,
    input.signingDate ? { signingDate: input.signingDate } : {},
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name] = String(value);
  return { ...headers, ...(input.unsignedHeaders ?? {}) };
}

/** The parts of an `AWS4-HMAC-SHA256` Authorization header value. */
export function parseAuthorizationHeader(value: string): {
  credential: string;
  signedHeaders: string;
  signature: string;
} {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(
      value,
    );
  if (!m) throw new Error(`unexpected Authorization header: ${value}`);
  return { credential: m[1] ?? '', signedHeaders: m[2] ?? '', signature: m[3] ?? '' };
}
