import { RECORD_VERSION } from '../constants.ts';
import { VcmError } from '../crypto/errors.ts';
import { fromBase64, toBase64 } from './base64.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * `vcm/meta/master-check`: a random value wrapped under the master key (RFC 5649). Unwrapping it
 * proves the master key is the one the store was created with; it needs no MAC of its own, since
 * the RFC 5649 integrity check is what detects a wrong key.
 */
export function encodeMasterCheck(wrapped: Uint8Array): Uint8Array {
  return encoder.encode(JSON.stringify({ v: RECORD_VERSION, wrapped: toBase64(wrapped) }));
}

export function decodeMasterCheck(bytes: Uint8Array): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new VcmError('CORRUPT_RECORD', 'the master-key check record is not valid JSON', {
      cause: e,
    });
  }
  const { v, wrapped } = (parsed ?? {}) as { v?: unknown; wrapped?: unknown };
  if (v !== RECORD_VERSION) {
    throw new VcmError('CORRUPT_RECORD', 'the master-key check record has an unknown version');
  }
  return fromBase64(wrapped, 'the master-key check value');
}
