import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRawPkcs11AesGcm, type RawPkcs11AesGcm } from './raw-pkcs11.ts';
import { createSoftHsmToken, type SoftHsmToken, softHsmMissing } from './softhsm.ts';

describe.skipIf(softHsmMissing())('raw pkcs11js AES-256-GCM on a SoftHSMv2 token', () => {
  const key = randomBytes(32);
  let token: SoftHsmToken;
  let raw: RawPkcs11AesGcm;

  beforeAll(async () => {
    token = await createSoftHsmToken({ label: 'raw', pin: randomBytes(8).toString('hex') });
    raw = await openRawPkcs11AesGcm(token, key);
  });
  afterAll(async () => {
    raw?.close();
    await token?.remove();
  });

  it('encrypts exactly as node:crypto does with the same key, IV and AAD', () => {
    const iv = randomBytes(12);
    const aad = randomBytes(64);
    const plaintext = randomBytes(1024);
    const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    const expected = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    expect(Buffer.from(raw.encrypt(iv, plaintext, aad))).toEqual(expected);
  });

  it('decrypts its own output and refuses a changed tag or AAD', () => {
    const iv = randomBytes(12);
    const aad = randomBytes(64);
    const plaintext = randomBytes(4300);
    const sealed = Buffer.from(raw.encrypt(iv, plaintext, aad));
    expect(Buffer.from(raw.decrypt(iv, sealed, aad))).toEqual(plaintext);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => raw.decrypt(iv, tampered, aad)).toThrow();
    expect(() => raw.decrypt(iv, sealed, randomBytes(64))).toThrow();
    // The session is usable again after a refused decrypt.
    expect(Buffer.from(raw.decrypt(iv, sealed, aad))).toEqual(plaintext);
  });
});
