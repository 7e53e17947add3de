import type * as Pkcs11js from 'pkcs11js';
import { loadPkcs11Api } from '../pkcs11/pkcs11-library.ts';
import type { SoftHsmToken } from './softhsm.ts';

const TAG_BYTES = 16;

/**
 * CKM_AES_GCM through pkcs11js with nothing in between: one logged-in session, one AES-256 key,
 * C_EncryptInit + C_Encrypt (C_DecryptInit + C_Decrypt) per call, synchronously. The benchmarks'
 * baseline for what a PKCS#11 token costs per operation.
 */
export type RawPkcs11AesGcm = {
  /** ciphertext || 16-byte tag; `iv` is 12 bytes. */
  encrypt(iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer;
  /** The plaintext of `sealed` (ciphertext || tag); throws when the token refuses the tag. */
  decrypt(iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer;
  /** C_Finalize: the key (a session object) goes with the session. */
  close(): void;
};

/**
 * Loads the token's library in this process (SOFTHSM2_CONF set to the token's config first: the
 * library reads it at C_Initialize, so nothing else in the process may have loaded it), logs in,
 * and imports `key` (32 bytes) as a session object, so the results can be checked against any
 * other AES-256-GCM implementation with the same key.
 */
export async function openRawPkcs11AesGcm(
  token: SoftHsmToken,
  key: Uint8Array,
): Promise<RawPkcs11AesGcm> {
  const api = await loadPkcs11Api();
  // biome-ignore lint/style/noProcessEnv: SoftHSMv2 finds its token directory only through it
  process.env.SOFTHSM2_CONF = token.conf;
  const p11 = new api.PKCS11();
  p11.load(token.library);
  p11.C_Initialize({ flags: api.CKF_OS_LOCKING_OK });
  try {
    const slot = p11
      .C_GetSlotList(true)
      .find((s) => p11.C_GetTokenInfo(s).label.trim() === token.label);
    if (slot === undefined) throw new Error(`no token labelled ${token.label} in ${token.conf}`);
    const session = p11.C_OpenSession(slot, api.CKF_RW_SESSION | api.CKF_SERIAL_SESSION);
    p11.C_Login(session, api.CKU_USER, token.pin);
    const handle = p11.C_CreateObject(session, [
      { type: api.CKA_CLASS, value: api.CKO_SECRET_KEY },
      { type: api.CKA_KEY_TYPE, value: api.CKK_AES },
      { type: api.CKA_VALUE, value: buffer(key) },
      { type: api.CKA_ENCRYPT, value: true },
      { type: api.CKA_DECRYPT, value: true },
      { type: api.CKA_TOKEN, value: false },
    ]);
    const gcm = (iv: Uint8Array, aad: Uint8Array): Pkcs11js.Mechanism => ({
      mechanism: api.CKM_AES_GCM,
      parameter: {
        type: api.CK_PARAMS_AES_GCM,
        iv: buffer(iv),
        ivBits: iv.length * 8,
        aad: buffer(aad),
        tagBits: TAG_BYTES * 8,
      } as Pkcs11js.GcmParams,
    });
    return {
      encrypt(iv, plaintext, aad) {
        p11.C_EncryptInit(session, gcm(iv, aad), handle);
        const out = Buffer.allocUnsafe(plaintext.length + TAG_BYTES);
        return p11.C_Encrypt(session, buffer(plaintext), out);
      },
      decrypt(iv, sealed, aad) {
        p11.C_DecryptInit(session, gcm(iv, aad), handle);
        return p11.C_Decrypt(session, buffer(sealed), Buffer.allocUnsafe(sealed.length));
      },
      close: () => p11.C_Finalize(),
    };
  } catch (e) {
    p11.C_Finalize();
    throw e;
  }
}

/** A Buffer view of the same bytes (pkcs11js takes Buffers only). */
function buffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
