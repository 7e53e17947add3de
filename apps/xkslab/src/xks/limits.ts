import {
  AAD_LENGTH_PREFIX_MAX,
  MIN_SUPPORTED_AAD_BYTES,
  MIN_SUPPORTED_PLAINTEXT_BYTES,
} from '@xkslab/protocol';

/** Size limits of this proxy. Beyond them a request gets UnsupportedOperationException (spec §1.7). */
export type XksLimits = {
  /** Largest plaintext (encrypt) or ciphertext (decrypt), decoded bytes. */
  maxPlaintextBytes: number;
  /** Largest AAD, decoded bytes (at most 65535: the AAD construction carries a 2-byte length). */
  maxAadBytes: number;
  /** Hard cap on a request body, checked before anything is parsed. */
  maxBodyBytes: number;
};

export const DEFAULT_LIMITS: XksLimits = {
  maxPlaintextBytes: 64 * 1024,
  maxAadBytes: AAD_LENGTH_PREFIX_MAX,
  maxBodyBytes: 256 * 1024,
};

/** Refuses limits below what the spec says every proxy must accept. */
export function checkLimits(limits: XksLimits): string | undefined {
  if (limits.maxPlaintextBytes < MIN_SUPPORTED_PLAINTEXT_BYTES) {
    return `max plaintext must be at least ${MIN_SUPPORTED_PLAINTEXT_BYTES} bytes (spec minimum)`;
  }
  if (limits.maxAadBytes < MIN_SUPPORTED_AAD_BYTES || limits.maxAadBytes > AAD_LENGTH_PREFIX_MAX) {
    return `max AAD must be between ${MIN_SUPPORTED_AAD_BYTES} and ${AAD_LENGTH_PREFIX_MAX} bytes`;
  }
  return undefined;
}
