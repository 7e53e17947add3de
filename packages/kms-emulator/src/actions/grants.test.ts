import { describe, expect, it } from 'vitest';
import { rejection } from '../testing/calls.ts';
import { createTestEmulator, TEST_NOW } from '../testing/index.ts';

const GRANTEE = 'arn:aws:iam::111122223333:role/app';
const RETIREE = 'arn:aws:iam::111122223333:role/ops';

async function ready() {
  const t = await createTestEmulator();
  const ks = await t.connectedKeyStore();
  const keyId = await t.createKey(ks, 'ext-1');
  /** CreateGrant on the test key for GRANTEE, with the other members of `request`. */
  const grant = (request: Record<string, unknown>) =>
    t.client.call('CreateGrant', { KeyId: keyId, GranteePrincipal: GRANTEE, ...request });
  return { ...t, ks, keyId, grant };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('grants', () => {
  it('creates, lists, retires and revokes grants', async () => {
    const t = await ready();
    const made = await t.grant({
      RetiringPrincipal: RETIREE,
      Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { app: 'x' } },
      Name: 'app-grant',
    });
    expect(made.GrantId).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof made.GrantToken).toBe('string');
    const listed = await t.client.call('ListGrants', { KeyId: t.keyId });
    expect(listed).toMatchObject({
      Truncated: false,
      Grants: [
        {
          GrantId: made.GrantId,
          KeyId: `arn:aws:kms:us-east-1:111122223333:key/${t.keyId}`,
          Name: 'app-grant',
          GranteePrincipal: GRANTEE,
          RetiringPrincipal: RETIREE,
          IssuingAccount: 'arn:aws:iam::111122223333:root',
          Operations: ['Encrypt', 'Decrypt'],
          Constraints: { EncryptionContextSubset: { app: 'x' } },
        },
      ],
    });
    // The same Name and parameters again return the same grant.
    const again = await t.grant({
      RetiringPrincipal: RETIREE,
      Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { app: 'x' } },
      Name: 'app-grant',
    });
    expect(again.GrantId).toBe(made.GrantId);
    const retirable = await t.client.call('ListRetirableGrants', { RetiringPrincipal: RETIREE });
    expect((retirable.Grants as unknown[]).length).toBe(1);
    await t.client.call('RetireGrant', { GrantToken: made.GrantToken });
    expect((await t.client.call('ListGrants', { KeyId: t.keyId })).Grants).toEqual([]);
    const second = await t.grant({
      Operations: ['DescribeKey'],
    });
    await t.client.call('RevokeGrant', { KeyId: t.keyId, GrantId: second.GrantId });
    const revokedTwice = await rejection(
      t.client.call('RevokeGrant', { KeyId: t.keyId, GrantId: second.GrantId }),
    );
    expect(revokedTwice.name).toBe('InvalidGrantIdException');
  });

  it('accepts its grant tokens on operations that take GrantTokens and refuses unknown ones', async () => {
    const t = await ready();
    const made = await t.grant({
      Operations: ['Encrypt'],
    });
    await t.client.call('Encrypt', {
      KeyId: t.keyId,
      Plaintext: b64('x'),
      GrantTokens: [made.GrantToken],
    });
    await t.client.call('DescribeKey', { KeyId: t.keyId, GrantTokens: [made.GrantToken] });
    const unknown = await rejection(
      t.client.call('Encrypt', { KeyId: t.keyId, Plaintext: b64('x'), GrantTokens: ['forged'] }),
    );
    expect(unknown.name).toBe('InvalidGrantTokenException');
    const badRetire = await rejection(t.client.call('RetireGrant', { GrantToken: 'forged' }));
    expect(badRetire.name).toBe('InvalidGrantTokenException');
  });

  it('refuses operations outside the model enum, DryRun, and disabled keys', async () => {
    const t = await ready();
    const bad = await rejection(
      t.grant({
        Operations: ['Fly'],
      }),
    );
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toMatch(
      /^1 validation error detected: Value 'Fly' at 'operations\.1\.member' failed to satisfy constraint: Member must satisfy enum value set: \[Decrypt, Encrypt, .*\]$/,
    );
    const sign = await rejection(
      t.grant({
        Operations: ['Sign'],
      }),
    );
    expect(sign.name).toBe('ValidationException');
    const alone = await rejection(
      t.grant({
        Operations: ['CreateGrant'],
      }),
    );
    expect(alone.message).toBe('Grants must not contain only the CreateGrant operation.');
    const dry = await rejection(
      t.grant({
        Operations: ['Encrypt'],
        DryRun: true,
      }),
    );
    expect(dry.name).toBe('DryRunOperationException');
    expect((await t.client.call('ListGrants', { KeyId: t.keyId })).Grants).toEqual([]);
    await t.client.call('DisableKey', { KeyId: t.keyId });
    const disabled = await rejection(
      t.grant({
        Operations: ['Encrypt'],
      }),
    );
    expect(disabled.name).toBe('DisabledException');
    const neither = await rejection(t.client.call('RetireGrant', {}));
    expect(neither.name).toBe('ValidationException');
  });

  it('drops the grants of a deleted key', async () => {
    const t = await ready();
    const made = await t.grant({
      RetiringPrincipal: RETIREE,
      Operations: ['Decrypt'],
    });
    await t.client.call('ScheduleKeyDeletion', { KeyId: t.keyId, PendingWindowInDays: 7 });
    t.setNow(new Date(TEST_NOW.getTime() + 8 * 24 * 3600 * 1000));
    const retirable = await t.client.call('ListRetirableGrants', { RetiringPrincipal: RETIREE });
    expect(retirable.Grants).toEqual([]);
    const retire = await rejection(t.client.call('RetireGrant', { GrantToken: made.GrantToken }));
    expect(retire.name).toBe('InvalidGrantTokenException');
  });
});
