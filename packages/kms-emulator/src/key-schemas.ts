/**
 * Request shapes of the signing, MAC, random, data key pair, public key and import actions (KMS API
 * reference), as zod schemas; values outside an enum fail with KMS's enum wording.
 */
import { z } from 'zod';
import { DATA_KEY_BYTES_MAX } from './constants.ts';
import { blob, EncryptionContextMap, GrantTokens, KeyIdString } from './schemas.ts';

const MESSAGE_MAX = 4096;
const SIGNATURE_MAX = 6144;
const DryRun = z.boolean().optional();

/** Values outside the enum get KMS's wording from validation-message.ts, as every schema's do. */
const kmsEnum = z.enum;

export const SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const SignRequest = z.object({
  KeyId: KeyIdString,
  Message: blob(1, MESSAGE_MAX),
  MessageType: kmsEnum(['RAW', 'DIGEST', 'EXTERNAL_MU']).optional(),
  GrantTokens,
  SigningAlgorithm: kmsEnum(SIGNING_ALGORITHMS),
  DryRun,
});

export const VerifyRequest = SignRequest.extend({ Signature: blob(1, SIGNATURE_MAX) });

export const MAC_ALGORITHMS = [
  'HMAC_SHA_224',
  'HMAC_SHA_256',
  'HMAC_SHA_384',
  'HMAC_SHA_512',
] as const;

export const GenerateMacRequest = z.object({
  KeyId: KeyIdString,
  Message: blob(1, MESSAGE_MAX),
  MacAlgorithm: kmsEnum(MAC_ALGORITHMS),
  GrantTokens,
  DryRun,
});

export const VerifyMacRequest = GenerateMacRequest.extend({ Mac: blob(1, SIGNATURE_MAX) });

export const GenerateRandomRequest = z.object({
  NumberOfBytes: z
    .number()
    .int()
    .min(1, 'Member must have value greater than or equal to 1')
    .max(DATA_KEY_BYTES_MAX, `Member must have value less than or equal to ${DATA_KEY_BYTES_MAX}`)
    .optional(),
  CustomKeyStoreId: z.string().min(1).max(64).optional(),
  Recipient: z.unknown().optional(),
});

export const KEY_PAIR_SPECS = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SM2',
] as const;

export const GenerateDataKeyPairRequest = z.object({
  KeyId: KeyIdString,
  EncryptionContext: EncryptionContextMap,
  KeyPairSpec: kmsEnum(KEY_PAIR_SPECS),
  GrantTokens,
  Recipient: z.unknown().optional(),
  DryRun,
});

export const GetPublicKeyRequest = z.object({ KeyId: KeyIdString, GrantTokens });

export const WRAPPING_ALGORITHMS = [
  'RSAES_PKCS1_V1_5',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
  'SM2PKE',
] as const;

export const GetParametersForImportRequest = z.object({
  KeyId: KeyIdString,
  WrappingAlgorithm: kmsEnum(WRAPPING_ALGORITHMS),
  WrappingKeySpec: kmsEnum(['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2']),
});

export const ImportKeyMaterialRequest = z.object({
  KeyId: KeyIdString,
  ImportToken: blob(1, SIGNATURE_MAX),
  EncryptedKeyMaterial: blob(1, SIGNATURE_MAX),
  ValidTo: z.number().optional(),
  ExpirationModel: kmsEnum(['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE']).optional(),
});
