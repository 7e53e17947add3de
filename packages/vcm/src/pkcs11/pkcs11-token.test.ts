import { gcm } from '@noble/ciphers/aes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftHsmToken, type SoftHsmToken, softHsmMissing } from '../testing/softhsm.ts';
import { CKR, ckrOf, vcmErrorOf } from './pkcs11-errors.ts';
import { Pkcs11Library } from './pkcs11-library.ts';
import { KeyMissing, Pkcs11Token } from './pkcs11-token.ts';

const missing = softHsmMissing();
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (seed + i) & 0xff);

describe.skipIf(missing !== undefined)(
  `a SoftHSMv2 token through pkcs11js ${missing ?? ''}`,
  () => {
    let hsm: SoftHsmToken;
    let token: Pkcs11Token;

    beforeAll(async () => {
      hsm = await createSoftHsmToken({ label: 'unit' });
      process.env.SOFTHSM2_CONF = hsm.conf;
      const lib = await Pkcs11Library.acquire(hsm.library);
      token = new Pkcs11Token(lib, { library: hsm.library, tokenLabel: 'unit', pinEnv: 'X' }, () =>
        Promise.resolve(hsm.pin),
      );
    });

    afterAll(async () => {
      token?.close();
      await hsm?.remove();
    });

    it('generates a non-extractable AES-256 key and reads its usage and origin back', async () => {
      const key = await token.generate('k1', ['ENCRYPT', 'DECRYPT']);
      expect(key).toEqual({ label: 'k1', usage: ['ENCRYPT', 'DECRYPT'], local: true });
      await token.generate('k2', ['ENCRYPT']);
      expect(await token.labels()).toEqual(['k1', 'k2']);
      expect(await token.describe('nope')).toBeUndefined();
    });

    it('seals with CKM_AES_GCM: a round trip, AAD bound, a wrong tag refused', async () => {
      const iv = bytes(12, 7);
      const aad = bytes(20, 3);
      const plaintext = bytes(100);
      const { ciphertext, tag } = await token.encrypt('k1', iv, plaintext, aad);
      expect(ciphertext.length).toBe(100);
      expect(tag.length).toBe(16);
      expect(await token.decrypt('k1', iv, ciphertext, tag, aad)).toEqual(plaintext);
      const bad = Uint8Array.from(tag);
      bad[0] = (bad[0] ?? 0) ^ 1;
      const refused = await token.decrypt('k1', iv, ciphertext, bad, aad).catch((e) => e);
      expect(vcmErrorOf(refused, 'decrypt').code).toBe('INVALID_CIPHERTEXT');
      const noAad = await token
        .decrypt('k1', iv, ciphertext, tag, new Uint8Array())
        .catch((e) => e);
      expect(vcmErrorOf(noAad, 'decrypt').code).toBe('INVALID_CIPHERTEXT');
    });

    it('refuses a use the key does not allow with CKR_KEY_FUNCTION_NOT_PERMITTED', async () => {
      const { ciphertext, tag } = await token.encrypt('k2', bytes(12), bytes(5), new Uint8Array());
      const e = await token
        .decrypt('k2', bytes(12), ciphertext, tag, new Uint8Array())
        .catch((x) => x);
      expect(ckrOf(e)).toBe(CKR.KEY_FUNCTION_NOT_PERMITTED);
      expect(vcmErrorOf(e, 'decrypt').code).toBe('INVALID_KEY_USAGE');
      await expect(token.encrypt('gone', bytes(12), bytes(5), bytes(1))).rejects.toBeInstanceOf(
        KeyMissing,
      );
    });

    it('computes the same AES-GCM as noble under a key of known value', async () => {
      const value = bytes(32, 42);
      await token.sessions.use((s) => {
        const api = token.sessions.api;
        token.sessions.p11.C_CreateObject(s, [
          { type: api.CKA_CLASS, value: api.CKO_SECRET_KEY },
          { type: api.CKA_KEY_TYPE, value: api.CKK_AES },
          { type: api.CKA_TOKEN, value: true },
          { type: api.CKA_LABEL, value: 'known' },
          { type: api.CKA_VALUE, value: Buffer.from(value) },
          { type: api.CKA_ENCRYPT, value: true },
          { type: api.CKA_DECRYPT, value: true },
        ]);
      });
      const iv = bytes(12, 9);
      const aad = bytes(33, 5);
      const plaintext = bytes(4300, 11);
      const { ciphertext, tag } = await token.encrypt('known', iv, plaintext, aad);
      const expected = gcm(value, iv, aad).encrypt(plaintext);
      expect(Uint8Array.from([...ciphertext, ...tag])).toEqual(expected);
      expect((await token.describe('known'))?.local).toBe(false);
    });

    it('finds the token by slot id as by label', async () => {
      const { slot } = await token.probe();
      const lib = await Pkcs11Library.acquire(hsm.library);
      const bySlot = new Pkcs11Token(lib, { library: hsm.library, slot, pinEnv: 'X' }, () =>
        Promise.resolve(hsm.pin),
      );
      try {
        expect((await bySlot.probe()).label).toBe('unit');
        expect(await bySlot.labels()).toContain('k1');
      } finally {
        bySlot.close();
      }
    });

    it('reopens its sessions after they were closed under it, and says why meanwhile', async () => {
      const probe = await token.probe();
      expect(probe).toMatchObject({ label: 'unit', manufacturer: 'SoftHSM project' });
      expect(probe.model).toMatch(/SoftHSM/);
      expect(probe.firmware).toMatch(/^\d+\.\d+$/);
      token.sessions.p11.C_CloseAllSessions(token.sessions.slot());
      const { ciphertext, tag } = await token.encrypt('k1', bytes(12), bytes(8), bytes(2));
      expect(await token.decrypt('k1', bytes(12), ciphertext, tag, bytes(2))).toEqual(bytes(8));
      expect(token.sessions.lost).toBeUndefined();
    });
  },
);
