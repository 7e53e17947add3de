import { describe, expect, it } from 'vitest';
import { applySeed, parseSeed, SeedError, seedTargetOf } from './seed.ts';
import {
  createTestEmulator,
  flush,
  PROXY_ACCESS_KEY_ID,
  PROXY_ENDPOINT,
  PROXY_SECRET,
  PROXY_URI_PATH,
  type TestEmulator,
} from './testing/index.ts';

const STORE = {
  CustomKeyStoreName: 'lab',
  XksProxyUriEndpoint: PROXY_ENDPOINT,
  XksProxyUriPath: PROXY_URI_PATH,
  XksProxyAuthenticationCredential: {
    AccessKeyId: PROXY_ACCESS_KEY_ID,
    RawSecretAccessKey: PROXY_SECRET,
  },
};

function targetOf(t: TestEmulator) {
  return seedTargetOf(t.emulator, async () => {
    t.scheduler.advance(t.emulator.settings.connectDelayMs);
    await flush();
  });
}

describe('seed files', () => {
  it('creates and connects key stores, then keys with aliases, tags, policies and states', async () => {
    const t = await createTestEmulator();
    const seed = parseSeed(
      JSON.stringify({
        customKeyStores: [STORE],
        keys: [
          {
            Description: 'orders',
            Origin: 'EXTERNAL_KEY_STORE',
            CustomKeyStoreName: 'lab',
            XksKeyId: 'ext-1',
            Aliases: ['alias/orders', 'alias/orders-v1'],
            Tags: [{ TagKey: 'team', TagValue: 'shop' }],
            Policy: '{"Statement":[]}',
          },
          {
            Origin: 'EXTERNAL_KEY_STORE',
            CustomKeyStoreName: 'lab',
            XksKeyId: 'ext-2',
            Enabled: false,
          },
        ],
      }),
    );
    const outcome = await applySeed(targetOf(t), seed);
    expect(outcome).toEqual({ applied: true, keyStores: 1, keys: 2, aliases: 2 });
    const described = await t.client.call('DescribeKey', { KeyId: 'alias/orders' });
    expect(described.KeyMetadata).toMatchObject({ Description: 'orders', KeyState: 'Enabled' });
    const tags = await t.client.call('ListResourceTags', { KeyId: 'alias/orders' });
    expect(tags.Tags).toEqual([{ TagKey: 'team', TagValue: 'shop' }]);
    const policy = await t.client.call('GetKeyPolicy', {
      KeyId: 'alias/orders',
      PolicyName: 'default',
    });
    expect(policy.Policy).toBe('{"Statement":[]}');
    const keys = (await t.client.call('ListKeys')).Keys as { KeyId: string }[];
    const second = await t.client.call('DescribeKey', { KeyId: keys[1]?.KeyId });
    expect(second.KeyMetadata).toMatchObject({ KeyState: 'Disabled' });
    // A second start on the same state leaves it as it is.
    expect((await applySeed(targetOf(t), seed)).applied).toBe(false);
  });

  it('refuses what the API refuses, and typos in the file', async () => {
    const t = await createTestEmulator();
    const bad = parseSeed(
      JSON.stringify({
        customKeyStores: [STORE],
        keys: [{ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreName: 'lab', XksKeyId: 'missing' }],
      }),
    );
    await expect(applySeed(targetOf(t), bad)).rejects.toThrow(
      /seed keys\[0\]: XksKeyNotFoundException/,
    );
    expect(() => parseSeed('{"keys":[{"Descripton":"typo"}]}')).toThrow(SeedError);
    expect(() => parseSeed('{"keys":[{"Descripton":"typo"}]}')).toThrow(/Descripton/);
    expect(() => parseSeed('not json')).toThrow(/not JSON/);
  });
});
