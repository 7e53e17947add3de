import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { AES_256_KEY_BYTES } from './constants.ts';

/**
 * A 256-bit subkey of the master key for one purpose: HKDF-SHA256 (RFC 5869 §2) with no salt
 * (§3.1: the master key is already uniformly random) and the purpose as `info` (§3.2).
 */
export function deriveKey(masterKey: Uint8Array, info: string): Uint8Array {
  return hkdf(sha256, masterKey, undefined, utf8ToBytes(info), AES_256_KEY_BYTES);
}
