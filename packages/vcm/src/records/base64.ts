import { VcmError } from '../crypto/errors.ts';

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict standard Base64 (RFC 4648 §4) to a plain Uint8Array; anything else is CORRUPT_RECORD. */
export function fromBase64(text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || !STANDARD_BASE64.test(text)) {
    throw new VcmError('CORRUPT_RECORD', `${what} is not valid Base64`);
  }
  const buf = Buffer.from(text, 'base64');
  const out = new Uint8Array(buf.length);
  out.set(buf);
  return out;
}
