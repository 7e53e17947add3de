import type { DefectName } from '@xkslab/protocol';

/**
 * The defect profiles: each breaks one rule of the spec on purpose, so that a conformance runner
 * can be mutation-tested (does it notice?). `caughtBy` is the check of `xkslab conformance` that
 * fails when the defect is on.
 */
export const DEFECTS: Record<DefectName, { summary: string; specRef: string; caughtBy: string }> = {
  'urlsafe-base64': {
    summary: 'binary response fields in URL-safe Base64 without padding',
    specRef: '§1.4',
    caughtBy: 'encrypt.ok',
  },
  'pretty-json': {
    summary: 'every JSON answer pretty-printed over several lines',
    specRef: '§4',
    caughtBy: 'format.compact-json',
  },
  'wrong-status': {
    summary: 'every error carries the right errorName but HTTP status 400',
    specRef: '§1.7',
    caughtBy: 'format.error-status',
  },
  'sigv4-unchecked': {
    summary: 'SigV4 signatures are not checked at all',
    specRef: '§2.1',
    caughtBy: 'sigv4.wrong-secret',
  },
  'skew-unchecked': {
    summary: 'x-amz-date may be any distance from the proxy clock',
    specRef: '§2.1',
    caughtBy: 'sigv4.clock-skew-rejected',
  },
  'aad-ignored': {
    summary: 'the AAD is not fed to AES-GCM',
    specRef: '§1.5',
    caughtBy: 'decrypt.wrong-aad',
  },
  'metadata-unbound': {
    summary: 'ciphertextMetadata is not bound into the GCM AAD (nor read on decrypt)',
    specRef: '§1.8',
    caughtBy: 'decrypt.tampered-metadata',
  },
  'cdiv-unverified': {
    summary: 'the CDIV is returned without the verifying decrypt',
    specRef: '§1.8',
    caughtBy: 'encrypt.cdiv-encrypt-only',
  },
  'cdiv-wrong': {
    summary: 'the CDIV leaves out the AAD and ciphertextMetadata',
    specRef: '§1.8',
    caughtBy: 'encrypt.cdiv',
  },
  'usage-unenforced': {
    summary: 'key usage is not enforced (emulated: 200 with output the module did not make)',
    specRef: '§1.7',
    caughtBy: 'usage.encrypt-only',
  },
  'disabled-served': {
    summary: 'a DISABLED key reports ENABLED and is served (emulated output)',
    specRef: '§1.3',
    caughtBy: 'state.disabled-key',
  },
  'get-200': {
    summary: 'GET on an API URI answers 200',
    specRef: '§1.1',
    caughtBy: 'http.get-405',
  },
  'unknown-operation-rejected': {
    summary: 'kmsOperation values outside the spec list are ValidationException',
    specRef: '§1.1',
    caughtBy: 'robust.unknown-kms-operation',
  },
  'unknown-fields-rejected': {
    summary: 'unknown request fields are ValidationException (strict schemas)',
    specRef: '§1.1',
    caughtBy: 'robust.unknown-fields',
  },
  'missing-content-type': {
    summary: 'answers carry no Content-Type',
    specRef: '§1.1',
    caughtBy: 'format.content-type',
  },
  'iv-8-bytes': {
    summary: 'encrypt returns an 8-byte IV',
    specRef: '§1.4',
    caughtBy: 'encrypt.ok',
  },
  'tag-15-bytes': {
    summary: 'encrypt returns a 15-byte tag',
    specRef: '§1.4',
    caughtBy: 'encrypt.ok',
  },
  'tag-appended': {
    summary: 'the tag is left appended to the ciphertext (ciphertext 16 bytes too long)',
    specRef: '§1.4',
    caughtBy: 'encrypt.ok',
  },
  'metadata-oversized': {
    summary: 'encrypt returns 24 bytes of ciphertextMetadata',
    specRef: '§1.4',
    caughtBy: 'encrypt.ok',
  },
  'error-without-json': {
    summary: 'errors answered as text/plain with the bare error name',
    specRef: '§1.7',
    caughtBy: 'format.error-body',
  },
  'error-message-unsafe': {
    summary: 'errorMessage of 600 characters with non-ASCII text',
    specRef: '§1.7',
    caughtBy: 'format.error-body',
  },
  'key-spec-wrong': {
    summary: 'GetKeyMetadata reports keySpec RSA_0 (the reference proxy bug on newer Rust)',
    specRef: '§1.3',
    caughtBy: 'metadata.ok',
  },
  'fleet-empty': {
    summary: 'GetHealthStatus returns an empty ekmFleetDetails',
    specRef: '§1.6',
    caughtBy: 'health.ok',
  },
  'wrong-prefix-accepted': {
    summary: 'an unknown URI path prefix is served by the key store of the credential',
    specRef: '§1.7',
    caughtBy: 'http.wrong-prefix',
  },
  'request-id-validated': {
    summary: 'a kmsRequestId that is not a UUID is ValidationException',
    specRef: '§1.1',
    caughtBy: 'robust.opaque-request-id',
  },
  'second-credential-ignored': {
    summary: "only a key store's first credential works (no rotation)",
    specRef: '§2.2',
    caughtBy: 'sigv4.second-credential',
  },
  'curl-signing-rejected': {
    summary: 'requests that also sign content-type (as curl does) are refused',
    specRef: '§2.1',
    caughtBy: 'sigv4.curl-signed-headers',
  },
  'max-size-rejected': {
    summary: 'plaintext over 4096 bytes is UnsupportedOperationException (spec minimum 4300)',
    specRef: '§1.4',
    caughtBy: 'roundtrip.max-sizes',
  },
  'sigv4-algorithm-ignored': {
    summary: 'the algorithm token of Authorization is not checked',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.algorithm',
  },
  'sigv4-access-key-loose': {
    summary: 'access key ids match regardless of case, or by prefix',
    specRef: '§2.2',
    caughtBy: 'sigv4.matrix.access-key',
  },
  'sigv4-scope-date-free': {
    summary: 'the credential scope date need not be the X-Amz-Date day',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.scope-date',
  },
  'sigv4-region-case': {
    summary: 'the scope region is compared without case',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.scope-region',
  },
  'sigv4-service-case': {
    summary: 'the scope service is compared without case',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.scope-service',
  },
  'sigv4-terminator-free': {
    summary: 'the scope terminator (and the number of scope fields) is taken from the request',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.scope-terminator',
  },
  'sigv4-host-unsigned': {
    summary: 'host and x-amz-date need not be signed',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.required-headers',
  },
  'sigv4-headers-normalized': {
    summary: 'SignedHeaders is lower-cased, sorted and de-duplicated before use',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.signed-headers-form',
  },
  'sigv4-signature-prefix': {
    summary: 'only the first 32 hex digits of the signature are compared, without case',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.signature',
  },
  'sigv4-body-reserialized': {
    summary: 'a signature over the re-serialized JSON body is accepted too',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.body',
  },
  'sigv4-payload-hash-trusted': {
    summary: "x-amz-content-sha256 is taken as the payload hash instead of the body's hash",
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.payload-hash',
  },
  'sigv4-window-wide': {
    summary: 'X-Amz-Date may be up to two days from the proxy clock',
    specRef: '§2.1',
    caughtBy: 'sigv4.matrix.date-window',
  },
  'encrypt-cached': {
    summary: 'encrypt answers are cached by key, plaintext and AAD (IVs repeat)',
    specRef: '§1.8',
    caughtBy: 'crypto.nonce-unique',
  },
  'short-plaintext-padded': {
    summary: 'ciphertexts of plaintexts under 16 bytes are padded to 16',
    specRef: '§1.4',
    caughtBy: 'crypto.gcm-sizes',
  },
  'metadata-trailing-ignored': {
    summary: 'decrypt reads and binds only the first 5 bytes of ciphertextMetadata',
    specRef: '§1.8',
    caughtBy: 'crypto.metadata-bound',
  },
  'slow-answers': {
    summary: 'one answer in 20 is held 400 ms (beyond the 250 ms deadline)',
    specRef: '§5',
    caughtBy: 'latency.every-answer',
  },
  'keep-alive-refused': {
    summary: 'every answer closes its connection (Connection: close)',
    specRef: '§1.1',
    caughtBy: 'transport.keep-alive',
  },
  'pipelining-dropped': {
    summary: 'a request pipelined behind another one on its connection drops the connection',
    specRef: '§1.1',
    caughtBy: 'transport.pipelining',
  },
  'few-connections': {
    summary: 'answers wait 400 ms while more than 4 connections are open',
    specRef: '§5',
    caughtBy: 'transport.slow-connections',
  },
};
