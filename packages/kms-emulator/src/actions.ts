/** Every KMS action the emulator serves, by the name in `X-Amz-Target: TrentService.<Action>`. */
import type { Action } from './action.ts';
import { createAlias, deleteAlias, listAliases } from './actions/aliases.ts';
import { withKeyMeta } from './actions/create-key-meta.ts';
import {
  decrypt,
  encrypt,
  generateDataKeyAction,
  generateDataKeyWithoutPlaintext,
  reEncrypt,
} from './actions/crypto.ts';
import {
  connectCustomKeyStore,
  createCustomKeyStore,
  deleteCustomKeyStore,
  describeCustomKeyStores,
  disconnectCustomKeyStore,
  updateCustomKeyStore,
} from './actions/custom-key-stores.ts';
import {
  generateDataKeyPair,
  generateDataKeyPairWithoutPlaintext,
} from './actions/data-key-pair.ts';
import {
  createGrant,
  listGrants,
  listRetirableGrants,
  retireGrant,
  revokeGrant,
} from './actions/grants.ts';
import {
  deleteImportedKeyMaterial,
  getParametersForImport,
  importKeyMaterial,
} from './actions/import-key-material.ts';
import { updateKeyDescription } from './actions/key-description.ts';
import { getKeyPolicy, listKeyPolicies, putKeyPolicy } from './actions/key-policies.ts';
import {
  cancelKeyDeletion,
  createKey,
  describeKey,
  disableKey,
  enableKey,
  listKeys,
  scheduleKeyDeletion,
} from './actions/keys.ts';
import { generateMac, verifyMac } from './actions/mac.ts';
import { generateRandom } from './actions/random.ts';
import {
  disableKeyRotation,
  enableKeyRotation,
  getKeyRotationStatus,
  listKeyRotations,
  rotateKeyOnDemand,
} from './actions/rotation.ts';
import { getPublicKey, sign, verify } from './actions/signing.ts';
import { listResourceTags, tagResource, untagResource } from './actions/tags.ts';
import { updateAlias } from './actions/update-alias.ts';

export const ACTIONS: Readonly<Record<string, Action>> = {
  CreateCustomKeyStore: createCustomKeyStore,
  DescribeCustomKeyStores: describeCustomKeyStores,
  UpdateCustomKeyStore: updateCustomKeyStore,
  ConnectCustomKeyStore: connectCustomKeyStore,
  DisconnectCustomKeyStore: disconnectCustomKeyStore,
  DeleteCustomKeyStore: deleteCustomKeyStore,
  CreateKey: withKeyMeta(createKey),
  DescribeKey: describeKey,
  ListKeys: listKeys,
  EnableKey: enableKey,
  DisableKey: disableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  CreateAlias: createAlias,
  ListAliases: listAliases,
  DeleteAlias: deleteAlias,
  Encrypt: encrypt,
  Decrypt: decrypt,
  ReEncrypt: reEncrypt,
  GenerateDataKey: generateDataKeyAction,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  Sign: sign,
  Verify: verify,
  GetPublicKey: getPublicKey,
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
  GenerateRandom: generateRandom,
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  UpdateAlias: updateAlias,
  UpdateKeyDescription: updateKeyDescription,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
  GetKeyPolicy: getKeyPolicy,
  PutKeyPolicy: putKeyPolicy,
  ListKeyPolicies: listKeyPolicies,
  CreateGrant: createGrant,
  ListGrants: listGrants,
  ListRetirableGrants: listRetirableGrants,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  GetKeyRotationStatus: getKeyRotationStatus,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
} as Record<string, Action>;

export const ACTION_NAMES: readonly string[] = Object.keys(ACTIONS);
