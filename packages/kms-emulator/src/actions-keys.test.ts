import { describe, expect, it } from 'vitest';
import { ready } from './testing/action-helpers.ts';
import { b64, rejection } from './testing/calls.ts';
import { createTestEmulator, customKeyStoreInput, flush, TEST_NOW } from './testing/index.ts';

describe('CreateKey', () => {
  it('needs a connected store and an external key KMS can use', async () => {
    const t = await createTestEmulator({
      keys: [
        { id: 'ok', material: new Uint8Array(32) },
        { id: 'disabled', material: new Uint8Array(32), status: 'DISABLED' },
        { id: 'encrypt-only', material: new Uint8Array(32), usage: ['ENCRYPT'] },
        { id: 'rsa', material: new Uint8Array(32), keySpec: 'RSA_2048' },
      ],
    });
    const created = await t.client.call('CreateCustomKeyStore', customKeyStoreInput());
    const ks = String(created.CustomKeyStoreId);
    const create = (XksKeyId: string) =>
      t.client.call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: ks, XksKeyId });
    expect((await rejection(create('ok'))).name).toBe('CustomKeyStoreInvalidStateException');
    await t.client.call('ConnectCustomKeyStore', { CustomKeyStoreId: ks });
    t.scheduler.advance(1000);
    await flush();
    for (const [id, expected] of [
      ['missing', 'XksKeyNotFoundException'],
      ['disabled', 'XksKeyInvalidConfigurationException'],
      ['encrypt-only', 'XksKeyInvalidConfigurationException'],
      ['rsa', 'XksKeyInvalidConfigurationException'],
      ['bad id!', 'ValidationException'],
    ] as const) {
      const e = await rejection(create(id));
      expect([id, e.name]).toEqual([id, expected]);
    }
    const key = await create('ok');
    const meta = key.KeyMetadata as Record<string, unknown>;
    expect(meta).toMatchObject({
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: ks,
      KeyState: 'Enabled',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      XksKeyConfiguration: { Id: 'ok' },
      Arn: `arn:aws:kms:us-east-1:111122223333:key/${String(meta.KeyId)}`,
    });
    expect((await rejection(create('ok'))).name).toBe('XksKeyAlreadyInUseException');
    expect(
      (await rejection(t.client.call('CreateKey', { CustomKeyStoreId: ks, XksKeyId: 'ok' }))).name,
    ).toBe('UnsupportedOperationException');
    const listed = await t.client.call('ListKeys');
    expect(listed.Keys).toEqual([{ KeyId: meta.KeyId, KeyArn: meta.Arn }]);
  });
});

describe('aliases and key states', () => {
  it('accepts alias names and ARNs wherever a key id goes', async () => {
    const t = await ready();
    await t.client.call('CreateAlias', { AliasName: 'alias/app', TargetKeyId: t.keyId });
    expect(
      (
        await rejection(
          t.client.call('CreateAlias', { AliasName: 'alias/app', TargetKeyId: t.keyId }),
        )
      ).name,
    ).toBe('AlreadyExistsException');
    expect(
      (
        await rejection(
          t.client.call('CreateAlias', { AliasName: 'alias/aws/x', TargetKeyId: t.keyId }),
        )
      ).name,
    ).toBe('InvalidAliasNameException');
    expect(
      (await rejection(t.client.call('CreateAlias', { AliasName: 'app', TargetKeyId: t.keyId })))
        .name,
    ).toBe('ValidationException');
    for (const id of [
      'alias/app',
      'arn:aws:kms:us-east-1:111122223333:alias/app',
      `arn:aws:kms:us-east-1:111122223333:key/${t.keyId}`,
    ]) {
      const enc = await t.client.call('Encrypt', { KeyId: id, Plaintext: b64('x') });
      expect(enc.KeyId).toBe(`arn:aws:kms:us-east-1:111122223333:key/${t.keyId}`);
    }
    expect((await rejection(t.client.call('DescribeKey', { KeyId: 'alias/none' }))).name).toBe(
      'NotFoundException',
    );
    expect(
      (
        await rejection(
          t.client.call('DescribeKey', { KeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/app' }),
        )
      ).name,
    ).toBe('NotFoundException');
    const listed = await t.client.call('ListAliases', { KeyId: t.keyId });
    expect(listed.Aliases).toEqual([
      expect.objectContaining({
        AliasName: 'alias/app',
        TargetKeyId: t.keyId,
        AliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/app',
      }),
    ]);
    await t.client.call('DeleteAlias', { AliasName: 'alias/app' });
    expect((await t.client.call('ListAliases')).Aliases).toEqual([]);
  });

  it('DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion', async () => {
    const t = await ready();
    await t.client.call('DisableKey', { KeyId: t.keyId });
    const disabled = await rejection(
      t.client.call('Encrypt', { KeyId: t.keyId, Plaintext: b64('x') }),
    );
    expect([disabled.name, disabled.status]).toEqual(['DisabledException', 409]);
    await t.client.call('EnableKey', { KeyId: t.keyId });
    await t.client.call('Encrypt', { KeyId: t.keyId, Plaintext: b64('x') });
    const scheduled = await t.client.call('ScheduleKeyDeletion', {
      KeyId: t.keyId,
      PendingWindowInDays: 7,
    });
    expect(scheduled).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    expect(scheduled.DeletionDate).toBe(TEST_NOW.getTime() / 1000 + 7 * 86400);
    expect(
      (await rejection(t.client.call('Encrypt', { KeyId: t.keyId, Plaintext: b64('x') }))).name,
    ).toBe('KMSInvalidStateException');
    expect((await rejection(t.client.call('EnableKey', { KeyId: t.keyId }))).name).toBe(
      'KMSInvalidStateException',
    );
    expect(
      (
        await rejection(
          t.client.call('ScheduleKeyDeletion', { KeyId: t.keyId, PendingWindowInDays: 6 }),
        )
      ).name,
    ).toBe('ValidationException');
    await t.client.call('CancelKeyDeletion', { KeyId: t.keyId });
    const meta = (await t.client.call('DescribeKey', { KeyId: t.keyId })).KeyMetadata as Record<
      string,
      unknown
    >;
    expect(meta.KeyState).toBe('Disabled');
    expect(meta).not.toHaveProperty('DeletionDate');
  });
});
