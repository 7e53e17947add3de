/**
 * Key rotation: EnableKeyRotation (with RotationPeriodInDays), DisableKeyRotation,
 * GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations. Only symmetric keys with KMS-made
 * material rotate (meta-rules.ts); for the others, keys in external key stores among them, KMS
 * answers UnsupportedOperationException and reports rotation as disabled. Each rotation gives the
 * key new material (key-rotation.ts); ciphertexts made before a rotation keep decrypting.
 */
import { defineAction } from '../action.ts';
import { type Core, epochSeconds, findKey, nowMs, page } from '../core.ts';
import { KmsError } from '../errors.ts';
import {
  DAY_MS,
  type KeyMeta,
  MAX_ON_DEMAND_ROTATIONS,
  ROTATION_PERIOD_DEFAULT_DAYS,
} from '../key-meta.ts';
import { catchUpKey, rotateKey } from '../key-rotation.ts';
import {
  EnableKeyRotationRequest,
  KeyIdOnlyRequest,
  ListKeyRotationsRequest,
} from '../meta-schemas.ts';
import type { KmsKey } from '../model.ts';
import { enabledKey, requireRotatable, rotatable } from './meta-rules.ts';

function rotationOf(core: Core, key: KmsKey): KeyMeta {
  catchUpKey(core, key);
  return core.meta.of(key.id);
}

/**
 * The opening of the actions that change a key's rotation: the key must exist, rotate (else
 * UnsupportedOperationException naming `operation`) and be enabled; its rotations are caught up.
 */
function rotatableMeta(
  core: Core,
  keyIdParam: string,
  operation: string,
): { key: KmsKey; meta: KeyMeta } {
  const key = findKey(core, keyIdParam);
  requireRotatable(core, key, operation);
  enabledKey(core, keyIdParam);
  return { key, meta: rotationOf(core, key) };
}

export const enableKeyRotation = defineAction({
  schema: EnableKeyRotationRequest,
  async handle(core, input) {
    const { meta } = rotatableMeta(core, input.KeyId, 'EnableKeyRotation');
    const period = input.RotationPeriodInDays ?? ROTATION_PERIOD_DEFAULT_DAYS;
    const from = meta.rotations.at(-1)?.at ?? nowMs(core);
    meta.rotationEnabled = true;
    meta.rotationPeriodDays = period;
    meta.nextRotationAt = Math.max(from + period * DAY_MS, nowMs(core));
    await core.save();
    return {};
  },
});

export const disableKeyRotation = defineAction({
  schema: KeyIdOnlyRequest,
  async handle(core, input) {
    const { meta } = rotatableMeta(core, input.KeyId, 'DisableKeyRotation');
    meta.rotationEnabled = false;
    meta.nextRotationAt = undefined;
    await core.save();
    return {};
  },
});

export const getKeyRotationStatus = defineAction({
  schema: KeyIdOnlyRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    if (!rotatable(core, key).ok) return { KeyRotationEnabled: false, KeyId: key.arn };
    const meta = rotationOf(core, key);
    return {
      KeyRotationEnabled: meta.rotationEnabled,
      KeyId: key.arn,
      ...(meta.rotationEnabled ? { RotationPeriodInDays: meta.rotationPeriodDays } : {}),
      ...(meta.nextRotationAt === undefined
        ? {}
        : { NextRotationDate: epochSeconds(meta.nextRotationAt) }),
    };
  },
});

export const rotateKeyOnDemand = defineAction({
  schema: KeyIdOnlyRequest,
  async handle(core, input) {
    const { key, meta } = rotatableMeta(core, input.KeyId, 'RotateKeyOnDemand');
    const onDemand = meta.rotations.filter((r) => r.type === 'ON_DEMAND').length;
    if (onDemand >= MAX_ON_DEMAND_ROTATIONS) {
      throw new KmsError(
        'LimitExceededException',
        `${key.arn} has been rotated on demand ${MAX_ON_DEMAND_ROTATIONS} times, the most KMS allows.`,
      );
    }
    rotateKey(core, key, { at: nowMs(core), type: 'ON_DEMAND' });
    // An on-demand rotation does not move the automatic schedule.
    await core.save();
    return { KeyId: key.id };
  },
});

export const listKeyRotations = defineAction({
  schema: ListKeyRotationsRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    requireRotatable(core, key, 'ListKeyRotations');
    const meta = rotationOf(core, key);
    const result = page(meta.rotations, input.Limit, input.Marker);
    return {
      Rotations: result.items.map((r) => ({
        KeyId: key.id,
        RotationDate: epochSeconds(r.at),
        RotationType: r.type,
      })),
      Truncated: result.truncated,
      ...(result.nextMarker ? { NextMarker: result.nextMarker } : {}),
    };
  },
});
