import { describeKeyStoreContract } from './key-store.contract.ts';
import { MemoryKeyStore } from './memory-key-store.ts';

describeKeyStoreContract('MemoryKeyStore', async () => ({
  store: new MemoryKeyStore(),
  dispose: async () => undefined,
}));
