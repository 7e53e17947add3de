/** The names of the AES-256-GCM implementations this module can run on. */
export type CipherEngineName = 'noble' | 'node';

/** One AES-256-GCM implementation. Engines are stateless; every call stands alone. */
export interface CipherEngine {
  readonly name: CipherEngineName;
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
