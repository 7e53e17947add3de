/**
 * The typed error of @xkslab/vcm. It is defined inside the crypto core because the core must throw
 * it (INVALID_CIPHERTEXT, CORRUPT_RECORD) and may import nothing outside `src/crypto/`.
 */

/** Stable error codes: branch on these, never on the message. */
export type VcmErrorCode =
  | 'MODULE_NOT_FOUND'
  | 'MODULE_EXISTS'
  | 'MODULE_IN_USE'
  | 'MODULE_DISCONNECTED'
  | 'MODULE_IN_MAINTENANCE'
  | 'KEY_NOT_FOUND'
  | 'KEY_EXISTS'
  | 'KEY_DISABLED'
  | 'KEY_BLOCKED'
  | 'KEY_NOT_EXPORTABLE'
  | 'INVALID_KEY_STATE'
  | 'INVALID_KEY_USAGE'
  | 'INVALID_CIPHERTEXT'
  | 'INVALID_INPUT'
  | 'STORE_UNAVAILABLE'
  | 'STORE_LOCKED'
  | 'WRONG_MASTER_KEY'
  | 'CORRUPT_RECORD'
  | 'HSM_ERROR'
  | 'NOT_SUPPORTED';

const CODES: ReadonlySet<string> = new Set<VcmErrorCode>([
  'MODULE_NOT_FOUND',
  'MODULE_EXISTS',
  'MODULE_IN_USE',
  'MODULE_DISCONNECTED',
  'MODULE_IN_MAINTENANCE',
  'KEY_NOT_FOUND',
  'KEY_EXISTS',
  'KEY_DISABLED',
  'KEY_BLOCKED',
  'KEY_NOT_EXPORTABLE',
  'INVALID_KEY_STATE',
  'INVALID_KEY_USAGE',
  'INVALID_CIPHERTEXT',
  'INVALID_INPUT',
  'STORE_UNAVAILABLE',
  'STORE_LOCKED',
  'WRONG_MASTER_KEY',
  'CORRUPT_RECORD',
  'HSM_ERROR',
  'NOT_SUPPORTED',
]);

/** An error of the module. Messages are short and never contain key material or data. */
export class VcmError extends Error {
  readonly code: VcmErrorCode;

  constructor(code: VcmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VcmError';
    this.code = code;
  }
}

/**
 * True when `e` is a VcmError (with `code`, when given). Also recognises a VcmError from another
 * copy of this package (same name, known code), where `instanceof` alone would say no.
 */
export function isVcmError(e: unknown, code?: VcmErrorCode): e is VcmError {
  let actual: unknown;
  if (e instanceof VcmError) actual = e.code;
  else if (e instanceof Error && e.name === 'VcmError') actual = (e as { code?: unknown }).code;
  if (typeof actual !== 'string' || !CODES.has(actual)) return false;
  return code === undefined || actual === code;
}
