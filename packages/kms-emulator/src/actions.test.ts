import { describe, expect, it } from 'vitest';
import { KmsClientError } from './client/kms-client.ts';
import {
  createTestEmulator,
  flush,
  PROXY_ACCESS_KEY_ID,
  PROXY_ENDPOINT,
  PROXY_SECRET,
  PROXY_URI_PATH,
  TEST_NOW,
  type TestEmulator,
} from './testing/index.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

async function rejection(p: Promise<unknown>): Promise<KmsClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KmsClientError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

function storeInput(overrides: Record<string, unknown> = {}) {
  return {
    CustomKeyStoreName: 'ks',
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    XksProxyConnectivity: 'PUBLIC_ENDPOINT',
    XksProxyUriEndpoint: PROXY_ENDPOINT,
    XksProxyUriPath: PROXY_URI_PATH,
    XksProxyAuthenticationCredential: {
      AccessKeyId: PROXY_ACCESS_KEY_ID,
      RawSecretAccessKey: PROXY_SECRET,
    },
    ...overrides,
  };
}

async function ready(): Promise<TestEmulator & { ks: string; keyId: string }> {
  const t = await createTestEmulator();
  const ks = await t.connectedKeyStore();
  const keyId = await t.createKey(ks, 'ext-1');
  return { ...t, ks, keyId };
}

describe('the KMS JSON 1.1 front door', () => {
  it('refuses bad signatures with the exceptions AWS uses', async () => {
    const t = await createTestEmulator();
    const wrongSecret = t.clientWith({
      accessKeyId: 'AKIAXKSLABLOCALKMS01',
      secretAccessKey: 'not-the-secret-not-the-secret',
    });
    expect((await rejection(wrongSecret.call('ListKeys'))).name).toBe('InvalidSignatureException');
    const unknown = t.clientWith({
      accessKeyId: 'AKIAUNKNOWNUNKNOWN00',
      secretAccessKey: 'x'.repeat(40),
    });
    expect((await rejection(unknown.call('ListKeys'))).name).toBe('UnrecognizedClientException');
    const wrongRegion = t.clientWith(
      {
        accessKeyId: 'AKIAXKSLABLOCALKMS01',
        secretAccessKey: 'xkslab/local/kms/emulator/secret/not/for/aws',
      },
      'eu-west-1',
    );
    expect((await rejection(wrongRegion.call('ListKeys'))).name).toBe('InvalidSignatureException');
    const unsigned = await t.app.request('/', {
      method: 'POST',
      headers: {
        'x-amz-target': 'TrentService.ListKeys',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('answers unknown actions and invalid input in the AWS JSON error shape', async () => {
    const t = await createTestEmulator();
    const unknown = await rejection(t.client.call('NoSuchAction', {}));
    expect(unknown.name).toBe('UnknownOperationException');
    expect(unknown.status).toBe(400);
    const unserved = await rejection(t.client.call('ReplicateKey', {}));
    expect(unserved.name).toBe('UnsupportedOperationException');
    const invalid = await rejection(t.client.call('Encrypt', { Plaintext: b64('x') }));
    expect(invalid.name).toBe('ValidationException');
    expect(invalid.message).toBe(
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
    const big = await rejection(
      t.client.call('Encrypt', { KeyId: 'x', Plaintext: Buffer.alloc(4097).toString('base64') }),
    );
    expect(big.message).toMatch(/less than or equal to 4096/);
  });

  it('serves the metrics as Prometheus text and JSON', async () => {
    const t = await ready();
    await t.client.call('Encrypt', { KeyId: t.keyId, Plaintext: b64('x') });
    const text = await (await t.app.request('/metrics')).text();
    expect(text).toContain(
      `XksProxyLatency_count{CustomKeyStoreId="${t.ks}",KmsOperation="Encrypt",XksOperation="Encrypt"} 1`,
    );
    expect(text).toContain(`XksProxyCredentialAge{CustomKeyStoreId="${t.ks}"} 0`);
    const json = (await (await t.app.request('/metrics?format=json')).json()) as {
      keyManagerStates: unknown[];
    };
    expect(json.keyManagerStates).toEqual([
      expect.objectContaining({ CustomKeyStoreId: t.ks, Active: 1 }),
    ]);
  });
});

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
        t.client.call('CreateCustomKeyStore', storeInput({ XksProxyUriPath: path })),
      );
      expect([path, e.name]).toEqual([path, 'ValidationException']);
    }
    const badId = await rejection(
      t.client.call(
        'CreateCustomKeyStore',
        storeInput({
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
        storeInput({
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
          t.client.call('CreateCustomKeyStore', storeInput({ CustomKeyStoreType: 'AWS_CLOUDHSM' })),
        )
      ).name,
    ).toBe('UnsupportedOperationException');
    expect(
      (
        await rejection(
          t.client.call(
            'CreateCustomKeyStore',
            storeInput({ XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }),
          ),
        )
      ).name,
    ).toBe('UnsupportedOperationException');
    await t.client.call('CreateCustomKeyStore', storeInput());
    expect((await rejection(t.client.call('CreateCustomKeyStore', storeInput()))).name).toBe(
      'CustomKeyStoreNameInUseException',
    );
    expect(
      (
        await rejection(
          t.client.call('CreateCustomKeyStore', storeInput({ CustomKeyStoreName: 'other' })),
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
      const e = await rejection(t.client.call('CreateCustomKeyStore', storeInput()));
      expect([fault, e.name]).toEqual([fault, expected]);
    }
    t.proxy.health = 'DEGRADED';
    await t.client.call('CreateCustomKeyStore', storeInput());
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
      t.client.call('UpdateCustomKeyStore', {
        CustomKeyStoreId: ks,
        XksProxyAuthenticationCredential: {
          AccessKeyId: 'ZZZZZZZZZZZZZZZZZZZZZZ',
          RawSecretAccessKey: PROXY_SECRET,
        },
      }),
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
    const created = await t.client.call('CreateCustomKeyStore', storeInput());
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

describe('cryptographic operations', () => {
  it('GenerateDataKey and GenerateDataKeyWithoutPlaintext', async () => {
    const t = await ready();
    const dk = await t.client.call('GenerateDataKey', {
      KeyId: t.keyId,
      KeySpec: 'AES_256',
      EncryptionContext: { a: 'b' },
    });
    expect(Buffer.from(String(dk.Plaintext), 'base64')).toHaveLength(32);
    const back = await t.client.call('Decrypt', {
      CiphertextBlob: dk.CiphertextBlob,
      EncryptionContext: { a: 'b' },
    });
    expect(back.Plaintext).toBe(dk.Plaintext);
    const n = await t.client.call('GenerateDataKey', { KeyId: t.keyId, NumberOfBytes: 64 });
    expect(Buffer.from(String(n.Plaintext), 'base64')).toHaveLength(64);
    const without = await t.client.call('GenerateDataKeyWithoutPlaintext', {
      KeyId: t.keyId,
      KeySpec: 'AES_128',
    });
    expect(without).not.toHaveProperty('Plaintext');
    const opened = await t.client.call('Decrypt', { CiphertextBlob: without.CiphertextBlob });
    expect(Buffer.from(String(opened.Plaintext), 'base64')).toHaveLength(16);
    const ops = t.proxy
      .calledWith('encrypt')
      .map((c) => (c.body.requestMetadata as { kmsOperation: string }).kmsOperation);
    expect(ops).toEqual(['GenerateDataKey', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext']);
    expect((await rejection(t.client.call('GenerateDataKey', { KeyId: t.keyId }))).name).toBe(
      'ValidationException',
    );
    expect(
      (
        await rejection(
          t.client.call('GenerateDataKey', {
            KeyId: t.keyId,
            KeySpec: 'AES_256',
            NumberOfBytes: 32,
          }),
        )
      ).name,
    ).toBe('ValidationException');
  });

  it('ReEncrypt decrypts and encrypts through the proxy with kmsOperation ReEncrypt', async () => {
    const t = await ready();
    const other = await t.createKey(t.ks, 'ext-2');
    const enc = await t.client.call('Encrypt', {
      KeyId: t.keyId,
      Plaintext: b64('secret'),
      EncryptionContext: { v: '1' },
    });
    const re = await t.client.call('ReEncrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      SourceEncryptionContext: { v: '1' },
      DestinationKeyId: other,
      DestinationEncryptionContext: { v: '2' },
    });
    expect(re.SourceKeyId).toBe(enc.KeyId);
    expect(re.KeyId).toBe(`arn:aws:kms:us-east-1:111122223333:key/${other}`);
    const dec = await t.client.call('Decrypt', {
      CiphertextBlob: re.CiphertextBlob,
      EncryptionContext: { v: '2' },
    });
    expect(Buffer.from(String(dec.Plaintext), 'base64').toString()).toBe('secret');
    expect(t.proxy.calledWith('decrypt')[0]?.body.requestMetadata).toMatchObject({
      kmsOperation: 'ReEncrypt',
    });
    expect(t.proxy.calledWith('encrypt').at(-1)?.body.requestMetadata).toMatchObject({
      kmsOperation: 'ReEncrypt',
      kmsRequestId: re.$requestId,
    });
  });

  it('refuses a blob of another key, garbage, and a tampered proxy layer', async () => {
    const t = await ready();
    const other = await t.createKey(t.ks, 'ext-2');
    const enc = await t.client.call('Encrypt', { KeyId: t.keyId, Plaintext: b64('x') });
    expect(
      (
        await rejection(
          t.client.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, KeyId: other }),
        )
      ).name,
    ).toBe('IncorrectKeyException');
    expect(
      (await rejection(t.client.call('Decrypt', { CiphertextBlob: b64('garbage') }))).name,
    ).toBe('InvalidCiphertextException');
    // Whichever byte is altered, the answer is the same, and the proxy is not asked.
    const bytes = Buffer.from(String(enc.CiphertextBlob), 'base64');
    const decrypts = t.proxy.calledWith('decrypt').length;
    const names = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      const altered = Buffer.from(bytes);
      altered[i] = (altered[i] ?? 0) ^ 1;
      const e = await rejection(
        t.client.call('Decrypt', { CiphertextBlob: altered.toString('base64') }),
      );
      names.add(e.name);
    }
    // So is a blob without its HMAC (the format before it had one) or cut short.
    for (const cut of [32, 1]) {
      const short = bytes.subarray(0, bytes.length - cut).toString('base64');
      names.add(
        await rejection(t.client.call('Decrypt', { CiphertextBlob: short })).then((e) => e.name),
      );
    }
    expect([...names]).toEqual(['InvalidCiphertextException']);
    expect(t.proxy.calledWith('decrypt').length).toBe(decrypts);
  });

  it('throttles above the key store quota with ThrottlingException', async () => {
    const t = await createTestEmulator({ emulator: { quotaPerSecond: 3 } });
    const ks = await t.connectedKeyStore();
    const keyId = await t.createKey(ks, 'ext-1');
    for (let i = 0; i < 3; i++)
      await t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') });
    const e = await rejection(t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }));
    expect(e.name).toBe('ThrottlingException');
    expect(t.emulator.metrics.throttleCount(ks)).toBe(1);
    t.setNow(new Date(TEST_NOW.getTime() + 1000));
    await t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') });
  });

  it('sends kmsViaService for a credential that stands for an AWS service', async () => {
    const t = await createTestEmulator({
      emulator: {
        credentials: [
          {
            accessKeyId: 'AKIAXKSLABLOCALKMS01',
            secretAccessKey: 'xkslab/local/kms/emulator/secret/not/for/aws',
            principalArn: 'arn:aws:iam::111122223333:role/app',
            viaService: 'ebs',
          },
        ],
      },
    });
    const ks = await t.connectedKeyStore();
    const keyId = await t.createKey(ks, 'ext-1');
    await t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') });
    expect(t.proxy.calledWith('encrypt')[0]?.body.requestMetadata).toMatchObject({
      awsPrincipalArn: 'arn:aws:iam::111122223333:role/app',
      kmsViaService: 'ebs',
    });
  });
});
