/**
 * Every operation of the KMS service model (the AWS SDK for JavaScript v3 commands, a superset of
 * botocore's service-2.json): the emulator serves an operation of this list or answers
 * UnsupportedOperationException, never UnknownOperationException (kept for names KMS does not have).
 * test/kms-model.test.ts checks the list against both models.
 */
import { ACTIONS } from './actions.ts';

export const KMS_MODEL_OPERATIONS = [
  'CancelKeyDeletion',
  'ConnectCustomKeyStore',
  'CreateAlias',
  'CreateCustomKeyStore',
  'CreateGrant',
  'CreateKey',
  'Decapsulate',
  'Decrypt',
  'DeleteAlias',
  'DeleteCustomKeyStore',
  'DeleteImportedKeyMaterial',
  'DeriveSharedSecret',
  'DescribeCustomKeyStores',
  'DescribeKey',
  'DisableKey',
  'DisableKeyRotation',
  'DisconnectCustomKeyStore',
  'EnableKey',
  'EnableKeyRotation',
  'Encapsulate',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GenerateRandom',
  'GetKeyLastUsage',
  'GetKeyPolicy',
  'GetKeyRotationStatus',
  'GetParametersForImport',
  'GetPublicKey',
  'ImportKeyMaterial',
  'ListAliases',
  'ListGrants',
  'ListKeyPolicies',
  'ListKeyRotations',
  'ListKeys',
  'ListResourceTags',
  'ListRetirableGrants',
  'PutKeyPolicy',
  'ReEncrypt',
  'ReplicateKey',
  'RetireGrant',
  'RevokeGrant',
  'RotateKeyOnDemand',
  'ScheduleKeyDeletion',
  'Sign',
  'TagResource',
  'UntagResource',
  'UpdateAlias',
  'UpdateCustomKeyStore',
  'UpdateKeyDescription',
  'UpdatePrimaryRegion',
  'Verify',
  'VerifyMac',
] as const;

export type KmsModelOperation = (typeof KMS_MODEL_OPERATIONS)[number];

/** Why an operation is not served, for the families KMS itself scopes (docs/kms-emulator.md). */
const UNSERVED_FAMILIES: Readonly<Record<string, string>> = {
  ReplicateKey: 'multi-Region keys',
  UpdatePrimaryRegion: 'multi-Region keys',
  DeriveSharedSecret: 'key agreement',
  Encapsulate: 'key encapsulation',
  Decapsulate: 'key encapsulation',
  GetKeyLastUsage: 'key usage tracking',
};

export function isModelOperation(name: string): name is KmsModelOperation {
  return (KMS_MODEL_OPERATIONS as readonly string[]).includes(name);
}

/** Served, or the reason it is not. */
export function operationStatus(name: KmsModelOperation): { served: boolean; note: string } {
  if (Object.hasOwn(ACTIONS, name)) return { served: true, note: '' };
  return { served: false, note: UNSERVED_FAMILIES[name] ?? 'not built yet' };
}

/** The Markdown table of docs/kms-emulator.md: every model operation and its status. */
export function operationStatusTable(): string {
  const rows = KMS_MODEL_OPERATIONS.map((name) => {
    const status = operationStatus(name);
    return status.served
      ? `| \`${name}\` | served | |`
      : `| \`${name}\` | UnsupportedOperationException | ${status.note} |`;
  });
  return ['| operation | status | note |', '| --- | --- | --- |', ...rows].join('\n');
}
