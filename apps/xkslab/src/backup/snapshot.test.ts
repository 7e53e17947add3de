import { randomBytes } from 'node:crypto';
import { cipherEngine, MemoryRecordStore, Vcm } from '@xkslab/vcm';
import { describe, expect, it } from 'vitest';
import { KeyStoreRegistry } from '../keystores/registry.ts';
import { decodeBackup, deriveBackupRootKey } from './backup-format.ts';
import { backupMaker, checkRestorable } from './snapshot.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));

async function populated(masterKey: Uint8Array) {
  const store = new MemoryRecordStore();
  const vcm = await Vcm.open({ store, engine: cipherEngine('noble'), masterKey, random });
  await vcm.createModule({ name: 'hsm', nodes: 1 });
  await vcm.createKey('hsm', { id: 'k1', usage: ['ENCRYPT', 'DECRYPT'] });
  await vcm.rotateKey('hsm', 'k1');
  const registry = await KeyStoreRegistry.load(store, vcm);
  await registry.create({
    name: 'ks',
    uriPathPrefix: '/ks',
    region: 'us-east-1',
    module: 'hsm',
    credentials: [{ accessKeyId: 'A'.repeat(20), secretAccessKey: 'b'.repeat(43) }],
  });
  return { store, vcm };
}

describe('backup snapshot', () => {
  it('captures every record and proves it restorable under the same master key', async () => {
    const masterKey = random(32);
    const { store, vcm } = await populated(new Uint8Array(masterKey));
    const rootKey = deriveBackupRootKey(masterKey);
    const made = await backupMaker({ store, rootKey, clock: () => new Date(), random })();
    const all = await store.list({ prefix: '' });
    expect(made.records).toBe(all.length);
    const { records } = decodeBackup(made.bytes, rootKey);
    expect(records).toEqual(all);
    expect(await checkRestorable(records, masterKey)).toEqual({
      modules: 1,
      keys: 1,
      keyStores: 1,
    });
    await vcm.close();
  });

  it('refuses records under another master key', async () => {
    const masterKey = random(32);
    const { store, vcm } = await populated(new Uint8Array(masterKey));
    const records = await store.list({ prefix: '' });
    await expect(checkRestorable(records, random(32))).rejects.toMatchObject({
      code: 'WRONG_MASTER_KEY',
    });
    await vcm.close();
  });
});
