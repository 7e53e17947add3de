/**
 * The KMS exceptions the emulator raises, each with the HTTP status AWS KMS answers it with (the
 * KMS Smithy model's httpError traits; unmodeled protocol errors are 400). The SDKs pick the
 * exception class from `__type`, so the name is what matters; the status drives their retries.
 */
export const KMS_ERRORS = {
  // Protocol and authentication (common to every AWS JSON service).
  UnknownOperationException: 400,
  SerializationException: 400,
  ValidationException: 400,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
  ThrottlingException: 400,
  // KMS keys and aliases.
  NotFoundException: 404,
  AlreadyExistsException: 409,
  DisabledException: 409,
  KMSInvalidStateException: 409,
  InvalidArnException: 400,
  InvalidAliasNameException: 400,
  InvalidCiphertextException: 400,
  IncorrectKeyException: 400,
  InvalidKeyUsageException: 400,
  KMSInvalidSignatureException: 400,
  KMSInvalidMacException: 400,
  InvalidImportTokenException: 400,
  ExpiredImportTokenException: 400,
  IncorrectKeyMaterialException: 400,
  LimitExceededException: 400,
  UnsupportedOperationException: 400,
  InvalidMarkerException: 400,
  DryRunOperationException: 412,
  KMSInternalException: 500,
  DependencyTimeoutException: 503,
  // Custom key stores.
  CustomKeyStoreNotFoundException: 400,
  CustomKeyStoreNameInUseException: 400,
  CustomKeyStoreInvalidStateException: 400,
  CustomKeyStoreHasCMKsException: 400,
  // External key stores.
  XksKeyAlreadyInUseException: 400,
  XksKeyInvalidConfigurationException: 400,
  XksKeyNotFoundException: 400,
  XksProxyIncorrectAuthenticationCredentialException: 400,
  XksProxyInvalidConfigurationException: 400,
  XksProxyInvalidResponseException: 400,
  XksProxyUriEndpointInUseException: 400,
  XksProxyUriInUseException: 400,
  XksProxyUriUnreachableException: 400,
  // Tags, key policies and grants.
  TagException: 400,
  MalformedPolicyDocumentException: 400,
  InvalidGrantTokenException: 400,
  InvalidGrantIdException: 400,
} as const satisfies Record<string, number>;

export type KmsErrorName = keyof typeof KMS_ERRORS;

/** A KMS exception on its way to the wire: `{"__type": name, "message": ...}` with its status. */
export class KmsError extends Error {
  readonly errorName: KmsErrorName;
  constructor(errorName: KmsErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmsError';
    this.errorName = errorName;
  }

  get status(): number {
    return KMS_ERRORS[this.errorName];
  }
}

export function isKmsError(e: unknown, name?: KmsErrorName): e is KmsError {
  return e instanceof KmsError && (name === undefined || e.errorName === name);
}

/** Anything thrown while serving a call, as a KmsError (unknown failures are KMSInternalException). */
export function toKmsError(e: unknown): KmsError {
  if (e instanceof KmsError) return e;
  return new KmsError('KMSInternalException', 'An internal error occurred in the KMS emulator', {
    cause: e,
  });
}

/** The AWS JSON 1.1 error body. */
export function kmsErrorBody(e: KmsError): string {
  return JSON.stringify({ __type: e.errorName, message: e.message });
}
