import { XKS_ERROR_NAMES, type XksErrorName } from '@xkslab/protocol';
import { describe, expect, it } from 'vitest';
import {
  allUnavailableError,
  connectionErrorCode,
  createKeyError,
  cryptoError,
  keyStoreManagementError,
} from './error-mapping.ts';
import type { XksFailure } from './xks-failure.ts';

const subject = {
  keyStoreId: 'cks-1234567890abcdef0',
  xksKeyId: 'ext-1',
  kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/0f8e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6',
  timeoutMs: 250,
};
const proxyError = (errorName: XksErrorName): XksFailure => ({ kind: 'proxy-error', errorName });

/** §1.7, second table: proxy error -> (key store management, CreateKey). */
const TABLE: Record<XksErrorName, [string, string]> = {
  ValidationException: ['XksProxyInvalidResponseException', 'CustomKeyStoreInvalidStateException'],
  InvalidStateException: [
    'XksProxyInvalidResponseException',
    'XksKeyInvalidConfigurationException',
  ],
  InvalidCiphertextException: [
    'XksProxyInvalidResponseException',
    'CustomKeyStoreInvalidStateException',
  ],
  InvalidKeyUsageException: [
    'XksProxyInvalidResponseException',
    'XksKeyInvalidConfigurationException',
  ],
  AuthenticationFailedException: [
    'XksProxyIncorrectAuthenticationCredentialException',
    'CustomKeyStoreInvalidStateException',
  ],
  AccessDeniedException: [
    'XksProxyInvalidResponseException',
    'CustomKeyStoreInvalidStateException',
  ],
  KeyNotFoundException: ['XksProxyInvalidResponseException', 'XksKeyNotFoundException'],
  InvalidUriPathException: [
    'XksProxyInvalidConfigurationException',
    'CustomKeyStoreInvalidStateException',
  ],
  UnsupportedOperationException: [
    'XksProxyInvalidResponseException',
    'XksProxyInvalidResponseException',
  ],
  DependencyTimeoutException: [
    'XksProxyUriUnreachableException',
    'CustomKeyStoreInvalidStateException',
  ],
  ThrottlingException: ['XksProxyUriUnreachableException', 'CustomKeyStoreInvalidStateException'],
  InternalException: ['XksProxyInvalidResponseException', 'CustomKeyStoreInvalidStateException'],
};

describe('proxy errors as KMS exceptions (§1.7)', () => {
  for (const name of XKS_ERROR_NAMES) {
    const [management, createKey] = TABLE[name];
    it(`${name}: ${management} / ${createKey} / KMSInvalidStateException`, () => {
      expect(keyStoreManagementError(proxyError(name), subject).errorName).toBe(management);
      expect(createKeyError(proxyError(name), subject).errorName).toBe(createKey);
      const crypto = cryptoError(proxyError(name), subject);
      expect(crypto.errorName).toBe('KMSInvalidStateException');
      expect(crypto.message).toContain(subject.kmsKeyArn);
    });
  }

  it('transport failures: unreachable for management, invalid state for CreateKey and crypto', () => {
    const failures: XksFailure[] = [
      { kind: 'timeout' },
      { kind: 'unreachable', detail: 'ECONNREFUSED' },
      { kind: 'tls', detail: 'bad certificate' },
    ];
    for (const f of failures) {
      expect(keyStoreManagementError(f, subject).errorName).toBe('XksProxyUriUnreachableException');
      expect(createKeyError(f, subject).errorName).toBe('CustomKeyStoreInvalidStateException');
      expect(cryptoError(f, subject).errorName).toBe('KMSInvalidStateException');
    }
    const malformed: XksFailure = { kind: 'invalid-response', detail: 'not JSON' };
    expect(keyStoreManagementError(malformed, subject).errorName).toBe(
      'XksProxyInvalidResponseException',
    );
  });

  it('gives cryptographic failures the messages AWS documents', () => {
    expect(cryptoError(proxyError('InvalidStateException'), subject).message).toMatch(
      /external key ext-1 is not enabled in the external key manager/,
    );
    expect(cryptoError({ kind: 'timeout' }, subject).message).toMatch(
      /did not respond within 250 ms/,
    );
    expect(cryptoError({ kind: 'integrity', detail: 'x' }, subject).message).toMatch(/CDIV/);
    expect(allUnavailableError(subject).errorName).toBe('XksProxyUriUnreachableException');
  });

  it('maps connection failures to ConnectionErrorCode values', () => {
    expect(connectionErrorCode(proxyError('AuthenticationFailedException'))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(connectionErrorCode(proxyError('AccessDeniedException'))).toBe(
      'XKS_PROXY_ACCESS_DENIED',
    );
    expect(connectionErrorCode(proxyError('InvalidUriPathException'))).toBe(
      'XKS_PROXY_INVALID_CONFIGURATION',
    );
    expect(connectionErrorCode(proxyError('InternalException'))).toBe('XKS_PROXY_INVALID_RESPONSE');
    expect(connectionErrorCode({ kind: 'timeout' })).toBe('XKS_PROXY_TIMED_OUT');
    expect(connectionErrorCode({ kind: 'unreachable', detail: '' })).toBe(
      'XKS_PROXY_NOT_REACHABLE',
    );
    expect(connectionErrorCode({ kind: 'tls', detail: '' })).toBe(
      'XKS_PROXY_INVALID_TLS_CONFIGURATION',
    );
    expect(connectionErrorCode({ kind: 'invalid-response', detail: '' })).toBe(
      'XKS_PROXY_INVALID_RESPONSE',
    );
    expect(connectionErrorCode('all-unavailable')).toBe('XKS_PROXY_NOT_REACHABLE');
  });
});
