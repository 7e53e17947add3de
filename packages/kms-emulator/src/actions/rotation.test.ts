import { describe, expect, it } from 'vitest';
import { catchUpRotations, DAY_MS, KeyMetaStore } from '../key-meta.ts';
import { rejection } from '../testing/calls.ts';
import { createTestEmulator, TEST_NOW } from '../testing/index.ts';

describe('key rotation', () => {
  it('answers UnsupportedOperationException for keys in an external key store, as KMS does', async () => {
    const t = await createTestEmulator();
    const keyId = await t.createKey(await t.connectedKeyStore(), 'ext-1');
    for (const action of [
      'EnableKeyRotation',
      'DisableKeyRotation',
      'RotateKeyOnDemand',
      'ListKeyRotations',
    ]) {
      const refused = await rejection(t.client.call(action, { KeyId: keyId }));
      expect(refused.name, action).toBe('UnsupportedOperationException');
    }
    expect(await t.client.call('GetKeyRotationStatus', { KeyId: keyId })).toMatchObject({
      KeyRotationEnabled: false,
      KeyId: `arn:aws:kms:us-east-1:111122223333:key/${keyId}`,
    });
    const period = await rejection(
      t.client.call('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 10 }),
    );
    expect(period.message).toBe(
      "1 validation error detected: Value '10' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
    );
  });

  it('records automatic rotations as they fall due, every period', () => {
    const meta = new KeyMetaStore({ region: 'us-east-1', accountId: '111122223333' }).of('k');
    const start = TEST_NOW.getTime();
    meta.rotationEnabled = true;
    meta.rotationPeriodDays = 90;
    meta.nextRotationAt = start + 90 * DAY_MS;
    catchUpRotations(meta, start + 200 * DAY_MS);
    expect(meta.rotations).toEqual([
      { at: start + 90 * DAY_MS, type: 'AUTOMATIC' },
      { at: start + 180 * DAY_MS, type: 'AUTOMATIC' },
    ]);
    expect(meta.nextRotationAt).toBe(start + 270 * DAY_MS);
  });
});

describe('key rotation of keys with KMS-made material', () => {
  it('enables with a period, rotates on demand, lists rotations, disables', async (ctx) => {
    const t = await createTestEmulator();
    const created = await t.client.call('CreateKey', {}).catch((e: Error) => e);
    // Keys outside external key stores come with the key specs of the emulator; until then, skip.
    if (created instanceof Error && created.name === 'UnsupportedOperationException') ctx.skip();
    if (created instanceof Error) throw created;
    const keyId = (created.KeyMetadata as { KeyId: string }).KeyId;
    await t.client.call('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    expect(await t.client.call('GetKeyRotationStatus', { KeyId: keyId })).toMatchObject({
      KeyRotationEnabled: true,
      RotationPeriodInDays: 90,
      NextRotationDate: (TEST_NOW.getTime() + 90 * DAY_MS) / 1000,
    });
    expect(await t.client.call('RotateKeyOnDemand', { KeyId: keyId })).toMatchObject({
      KeyId: keyId,
    });
    t.setNow(new Date(TEST_NOW.getTime() + 91 * DAY_MS));
    const listed = await t.client.call('ListKeyRotations', { KeyId: keyId });
    expect((listed.Rotations as { RotationType: string }[]).map((r) => r.RotationType)).toEqual([
      'ON_DEMAND',
      'AUTOMATIC',
    ]);
    await t.client.call('DisableKeyRotation', { KeyId: keyId });
    expect(await t.client.call('GetKeyRotationStatus', { KeyId: keyId })).toMatchObject({
      KeyRotationEnabled: false,
    });
  });
});
