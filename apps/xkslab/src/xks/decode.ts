import { decodeBase64, type XksErrorName } from '@xkslab/protocol';
import { XksError } from './errors.ts';
import type { XksLimits } from './limits.ts';

/**
 * Decodes one Base64 request field, once, at the edge. Malformed Base64 is a ValidationException;
 * a field longer than `maxBytes` gets `tooLarge` (UnsupportedOperationException for sizes beyond
 * this proxy's limits, InvalidCiphertextException for an IV or tag of the wrong size).
 */
export function decodeField(
  field: string,
  text: string,
  maxBytes: number,
  tooLarge: XksErrorName,
): Uint8Array {
  const decoded = decodeBase64(text, maxBytes);
  if (decoded.ok) return decoded.bytes;
  if (decoded.reason === 'too-large') {
    throw new XksError(tooLarge, `${field} is larger than ${maxBytes} bytes`);
  }
  throw new XksError('ValidationException', `${field} is not standard Base64`);
}

/**
 * The data field of Encrypt (`plaintext`) or Decrypt (`ciphertext`): beyond this proxy's
 * `maxPlaintextBytes` it is UnsupportedOperationException.
 */
export function decodeData(
  field: 'plaintext' | 'ciphertext',
  text: string,
  limits: XksLimits,
): Uint8Array {
  return decodeField(field, text, limits.maxPlaintextBytes, 'UnsupportedOperationException');
}

export function decodeOptionalField(
  field: string,
  text: string | undefined,
  maxBytes: number,
  tooLarge: XksErrorName,
): Uint8Array | undefined {
  return text === undefined ? undefined : decodeField(field, text, maxBytes, tooLarge);
}

/** The optional additionalAuthenticatedData of Encrypt and Decrypt, within this proxy's limit. */
export function decodeAad(text: string | undefined, maxAadBytes: number): Uint8Array | undefined {
  return decodeOptionalField(
    'additionalAuthenticatedData',
    text,
    maxAadBytes,
    'UnsupportedOperationException',
  );
}
