import { utf8ToBytes } from '@noble/hashes/utils.js';

/** Lower-cases names and turns repeated headers into arrays (node's headersDistinct shape). */
export function headerRecord(
  pairs: readonly (readonly [string, string])[],
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (typeof prev === 'string') out[key] = [prev, value];
    else prev.push(value);
  }
  return out;
}

export const XKS_REGION = 'us-east-1';
export const XKS_SERVICE = 'kms-xks-proxy';
export const XKS_CREDENTIALS = {
  accessKeyId: 'AKIAXKSLABEXAMPLE2345',
  secretAccessKey: 'u0Zq3nBQ8f0E9x1qv3lJmQ8bS0t8x8Jv1kq5Hc1b2aU=',
};

export type MutableRequest = {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Uint8Array;
};

/** A typical XKS encrypt call (~400-byte JSON body), unsigned. */
export function xksEncryptRequest(overrides: Partial<MutableRequest> = {}): MutableRequest {
  const body = JSON.stringify({
    requestMetadata: {
      awsPrincipalArn: 'arn:aws:iam::123456789012:user/Alice',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/b3537ef1-d8dc-4780-9f5a-55776cbb2f7f',
      kmsOperation: 'Encrypt',
      kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae',
      kmsViaService: 'ebs',
    },
    additionalAuthenticatedData: 'cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n',
    plaintext: 'SGVsbG8gV29ybGQh',
    encryptionAlgorithm: 'AES_GCM',
    ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
  });
  return {
    method: 'POST',
    path: '/example/prefix/kms/xks/v1/keys/foo/encrypt',
    headers: { host: 'xks.example.com', 'content-type': 'application/json' },
    body: utf8ToBytes(body),
    ...overrides,
  };
}

/** Signs `req` and returns a copy carrying the Authorization and X-Amz-Date headers. */
export function withSignature(
  req: MutableRequest,
  signed: { authorization: string; 'x-amz-date': string },
): MutableRequest {
  return { ...req, headers: { ...req.headers, ...signed } };
}
