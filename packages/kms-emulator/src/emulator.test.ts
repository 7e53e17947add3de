import { describe, expect, it } from 'vitest';
import { decodeBlob } from './blob.ts';
import { b64, rejection } from './testing/calls.ts';
import {
  createTestEmulator,
  customKeyStoreInput,
  flush,
  PROXY_ENDPOINT,
  PROXY_URI_PATH,
} from './testing/index.ts';

const text = (b64text: unknown) => Buffer.from(String(b64text), 'base64').toString();

describe('custom key stores', () => {
  it('creates a key store after a health check and starts DISCONNECTED', async () => {
    const t = await createTestEmulator();
    const created = await t.client.call('CreateCustomKeyStore', customKeyStoreInput());
    expect(created.CustomKeyStoreId).toMatch(/^cks-[0-9a-f]{17}$/);
    const health = t.proxy.calledWith('health');
    expect(health).toHaveLength(1);
    expect(health[0]?.body.requestMetadata).toEqual({
      kmsRequestId: created.$requestId,
      kmsOperation: 'CreateCustomKeyStore',
    });
    expect(health[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ABCDEFGHIJKLMNOPQRSTUVWXYZ\/20250601\/us-east-1\/kms-xks-proxy\/aws4_request, SignedHeaders=host;x-amz-date, /,
    );
    const described = await t.client.call('DescribeCustomKeyStores', {
      CustomKeyStoreId: created.CustomKeyStoreId,
    });
    expect(described.CustomKeyStores).toEqual([
      expect.objectContaining({
        CustomKeyStoreName: 'ks',
        CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
        ConnectionState: 'DISCONNECTED',
        XksProxyConfiguration: {
          Connectivity: 'PUBLIC_ENDPOINT',
          AccessKeyId: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
          UriEndpoint: PROXY_ENDPOINT,
          UriPath: PROXY_URI_PATH,
        },
      }),
    ]);
  });

  it('connects after the configured delay and disconnects on request', async () => {
    const t = await createTestEmulator();
    const id = await t.connectedKeyStore();
    const state = async () =>
      (
        (await t.client.call('DescribeCustomKeyStores', { CustomKeyStoreId: id }))
          .CustomKeyStores as Array<{ ConnectionState: string }>
      )[0]?.ConnectionState;
    expect(await state()).toBe('CONNECTED');
    expect(t.proxy.calledWith('health').at(-1)?.body.requestMetadata).toMatchObject({
      kmsOperation: 'ConnectCustomKeyStore',
    });
    await t.client.call('DisconnectCustomKeyStore', { CustomKeyStoreId: id });
    expect(await state()).toBe('DISCONNECTED');
    const again = await rejection(
      t.client.call('DisconnectCustomKeyStore', { CustomKeyStoreId: id }),
    );
    expect(again.name).toBe('CustomKeyStoreInvalidStateException');
  });

  it('ends FAILED with INVALID_CREDENTIALS when the proxy refuses the credential at connect time', async () => {
    const t = await createTestEmulator();
    const created = await t.client.call('CreateCustomKeyStore', customKeyStoreInput());
    await t.client.call('ConnectCustomKeyStore', { CustomKeyStoreId: created.CustomKeyStoreId });
    t.proxy.failNext({ kind: 'error', errorName: 'AuthenticationFailedException' });
    t.scheduler.advance(1000);
    await flush();
    const described = await t.client.call('DescribeCustomKeyStores', {});
    expect(described.CustomKeyStores).toEqual([
      expect.objectContaining({
        ConnectionState: 'FAILED',
        ConnectionErrorCode: 'INVALID_CREDENTIALS',
      }),
    ]);
    const reconnect = await rejection(
      t.client.call('ConnectCustomKeyStore', { CustomKeyStoreId: created.CustomKeyStoreId }),
    );
    expect(reconnect.name).toBe('CustomKeyStoreInvalidStateException');
  });
});

describe('keys and cryptography', () => {
  it('encrypts twice (KMS layer, then proxy) and decrypts with the encryption context', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    const keyId = await t.createKey(ks, 'ext-1');
    const metadataCall = t.proxy.calledWith('metadata')[0];
    expect(metadataCall?.body.requestMetadata).toMatchObject({ kmsOperation: 'CreateKey' });
    expect(metadataCall?.body.requestMetadata).not.toHaveProperty('kmsKeyArn');

    const context = { purpose: 'test' };
    const enc = await t.client.call('Encrypt', {
      KeyId: keyId,
      Plaintext: b64('hello world'),
      EncryptionContext: context,
    });
    const call = t.proxy.calledWith('encrypt')[0];
    expect(call?.body).toMatchObject({
      encryptionAlgorithm: 'AES_GCM',
      ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
      requestMetadata: {
        awsPrincipalArn: 'arn:aws:iam::111122223333:user/xkslab',
        kmsOperation: 'Encrypt',
        kmsRequestId: enc.$requestId,
        kmsKeyArn: enc.KeyId,
      },
    });
    // Double encryption: the proxy never sees the caller's plaintext.
    expect(text(call?.body.plaintext)).not.toContain('hello');
    // The blob.ts encoding, then the 32-byte HMAC (actions/xks-envelope.ts).
    const bytes = new Uint8Array(Buffer.from(String(enc.CiphertextBlob), 'base64'));
    const blob = decodeBlob(bytes.subarray(0, bytes.length - 32));
    expect(blob?.keyId).toBe(keyId);
    expect(blob?.ciphertextMetadata).toEqual(Uint8Array.of(0x78, 0x6b, 0x01));

    const dec = await t.client.call('Decrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      EncryptionContext: context,
    });
    expect(text(dec.Plaintext)).toBe('hello world');
    expect(dec.KeyId).toBe(enc.KeyId);

    const wrong = await rejection(
      t.client.call('Decrypt', {
        CiphertextBlob: enc.CiphertextBlob,
        EncryptionContext: { purpose: 'other' },
      }),
    );
    expect(wrong.name).toBe('InvalidCiphertextException');
  });

  it('answers KMSInvalidStateException when the proxy reports the key disabled', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    const keyId = await t.createKey(ks, 'ext-1');
    const ext = t.proxy.keys.get('ext-1');
    if (ext) ext.status = 'DISABLED';
    const e = await rejection(t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }));
    expect(e.name).toBe('KMSInvalidStateException');
    expect(e.status).toBe(409);
    expect(e.message).toMatch(/external key ext-1 is not enabled in the external key manager/);
  });

  it('retries a network timeout once, then fails with KMSInvalidStateException', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    const keyId = await t.createKey(ks, 'ext-1');
    t.proxy.failNext({ kind: 'timeout' }, 'encrypt');
    const ok = await t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') });
    expect(ok.CiphertextBlob).toBeTypeOf('string');
    expect(t.xksCalls.at(-1)).toMatchObject({
      xksOperation: 'Encrypt',
      attempts: 2,
      outcome: 'ok',
    });

    t.proxy.failNext({ kind: 'timeout' }, 'encrypt');
    t.proxy.failNext({ kind: 'timeout' }, 'encrypt');
    const e = await rejection(t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }));
    expect(e.name).toBe('KMSInvalidStateException');
    expect(e.message).toMatch(/did not respond within 250 ms/);

    // Other errors are not retried.
    const before = t.proxy.calledWith('encrypt').length;
    t.proxy.failNext({ kind: 'error', errorName: 'InternalException' }, 'encrypt');
    await rejection(t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }));
    expect(t.proxy.calledWith('encrypt').length).toBe(before + 1);
  });

  it('refuses a CDIV that does not match and metadata over 20 bytes', async () => {
    const t = await createTestEmulator();
    const ks = await t.connectedKeyStore();
    const keyId = await t.createKey(ks, 'ext-1');
    t.proxy.failNext({ kind: 'flip-cdiv' }, 'encrypt');
    const cdiv = await rejection(t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }));
    expect(cdiv.name).toBe('KMSInvalidStateException');
    expect(cdiv.message).toMatch(/CDIV/);
    t.proxy.failNext({ kind: 'metadata-too-long' }, 'encrypt');
    const meta = await rejection(t.client.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }));
    expect(meta.name).toBe('KMSInvalidStateException');
    // A generic reason only: the schema issue (which names the answer's fields) goes to the log.
    expect(meta.message).toMatch(/malformed answer/);
    expect(meta.message).not.toMatch(/ciphertextMetadata/);
  });
});
