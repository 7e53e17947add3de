import {
  constants,
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KeyTransportError,
  parseRsaPublicKey,
  unwrapKeyMaterial,
  wrapKeyMaterial,
} from './key-transport.ts';

const KWP_IV = Buffer.from('A65959A6', 'hex'); // RFC 5649 §3 alternative initial value
const random = (n: number) => new Uint8Array(randomBytes(n));
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** The caller's side with node:crypto only (OpenSSL's RSA-OAEP and id-aes256-wrap-pad). */
function clientWrap(publicKey: typeof rsa2048.publicKey, material: Buffer): Buffer {
  const ephemeral = randomBytes(32);
  const rsaPart = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    ephemeral,
  );
  const kwp = createCipheriv('id-aes256-wrap-pad', ephemeral, KWP_IV);
  return Buffer.concat([rsaPart, kwp.update(material), kwp.final()]);
}

function clientUnwrap(privateKey: typeof rsa2048.privateKey, wrapped: Uint8Array): Buffer {
  const ephemeral = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    wrapped.subarray(0, 256),
  );
  const kwp = createDecipheriv('id-aes256-wrap-pad', ephemeral, KWP_IV);
  return Buffer.concat([kwp.update(wrapped.subarray(256)), kwp.final()]);
}

describe('RSA_AES_KEY_WRAP_SHA_256 key transport', () => {
  it('unwraps what node:crypto wrapped, and node:crypto unwraps what it wraps', () => {
    const material = randomBytes(32);
    const wrapped = clientWrap(rsa2048.publicKey, material);
    expect(wrapped.length).toBe(256 + 40);
    expect(Buffer.from(unwrapKeyMaterial(rsa2048.privateKey, wrapped))).toEqual(material);
    const ours = wrapKeyMaterial(rsa2048.publicKey, material, random);
    expect(clientUnwrap(rsa2048.privateKey, ours)).toEqual(material);
  });

  it('fails the same way for any altered, truncated or foreign blob', () => {
    const material = randomBytes(32);
    const wrapped = clientWrap(rsa2048.publicKey, material);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const flipKwp = Buffer.from(wrapped);
    flipKwp[flipKwp.length - 1] = (flipKwp[flipKwp.length - 1] ?? 0) ^ 1;
    const flipRsa = Buffer.from(wrapped);
    flipRsa[3] = (flipRsa[3] ?? 0) ^ 1;
    for (const [key, blob] of [
      [rsa2048.privateKey, flipKwp],
      [rsa2048.privateKey, flipRsa],
      [rsa2048.privateKey, wrapped.subarray(0, 256 + 8)],
      [rsa2048.privateKey, wrapped.subarray(0, 200)],
      [rsa2048.privateKey, Buffer.concat([wrapped, Buffer.alloc(3)])],
      [other.privateKey, wrapped],
    ] as const) {
      expect(() => unwrapKeyMaterial(key, blob)).toThrow(
        new KeyTransportError('wrappedKeyMaterial could not be unwrapped'),
      );
    }
  });

  it('accepts RSA public keys of 2048-8192 bits only', () => {
    const pem = rsa2048.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(parseRsaPublicKey(pem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    const pkcs1 = rsa2048.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(parseRsaPublicKey(pkcs1).asymmetricKeyType).toBe('rsa');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    for (const bad of [
      small.export({ type: 'spki', format: 'pem' }).toString(),
      ec.export({ type: 'spki', format: 'pem' }).toString(),
      'not a key',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
    ]) {
      expect(() => parseRsaPublicKey(bad)).toThrow(KeyTransportError);
    }
  });
});
