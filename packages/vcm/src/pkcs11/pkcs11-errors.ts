import { VcmError } from '../crypto/errors.ts';
import { INVALID_CIPHERTEXT_MESSAGE } from '../crypto/gcm-params.ts';

/** The CK_RV values this module branches on (PKCS#11 v2.40, pkcs11t.h). */
export const CKR = {
  GENERAL_ERROR: 0x05,
  FUNCTION_FAILED: 0x06,
  DEVICE_ERROR: 0x30,
  DEVICE_MEMORY: 0x31,
  DEVICE_REMOVED: 0x32,
  ENCRYPTED_DATA_INVALID: 0x40,
  ENCRYPTED_DATA_LEN_RANGE: 0x41,
  KEY_HANDLE_INVALID: 0x60,
  KEY_FUNCTION_NOT_PERMITTED: 0x68,
  OBJECT_HANDLE_INVALID: 0x82,
  PIN_INCORRECT: 0xa0,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_HANDLE_INVALID: 0xb3,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

/** The CK_RV of an error thrown by pkcs11js (its Pkcs11Error carries `code`), else undefined. */
export function ckrOf(e: unknown): number | undefined {
  if (!(e instanceof Error) || e.name !== 'Pkcs11Error') return undefined;
  const code = (e as Error & { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** The CKR_ name pkcs11js put in the message, for logs and health details (never data). */
export function ckrName(e: unknown): string {
  if (ckrOf(e) !== undefined) return (e as Error).message;
  return e instanceof Error ? e.message.slice(0, 120) : 'unknown error';
}

/**
 * Errors after which the sessions (and, for the device errors, the library's context) are not to
 * be trusted: the session pool is emptied and the next call opens and logs in afresh. While that
 * fails, health reports the token UNAVAILABLE.
 */
const SESSION_LOST: ReadonlySet<number> = new Set([
  CKR.DEVICE_ERROR,
  CKR.DEVICE_MEMORY,
  CKR.DEVICE_REMOVED,
  CKR.SESSION_CLOSED,
  CKR.SESSION_HANDLE_INVALID,
  CKR.TOKEN_NOT_PRESENT,
  CKR.TOKEN_NOT_RECOGNIZED,
  CKR.USER_NOT_LOGGED_IN,
  CKR.CRYPTOKI_NOT_INITIALIZED,
]);

export function isSessionLost(e: unknown): boolean {
  const code = ckrOf(e);
  return code !== undefined && SESSION_LOST.has(code);
}

/** A key handle that no longer names the object (deleted or re-created in the token). */
export function isStaleHandle(e: unknown): boolean {
  const code = ckrOf(e);
  return code === CKR.KEY_HANDLE_INVALID || code === CKR.OBJECT_HANDLE_INVALID;
}

/** Decrypt failures the AWS reference proxy answers InvalidCiphertextException for. */
const BAD_CIPHERTEXT: ReadonlySet<number> = new Set([
  CKR.ENCRYPTED_DATA_INVALID,
  CKR.ENCRYPTED_DATA_LEN_RANGE,
  CKR.FUNCTION_FAILED, // nShield's answer to a tag mismatch
  CKR.GENERAL_ERROR, // SoftHSMv2's answer to a tag mismatch
]);

/**
 * A PKCS#11 failure as a VcmError, mapped as AWS's reference XKS proxy maps it:
 * CKR_KEY_FUNCTION_NOT_PERMITTED is INVALID_KEY_USAGE; on decrypt CKR_ENCRYPTED_DATA_INVALID,
 * CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_FUNCTION_FAILED and CKR_GENERAL_ERROR are INVALID_CIPHERTEXT;
 * everything else is HSM_ERROR (XKS InternalException). The CKR_ name goes into the message, for
 * the log; the XKS layer never sends it to the client.
 */
export function vcmErrorOf(e: unknown, operation: 'encrypt' | 'decrypt' | 'other'): VcmError {
  if (e instanceof VcmError) return e;
  const code = ckrOf(e);
  if (code === CKR.KEY_FUNCTION_NOT_PERMITTED) {
    return new VcmError('INVALID_KEY_USAGE', `the token refused the ${operation} (${ckrName(e)})`, {
      cause: e,
    });
  }
  if (operation === 'decrypt' && code !== undefined && BAD_CIPHERTEXT.has(code)) {
    return new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE, { cause: e });
  }
  return new VcmError('HSM_ERROR', `PKCS#11 ${operation} failed (${ckrName(e)})`, { cause: e });
}
