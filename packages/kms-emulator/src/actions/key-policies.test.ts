import { describe, expect, it } from 'vitest';
import { defaultKeyPolicy } from '../key-meta.ts';
import { rejection } from '../testing/calls.ts';
import { createTestEmulator } from '../testing/index.ts';

async function ready() {
  const t = await createTestEmulator();
  const ks = await t.connectedKeyStore();
  return { ...t, ks, keyId: await t.createKey(ks, 'ext-1') };
}

const POLICY =
  '{"Version":"2012-10-17",\n  "Statement": [ {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"} ]}';

describe('GetKeyPolicy, PutKeyPolicy, ListKeyPolicies', () => {
  it('gives a new key the default key policy KMS writes', async () => {
    const t = await ready();
    const got = await t.client.call('GetKeyPolicy', { KeyId: t.keyId, PolicyName: 'default' });
    expect(got.Policy).toBe(defaultKeyPolicy(t.emulator.account));
    expect(got.Policy).toContain('"AWS" : "arn:aws:iam::111122223333:root"');
    expect(await t.client.call('ListKeyPolicies', { KeyId: t.keyId })).toMatchObject({
      PolicyNames: ['default'],
      Truncated: false,
    });
  });

  it('stores and returns a policy exactly, whitespace included', async () => {
    const t = await ready();
    await t.client.call('PutKeyPolicy', { KeyId: t.keyId, PolicyName: 'default', Policy: POLICY });
    const got = await t.client.call('GetKeyPolicy', { KeyId: t.keyId, PolicyName: 'default' });
    expect(got.Policy).toBe(POLICY);
  });

  it('refuses malformed policies, other policy names, and takes Policy on CreateKey', async () => {
    const t = await ready();
    const malformed = await rejection(
      t.client.call('PutKeyPolicy', { KeyId: t.keyId, PolicyName: 'default', Policy: '{nope' }),
    );
    expect(malformed.name).toBe('MalformedPolicyDocumentException');
    const noStatement = await rejection(
      t.client.call('PutKeyPolicy', { KeyId: t.keyId, PolicyName: 'default', Policy: '{}' }),
    );
    expect(noStatement.name).toBe('MalformedPolicyDocumentException');
    const other = await rejection(
      t.client.call('GetKeyPolicy', { KeyId: t.keyId, PolicyName: 'other' }),
    );
    expect(other.name).toBe('NotFoundException');
    const created = await t.client.call('CreateKey', {
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: t.ks,
      XksKeyId: 'ext-2',
      Policy: POLICY,
    });
    const keyId = (created.KeyMetadata as { KeyId: string }).KeyId;
    expect(
      (await t.client.call('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy,
    ).toBe(POLICY);
  });
});
