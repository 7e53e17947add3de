import { describe, expect, it } from 'vitest';
import { rejection } from '../testing/calls.ts';
import { createTestEmulator } from '../testing/index.ts';

async function twoKeys() {
  const t = await createTestEmulator();
  const ks = await t.connectedKeyStore();
  return { ...t, a: await t.createKey(ks, 'ext-1'), b: await t.createKey(ks, 'ext-2') };
}

describe('UpdateAlias and UpdateKeyDescription', () => {
  it('moves an alias to another key; refuses unknown and reserved aliases', async () => {
    const t = await twoKeys();
    await t.client.call('CreateAlias', { AliasName: 'alias/app', TargetKeyId: t.a });
    await t.client.call('UpdateAlias', { AliasName: 'alias/app', TargetKeyId: t.b });
    const described = await t.client.call('DescribeKey', { KeyId: 'alias/app' });
    expect((described.KeyMetadata as { KeyId: string }).KeyId).toBe(t.b);
    const listed = await t.client.call('ListAliases', { KeyId: t.a });
    expect(listed.Aliases).toEqual([]);
    expect(
      (await rejection(t.client.call('UpdateAlias', { AliasName: 'alias/none', TargetKeyId: t.b })))
        .name,
    ).toBe('NotFoundException');
    expect(
      (
        await rejection(
          t.client.call('UpdateAlias', { AliasName: 'alias/aws/s3', TargetKeyId: t.b }),
        )
      ).name,
    ).toBe('InvalidAliasNameException');
    const byAlias = await rejection(
      t.client.call('UpdateAlias', { AliasName: 'alias/app', TargetKeyId: 'alias/app' }),
    );
    expect(byAlias.name).toBe('ValidationException');
    // One key per alias: a second CreateAlias with the name is refused.
    const taken = await rejection(
      t.client.call('CreateAlias', { AliasName: 'alias/app', TargetKeyId: t.a }),
    );
    expect(taken.name).toBe('AlreadyExistsException');
  });

  it('updates a description, not while the key is pending deletion', async () => {
    const t = await twoKeys();
    await t.client.call('UpdateKeyDescription', { KeyId: t.a, Description: 'payments' });
    const described = await t.client.call('DescribeKey', { KeyId: t.a });
    expect(described.KeyMetadata).toMatchObject({ Description: 'payments' });
    await t.client.call('ScheduleKeyDeletion', { KeyId: t.a, PendingWindowInDays: 7 });
    const refused = await rejection(
      t.client.call('UpdateKeyDescription', { KeyId: t.a, Description: 'x' }),
    );
    expect(refused.name).toBe('KMSInvalidStateException');
    const missing = await rejection(t.client.call('UpdateKeyDescription', { KeyId: t.b }));
    expect(missing.message).toBe(
      "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null",
    );
  });
});
