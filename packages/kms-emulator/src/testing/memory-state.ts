/** An in-memory state file for persistence tests, and the master key they wrap it under. */
import type { StateStorage } from '../persistence.ts';

export const TEST_MASTER_KEY = new Uint8Array(32).fill(9);

/** State storage that keeps the last saved bytes in `bytes` (undefined until the first save). */
export function memoryStorage(): StateStorage & { bytes?: Uint8Array } {
  const storage: StateStorage & { bytes?: Uint8Array } = {
    async load() {
      return storage.bytes;
    },
    async save(bytes) {
      storage.bytes = bytes;
    },
  };
  return storage;
}
