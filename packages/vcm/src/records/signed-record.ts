import { RECORD_VERSION } from '../constants.ts';
import { VcmError } from '../crypto/errors.ts';
import { recordMac, verifyRecordMac } from '../crypto/record-mac.ts';
import { fromBase64, toBase64 } from './base64.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function corrupt(storageKey: string, why: string, cause?: unknown): VcmError {
  return new VcmError(
    'CORRUPT_RECORD',
    `stored record ${storageKey} ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The stored form of a record: `{"v":1,"body":{...},"mac":"<base64>"}` as UTF-8, where `mac` is
 * an HMAC-SHA256 of the body's JSON text bound to `storageKey` (see crypto/record-mac.ts).
 */
export function encodeSignedRecord(
  macKey: Uint8Array,
  storageKey: string,
  body: object,
): Uint8Array {
  const json = JSON.stringify(body);
  const mac = toBase64(recordMac(macKey, storageKey, json));
  return encoder.encode(`{"v":${RECORD_VERSION},"body":${json},"mac":"${mac}"}`);
}

/**
 * The body of a stored record after its MAC checked out. Bodies are written by JSON.stringify of
 * plain objects with non-numeric keys, so JSON.stringify(JSON.parse(text)) reproduces the text the
 * MAC was computed over. Anything else (bad UTF-8, bad JSON, wrong version, bad MAC) is
 * CORRUPT_RECORD.
 */
export function decodeSignedRecord(
  macKey: Uint8Array,
  storageKey: string,
  bytes: Uint8Array,
): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw corrupt(storageKey, 'is not valid JSON', e);
  }
  if (parsed === null || typeof parsed !== 'object') throw corrupt(storageKey, 'is not an object');
  const { v, body, mac } = parsed as { v?: unknown; body?: unknown; mac?: unknown };
  if (v !== RECORD_VERSION) throw corrupt(storageKey, 'has an unknown format version');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw corrupt(storageKey, 'has no body');
  }
  const macBytes = fromBase64(mac, `mac of ${storageKey}`);
  if (!verifyRecordMac(macKey, storageKey, JSON.stringify(body), macBytes)) {
    throw corrupt(storageKey, 'failed its integrity check (altered, moved, or another master key)');
  }
  return body;
}
