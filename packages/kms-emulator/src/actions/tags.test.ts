import { describe, expect, it } from 'vitest';
import { rejection } from '../testing/calls.ts';
import { createTestEmulator, TEST_NOW } from '../testing/index.ts';

async function ready() {
  const t = await createTestEmulator();
  const ks = await t.connectedKeyStore();
  return { ...t, ks, keyId: await t.createKey(ks, 'ext-1') };
}

const tags = (n: number, prefix = 'k') =>
  Array.from({ length: n }, (_, i) => ({ TagKey: `${prefix}${i}`, TagValue: `v${i}` }));

describe('TagResource, UntagResource, ListResourceTags', () => {
  it('sets, overwrites, lists in key order and removes tags', async () => {
    const t = await ready();
    await t.client.call('TagResource', {
      KeyId: t.keyId,
      Tags: [
        { TagKey: 'team', TagValue: 'a' },
        { TagKey: 'env', TagValue: '' },
      ],
    });
    await t.client.call('TagResource', {
      KeyId: t.keyId,
      Tags: [{ TagKey: 'team', TagValue: 'b' }],
    });
    expect(await t.client.call('ListResourceTags', { KeyId: t.keyId })).toMatchObject({
      Tags: [
        { TagKey: 'env', TagValue: '' },
        { TagKey: 'team', TagValue: 'b' },
      ],
      Truncated: false,
    });
    await t.client.call('UntagResource', { KeyId: t.keyId, TagKeys: ['env', 'absent'] });
    const listed = await t.client.call('ListResourceTags', { KeyId: t.keyId });
    expect(listed.Tags).toEqual([{ TagKey: 'team', TagValue: 'b' }]);
  });

  it('pages with Limit and Marker', async () => {
    const t = await ready();
    await t.client.call('TagResource', { KeyId: t.keyId, Tags: tags(3) });
    const first = await t.client.call('ListResourceTags', { KeyId: t.keyId, Limit: 2 });
    expect(first).toMatchObject({ Truncated: true, NextMarker: '2' });
    const rest = await t.client.call('ListResourceTags', {
      KeyId: t.keyId,
      Marker: first.NextMarker,
    });
    expect(rest).toMatchObject({ Tags: [{ TagKey: 'k2' }], Truncated: false });
  });

  it('refuses aws: tags and duplicates (TagException) and more than 50 tags', async () => {
    const t = await ready();
    const reserved = await rejection(
      t.client.call('TagResource', { KeyId: t.keyId, Tags: [{ TagKey: 'aws:x', TagValue: '' }] }),
    );
    expect(reserved.name).toBe('TagException');
    const twice = await rejection(
      t.client.call('TagResource', {
        KeyId: t.keyId,
        Tags: [
          { TagKey: 'a', TagValue: '1' },
          { TagKey: 'a', TagValue: '2' },
        ],
      }),
    );
    expect(twice.name).toBe('TagException');
    await t.client.call('TagResource', { KeyId: t.keyId, Tags: tags(50) });
    const over = await rejection(
      t.client.call('TagResource', { KeyId: t.keyId, Tags: tags(1, 'extra') }),
    );
    expect(over.name).toBe('LimitExceededException');
    const long = await rejection(
      t.client.call('TagResource', {
        KeyId: t.keyId,
        Tags: [{ TagKey: 'x'.repeat(129), TagValue: '' }],
      }),
    );
    expect(long.message).toBe(
      `1 validation error detected: Value '${'x'.repeat(129)}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
  });

  it('takes Tags on CreateKey, and a refused tag makes no key', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    const created = await t.client.call('CreateKey', {
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: ks,
      XksKeyId: 'ext-1',
      Tags: [{ TagKey: 'owner', TagValue: 'me' }],
    });
    const keyId = (created.KeyMetadata as { KeyId: string }).KeyId;
    expect((await t.client.call('ListResourceTags', { KeyId: keyId })).Tags).toEqual([
      { TagKey: 'owner', TagValue: 'me' },
    ]);
    const refused = await rejection(
      t.client.call('CreateKey', {
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreId: ks,
        XksKeyId: 'ext-2',
        Tags: [{ TagKey: 'aws:owner', TagValue: 'me' }],
      }),
    );
    expect(refused.name).toBe('TagException');
    expect((await t.client.call('ListKeys')).Keys).toHaveLength(1);
  });

  it('refuses tagging a key pending deletion, but lists its tags', async () => {
    const t = await ready();
    await t.client.call('TagResource', { KeyId: t.keyId, Tags: tags(1) });
    await t.client.call('ScheduleKeyDeletion', { KeyId: t.keyId, PendingWindowInDays: 7 });
    const refused = await rejection(
      t.client.call('TagResource', { KeyId: t.keyId, Tags: tags(1, 'z') }),
    );
    expect(refused.name).toBe('KMSInvalidStateException');
    expect((await t.client.call('ListResourceTags', { KeyId: t.keyId })).Tags).toHaveLength(1);
    t.setNow(new Date(TEST_NOW.getTime() + 8 * 24 * 3600 * 1000));
    const gone = await rejection(t.client.call('ListResourceTags', { KeyId: t.keyId }));
    expect(gone.name).toBe('NotFoundException');
  });
});
