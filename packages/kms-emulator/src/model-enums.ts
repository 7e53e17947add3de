/**
 * Enumerations of the KMS service model: botocore's service-2.json in its order (the order KMS
 * lists them in a ValidationException), then the values only the newer AWS SDK v3 model has. Used
 * to answer ValidationException for values outside them, in KMS wording.
 * test/kms-model.test.ts checks them against both models.
 */
export const GrantOperation = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'Decapsulate',
  'DeriveSharedSecret',
  'Encapsulate',
] as const;

export const RotationType = ['AUTOMATIC', 'ON_DEMAND'] as const;

export const IncludeKeyMaterial = ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] as const;

export const KeySpec = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SYMMETRIC_DEFAULT',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'SM2',
  'ECC_NIST_EDWARDS25519',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
  'ML_KEM_1024',
  'ML_KEM_512',
  'ML_KEM_768',
] as const;

export const CustomerMasterKeySpec = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SYMMETRIC_DEFAULT',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'SM2',
] as const;

export const KeyUsageType = [
  'SIGN_VERIFY',
  'ENCRYPT_DECRYPT',
  'GENERATE_VERIFY_MAC',
  'ENCAPSULATE_DECAPSULATE',
  'KEY_AGREEMENT',
] as const;

export const OriginType = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;

export const CustomKeyStoreType = ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;

export const XksProxyConnectivityType = ['PUBLIC_ENDPOINT', 'VPC_ENDPOINT_SERVICE'] as const;

export const EncryptionAlgorithmSpec = [
  'SYMMETRIC_DEFAULT',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'SM2PKE',
] as const;

export const SigningAlgorithmSpec = [
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
  'ED25519_PH_SHA_512',
  'ED25519_SHA_512',
  'ML_DSA_SHAKE_256',
] as const;

export const MacAlgorithmSpec = [
  'HMAC_SHA_224',
  'HMAC_SHA_256',
  'HMAC_SHA_384',
  'HMAC_SHA_512',
] as const;

export const DataKeySpec = ['AES_256', 'AES_128'] as const;

export const DataKeyPairSpec = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SM2',
  'ECC_NIST_EDWARDS25519',
  'ML_KEM_1024',
  'ML_KEM_512',
  'ML_KEM_768',
] as const;

export const MessageType = ['RAW', 'DIGEST', 'EXTERNAL_MU'] as const;

export const AlgorithmSpec = [
  'RSAES_PKCS1_V1_5',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
  'SM2PKE',
] as const;

export const WrappingKeySpec = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'] as const;

export const ExpirationModelType = [
  'KEY_MATERIAL_EXPIRES',
  'KEY_MATERIAL_DOES_NOT_EXPIRE',
] as const;
