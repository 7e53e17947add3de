/**
 * Constants of the crypto core. They live beside the core (not in `src/constants.ts`) because
 * `src/crypto/` may import only @noble and its own files (see the Biome override in biome.json).
 */

/** AES-256 key length in bytes (FIPS 197). */
export const AES_256_KEY_BYTES = 32;

/** GCM authentication tag length in bytes: the full 128 bits (NIST SP 800-38D §5.2.1.2). */
export const GCM_TAG_BYTES = 16;

/** The IV length this module generates: 96 bits, the length SP 800-38D §8.2 recommends. */
export const GCM_IV_BYTES = 12;

/** IV lengths accepted on the way in: 96 and 128 bits, the two the XKS API allows. */
export const GCM_IV_LENGTHS: readonly number[] = [12, 16];

/** HKDF-SHA256 `info` for the key that seals small secrets (RFC 5869 §2.3). */
export const SECRET_SEAL_INFO = 'xkslab secret seal v1';

/** HKDF-SHA256 `info` for the key that authenticates stored records (RFC 5869 §2.3). */
export const RECORD_MAC_INFO = 'xkslab record mac v1';

/** Domain separation prefix of the record MAC input. */
export const RECORD_MAC_DOMAIN = 'xkslab record v1';
