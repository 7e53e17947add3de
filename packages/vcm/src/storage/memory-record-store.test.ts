import { MemoryRecordStore } from './memory-record-store.ts';
import { describeRecordStoreContract } from './record-store.contract.ts';

describeRecordStoreContract('MemoryRecordStore', async () => ({
  store: new MemoryRecordStore(),
  dispose: async () => undefined,
}));
