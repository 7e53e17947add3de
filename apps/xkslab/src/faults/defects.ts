import { randomBytes } from 'node:crypto';
import { type DefectName, decodedLength, XKS_ERRORS, type XksErrorName } from '@xkslab/protocol';
import { parseAuthorization, type VerifyResult } from '@xkslab/sigv4';
import { isVcmError } from '@xkslab/vcm';
import { XksError } from '../xks/errors.ts';
import type { RequestFaults } from './fault-plan.ts';

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
};

/** kmsOperation values the spec lists (§1.2), what 'unknown-operation-rejected' allows. */
const KNOWN_KMS_OPERATIONS = new Set([
  'CreateKey',
  'DescribeKey',
  'Encrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'Decrypt',
  'CreateCustomKeyStore',
  'ConnectCustomKeyStore',
  'UpdateCustomKeyStore',
  'KmsHealthCheck',
]);
const KNOWN_FIELDS = new Set([
  'requestMetadata',
  'plaintext',
  'ciphertext',
  'encryptionAlgorithm',
  'initializationVector',
  'authenticationTag',
  'additionalAuthenticatedData',
  'ciphertextMetadata',
  'ciphertextDataIntegrityValueAlgorithm',
]);
const KNOWN_METADATA_FIELDS = new Set([
  'awsPrincipalArn',
  'awsSourceVpc',
  'awsSourceVpce',
  'kmsKeyArn',
  'kmsOperation',
  'kmsRequestId',
  'kmsViaService',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFECT_MAX_PLAINTEXT_BYTES = 4096;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Request checks a defect adds after schema validation (throws XksError). */
export function refuseByDefect(defect: DefectName, json: unknown): void {
  if (!isObject(json)) return;
  const md = isObject(json.requestMetadata) ? json.requestMetadata : {};
  switch (defect) {
    case 'unknown-operation-rejected':
      if (typeof md.kmsOperation === 'string' && !KNOWN_KMS_OPERATIONS.has(md.kmsOperation)) {
        throw new XksError('ValidationException', 'Unknown kmsOperation');
      }
      return;
    case 'unknown-fields-rejected':
      for (const k of Object.keys(json)) {
        if (!KNOWN_FIELDS.has(k)) throw new XksError('ValidationException', `Unknown field ${k}`);
      }
      for (const k of Object.keys(md)) {
        if (!KNOWN_METADATA_FIELDS.has(k)) {
          throw new XksError('ValidationException', `Unknown field requestMetadata.${k}`);
        }
      }
      return;
    case 'request-id-validated':
      if (typeof md.kmsRequestId === 'string' && !UUID.test(md.kmsRequestId)) {
        throw new XksError('ValidationException', 'kmsRequestId must be a UUID');
      }
      return;
    case 'max-size-rejected':
      for (const field of ['plaintext', 'ciphertext']) {
        const v = json[field];
        if (typeof v === 'string' && decodedLength(v) > DEFECT_MAX_PLAINTEXT_BYTES) {
          throw new XksError('UnsupportedOperationException', `${field} over 4096 bytes`);
        }
      }
      return;
    default:
      return;
  }
}

/** SigV4 outcome under the auth defects; `verify(maxSkewMs)` re-verifies with another skew. */
export function authWithDefect(
  defect: DefectName | undefined,
  verify: (maxSkewMs?: number) => VerifyResult,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  firstAccessKeyId: string | undefined,
): VerifyResult {
  const result = verify();
  switch (defect) {
    case 'sigv4-unchecked':
      return result.ok ? result : { ok: true, accessKeyId: firstAccessKeyId ?? 'unchecked' };
    case 'skew-unchecked':
      return !result.ok && result.reason === 'CLOCK_SKEW'
        ? verify(Number.POSITIVE_INFINITY)
        : result;
    case 'second-credential-ignored':
      return result.ok && result.accessKeyId !== firstAccessKeyId
        ? { ok: false, reason: 'UNKNOWN_ACCESS_KEY', detail: 'only the first credential works' }
        : result;
    case 'curl-signing-rejected': {
      const raw = headers.authorization;
      const value = Array.isArray(raw) ? raw[0] : raw;
      const signed = typeof value === 'string' ? parseAuthorization(value)?.signedHeaders : [];
      return result.ok && signed?.join(';') !== 'host;x-amz-date'
        ? { ok: false, reason: 'MALFORMED_AUTHORIZATION', detail: 'sign host;x-amz-date only' }
        : result;
    }
    default:
      return result;
  }
}

const toUrlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const BINARY_FIELDS = [
  'ciphertext',
  'initializationVector',
  'authenticationTag',
  'ciphertextMetadata',
  'ciphertextDataIntegrityValue',
  'plaintext',
];

function flipOneBit(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > 0) bytes[0] = (bytes[0] as number) ^ 0x01;
  return bytes.toString('base64');
}

function nodeMatches(id: string, nodes: 'all' | readonly string[]): boolean {
  return nodes === 'all' || nodes.some((n) => id === n || id.endsWith(`-${n}`));
}

/** A successful answer as the rules and the defect change it. */
export function resultWithFaults(f: RequestFaults, result: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result };
  if (f.bitflip && typeof out[f.bitflip] === 'string') {
    out[f.bitflip] = flipOneBit(out[f.bitflip] as string);
  }
  if (f.health.length > 0 && Array.isArray(out.ekmFleetDetails)) {
    out.ekmFleetDetails = (out.ekmFleetDetails as Array<{ id: string }>).map((node) => {
      const hit = f.health.filter((h) => nodeMatches(node.id, h.nodes));
      if (hit.length === 0) return node;
      const worst = hit.some((h) => h.status === 'UNAVAILABLE') ? 'UNAVAILABLE' : 'DEGRADED';
      return { ...node, healthStatus: worst };
    });
  }
  switch (f.defect) {
    case 'urlsafe-base64':
      for (const k of BINARY_FIELDS) if (typeof out[k] === 'string') out[k] = toUrlSafe(out[k]);
      break;
    case 'iv-8-bytes':
      if (typeof out.initializationVector === 'string') {
        out.initializationVector = Buffer.from(out.initializationVector, 'base64')
          .subarray(0, 8)
          .toString('base64');
      }
      break;
    case 'tag-15-bytes':
      if (typeof out.authenticationTag === 'string') {
        out.authenticationTag = Buffer.from(out.authenticationTag, 'base64')
          .subarray(0, 15)
          .toString('base64');
      }
      break;
    case 'tag-appended':
      if (typeof out.ciphertext === 'string' && typeof out.authenticationTag === 'string') {
        out.ciphertext = Buffer.concat([
          Buffer.from(out.ciphertext, 'base64'),
          Buffer.from(out.authenticationTag, 'base64'),
        ]).toString('base64');
      }
      break;
    case 'metadata-oversized':
      if ('ciphertext' in out && 'authenticationTag' in out) {
        out.ciphertextMetadata = randomBytes(24).toString('base64');
      }
      break;
    case 'key-spec-wrong':
      if ('keySpec' in out) out.keySpec = 'RSA_0';
      break;
    case 'disabled-served':
      if ('keyStatus' in out) out.keyStatus = 'ENABLED';
      break;
    case 'fleet-empty':
      if ('ekmFleetDetails' in out) out.ekmFleetDetails = [];
      break;
    default:
      break;
  }
  return out;
}

/** The answer body text (pretty-printed under 'pretty-json'). */
export function jsonText(defect: DefectName | undefined, body: unknown): string {
  return defect === 'pretty-json' ? JSON.stringify(body, null, 2) : JSON.stringify(body);
}

/** Response headers for a JSON answer (none under 'missing-content-type'). */
export function jsonHeaders(defect: DefectName | undefined): Record<string, string> {
  return defect === 'missing-content-type' ? {} : { 'content-type': 'application/json' };
}

/** An error answer as the defect changes it: status, body text and headers. */
export function errorWithDefect(
  defect: DefectName | undefined,
  errorName: XksErrorName,
  wire: { status: number; body: string },
): { status: number; body: string; headers: Record<string, string> } {
  switch (defect) {
    case 'wrong-status':
      return { status: 400, body: wire.body, headers: jsonHeaders(defect) };
    case 'error-without-json':
      return { status: wire.status, body: errorName, headers: { 'content-type': 'text/plain' } };
    case 'error-message-unsafe':
      return {
        status: XKS_ERRORS[errorName].status,
        body: JSON.stringify({ errorName, errorMessage: `Fehler: ${'\u00fc'.repeat(600)}` }),
        headers: jsonHeaders(defect),
      };
    default:
      return {
        status: wire.status,
        body: jsonText(defect, JSON.parse(wire.body)),
        headers: jsonHeaders(defect),
      };
  }
}

/**
 * Whether a module refusal is answered as if the proxy had not checked ('usage-unenforced' for
 * INVALID_KEY_USAGE, 'disabled-served' for KEY_DISABLED). The module never breaks its own rules,
 * so the answer is emulated: 200 with output the module did not make.
 */
export function servesRefusal(defect: DefectName | undefined, e: unknown): boolean {
  return (
    (defect === 'usage-unenforced' && isVcmError(e, 'INVALID_KEY_USAGE')) ||
    (defect === 'disabled-served' && isVcmError(e, 'KEY_DISABLED'))
  );
}
