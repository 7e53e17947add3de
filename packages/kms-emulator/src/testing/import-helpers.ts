/** What a KMS user does to import key material: shared by the import tests. */
import { constants, createPublicKey, type KeyObject, publicEncrypt } from 'node:crypto';
import { aeskwp } from '@noble/ciphers/aes.js';
import { b64, unb64 } from './calls.ts';
import type { TestEmulator } from './index.ts';

export async function externalKey(
  t: TestEmulator,
  input: Record<string, unknown> = {},
): Promise<string> {
  const out = await t.client.call('CreateKey', { Origin: 'EXTERNAL', ...input });
  return String((out.KeyMetadata as Record<string, unknown>).KeyId);
}

/** GetParametersForImport with an RSA_2048 wrapping key: the token and the public key. */
export async function parameters(t: TestEmulator, KeyId: string, WrappingAlgorithm: string) {
  const out = await t.client.call('GetParametersForImport', {
    KeyId,
    WrappingAlgorithm,
    WrappingKeySpec: 'RSA_2048',
  });
  const publicKey = createPublicKey({
    key: Buffer.from(unb64(out.PublicKey)),
    format: 'der',
    type: 'spki',
  });
  return { token: String(out.ImportToken), publicKey, validTo: Number(out.ParametersValidTo) };
}

/** Wraps material with the wrapping public key (KMS Developer Guide, "Encrypt key material"). */
export function wrap(publicKey: KeyObject, algorithm: string, material: Uint8Array): string {
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const rsa = (data: Uint8Array) =>
    publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, data);
  if (algorithm.startsWith('RSAES_OAEP')) return b64(rsa(material));
  const aesKey = new Uint8Array(32).fill(5);
  return b64(Buffer.concat([rsa(aesKey), aeskwp(aesKey).encrypt(material)]));
}
