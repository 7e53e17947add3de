/**
 * An XKS API client for tests: builds request bodies, signs them with either signer and sends them
 * to one key store of a running server.
 */
import { randomUUID } from 'node:crypto';
import type { Credential } from './credentials.ts';
import { curlXks } from './curl.ts';
import { type RawResponse, rawRequest } from './http-client.ts';
import { type SmithySignInput, smithySign } from './smithy-signer.ts';

export const XKS_API = '/kms/xks/v1';

/** Where a key store lives and how to sign for it. */
export type KeyStoreTarget = {
  port: number;
  prefix: string;
  region: string;
  credential: Credential;
};

export type Signer = 'smithy' | 'curl';
export const SIGNERS: readonly Signer[] = ['smithy', 'curl'];

export type XksResponse = {
  status: number;
  contentType: string;
  text: string;
  /** Response headers (smithy/raw requests only; curl reports only the content type). */
  headers: Record<string, string | string[] | undefined>;
};

export function healthPath(target: Pick<KeyStoreTarget, 'prefix'>): string {
  return `${target.prefix}${XKS_API}/health`;
}

export function keyPath(
  target: Pick<KeyStoreTarget, 'prefix'>,
  keyId: string,
  op: 'metadata' | 'encrypt' | 'decrypt',
): string {
  return `${target.prefix}${XKS_API}/keys/${keyId}/${op}`;
}

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

/** requestMetadata as KMS sends it for `kmsOperation`. */
export function requestMetadata(kmsOperation: string, extra: Record<string, unknown> = {}) {
  return {
    awsPrincipalArn: 'arn:aws:iam::123456789012:role/xkslab-e2e',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    kmsOperation,
    kmsRequestId: randomUUID(),
    kmsViaService: 'ebs',
    ...extra,
  };
}

export function healthBody(kmsRequestId: string = randomUUID()) {
  return { requestMetadata: { kmsRequestId, kmsOperation: 'KmsHealthCheck' } };
}

export function metadataBody() {
  return { requestMetadata: requestMetadata('DescribeKey') };
}

export type EncryptInput = { plaintext: Uint8Array; aad?: Uint8Array | undefined; cdiv?: boolean };

export function encryptBody(input: EncryptInput) {
  return {
    requestMetadata: requestMetadata('Encrypt'),
    plaintext: b64(input.plaintext),
    encryptionAlgorithm: 'AES_GCM',
    ...(input.aad ? { additionalAuthenticatedData: b64(input.aad) } : {}),
    ...(input.cdiv ? { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' } : {}),
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

export function decryptBody(out: EncryptOutput, aad?: Uint8Array) {
  return {
    requestMetadata: requestMetadata('Decrypt'),
    ciphertext: out.ciphertext,
    encryptionAlgorithm: 'AES_GCM',
    initializationVector: out.initializationVector,
    authenticationTag: out.authenticationTag,
    ...(aad ? { additionalAuthenticatedData: b64(aad) } : {}),
    ...(out.ciphertextMetadata === undefined ? {} : { ciphertextMetadata: out.ciphertextMetadata }),
  };
}

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function unb64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}
