/** XKS SigV4 credentials in the spec's format (§2.2), generated fresh for each test or bench run. */
import { randomBytes, randomInt } from 'node:crypto';
import type { Credentials } from '@xkslab/sigv4';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `length` random characters of A-Z and 2-7 (an access key id when 20-30 long). */
export function randomAccessKeyId(length = 20 + randomInt(11)): string {
  let out = '';
  for (const b of randomBytes(length)) out += BASE32[b & 31];
  return out;
}

/** Base64 of 32 random bytes: 44 characters of a-z A-Z 0-9 / + = */
export function randomSecretAccessKey(): string {
  return randomBytes(32).toString('base64');
}

export function newCredential(): Credentials {
  return { accessKeyId: randomAccessKeyId(), secretAccessKey: randomSecretAccessKey() };
}
