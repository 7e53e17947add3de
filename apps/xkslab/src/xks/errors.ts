import { safeErrorMessage, type XksErrorName, xksErrorStatus } from '@xkslab/protocol';
import { isVcmError, type VcmErrorCode } from '@xkslab/vcm';

/** An XKS error on its way to the wire: a spec errorName and a short, safe message. */
export class XksError extends Error {
  readonly errorName: XksErrorName;
  constructor(errorName: XksErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XksError';
    this.errorName = errorName;
  }
}

/** How module failures surface on the XKS API: the one place this is decided. */
const VCM_TO_XKS: Record<VcmErrorCode, XksErrorName> = {
  KEY_NOT_FOUND: 'KeyNotFoundException',
  KEY_DISABLED: 'InvalidStateException',
  KEY_BLOCKED: 'InvalidStateException',
  INVALID_KEY_STATE: 'InvalidStateException',
  MODULE_NOT_FOUND: 'InvalidStateException',
  MODULE_IN_MAINTENANCE: 'InvalidStateException',
  // A proxy that cannot reach its HSM: the retryable timeout KMS expects (spec §1.7).
  MODULE_DISCONNECTED: 'DependencyTimeoutException',
  INVALID_KEY_USAGE: 'InvalidKeyUsageException',
  INVALID_CIPHERTEXT: 'InvalidCiphertextException',
  INVALID_INPUT: 'ValidationException',
  MODULE_EXISTS: 'InternalException',
  KEY_EXISTS: 'InternalException',
  MODULE_IN_USE: 'InternalException',
  KEY_NOT_EXPORTABLE: 'InternalException',
  STORE_UNAVAILABLE: 'InternalException',
  STORE_LOCKED: 'InternalException',
  WRONG_MASTER_KEY: 'InternalException',
  CORRUPT_RECORD: 'InternalException',
  // A PKCS#11 failure the token gave no better answer for: AWS's reference proxy answers 500.
  HSM_ERROR: 'InternalException',
  // Never from an XKS call (rotation, export, deletion of pkcs11 keys are admin calls).
  NOT_SUPPORTED: 'InternalException',
};

const PUBLIC_MESSAGES: Partial<Record<XksErrorName, string>> = {
  KeyNotFoundException: 'External key not found',
  InvalidStateException: 'External key or key manager is not enabled',
  InvalidKeyUsageException: 'External key does not allow this operation',
  InvalidCiphertextException: 'Decryption failed: ciphertext, IV, tag, AAD or metadata is invalid',
  InternalException: 'Internal error in the key manager',
  DependencyTimeoutException: 'The external key manager cannot be reached',
};

/** Turns anything thrown while serving an XKS request into an XksError (unknowns become InternalException). */
export function toXksError(e: unknown): XksError {
  if (e instanceof XksError) return e;
  if (isVcmError(e)) {
    const name = VCM_TO_XKS[e.code];
    return new XksError(name, PUBLIC_MESSAGES[name] ?? 'Invalid request', { cause: e });
  }
  return new XksError('InternalException', 'Internal error', { cause: e });
}

/** The compact JSON body and status of an XKS error (spec §1.7). */
export function xksErrorBody(e: XksError): { status: number; body: string } {
  return {
    status: xksErrorStatus(e.errorName),
    body: JSON.stringify({ errorName: e.errorName, errorMessage: safeErrorMessage(e.message) }),
  };
}
