/** The only algorithm this package signs and accepts (SigV4 "AWS4-HMAC-SHA256"). */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** Last element of every SigV4 credential scope. */
export const SIGV4_TERMINATOR = 'aws4_request';
/** Prefix of the secret when deriving kDate. */
export const SIGV4_KEY_PREFIX = 'AWS4';
/** Headers KMS signs on every XKS call; the signer always adds them. */
export const REQUIRED_SIGNED_HEADERS = ['host', 'x-amz-date'] as const;
/** Allowed clock difference between the signer and the verifier, both directions (5 minutes). */
export const DEFAULT_MAX_SKEW_MS = 300_000;
/** Default bound of a SigningKeyCache. */
export const DEFAULT_SIGNING_KEY_CACHE_ENTRIES = 256;
/** A SigV4 signature is a hex-encoded HMAC-SHA256: 32 bytes, 64 hex characters. */
export const SIGNATURE_BYTES = 32;
export const SIGNATURE_HEX_LENGTH = 64;
