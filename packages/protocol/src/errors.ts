/**
 * The XKS error table (spec §1.7): every errorName with its HTTP status and whether KMS counts it
 * as retryable. The one place that decides what status an error name carries.
 */
export const XKS_ERRORS = {
  ValidationException: { status: 400, retryable: false },
  InvalidStateException: { status: 400, retryable: false },
  InvalidCiphertextException: { status: 400, retryable: false },
  InvalidKeyUsageException: { status: 400, retryable: false },
  AuthenticationFailedException: { status: 401, retryable: false },
  AccessDeniedException: { status: 403, retryable: false },
  KeyNotFoundException: { status: 404, retryable: false },
  InvalidUriPathException: { status: 404, retryable: false },
  ThrottlingException: { status: 429, retryable: true },
  UnsupportedOperationException: { status: 501, retryable: false },
  DependencyTimeoutException: { status: 503, retryable: true },
  InternalException: { status: 500, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type XksErrorName = keyof typeof XKS_ERRORS;
export type XksErrorStatus = (typeof XKS_ERRORS)[XksErrorName]['status'];

export const XKS_ERROR_NAMES = Object.keys(XKS_ERRORS) as XksErrorName[];

export function isXksErrorName(name: string): name is XksErrorName {
  return Object.hasOwn(XKS_ERRORS, name);
}

/** HTTP status of an XKS error name. */
export function xksErrorStatus(name: XksErrorName): XksErrorStatus {
  return XKS_ERRORS[name].status;
}

/**
 * Makes an errorMessage that obeys §1.7: printable ASCII only (0x20-0x7E), shorter than 512 chars.
 */
export function safeErrorMessage(message: string): string {
  const printable = message.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 511 ? `${printable.slice(0, 508)}...` : printable;
}
