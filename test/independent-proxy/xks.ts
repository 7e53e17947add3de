/**
 * The four XKS operations of the independent proxy, from the spec (../shared/docs/xks-api.md
 * §1.2-§1.8) with node:crypto's AES-256-GCM. No code of xkslab's proxy, key module or protocol
 * package: it answers as a second vendor would.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export type KeyUsage = 'ENCRYPT' | 'DECRYPT' | 'WRAP';
export type Key = { material: Buffer; usage: readonly KeyUsage[]; enabled: boolean };

export class XksFailure extends Error {
  readonly errorName: string;
  readonly status: number;
  constructor(errorName: string, status: number, message: string) {
    super(message);
    this.errorName = errorName;
    this.status = status;
  }
}

const invalid = (m: string) => new XksFailure('ValidationException', 400, m);
const badCiphertext = () => new XksFailure('InvalidCiphertextException', 400, 'Decryption failed');
const usage = (m: string) => new XksFailure('InvalidKeyUsageException', 400, m);

/** Metadata this proxy returns: a format byte and a 3-byte tag, bound into the GCM AAD. */
const METADATA = Buffer.from([0x49, 0x50, 0x58, 0x01]);
const MAX_PLAINTEXT = 65_536;
const MAX_AAD = 65_535;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** requestMetadata with the named string fields; others are ignored (KMS adds fields). */
export function checkMetadata(body: Json, required: readonly string[]): void {
  const md = body.requestMetadata;
  if (!isObject(md)) throw invalid('requestMetadata is required');
  for (const f of required) {
    if (typeof md[f] !== 'string' || md[f] === '')
      throw invalid(`requestMetadata.${f} is required`);
  }
  for (const f of ['awsSourceVpc', 'awsSourceVpce', 'kmsViaService', 'kmsKeyArn']) {
    if (md[f] !== undefined && typeof md[f] !== 'string') throw invalid(`requestMetadata.${f}`);
  }
}

/** Standard, padded Base64 only; `max` bytes at most, else 501. */
function b64(
  body: Json,
  field: string,
  opts: { required: boolean; max: number },
): Buffer | undefined {
  const v = body[field];
  if (v === undefined && !opts.required) return undefined;
  if (typeof v !== 'string' || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
    throw invalid(`${field} must be Base64`);
  }
  const bytes = Buffer.from(v, 'base64');
  if (bytes.toString('base64') !== v) throw invalid(`${field} must be canonical Base64`);
  if (bytes.length > opts.max) {
    throw new XksFailure('UnsupportedOperationException', 501, `${field} is too large`);
  }
  return bytes;
}

/** uint16(len(aad)) | aad | uint8(len(md)) | md (spec §1.8). */
function gcmAad(aad: Buffer | undefined, md: Buffer | undefined): Buffer {
  const a = aad ?? Buffer.alloc(0);
  const m = md ?? Buffer.alloc(0);
  const lenA = Buffer.alloc(2);
  lenA.writeUInt16BE(a.length);
  return Buffer.concat([lenA, a, Buffer.from([m.length]), m]);
}

function usable(key: Key | undefined, op: 'ENCRYPT' | 'DECRYPT'): Key {
  if (!key) throw new XksFailure('KeyNotFoundException', 404, 'No such key');
  if (!key.enabled) throw new XksFailure('InvalidStateException', 400, 'The key is disabled');
  if (!key.usage.includes(op)) throw usage(`The key does not allow ${op}`);
  return key;
}

function gcmDecrypt(key: Key, ct: Buffer, iv: Buffer, tag: Buffer, aad: Buffer): Buffer {
  if (![12, 16].includes(iv.length) || tag.length !== 16) throw badCiphertext();
  try {
    const d = createDecipheriv('aes-256-gcm', key.material, iv, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    throw badCiphertext();
  }
}

export function metadataOp(key: Key | undefined, body: Json): Json {
  checkMetadata(body, ['awsPrincipalArn', 'kmsOperation', 'kmsRequestId']);
  if (!key) throw new XksFailure('KeyNotFoundException', 404, 'No such key');
  return {
    keySpec: 'AES_256',
    keyUsage: [...key.usage],
    keyStatus: key.enabled ? 'ENABLED' : 'DISABLED',
  };
}

export function encryptOp(found: Key | undefined, body: Json): Json {
  checkMetadata(body, ['awsPrincipalArn', 'kmsKeyArn', 'kmsOperation', 'kmsRequestId']);
  const plaintext = b64(body, 'plaintext', { required: true, max: MAX_PLAINTEXT }) as Buffer;
  const aad = b64(body, 'additionalAuthenticatedData', { required: false, max: MAX_AAD });
  if (body.encryptionAlgorithm !== 'AES_GCM') throw invalid('encryptionAlgorithm must be AES_GCM');
  const cdiv = body.ciphertextDataIntegrityValueAlgorithm;
  if (cdiv !== undefined && cdiv !== 'SHA_256') throw invalid('CDIV algorithm must be SHA_256');
  const key = usable(found, 'ENCRYPT');
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key.material, iv, { authTagLength: 16 });
  c.setAAD(gcmAad(aad, METADATA));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  const tag = c.getAuthTag();
  const out: Json = {
    ciphertext: ct.toString('base64'),
    initializationVector: iv.toString('base64'),
    authenticationTag: tag.toString('base64'),
    ciphertextMetadata: METADATA.toString('base64'),
  };
  if (cdiv !== undefined) {
    // The CDIV is computed first, then proven by a decrypt (spec §1.8): that needs DECRYPT.
    const digest = createHash('sha256')
      .update(Buffer.concat([aad ?? Buffer.alloc(0), METADATA, iv, ct, tag]))
      .digest('base64');
    const back = gcmDecrypt(usable(key, 'DECRYPT'), ct, iv, tag, gcmAad(aad, METADATA));
    if (!back.equals(plaintext))
      throw new XksFailure('InternalException', 500, 'Verification failed');
    out.ciphertextDataIntegrityValue = digest;
  }
  return out;
}

export function decryptOp(found: Key | undefined, body: Json): Json {
  checkMetadata(body, ['awsPrincipalArn', 'kmsKeyArn', 'kmsOperation', 'kmsRequestId']);
  if (body.encryptionAlgorithm !== 'AES_GCM') throw invalid('encryptionAlgorithm must be AES_GCM');
  const ct = b64(body, 'ciphertext', { required: true, max: MAX_PLAINTEXT }) as Buffer;
  const iv = b64(body, 'initializationVector', { required: true, max: 64 }) as Buffer;
  const tag = b64(body, 'authenticationTag', { required: true, max: 64 }) as Buffer;
  const aad = b64(body, 'additionalAuthenticatedData', { required: false, max: MAX_AAD });
  const md = b64(body, 'ciphertextMetadata', { required: false, max: 255 });
  if (md !== undefined && md.length > 20) throw invalid('ciphertextMetadata is over 20 bytes');
  const key = usable(found, 'DECRYPT');
  return { plaintext: gcmDecrypt(key, ct, iv, tag, gcmAad(aad, md)).toString('base64') };
}

export function healthOp(body: Json): Json {
  checkMetadata(body, ['kmsRequestId', 'kmsOperation']);
  return {
    xksProxyFleetSize: 1,
    xksProxyVendor: 'Independent test proxy',
    xksProxyModel: 'independent-proxy 1.0',
    ekmVendor: 'node:crypto',
    ekmFleetDetails: [
      { id: 'node-1', model: `Node.js ${process.version}`, healthStatus: 'ACTIVE' },
    ],
  };
}
