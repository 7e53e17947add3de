import { equalBytes } from '@noble/ciphers/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { RECORD_MAC_DOMAIN } from './constants.ts';

function macInput(storageKey: string, body: string): Uint8Array {
  // NUL separates the fields: neither a storage key nor JSON text contains a raw NUL.
  return utf8ToBytes(`${RECORD_MAC_DOMAIN}\u0000${storageKey}\u0000${body}`);
}

/**
 * HMAC-SHA256 (RFC 2104) of a stored record's body, bound to the storage key it lives under, so a
 * record edited in place or moved to another key (another module, another key id) is detected.
 */
export function recordMac(macKey: Uint8Array, storageKey: string, body: string): Uint8Array {
  return hmac(sha256, macKey, macInput(storageKey, body));
}

/** Constant-time check of a record MAC. */
export function verifyRecordMac(
  macKey: Uint8Array,
  storageKey: string,
  body: string,
  mac: Uint8Array,
): boolean {
  return equalBytes(recordMac(macKey, storageKey, body), mac);
}
