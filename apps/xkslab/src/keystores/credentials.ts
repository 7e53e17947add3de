/**
 * SigV4 credentials in the format the XKS spec requires (§2.2): an access key id of 20-30
 * characters of A-Z and 2-7, a secret of 43-64 characters with at least 256 bits of entropy.
 */
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** 16 random bytes give 26 base32 characters: within 20-30, and unique in practice. */
export function generateAccessKeyId(random: (n: number) => Uint8Array): string {
  return base32(random(16));
}

/** 32 random bytes (256 bits) as standard Base64: 44 characters. */
export function generateSecretAccessKey(random: (n: number) => Uint8Array): string {
  return Buffer.from(random(32)).toString('base64');
}
