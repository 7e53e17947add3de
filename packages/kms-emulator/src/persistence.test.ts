import { describe, expect, it } from 'vitest';
import { StateCodec, StateFileError } from './persistence.ts';
import {
  createTestEmulator,
  memoryStorage,
  sequenceRandom,
  TEST_MASTER_KEY,
} from './testing/index.ts';

const MASTER = TEST_MASTER_KEY;

describe('persistence', () => {
  it('keeps key stores, keys and aliases across restarts, with no secret in the clear', async () => {
    const storage = memoryStorage();
    const first = await createTestEmulator({ persistence: { storage, masterKey: MASTER } });
    const ks = await first.connectedKeyStore();
    const keyId = await first.createKey(ks, 'ext-1');
    await first.client.call('CreateAlias', { AliasName: 'alias/kept', TargetKeyId: keyId });
    const enc = await first.client.call('Encrypt', {
      KeyId: 'alias/kept',
      Plaintext: Buffer.from('persisted').toString('base64'),
    });
    await first.emulator.stop();

    const text = new TextDecoder().decode(storage.bytes);
    expect(text).toContain('xkslab-kms-emulator-state/1');
    expect(text).not.toContain('c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==');

    const second = await createTestEmulator({ persistence: { storage, masterKey: MASTER } });
    const dec = await second.client.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
    expect(Buffer.from(String(dec.Plaintext), 'base64').toString()).toBe('persisted');
    const described = await second.client.call('DescribeCustomKeyStores', { CustomKeyStoreId: ks });
    expect(described.CustomKeyStores).toEqual([
      expect.objectContaining({ ConnectionState: 'CONNECTED' }),
    ]);
  });

  it('refuses a state file under another master key, or one that is not a state file', async () => {
    const codec = new StateCodec(MASTER, sequenceRandom());
    const bytes = codec.encode({
      keyStores: [
        {
          id: 'cks-1',
          name: 'a',
          createdAt: 0,
          connectionState: 'DISCONNECTED',
          proxy: {
            uriEndpoint: 'https://x.example.com',
            uriPath: '/kms/xks/v1',
            accessKeyId: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
            secretAccessKey: 'secret',
            credentialSetAt: 0,
          },
        },
      ],
      keys: [],
      aliases: [],
    });
    expect(codec.decode(bytes).keyStores[0]?.proxy.secretAccessKey).toBe('secret');
    const other = new StateCodec(new Uint8Array(32).fill(1), sequenceRandom());
    expect(() => other.decode(bytes)).toThrow(StateFileError);
    expect(() => codec.decode(new TextEncoder().encode('{"format":"nope"}'))).toThrow(/not valid/);
    expect(() => codec.decode(new TextEncoder().encode('not json'))).toThrow(/not JSON/);
  });
});
