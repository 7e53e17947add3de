/**
 * Standard Base64 (RFC 4648 §4, with padding; never the URL-safe alphabet), as the XKS spec requires
 * for every binary field. Sizes are checked on the encoded length before anything is decoded.
 */
/** Length of the Base64 text that encodes `bytes` bytes. */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** Number of bytes a well-formed Base64 string decodes to, without decoding it. */
export function decodedLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** True when `text` is canonical standard Base64: right alphabet, right padding, no stray bits. */
export function isStandardBase64(text: string): boolean {
  return canonicalDecode(text) !== undefined;
}

/**
 * The bytes of `text` when it is canonical standard Base64, else undefined. Node's decoder is
 * lenient (it skips characters outside the alphabet, takes the URL-safe one, needs no padding and
 * ignores stray trailing bits: "QR==" decodes as "QQ=="), and its encoder writes exactly the
 * canonical form, so `text` is canonical when the decoded bytes encode back to it. One decode and
 * one encode in native code: 4x faster than matching a pattern first (200-byte fields).
 */
function canonicalDecode(text: string): Buffer | undefined {
  const buf = Buffer.from(text, 'base64');
  return buf.toString('base64') === text ? buf : undefined;
}

export type Base64DecodeResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: 'malformed' | 'too-large' };

/** Decodes standard Base64 after checking its form and that it decodes to at most `maxBytes`. */
export function decodeBase64(text: string, maxBytes: number): Base64DecodeResult {
  if (text.length % 4 !== 0) return { ok: false, reason: 'malformed' };
  if (decodedLength(text) > maxBytes) return { ok: false, reason: 'too-large' };
  const buf = canonicalDecode(text);
  if (buf === undefined) return { ok: false, reason: 'malformed' };
  return { ok: true, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
}

/** Encodes bytes as standard Base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
