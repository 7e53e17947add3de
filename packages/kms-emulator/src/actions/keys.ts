/**
 * KMS keys: CreateKey (Origin EXTERNAL_KEY_STORE, checked with the proxy's GetKeyMetadata as KMS
 * does, §1.3; other origins in local-keys.ts), DescribeKey, ListKeys, EnableKey, DisableKey,
 * ScheduleKeyDeletion, CancelKeyDeletion. KMS key state and external key status are independent:
 * none of these changes the external key (§1.3).
 */

import type { GetKeyMetadataResponse } from '@xkslab/protocol';
import { defineAction } from '../action.ts';
import { INNER_KEY_BYTES, PENDING_WINDOW_DAYS_DEFAULT, XKS_KEY_ID_PATTERN } from '../constants.ts';
import {
  type Core,
  epochSeconds,
  findKey,
  keyMetadataOf,
  keyStateOf,
  nowMs,
  page,
  requireKeyStore,
  targetOf,
} from '../core.ts';
import { KmsError } from '../errors.ts';
import { DAY_MS } from '../key-meta.ts';
import { stateError } from '../key-state.ts';
import type { KmsKey } from '../model.ts';
import {
  CreateKeyRequest,
  KeyIdRequest,
  ListKeysRequest,
  ScheduleKeyDeletionRequest,
} from '../schemas.ts';
import { createKeyError } from '../xks/error-mapping.ts';
import { createLocalKey, storeNewKey } from './local-keys.ts';

function invalidConfiguration(xksKeyId: string, why: string): KmsError {
  return new KmsError(
    'XksKeyInvalidConfigurationException',
    `The external key ${xksKeyId} does not meet the requirements of an external key store: ${why}. It must be an enabled AES-256 key that performs encryption and decryption.`,
  );
}

/**
 * The CreateKey arguments KMS accepts for an external key store: Origin EXTERNAL_KEY_STORE, a
 * symmetric ENCRYPT_DECRYPT single-Region key, and a key store and an external key id.
 */
function requireExternalKeyRequest(input: CreateKeyRequest): {
  keyStoreId: string;
  xksKeyId: string;
} {
  const spec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  if (spec !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError(
      'UnsupportedOperationException',
      `KMS keys in an external key store must have KeySpec SYMMETRIC_DEFAULT, not ${spec}.`,
    );
  }
  const usage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (usage !== 'ENCRYPT_DECRYPT') {
    throw new KmsError(
      'UnsupportedOperationException',
      `KMS keys in an external key store must have KeyUsage ENCRYPT_DECRYPT, not ${usage}.`,
    );
  }
  if (input.MultiRegion) {
    throw new KmsError(
      'UnsupportedOperationException',
      'KMS keys in an external key store cannot be multi-Region keys.',
    );
  }
  if (input.CustomKeyStoreId === undefined) {
    throw new KmsError(
      'ValidationException',
      'CustomKeyStoreId is required when Origin is EXTERNAL_KEY_STORE.',
    );
  }
  if (input.XksKeyId === undefined) {
    throw new KmsError(
      'ValidationException',
      'XksKeyId is required when Origin is EXTERNAL_KEY_STORE.',
    );
  }
  if (!XKS_KEY_ID_PATTERN.test(input.XksKeyId)) {
    throw new KmsError(
      'ValidationException',
      "1 validation error detected: Value at 'xksKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_.]+$",
    );
  }
  return { keyStoreId: input.CustomKeyStoreId, xksKeyId: input.XksKeyId };
}

/** §1.3: the external key must be an enabled AES-256 key that can encrypt and decrypt. */
function checkExternalKeyMetadata(xksKeyId: string, meta: GetKeyMetadataResponse): void {
  if (meta.keySpec !== 'AES_256') {
    throw invalidConfiguration(xksKeyId, `its key spec is ${meta.keySpec}, not AES_256`);
  }
  if (!meta.keyUsage.includes('ENCRYPT') || !meta.keyUsage.includes('DECRYPT')) {
    throw invalidConfiguration(
      xksKeyId,
      `its key usage is [${meta.keyUsage.join(', ')}], which lacks ENCRYPT or DECRYPT`,
    );
  }
  if (meta.keyStatus !== 'ENABLED') {
    throw invalidConfiguration(
      xksKeyId,
      `its status in the external key manager is ${meta.keyStatus}`,
    );
  }
}

export const createKey = defineAction({
  schema: CreateKeyRequest,
  async handle(core, input, call) {
    if ((input.Origin ?? 'AWS_KMS') !== 'EXTERNAL_KEY_STORE') return createLocalKey(core, input);
    const { keyStoreId, xksKeyId } = requireExternalKeyRequest(input);
    const store = requireKeyStore(core, keyStoreId);
    if (store.connectionState !== 'CONNECTED') {
      throw new KmsError(
        'CustomKeyStoreInvalidStateException',
        `Custom key store ${store.id} must be CONNECTED to create keys in it (it is ${store.connectionState}).`,
      );
    }
    const inUse = () => {
      for (const key of core.keys.values()) {
        if (key.customKeyStoreId === store.id && key.xksKeyId === xksKeyId) {
          throw new KmsError(
            'XksKeyAlreadyInUseException',
            `External key ${xksKeyId} is already associated with KMS key ${key.arn} in custom key store ${store.id}.`,
          );
        }
      }
    };
    inUse();
    const outcome = await core.xks.keyMetadata(targetOf(core, store), xksKeyId, {
      kmsOperation: 'CreateKey',
      kmsRequestId: call.requestId,
      awsPrincipalArn: call.principal.arn,
    });
    if (!outcome.ok) {
      throw createKeyError(outcome.failure, {
        keyStoreId: store.id,
        xksKeyId,
        timeoutMs: core.settings.xksTimeoutMs,
      });
    }
    checkExternalKeyMetadata(xksKeyId, outcome.value);
    inUse();
    return storeNewKey(
      core,
      input.Description,
      {
        state: 'Enabled',
        keySpec: 'SYMMETRIC_DEFAULT',
        keyUsage: 'ENCRYPT_DECRYPT',
        origin: 'EXTERNAL_KEY_STORE',
        customKeyStoreId: store.id,
        xksKeyId,
      },
      () => core.random(INNER_KEY_BYTES),
    );
  },
});

export const describeKey = defineAction({
  schema: KeyIdRequest,
  async handle(core, input) {
    return { KeyMetadata: keyMetadataOf(core, findKey(core, input.KeyId)) };
  },
});

export const listKeys = defineAction({
  schema: ListKeysRequest,
  async handle(core, input) {
    const keys = [...core.keys.values()].sort((a, b) => a.createdAt - b.createdAt);
    const result = page(keys, input.Limit, input.Marker);
    return {
      Keys: result.items.map((k) => ({ KeyId: k.id, KeyArn: k.arn })),
      Truncated: result.truncated,
      ...(result.nextMarker ? { NextMarker: result.nextMarker } : {}),
    };
  },
});

/** EnableKey and DisableKey refuse keys pending deletion or import. */
function changeable(core: Core, key: KmsKey): void {
  const state = keyStateOf(core, key);
  if (state === 'PendingDeletion' || state === 'PendingImport') throw stateError(key, state);
}

export const enableKey = defineAction({
  schema: KeyIdRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    changeable(core, key);
    key.state = 'Enabled';
    await core.save();
    return {};
  },
});

export const disableKey = defineAction({
  schema: KeyIdRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    changeable(core, key);
    key.state = 'Disabled';
    await core.save();
    return {};
  },
});

export const scheduleKeyDeletion = defineAction({
  schema: ScheduleKeyDeletionRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    if (key.state === 'PendingDeletion') throw stateError(key, key.state);
    const days = input.PendingWindowInDays ?? PENDING_WINDOW_DAYS_DEFAULT;
    key.state = 'PendingDeletion';
    key.pendingWindowInDays = days;
    key.deletionDate = nowMs(core) + days * DAY_MS;
    await core.save();
    return {
      KeyId: key.arn,
      DeletionDate: epochSeconds(key.deletionDate),
      KeyState: 'PendingDeletion',
      PendingWindowInDays: days,
    };
  },
});

export const cancelKeyDeletion = defineAction({
  schema: KeyIdRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    if (key.state !== 'PendingDeletion') {
      throw new KmsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
    }
    // AWS KMS leaves a key whose deletion was cancelled Disabled.
    key.state = 'Disabled';
    key.deletionDate = undefined;
    key.pendingWindowInDays = undefined;
    await core.save();
    return { KeyId: key.arn };
  },
});
