import { describe, expect, it } from 'vitest';
import { StateFileError } from './persistence.ts';
import { createTestEmulator, memoryStorage, TEST_MASTER_KEY } from './testing/index.ts';

const MASTER = TEST_MASTER_KEY;

describe('the state file and its account', () => {
  it('keeps tags, policies, grants and its Region and account across restarts', async () => {
    const storage = memoryStorage();
    const persistence = { storage, masterKey: MASTER };
    const first = await createTestEmulator({ persistence });
    const keyId = await first.createKey(await first.connectedKeyStore(), 'ext-1');
    await first.client.call('TagResource', {
      KeyId: keyId,
      Tags: [{ TagKey: 'team', TagValue: 'a' }],
    });
    await first.client.call('PutKeyPolicy', {
      KeyId: keyId,
      PolicyName: 'default',
      Policy: '{"Statement":[]}',
    });
    const grant = await first.client.call('CreateGrant', {
      KeyId: keyId,
      GranteePrincipal: 'arn:aws:iam::111122223333:role/app',
      Operations: ['Decrypt'],
    });
    await first.emulator.stop();
    const doc = JSON.parse(new TextDecoder().decode(storage.bytes)) as Record<string, unknown>;
    expect(doc.account).toEqual({ region: 'us-east-1', accountId: '111122223333' });

    const second = await createTestEmulator({ persistence });
    expect((await second.client.call('ListResourceTags', { KeyId: keyId })).Tags).toEqual([
      { TagKey: 'team', TagValue: 'a' },
    ]);
    expect(
      (await second.client.call('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy,
    ).toBe('{"Statement":[]}');
    const grants = await second.client.call('ListGrants', { KeyId: keyId });
    expect(grants.Grants).toEqual([expect.objectContaining({ GrantId: grant.GrantId })]);
    await second.client.call('RetireGrant', { GrantToken: grant.GrantToken });
    await second.emulator.stop();
  });

  it('refuses to start with another Region or account, naming both', async () => {
    const storage = memoryStorage();
    const first = await createTestEmulator({ persistence: { storage, masterKey: MASTER } });
    await first.connectedKeyStore();
    await first.emulator.stop();
    const other = createTestEmulator({
      persistence: { storage, masterKey: MASTER },
      emulator: { region: 'eu-west-1', accountId: '444455556666' },
    });
    await expect(other).rejects.toThrow(StateFileError);
    await expect(other).rejects.toThrow(
      /Region us-east-1, account 111122223333; this emulator runs as Region eu-west-1, account 444455556666/,
    );
  });
});
