/**
 * Sends XKS requests to one key store of a running server, signed by an independent signer
 * (@smithy/signature-v4, or curl's --aws-sigv4) as a cross-check of @xkslab/sigv4. The request
 * bodies come from the test kit, `@xkslab/conformance/testing`.
 */
import type { XksTarget } from '@xkslab/conformance/testing';
import type { Credential } from './credentials.ts';
import { curlXks } from './curl.ts';
import { type RawResponse, rawRequest } from './http-client.ts';
import { type SmithySignInput, smithySign } from './smithy-signer.ts';

/** Where a key store lives and how to sign for it. */
export type KeyStoreTarget = XksTarget & { credential: Credential };

export type Signer = 'smithy' | 'curl';
export const SIGNERS: readonly Signer[] = ['smithy', 'curl'];

export type XksResponse = {
  status: number;
  contentType: string;
  text: string;
  /** Response headers (smithy/raw requests only; curl reports only the content type). */
  headers: Record<string, string | string[] | undefined>;
};

export type SendOptions = {
  signer?: Signer;
  /** Pretty-print an object body over several lines. */
  pretty?: boolean;
  /** Extra smithy-signer settings (signing date, region, service, signed headers...). */
  sign?: Partial<Omit<SmithySignInput, 'host' | 'path' | 'body'>>;
  /** Content-Type sent (unsigned with smithy unless given in sign.signedHeaders). */
  contentType?: string | null;
};

function toBodyText(body: unknown, pretty: boolean | undefined): string {
  return typeof body === 'string' ? body : JSON.stringify(body, null, pretty ? 2 : undefined);
}

/** Signs and POSTs `body` to `path` of the key store. */
export async function sendXks(
  target: KeyStoreTarget,
  path: string,
  body: unknown,
  options: SendOptions = {},
): Promise<XksResponse> {
  const text = toBodyText(body, options.pretty);
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (options.signer === 'curl') {
    const res = await curlXks({
      url: `http://127.0.0.1:${target.port}${path}`,
      region: options.sign?.region ?? target.region,
      credential: options.sign?.credential ?? target.credential,
      body: text,
      ...(options.sign?.service ? { service: options.sign.service } : {}),
      ...(contentType ? { contentType } : {}),
    });
    return { ...res, headers: { 'content-type': res.contentType } };
  }
  const headers = await smithySign({
    credential: target.credential,
    region: target.region,
    ...options.sign,
    host: `127.0.0.1:${target.port}`,
    path,
    body: text,
    unsignedHeaders: {
      ...(contentType ? { 'content-type': contentType } : {}),
      ...(options.sign?.unsignedHeaders ?? {}),
    },
  });
  return fromRaw(await rawRequest({ port: target.port, path, headers, body: text }));
}

export function fromRaw(res: RawResponse): XksResponse {
  const ct = res.headers['content-type'];
  return {
    status: res.status,
    contentType: Array.isArray(ct) ? ct.join(', ') : (ct ?? ''),
    text: res.text,
    headers: res.headers,
  };
}

/** What an encrypt returned, Base64 fields as sent on the wire. */
export type EncryptOutput = {
  ciphertext: string;
  initializationVector: string;
  authenticationTag: string;
  ciphertextMetadata?: string;
  ciphertextDataIntegrityValue?: string;
};
