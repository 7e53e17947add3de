/**
 * What a rotation does to a key: new backing material for new ciphertexts, the earlier material
 * kept so ciphertexts made under it still decrypt (model.ts `earlierMaterials`), and the rotation
 * recorded for ListKeyRotations. Automatic rotations happen as they fall due, checked before every
 * call (KmsEmulator.call), so the first call after the period has passed already uses new material.
 */
import { type Core, nowMs } from './core.ts';
import { catchUpRotations, type Rotation } from './key-meta.ts';
import { SYMMETRIC_KEY_BYTES } from './key-specs.ts';
import type { KmsKey } from './model.ts';

/** Gives a symmetric key new material; the current one joins the earlier ones. */
function newMaterial(core: Core, key: KmsKey): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT' || key.material.length !== SYMMETRIC_KEY_BYTES) {
    throw new RangeError(`${key.arn} has no symmetric material to rotate`);
  }
  key.earlierMaterials = [...(key.earlierMaterials ?? []), key.material];
  key.material = core.random(SYMMETRIC_KEY_BYTES);
}

/** One rotation of a key that can rotate (the caller checked, meta-rules.ts `rotatable`). */
export function rotateKey(core: Core, key: KmsKey, rotation: Rotation): void {
  newMaterial(core, key);
  core.meta.of(key.id).rotations.push(rotation);
}

/** The automatic rotations of one key that fell due; true when there was one. */
export function catchUpKey(core: Core, key: KmsKey): boolean {
  const due = catchUpRotations(core.meta.of(key.id), nowMs(core));
  for (let i = 0; i < due; i++) newMaterial(core, key);
  return due > 0;
}

/** The automatic rotations of every key that fell due; true when there was one (then save). */
export function rotateDueKeys(core: Core): boolean {
  let rotated = false;
  for (const meta of core.meta.rotationsDue(nowMs(core))) {
    const key = core.keys.get(meta.keyId);
    if (key && catchUpKey(core, key)) rotated = true;
  }
  return rotated;
}
