/**
 * Which grant operations a key supports (CreateGrant's Operations): a grant for a symmetric
 * encryption key cannot allow Sign, one for an asymmetric key cannot allow GenerateDataKey, and
 * no grant may allow CreateGrant alone. KMS answers ValidationException for each.
 */

import type { Core } from '../core.ts';
import { keyMetadataOf } from '../core.ts';
import { KmsError } from '../errors.ts';
import type { KmsKey } from '../model.ts';

const ANY_KEY = ['CreateGrant', 'RetireGrant', 'DescribeKey'];

const SYMMETRIC_ENCRYPTION = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
];

const BY_USAGE: Readonly<Record<string, readonly string[]>> = {
  ENCRYPT_DECRYPT: ['Decrypt', 'Encrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey'],
  SIGN_VERIFY: ['Sign', 'Verify', 'GetPublicKey'],
  GENERATE_VERIFY_MAC: ['GenerateMac', 'VerifyMac'],
  KEY_AGREEMENT: ['DeriveSharedSecret', 'GetPublicKey'],
  KEY_ENCAPSULATION: ['Encapsulate', 'Decapsulate', 'GetPublicKey'],
};

function allowedFor(core: Core, key: KmsKey): Set<string> {
  const metadata = keyMetadataOf(core, key);
  const usage = String(metadata.KeyUsage);
  const symmetric = usage === 'ENCRYPT_DECRYPT' && metadata.KeySpec === 'SYMMETRIC_DEFAULT';
  return new Set([...ANY_KEY, ...(symmetric ? SYMMETRIC_ENCRYPTION : (BY_USAGE[usage] ?? []))]);
}

export function checkGrantOperations(core: Core, key: KmsKey, operations: readonly string[]): void {
  if (operations.every((op) => op === 'CreateGrant')) {
    throw new KmsError(
      'ValidationException',
      'Grants must not contain only the CreateGrant operation.',
    );
  }
  const allowed = allowedFor(core, key);
  const refused = operations.filter((op) => !allowed.has(op));
  if (refused.length > 0) {
    throw new KmsError(
      'ValidationException',
      `${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} not a valid grant operation for ${key.arn} (KeySpec ${String(keyMetadataOf(core, key).KeySpec)}).`,
    );
  }
}
