/** The names of the AES-256-GCM implementations this module can run on. */
export type CipherEngineName = 'noble' | 'node' | 'native';

/**
 * One AES-256-GCM implementation. Every call stands alone and passes its key; an engine may keep
 * state per key to make the next call with the same key array cheaper (`native` keeps an OpenSSL
 * context), and must drop it when told the key is going away (`forget`).
 */
export interface CipherEngine {
  readonly name: CipherEngineName;
  /**
   * Drops anything the engine keeps for this key array, now: the Vcm calls it just before it wipes
   * key material, so no copy of the key outlives the wipe. A no-op for engines that keep nothing.
   */
  forget(key: Uint8Array): void;
  /** AES-256-GCM (NIST SP 800-38D), 16-byte tag returned separately. */
  encrypt(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): { ciphertext: Uint8Array; tag: Uint8Array };
  /** Throws VcmError('INVALID_CIPHERTEXT') on any authentication failure (never leaks why). */
  decrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
}
