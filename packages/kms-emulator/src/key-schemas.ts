/**
 * Request shapes of the signing, MAC, random, data key pair, public key and import actions (KMS API
 * reference), as zod schemas; values outside an enum fail with KMS's enum wording.
 */
import { z } from 'zod';
import {
  AlgorithmSpec,
  ExpirationModelType,
  MacAlgorithmSpec,
  MessageType,
  SigningAlgorithmSpec,
  WrappingKeySpec,
} from './model-enums.ts';
import { blob, EncryptionContextMap, GrantTokens, KeyIdString, NumberOfBytes } from './schemas.ts';

const MESSAGE_MAX = 4096;
const SIGNATURE_MAX = 6144;
const DryRun = z.boolean().optional();

/** Values outside the enum get KMS's wording from validation-message.ts, as every schema's do. */
const kmsEnum = z.enum;

export const SignRequest = z.object({
  KeyId: KeyIdString,
  Message: blob(1, MESSAGE_MAX),
  MessageType: kmsEnum(MessageType).optional(),
  GrantTokens,
  SigningAlgorithm: kmsEnum(SigningAlgorithmSpec),
  DryRun,
});

export const VerifyRequest = SignRequest.extend({ Signature: blob(1, SIGNATURE_MAX) });

export const GenerateMacRequest = z.object({
  KeyId: KeyIdString,
  Message: blob(1, MESSAGE_MAX),
  MacAlgorithm: kmsEnum(MacAlgorithmSpec),
  GrantTokens,
  DryRun,
});

export const VerifyMacRequest = GenerateMacRequest.extend({ Mac: blob(1, SIGNATURE_MAX) });

export const GenerateRandomRequest = z.object({
  NumberOfBytes,
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

export const GetParametersForImportRequest = z.object({
  KeyId: KeyIdString,
  WrappingAlgorithm: kmsEnum(AlgorithmSpec),
  WrappingKeySpec: kmsEnum(WrappingKeySpec),
});

export const ImportKeyMaterialRequest = z.object({
  KeyId: KeyIdString,
  ImportToken: blob(1, SIGNATURE_MAX),
  EncryptedKeyMaterial: blob(1, SIGNATURE_MAX),
  ValidTo: z.number().optional(),
  ExpirationModel: kmsEnum(ExpirationModelType).optional(),
});
