import { cipherEngine, MemoryRecordStore, type RecordStore, Vcm } from '@xkslab/vcm';
import { KeyStoreRegistry } from '../keystores/registry.ts';
import { PRODUCT, VERSION } from '../version.ts';
import { type BackupRecord, encodeBackup } from './backup-format.ts';

/** Every record of the database, in key order, from one LevelDB iterator (one consistent view). */
export function readAllRecords(store: RecordStore): Promise<BackupRecord[]> {
  return store.list({ prefix: '' });
}

/** What the admin API's `GET /admin/v1/backup` and `xkslab backup` call: a whole backup file. */
export type BackupMaker = () => Promise<{ bytes: Uint8Array; records: number }>;

/** A BackupMaker over a store, with the backup root key derived from the master key at start. */
export function backupMaker(deps: {
  store: RecordStore;
  rootKey: Uint8Array;
  clock: () => Date;
  random: (n: number) => Uint8Array;
}): BackupMaker {
  return async () => {
    const records = await readAllRecords(deps.store);
    const bytes = encodeBackup({
      records,
      rootKey: deps.rootKey,
      createdAt: deps.clock(),
      random: deps.random,
      producer: `${PRODUCT} ${VERSION}`,
    });
    return { bytes, records: records.length };
  };
}

export type RestoreSummary = { modules: number; keys: number; keyStores: number };

/**
 * Proves a decrypted backup opens under `masterKey` before anything is written: the records go
 * into an in-memory store, the module manager opens it (master-key check value), every module's
 * keys are listed (record MACs) and the key stores load (sealed credential secrets open).
 */
export async function checkRestorable(
  records: readonly BackupRecord[],
  masterKey: Uint8Array,
): Promise<RestoreSummary> {
  const memory = new MemoryRecordStore();
  await memory.batch(records.map((r) => ({ type: 'put' as const, ...r })));
  const vcm = await Vcm.open({ store: memory, engine: cipherEngine('noble'), masterKey });
  try {
    const modules = await vcm.listModules();
    let keys = 0;
    for (const m of modules) keys += (await vcm.listKeys(m.name)).length;
    const registry = await KeyStoreRegistry.load(memory, vcm);
    return { modules: modules.length, keys, keyStores: registry.list().length };
  } finally {
    await vcm.close();
  }
}
