/**
 * KMS key specs and usages (KMS Developer Guide, "Key spec reference"): which usage each spec
 * allows, the algorithms each combination offers, and how its material is made (node:crypto).
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { KmsError } from './errors.ts';
import type { KeySpec, KeyUsage, KmsKey } from './model.ts';
import { SigningAlgorithmSpec } from './model-enums.ts';
import { enumViolationMessage } from './validation-message.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

export const SYMMETRIC_KEY_BYTES = 32;
export const RSA_ENCRYPTION_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const;
export const RSA_SIGNING_ALGORITHMS = SigningAlgorithmSpec.filter((a) => a.startsWith('RSASSA_'));

type SpecInfo =
  | { kind: 'symmetric' }
  | { kind: 'hmac'; bytes: number; importMax: number; algorithm: string }
  | { kind: 'rsa'; bits: number }
  | { kind: 'ec'; curve: string; algorithm: string };

export const KEY_SPECS: Readonly<Record<KeySpec, SpecInfo>> = {
  SYMMETRIC_DEFAULT: { kind: 'symmetric' },
  HMAC_224: { kind: 'hmac', bytes: 28, importMax: 64, algorithm: 'HMAC_SHA_224' },
  HMAC_256: { kind: 'hmac', bytes: 32, importMax: 64, algorithm: 'HMAC_SHA_256' },
  HMAC_384: { kind: 'hmac', bytes: 48, importMax: 128, algorithm: 'HMAC_SHA_384' },
  HMAC_512: { kind: 'hmac', bytes: 64, importMax: 128, algorithm: 'HMAC_SHA_512' },
  RSA_2048: { kind: 'rsa', bits: 2048 },
  RSA_3072: { kind: 'rsa', bits: 3072 },
  RSA_4096: { kind: 'rsa', bits: 4096 },
  ECC_NIST_P256: { kind: 'ec', curve: 'prime256v1', algorithm: 'ECDSA_SHA_256' },
  ECC_NIST_P384: { kind: 'ec', curve: 'secp384r1', algorithm: 'ECDSA_SHA_384' },
  ECC_NIST_P521: { kind: 'ec', curve: 'secp521r1', algorithm: 'ECDSA_SHA_512' },
  ECC_SECG_P256K1: { kind: 'ec', curve: 'secp256k1', algorithm: 'ECDSA_SHA_256' },
};

export const KEY_SPEC_NAMES = Object.keys(KEY_SPECS) as KeySpec[];
export const KEY_USAGE_NAMES: readonly KeyUsage[] = [
  'ENCRYPT_DECRYPT',
  'SIGN_VERIFY',
  'GENERATE_VERIFY_MAC',
];

export function specInfo(spec: KeySpec): SpecInfo {
  return KEY_SPECS[spec];
}

/** The usages KMS allows for a spec. */
export function usagesOf(spec: KeySpec): readonly KeyUsage[] {
  const info = KEY_SPECS[spec];
  if (info.kind === 'symmetric') return ['ENCRYPT_DECRYPT'];
  if (info.kind === 'hmac') return ['GENERATE_VERIFY_MAC'];
  if (info.kind === 'rsa') return ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'];
  return ['SIGN_VERIFY'];
}

function enumError(value: string, field: string, allowed: readonly string[]): KmsError {
  return new KmsError('ValidationException', enumViolationMessage(value, field, allowed));
}

/** Key specs of the KMS API the emulator does not make (China Regions, post-quantum, EdDSA). */
const UNBUILT_SPECS = ['SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87', 'ECC_NIST_EDWARDS25519'];

export function parseKeySpec(value: string, field = 'keySpec'): KeySpec {
  if ((KEY_SPEC_NAMES as string[]).includes(value)) return value as KeySpec;
  if (UNBUILT_SPECS.includes(value)) {
    throw new KmsError(
      'UnsupportedOperationException',
      `The KMS emulator does not create ${value} keys.`,
    );
  }
  throw enumError(value, field, [...KEY_SPEC_NAMES, ...UNBUILT_SPECS]);
}

/** The spec and usage of a CreateKey request, checked as KMS checks them. */
export function specAndUsage(input: {
  KeySpec?: string | undefined;
  CustomerMasterKeySpec?: string | undefined;
  KeyUsage?: string | undefined;
}): { keySpec: KeySpec; keyUsage: KeyUsage } {
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
    throw new KmsError(
      'ValidationException',
      'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.',
    );
  }
  const keySpec =
    input.CustomerMasterKeySpec !== undefined
      ? parseKeySpec(input.CustomerMasterKeySpec, 'customerMasterKeySpec')
      : parseKeySpec(input.KeySpec ?? 'SYMMETRIC_DEFAULT');
  const usage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (!(KEY_USAGE_NAMES as string[]).includes(usage)) {
    throw enumError(usage, 'keyUsage', KEY_USAGE_NAMES);
  }
  const keyUsage = usage as KeyUsage;
  if (!usagesOf(keySpec).includes(keyUsage)) {
    throw new KmsError(
      'ValidationException',
      `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`,
    );
  }
  return { keySpec, keyUsage };
}

/** The algorithm lists DescribeKey and GetPublicKey show for a key. */
export function algorithmsOf(key: Pick<KmsKey, 'keySpec' | 'keyUsage'>): Record<string, string[]> {
  const info = KEY_SPECS[key.keySpec];
  if (info.kind === 'symmetric') return { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] };
  if (info.kind === 'hmac') return { MacAlgorithms: [info.algorithm] };
  if (info.kind === 'ec') return { SigningAlgorithms: [info.algorithm] };
  return key.keyUsage === 'ENCRYPT_DECRYPT'
    ? { EncryptionAlgorithms: [...RSA_ENCRYPTION_ALGORITHMS] }
    : { SigningAlgorithms: [...RSA_SIGNING_ALGORITHMS] };
}

/** The spec-dependent members of KeyMetadata. */
export function specMetadataOf(key: KmsKey): Record<string, unknown> {
  return {
    KeyUsage: key.keyUsage,
    Origin: key.origin,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...algorithmsOf(key),
    ...(key.origin === 'EXTERNAL' && key.material.length > 0
      ? {
          ExpirationModel:
            key.validTo === undefined ? 'KEY_MATERIAL_DOES_NOT_EXPIRE' : 'KEY_MATERIAL_EXPIRES',
          ...(key.validTo === undefined ? {} : { ValidTo: key.validTo / 1000 }),
        }
      : {}),
    ...(key.origin === 'EXTERNAL_KEY_STORE'
      ? { CustomKeyStoreId: key.customKeyStoreId, XksKeyConfiguration: { Id: key.xksKeyId } }
      : {}),
  };
}

/** A new asymmetric key pair of a spec, as node:crypto KeyObjects. */
export async function generateAsymmetric(
  spec: KeySpec,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const info = KEY_SPECS[spec];
  if (info.kind === 'rsa') return generateKeyPairAsync('rsa', { modulusLength: info.bits });
  if (info.kind === 'ec') return generateKeyPairAsync('ec', { namedCurve: info.curve });
  throw new RangeError(`${spec} is not an asymmetric key spec`);
}

/** New key material for an AWS_KMS key: AES or HMAC bytes, or a PKCS#8 DER private key. */
export async function generateMaterial(
  spec: KeySpec,
  random: (n: number) => Uint8Array,
): Promise<Uint8Array> {
  const info = KEY_SPECS[spec];
  if (info.kind === 'symmetric') return random(SYMMETRIC_KEY_BYTES);
  if (info.kind === 'hmac') return random(info.bytes);
  const { privateKey } = await generateAsymmetric(spec);
  return new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
}
