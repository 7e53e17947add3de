import { randomBytes } from 'node:crypto';
import { type DefectName, decodedLength, XKS_ERRORS, type XksErrorName } from '@xkslab/protocol';
import { parseAuthorization, type VerifyResult } from '@xkslab/sigv4';
import { isVcmError } from '@xkslab/vcm';
import { XksError } from '../xks/errors.ts';
import type { RequestFaults } from './fault-plan.ts';

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
    case 'short-plaintext-padded':
      if (typeof out.ciphertext === 'string' && 'authenticationTag' in out) {
        const ct = Buffer.from(out.ciphertext, 'base64');
        if (ct.length < 16)
          out.ciphertext = Buffer.concat([ct, Buffer.alloc(16 - ct.length)]).toString('base64');
      }
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
  if (defect === 'missing-content-type') return {};
  const json = { 'content-type': 'application/json' };
  return defect === 'keep-alive-refused' ? { ...json, connection: 'close' } : json;
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
