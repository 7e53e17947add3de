import { utf8ToBytes } from '@noble/hashes/utils.js';

/** '%XX' (upper-case hex) or the character itself for RFC 3986 unreserved bytes. */
const ENCODED: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  const c = String.fromCharCode(b);
  return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
});

function isUnreservedOnly(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const unreserved =
      (c >= 0x61 && c <= 0x7a) || // a-z
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x30 && c <= 0x39) || // 0-9
      c === 0x2d || // -
      c === 0x2e || // .
      c === 0x5f || // _
      c === 0x7e; // ~
    if (!unreserved) return false;
  }
  return true;
}

/**
 * SigV4 UriEncode: every UTF-8 byte outside the RFC 3986 unreserved set (A-Z a-z 0-9 - . _ ~)
 * becomes %XX with upper-case hex. Lone surrogates encode as U+FFFD (TextEncoder), never throw.
 */
export function uriEncode(s: string): string {
  if (isUnreservedOnly(s)) return s;
  let out = '';
  for (const b of utf8ToBytes(s)) out += ENCODED[b];
  return out;
}

/** Percent-decoding that leaves malformed input as it is instead of throwing. */
export function uriDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
