import { describe, expect, it } from 'vitest';
import { ready } from './testing/action-helpers.ts';
import { b64, rejection } from './testing/calls.ts';
import { createTestEmulator, TEST_NOW } from './testing/index.ts';

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
