import { describe, expect, it } from 'vitest';
import { RECENT_KMS_CALLS } from './recent-calls.ts';
import {
  b64,
  createTestEmulator,
  customKeyStoreInput,
  flush,
  PROXY_ACCESS_KEY_ID,
  PROXY_SECRET,
  rejection,
  TEST_NOW,
} from './testing/index.ts';

describe('view: the state, read-only and without secrets', () => {
  it('lists key stores with their connection state and error, keys and aliases', async () => {
    const t = await createTestEmulator();
    const connected = await t.connectedKeyStore('connected');
    const failing = await t.client.call(
      'CreateCustomKeyStore',
      customKeyStoreInput({
        CustomKeyStoreName: 'failing',
        XksProxyUriEndpoint: 'https://xks.example.com:8443',
      }),
    );
    await t.client.call('ConnectCustomKeyStore', { CustomKeyStoreId: failing.CustomKeyStoreId });
    t.proxy.failNext({ kind: 'error', errorName: 'AuthenticationFailedException' });
    t.scheduler.advance(1000);
    await flush();
    const xksKey = await t.createKey(connected, 'ext-1');
    const local = await t.client.call('CreateKey', { Description: 'plain' });
    const localId = String((local.KeyMetadata as { KeyId: string }).KeyId);
    await t.client.call('CreateAlias', { AliasName: 'alias/app', TargetKeyId: localId });
    await t.client.call('DisableKey', { KeyId: localId });

    const view = t.emulator.view();
    expect(view.account).toEqual({ region: 'us-east-1', accountId: '111122223333' });
    expect(view.keyStores).toEqual([
      {
        id: connected,
        name: 'connected',
        createdAt: TEST_NOW.toISOString(),
        connectionState: 'CONNECTED',
        uriEndpoint: 'https://xks.example.com',
        uriPath: '/tenant/kms/xks/v1',
        accessKeyId: PROXY_ACCESS_KEY_ID,
      },
      expect.objectContaining({
        id: failing.CustomKeyStoreId,
        name: 'failing',
        connectionState: 'FAILED',
        connectionErrorCode: 'INVALID_CREDENTIALS',
      }),
    ]);
    expect(view.keys).toEqual([
      expect.objectContaining({
        id: xksKey,
        keySpec: 'SYMMETRIC_DEFAULT',
        keyUsage: 'ENCRYPT_DECRYPT',
        state: 'Enabled',
        origin: 'EXTERNAL_KEY_STORE',
        customKeyStoreId: connected,
        xksKeyId: 'ext-1',
      }),
      expect.objectContaining({
        id: localId,
        arn: `arn:aws:kms:us-east-1:111122223333:key/${localId}`,
        description: 'plain',
        state: 'Disabled',
        origin: 'AWS_KMS',
      }),
    ]);
    expect(view.keys[1]).not.toHaveProperty('customKeyStoreId');
    expect(view.aliases).toEqual([{ name: 'alias/app', targetKeyId: localId }]);
    const text = JSON.stringify(view);
    expect(text).not.toContain(PROXY_SECRET);
    expect(text).not.toMatch(/material|secret/i);
  });

  it('is a copy: changing it changes nothing in the emulator', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    const view = t.emulator.view();
    (view.keyStores[0] as { connectionState: string }).connectionState = 'DISCONNECTED';
    expect(t.emulator.view().keyStores[0]?.connectionState).toBe('CONNECTED');
    expect(t.emulator.view().keyStores[0]?.id).toBe(ks);
  });
});

describe('recentCalls: the newest KMS calls and how they ended', () => {
  it('records operation, key, outcome, error and time, newest first', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    const keyId = await t.createKey(ks, 'ext-1');
    const enc = await t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('hello') });
    const missing = await rejection(t.client.call('DescribeKey', { KeyId: 'alias/none' }));
    expect(missing.name).toBe('NotFoundException');
    const calls = t.emulator.recentCalls();
    expect(calls.map((c) => c.operation)).toEqual([
      'DescribeKey',
      'Encrypt',
      'CreateKey',
      'ConnectCustomKeyStore',
      'CreateCustomKeyStore',
    ]);
    const [described, encrypted, created, connected] = calls;
    expect(described).toMatchObject({
      keyId: 'alias/none',
      outcome: 'NotFoundException',
      errorMessage: expect.stringContaining('alias/none'),
    });
    expect(encrypted).toMatchObject({
      operation: 'Encrypt',
      keyId: enc.KeyId,
      outcome: 'ok',
      time: TEST_NOW.toISOString(),
    });
    expect(encrypted?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(encrypted).not.toHaveProperty('errorMessage');
    expect(created).toMatchObject({ keyId: keyId, customKeyStoreId: ks, outcome: 'ok' });
    expect(connected).toMatchObject({ customKeyStoreId: ks });
    // The request id is the kmsRequestId the proxy got for the call's XKS requests.
    const xks = t.xksCalls.filter((c) => c.kmsOperation === 'Encrypt');
    expect(xks.map((c) => c.kmsRequestId)).toEqual([encrypted?.requestId]);
    expect(JSON.stringify(calls)).not.toContain(b64('hello'));
  });

  it('records a refused signature too, and keeps only the newest RECENT_KMS_CALLS', async () => {
    const t = await createTestEmulator();
    const wrong = t.clientWith({
      accessKeyId: 'AKIAWRONGWRONGWRONG1',
      secretAccessKey: 'x'.repeat(40),
    });
    await rejection(wrong.call('ListKeys', {}));
    expect(t.emulator.recentCalls()[0]).toMatchObject({
      operation: 'ListKeys',
      outcome: 'UnrecognizedClientException',
    });
    for (let i = 0; i < RECENT_KMS_CALLS + 5; i++) {
      await t.client.call('ListAliases', { Limit: i + 1 });
    }
    const calls = t.emulator.recentCalls();
    expect(RECENT_KMS_CALLS).toBe(200);
    expect(calls).toHaveLength(RECENT_KMS_CALLS);
    expect(calls.every((c) => c.operation === 'ListAliases')).toBe(true);
  });
});
