import { describe, expect, it } from 'vitest';
import { ready } from './testing/action-helpers.ts';
import { b64, rejection } from './testing/calls.ts';
import {
  createTestEmulator,
  customKeyStoreInput,
  flush,
  PROXY_ACCESS_KEY_ID,
  PROXY_SECRET,
  TEST_NOW,
  unknownCredentialUpdate,
} from './testing/index.ts';

describe('CreateCustomKeyStore', () => {
  it('validates the URI path and the credential format', async () => {
    const t = await createTestEmulator();
    for (const path of [
      '/kms/xks/v1/',
      '/prefix/kms/xks',
      'kms/xks/v1',
      '/pre fix/kms/xks/v1',
      '/kms/xks/v123',
    ]) {
      const e = await rejection(
        t.client.call('CreateCustomKeyStore', customKeyStoreInput({ XksProxyUriPath: path })),
      );
      expect([path, e.name]).toEqual([path, 'ValidationException']);
    }
    const badId = await rejection(
      t.client.call(
        'CreateCustomKeyStore',
        customKeyStoreInput({
          XksProxyAuthenticationCredential: {
            AccessKeyId: 'abc',
            RawSecretAccessKey: PROXY_SECRET,
          },
        }),
      ),
    );
    expect(badId.message).toMatch(/accessKeyId/);
    const badSecret = await rejection(
      t.client.call(
        'CreateCustomKeyStore',
        customKeyStoreInput({
          XksProxyAuthenticationCredential: {
            AccessKeyId: PROXY_ACCESS_KEY_ID,
            RawSecretAccessKey: 'short',
          },
        }),
      ),
    );
    expect(badSecret.message).toMatch(/rawSecretAccessKey/);
    expect(t.proxy.calls).toHaveLength(0);
  });

  it('refuses other store types and connectivities, names and URIs in use', async () => {
    const t = await createTestEmulator();
    expect(
      (
        await rejection(
          t.client.call(
            'CreateCustomKeyStore',
            customKeyStoreInput({ CustomKeyStoreType: 'AWS_CLOUDHSM' }),
          ),
        )
      ).name,
    ).toBe('UnsupportedOperationException');
    expect(
      (
        await rejection(
          t.client.call(
            'CreateCustomKeyStore',
            customKeyStoreInput({ XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }),
          ),
        )
      ).name,
    ).toBe('UnsupportedOperationException');
    await t.client.call('CreateCustomKeyStore', customKeyStoreInput());
    expect(
      (await rejection(t.client.call('CreateCustomKeyStore', customKeyStoreInput()))).name,
    ).toBe('CustomKeyStoreNameInUseException');
    expect(
      (
        await rejection(
          t.client.call(
            'CreateCustomKeyStore',
            customKeyStoreInput({ CustomKeyStoreName: 'other' }),
          ),
        )
      ).name,
    ).toBe('XksProxyUriInUseException');
  });

  it('maps the health check: credentials, path, unreachable, all UNAVAILABLE', async () => {
    const t = await createTestEmulator();
    const cases: Array<[Parameters<typeof t.proxy.failNext>[0] | 'unavailable', string]> = [
      [
        { kind: 'error', errorName: 'AuthenticationFailedException' },
        'XksProxyIncorrectAuthenticationCredentialException',
      ],
      [
        { kind: 'error', errorName: 'InvalidUriPathException' },
        'XksProxyInvalidConfigurationException',
      ],
      [{ kind: 'unreachable' }, 'XksProxyUriUnreachableException'],
      [{ kind: 'garbage' }, 'XksProxyInvalidResponseException'],
      ['unavailable', 'XksProxyUriUnreachableException'],
    ];
    for (const [fault, expected] of cases) {
      if (fault === 'unavailable') t.proxy.health = 'UNAVAILABLE';
      else t.proxy.failNext(fault);
      const e = await rejection(t.client.call('CreateCustomKeyStore', customKeyStoreInput()));
      expect([fault, e.name]).toEqual([fault, expected]);
    }
    t.proxy.health = 'DEGRADED';
    await t.client.call('CreateCustomKeyStore', customKeyStoreInput());
  });
});

describe('key store lifecycle', () => {
  it('changes the endpoint only while disconnected and tests new credentials while connected', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    const endpoint = await rejection(
      t.client.call('UpdateCustomKeyStore', {
        CustomKeyStoreId: ks,
        XksProxyUriEndpoint: 'https://other.example.com',
      }),
    );
    expect(endpoint.name).toBe('CustomKeyStoreInvalidStateException');
    // A credential the proxy does not know is refused, and nothing changes.
    const refused = await rejection(
      t.client.call('UpdateCustomKeyStore', unknownCredentialUpdate(ks)),
    );
    expect(refused.name).toBe('XksProxyIncorrectAuthenticationCredentialException');
    expect(t.proxy.calledWith('health').at(-1)?.body.requestMetadata).toMatchObject({
      kmsOperation: 'UpdateCustomKeyStore',
    });
    await t.client.call('UpdateCustomKeyStore', {
      CustomKeyStoreId: ks,
      NewCustomKeyStoreName: 'renamed',
    });
    const described = await t.client.call('DescribeCustomKeyStores', {
      CustomKeyStoreName: 'renamed',
    });
    expect(described.CustomKeyStores).toEqual([
      expect.objectContaining({
        CustomKeyStoreId: ks,
        XksProxyConfiguration: expect.objectContaining({ AccessKeyId: PROXY_ACCESS_KEY_ID }),
      }),
    ]);
    await t.client.call('DisconnectCustomKeyStore', { CustomKeyStoreId: ks });
    // Disconnected, the endpoint may change, but KMS still tests it (nothing answers there).
    const untested = await rejection(
      t.client.call('UpdateCustomKeyStore', {
        CustomKeyStoreId: ks,
        XksProxyUriEndpoint: 'https://other.example.com',
      }),
    );
    expect(untested.name).toBe('XksProxyUriUnreachableException');
  });

  it('deletes a store only when disconnected and empty', async () => {
    const t = await ready();
    expect(
      (await rejection(t.client.call('DeleteCustomKeyStore', { CustomKeyStoreId: t.ks }))).name,
    ).toBe('CustomKeyStoreInvalidStateException');
    await t.client.call('DisconnectCustomKeyStore', { CustomKeyStoreId: t.ks });
    expect(
      (await rejection(t.client.call('DeleteCustomKeyStore', { CustomKeyStoreId: t.ks }))).name,
    ).toBe('CustomKeyStoreHasCMKsException');
    await t.client.call('ScheduleKeyDeletion', { KeyId: t.keyId, PendingWindowInDays: 7 });
    t.setNow(new Date(TEST_NOW.getTime() + 8 * 24 * 3600 * 1000));
    expect((await rejection(t.client.call('DescribeKey', { KeyId: t.keyId }))).name).toBe(
      'NotFoundException',
    );
    await t.client.call('DeleteCustomKeyStore', { CustomKeyStoreId: t.ks });
    expect(
      (await rejection(t.client.call('DescribeCustomKeyStores', { CustomKeyStoreId: t.ks }))).name,
    ).toBe('CustomKeyStoreNotFoundException');
  });

  it('makes keys Unavailable while disconnected and refuses cryptography', async () => {
    const t = await ready();
    await t.client.call('DisconnectCustomKeyStore', { CustomKeyStoreId: t.ks });
    const meta = (await t.client.call('DescribeKey', { KeyId: t.keyId })).KeyMetadata as Record<
      string,
      unknown
    >;
    expect(meta.KeyState).toBe('Unavailable');
    const calls = t.proxy.calls.length;
    const e = await rejection(t.client.call('Encrypt', { KeyId: t.keyId, Plaintext: b64('x') }));
    expect(e.name).toBe('KMSInvalidStateException');
    expect(e.message).toMatch(/not connected/);
    expect(t.proxy.calls.length).toBe(calls); // KMS sends nothing while disconnected
  });

  it('polls the health of connected stores with kmsOperation KmsHealthCheck', async () => {
    const t = await ready();
    t.emulator.startHealthPolling();
    t.proxy.health = 'UNAVAILABLE';
    t.scheduler.advance(t.emulator.settings.healthIntervalMs);
    await flush();
    const last = t.proxy.calledWith('health').at(-1);
    expect(last?.body.requestMetadata).toMatchObject({ kmsOperation: 'KmsHealthCheck' });
    expect(t.emulator.metricsSnapshot().keyManagerStates).toEqual([
      expect.objectContaining({ CustomKeyStoreId: t.ks, Active: 0, Unavailable: 1 }),
    ]);
    // KMS never disconnects an unhealthy proxy by itself.
    const described = await t.client.call('DescribeCustomKeyStores', { CustomKeyStoreId: t.ks });
    expect(described.CustomKeyStores).toEqual([
      expect.objectContaining({ ConnectionState: 'CONNECTED' }),
    ]);
    await t.emulator.stop();
  });
});
