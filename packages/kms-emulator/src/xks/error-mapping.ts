/**
 * What a failed proxy call becomes for the KMS caller (§1.7, second table; §5). The one place this
 * is decided, per kind of KMS operation:
 *
 * - key store management (CreateCustomKeyStore, UpdateCustomKeyStore): XksProxy* exceptions;
 * - ConnectCustomKeyStore: the store ends FAILED with a ConnectionErrorCode;
 * - CreateKey: XksKey* or CustomKeyStoreInvalidStateException;
 * - cryptographic operations: always KMSInvalidStateException, with a message naming the cause.
 */
import { KmsError, type KmsErrorName } from '../errors.ts';
import type { ConnectionErrorCode } from '../model.ts';
import type { XksFailure } from './xks-failure.ts';

export type FailureSubject = {
  keyStoreId: string;
  xksKeyId?: string | undefined;
  kmsKeyArn?: string | undefined;
  timeoutMs: number;
};

/** A readable account of a failure, shared by the messages below. */
function describe(failure: XksFailure, s: FailureSubject): string {
  const key = s.xksKeyId ? `external key ${s.xksKeyId}` : 'the external key';
  switch (failure.kind) {
    case 'timeout':
      return `the external key store proxy of custom key store ${s.keyStoreId} did not respond within ${s.timeoutMs} ms (the request was retried once)`;
    case 'unreachable':
      return `KMS cannot reach the external key store proxy of custom key store ${s.keyStoreId}`;
    case 'tls':
      return `KMS cannot establish a TLS connection with the external key store proxy of custom key store ${s.keyStoreId}`;
    case 'invalid-response':
      return `KMS cannot interpret the response of the external key store proxy (${failure.detail})`;
    case 'integrity':
      return 'the ciphertext data integrity value (CDIV) in the response of the external key store proxy does not match the data it returned';
    case 'proxy-error':
      switch (failure.errorName) {
        case 'InvalidStateException':
          return `the ${key} is not enabled in the external key manager, or the external key manager is not available`;
        case 'KeyNotFoundException':
          return `the external key store proxy cannot find the ${key} in the external key manager`;
        case 'InvalidCiphertextException':
          return 'the external key store proxy rejected the ciphertext, initialization vector, authentication tag or additional authenticated data';
        case 'InvalidKeyUsageException':
          return `the ${key} does not allow this operation in the external key manager`;
        case 'AuthenticationFailedException':
          return `the external key store proxy rejected the authentication credential of custom key store ${s.keyStoreId}`;
        case 'AccessDeniedException':
          return `the external key store proxy denied this request to the ${key} (proxy authorization)`;
        case 'InvalidUriPathException':
          return `the external key store proxy does not serve the URI path of custom key store ${s.keyStoreId}`;
        case 'ValidationException':
          return 'the external key store proxy rejected the request as invalid';
        case 'UnsupportedOperationException':
          return 'the external key store proxy does not support this request';
        case 'DependencyTimeoutException':
          return 'the external key manager did not respond to the external key store proxy in time';
        case 'ThrottlingException':
          return 'the external key store proxy is throttling requests from KMS';
        case 'InternalException':
          return 'the external key store proxy reported an internal error';
      }
  }
}

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** CreateCustomKeyStore and UpdateCustomKeyStore (their GetHealthStatus test). */
export function keyStoreManagementError(failure: XksFailure, s: FailureSubject): KmsError {
  let name: KmsErrorName;
  switch (failure.kind) {
    case 'timeout':
    case 'unreachable':
    case 'tls':
      name = 'XksProxyUriUnreachableException';
      break;
    case 'invalid-response':
    case 'integrity':
      name = 'XksProxyInvalidResponseException';
      break;
    case 'proxy-error':
      switch (failure.errorName) {
        case 'AuthenticationFailedException':
          name = 'XksProxyIncorrectAuthenticationCredentialException';
          break;
        case 'InvalidUriPathException':
          name = 'XksProxyInvalidConfigurationException';
          break;
        case 'DependencyTimeoutException':
        case 'ThrottlingException':
          name = 'XksProxyUriUnreachableException';
          break;
        default:
          name = 'XksProxyInvalidResponseException';
      }
  }
  return new KmsError(name, sentence(describe(failure, s)));
}

/** The error when every key manager instance reports UNAVAILABLE (§5). */
export function allUnavailableError(s: FailureSubject): KmsError {
  return new KmsError(
    'XksProxyUriUnreachableException',
    `The external key store proxy of custom key store ${s.keyStoreId} reports that every external key manager instance is UNAVAILABLE.`,
  );
}

/** ConnectCustomKeyStore: the ConnectionErrorCode the store shows once FAILED. */
export function connectionErrorCode(failure: XksFailure | 'all-unavailable'): ConnectionErrorCode {
  if (failure === 'all-unavailable') return 'XKS_PROXY_NOT_REACHABLE';
  switch (failure.kind) {
    case 'timeout':
      return 'XKS_PROXY_TIMED_OUT';
    case 'unreachable':
      return 'XKS_PROXY_NOT_REACHABLE';
    case 'tls':
      return 'XKS_PROXY_INVALID_TLS_CONFIGURATION';
    case 'invalid-response':
    case 'integrity':
      return 'XKS_PROXY_INVALID_RESPONSE';
    case 'proxy-error':
      switch (failure.errorName) {
        case 'AuthenticationFailedException':
          return 'INVALID_CREDENTIALS';
        case 'AccessDeniedException':
          return 'XKS_PROXY_ACCESS_DENIED';
        case 'InvalidUriPathException':
          return 'XKS_PROXY_INVALID_CONFIGURATION';
        case 'DependencyTimeoutException':
          return 'XKS_PROXY_TIMED_OUT';
        case 'ThrottlingException':
          return 'XKS_PROXY_NOT_REACHABLE';
        default:
          return 'XKS_PROXY_INVALID_RESPONSE';
      }
  }
}

/** CreateKey (its GetKeyMetadata call). */
export function createKeyError(failure: XksFailure, s: FailureSubject): KmsError {
  let name: KmsErrorName = 'CustomKeyStoreInvalidStateException';
  if (failure.kind === 'proxy-error') {
    switch (failure.errorName) {
      case 'InvalidStateException':
      case 'InvalidKeyUsageException':
        name = 'XksKeyInvalidConfigurationException';
        break;
      case 'KeyNotFoundException':
        name = 'XksKeyNotFoundException';
        break;
      case 'UnsupportedOperationException':
        name = 'XksProxyInvalidResponseException';
        break;
    }
  }
  return new KmsError(name, sentence(describe(failure, s)));
}

/** Encrypt, Decrypt, ReEncrypt, GenerateDataKey*: every failure is KMSInvalidStateException. */
export function cryptoError(failure: XksFailure, s: FailureSubject): KmsError {
  const what = s.kmsKeyArn ? `KMS key ${s.kmsKeyArn}` : 'the KMS key';
  return new KmsError(
    'KMSInvalidStateException',
    `${sentence(describe(failure, s)).slice(0, -1)}, so the request for ${what} failed.`,
  );
}
