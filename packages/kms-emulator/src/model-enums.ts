/**
 * Enumerations of the KMS service model (the AWS SDK for JavaScript v3 model, a superset of older
 * botocore models), used to answer ValidationException for values outside them, in KMS wording.
 * test/kms-model.test.ts checks them against the SDK and botocore models.
 */
export const GrantOperation = [
  'CreateGrant',
  'Decapsulate',
  'Decrypt',
  'DeriveSharedSecret',
  'DescribeKey',
  'Encapsulate',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GetPublicKey',
  'ReEncryptFrom',
  'ReEncryptTo',
  'RetireGrant',
  'Sign',
  'Verify',
  'VerifyMac',
] as const;

export const RotationType = ['AUTOMATIC', 'ON_DEMAND'] as const;

export const IncludeKeyMaterial = ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] as const;

export const KeySpec = [
  'ECC_NIST_EDWARDS25519',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
  'ML_KEM_1024',
  'ML_KEM_512',
  'ML_KEM_768',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'SM2',
  'SYMMETRIC_DEFAULT',
] as const;

export const KeyUsageType = [
  'ENCAPSULATE_DECAPSULATE',
  'ENCRYPT_DECRYPT',
  'GENERATE_VERIFY_MAC',
  'KEY_AGREEMENT',
  'SIGN_VERIFY',
] as const;

export const OriginType = ['AWS_CLOUDHSM', 'AWS_KMS', 'EXTERNAL', 'EXTERNAL_KEY_STORE'] as const;

export const CustomKeyStoreType = ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;

export const XksProxyConnectivityType = ['PUBLIC_ENDPOINT', 'VPC_ENDPOINT_SERVICE'] as const;

export const EncryptionAlgorithmSpec = [
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'SM2PKE',
  'SYMMETRIC_DEFAULT',
] as const;

export const SigningAlgorithmSpec = [
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'ED25519_PH_SHA_512',
  'ED25519_SHA_512',
  'ML_DSA_SHAKE_256',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'SM2DSA',
] as const;

export const MacAlgorithmSpec = [
  'HMAC_SHA_224',
  'HMAC_SHA_256',
  'HMAC_SHA_384',
  'HMAC_SHA_512',
] as const;

export const DataKeySpec = ['AES_128', 'AES_256'] as const;

export const DataKeyPairSpec = [
  'ECC_NIST_EDWARDS25519',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ML_KEM_1024',
  'ML_KEM_512',
  'ML_KEM_768',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'SM2',
] as const;

export const MessageType = ['DIGEST', 'EXTERNAL_MU', 'RAW'] as const;

export const AlgorithmSpec = [
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSAES_PKCS1_V1_5',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
  'SM2PKE',
] as const;

export const WrappingKeySpec = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'] as const;

export const ExpirationModelType = [
  'KEY_MATERIAL_DOES_NOT_EXPIRE',
  'KEY_MATERIAL_EXPIRES',
] as const;
