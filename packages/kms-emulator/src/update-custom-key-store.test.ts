import { describe, expect, it } from 'vitest';
import { rejection } from './testing/calls.ts';
import {
  createTestEmulator,
  PROXY_ACCESS_KEY_ID,
  unknownCredentialUpdate,
} from './testing/index.ts';

describe('UpdateCustomKeyStore', () => {
  it('tests new proxy settings with GetHealthStatus even while the store is disconnected', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    await t.client.call('DisconnectCustomKeyStore', { CustomKeyStoreId: ks });
    const before = t.proxy.calledWith('health').length;
    const refused = await rejection(
      t.client.call('UpdateCustomKeyStore', unknownCredentialUpdate(ks)),
    );
    expect(refused.name).toBe('XksProxyIncorrectAuthenticationCredentialException');
    const health = t.proxy.calledWith('health');
    expect(health.length).toBe(before + 1);
    expect(health.at(-1)?.body.requestMetadata).toMatchObject({
      kmsOperation: 'UpdateCustomKeyStore',
    });
    const unreachable = await rejection(
      t.client.call('UpdateCustomKeyStore', {
        CustomKeyStoreId: ks,
        XksProxyUriEndpoint: 'https://nowhere.example.com',
      }),
    );
    expect(unreachable.name).toBe('XksProxyUriUnreachableException');
    // Nothing changed, and a rename alone calls no proxy.
    await t.client.call('UpdateCustomKeyStore', {
      CustomKeyStoreId: ks,
      NewCustomKeyStoreName: 'r',
    });
    expect(t.proxy.calledWith('health').length).toBe(before + 1);
    const described = await t.client.call('DescribeCustomKeyStores', { CustomKeyStoreId: ks });
    expect(described.CustomKeyStores).toEqual([
      expect.objectContaining({
        CustomKeyStoreName: 'r',
        ConnectionState: 'DISCONNECTED',
        XksProxyConfiguration: expect.objectContaining({ AccessKeyId: PROXY_ACCESS_KEY_ID }),
      }),
    ]);
  });
});
