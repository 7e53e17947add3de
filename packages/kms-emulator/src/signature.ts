/**
 * Signatures as KMS makes them: RSASSA-PSS (salt as long as the hash, MGF1 of the same hash) and
 * RSASSA-PKCS1-v1_5 (RFC 8017 §8), ECDSA with DER-encoded signatures (SEC 1, RFC 3279). RAW
 * messages are hashed by node:crypto; DIGEST messages are already hashed: ECDSA signs them with
 * @noble/curves (prehash off), PKCS1-v1_5 pads DigestInfo || digest (RFC 8017 §9.2) through
 * node:crypto's RSA private operation. RSASSA-PSS over a DIGEST has no node:crypto or noble
 * primitive and is refused rather than hand-written.
 */
import {
  constants,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  privateEncrypt,
  publicDecrypt,
  timingSafeEqual,
} from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { KmsError } from './errors.ts';
import type { KeySpec } from './model.ts';

type Hash = 'sha256' | 'sha384' | 'sha512';
type Scheme = 'pss' | 'pkcs1' | 'ecdsa';
export type MessageType = 'RAW' | 'DIGEST';

const HASH_BYTES: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** RFC 8017 §9.2 note 1: the DER DigestInfo prefix of each hash. */
const DIGEST_INFO: Record<Hash, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

const CURVES = {
  ECC_NIST_P256: p256,
  ECC_NIST_P384: p384,
  ECC_NIST_P521: p521,
  ECC_SECG_P256K1: secp256k1,
} as const;

function parse(algorithm: string): { hash: Hash; scheme: Scheme } {
  const hash = `sha${algorithm.slice(-3)}` as Hash;
  const scheme = algorithm.startsWith('RSASSA_PSS')
    ? 'pss'
    : algorithm.startsWith('RSASSA_PKCS1')
      ? 'pkcs1'
      : 'ecdsa';
  return { hash, scheme };
}

function curveOf(spec: KeySpec) {
  const curve = CURVES[spec as keyof typeof CURVES];
  if (!curve) throw new RangeError(`${spec} is not an elliptic curve key spec`);
  return curve;
}

function rsaOptions(key: KeyObject, scheme: Scheme, hash: Hash) {
  return scheme === 'pss'
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[hash] }
    : { key, padding: constants.RSA_PKCS1_PADDING };
}

/** The DIGEST message checked: as long as the algorithm's hash, and not for RSASSA-PSS. */
function checkDigest(algorithm: string, hash: Hash, scheme: Scheme, digest: Uint8Array): void {
  if (digest.length !== HASH_BYTES[hash]) {
    throw new KmsError(
      'ValidationException',
      `Digest is invalid length for algorithm ${algorithm}: ${digest.length} bytes, expected ${HASH_BYTES[hash]}.`,
    );
  }
  if (scheme === 'pss') {
    throw new KmsError(
      'UnsupportedOperationException',
      `The KMS emulator signs and verifies ${algorithm} over RAW messages only.`,
    );
  }
}

/** The curve's private scalar from a node:crypto key (JWK `d`). */
function scalarOf(privateKey: KeyObject): Uint8Array {
  return new Uint8Array(Buffer.from(String(privateKey.export({ format: 'jwk' }).d), 'base64url'));
}

/** The curve point 04 || x || y from a node:crypto public key. */
function pointOf(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  return new Uint8Array(
    Buffer.concat([
      Uint8Array.of(4),
      Buffer.from(String(jwk.x), 'base64url'),
      Buffer.from(String(jwk.y), 'base64url'),
    ]),
  );
}

export function signMessage(
  spec: KeySpec,
  privateKey: KeyObject,
  algorithm: string,
  message: Uint8Array,
  type: MessageType,
): Uint8Array {
  const { hash, scheme } = parse(algorithm);
  if (type === 'RAW') {
    const options =
      scheme === 'ecdsa'
        ? { key: privateKey, dsaEncoding: 'der' as const }
        : rsaOptions(privateKey, scheme, hash);
    return new Uint8Array(nodeSign(hash, message, options));
  }
  checkDigest(algorithm, hash, scheme, message);
  if (scheme === 'ecdsa') {
    const d = scalarOf(privateKey);
    try {
      return curveOf(spec).sign(message, d, { prehash: false, format: 'der' });
    } finally {
      d.fill(0);
    }
  }
  const encoded = Buffer.concat([DIGEST_INFO[hash], message]);
  return new Uint8Array(
    privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, encoded),
  );
}

export function verifyMessage(
  spec: KeySpec,
  publicKey: KeyObject,
  algorithm: string,
  message: Uint8Array,
  type: MessageType,
  signature: Uint8Array,
): boolean {
  const { hash, scheme } = parse(algorithm);
  if (type === 'RAW') {
    const options =
      scheme === 'ecdsa'
        ? { key: publicKey, dsaEncoding: 'der' as const }
        : rsaOptions(publicKey, scheme, hash);
    try {
      return nodeVerify(hash, message, options, signature);
    } catch {
      return false;
    }
  }
  checkDigest(algorithm, hash, scheme, message);
  try {
    if (scheme === 'ecdsa') {
      return curveOf(spec).verify(signature, message, pointOf(publicKey), {
        prehash: false,
        format: 'der',
        lowS: false,
      });
    }
    const expected = Buffer.concat([DIGEST_INFO[hash], message]);
    const got = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    return got.length === expected.length && timingSafeEqual(got, expected);
  } catch {
    return false;
  }
}
