import { describe, expect, it } from 'vitest';
import { createConformanceKeys, type KeyFacts, type TestKeyManager } from './conformance-keys.ts';

function memoryManager(initial: KeyFacts[]): TestKeyManager & { keys: KeyFacts[] } {
  const keys = [...initial];
  return {
    keys,
    listKeys: async () => keys,
    createKey: async (_m, id, usage) => {
      keys.push({ id, state: 'ENABLED', blocked: false, usage });
    },
    disableKey: async (_m, id) => {
      const key = keys.find((k) => k.id === id);
      if (key) key.state = 'DISABLED';
    },
  };
}

const BOTH = { state: 'ENABLED', blocked: false, usage: ['ENCRYPT', 'DECRYPT'] };

describe('test keys for the conformance suite', () => {
  it('creates a key for each role the module lacks, with a run suffix, disabled where needed', async () => {
    const manager = memoryManager([{ id: 'default-key', ...BOTH }]);
    const seen: string[] = [];
    const { keys, created } = await createConformanceKeys(manager, 'default', {
      suffix: 'ab12',
      onCreated: (id) => seen.push(id),
    });
    expect(keys).toEqual({
      keyId: 'default-key',
      encryptOnlyKeyId: 'conformance-encrypt-only-ab12',
      decryptOnlyKeyId: 'conformance-decrypt-only-ab12',
      noUsageKeyId: 'conformance-no-usage-ab12',
      disabledKeyId: 'conformance-disabled-ab12',
    });
    expect(created).toEqual(seen);
    expect(created).toHaveLength(4);
    expect(manager.keys.find((k) => k.id === 'conformance-disabled-ab12')?.state).toBe('DISABLED');
    expect(manager.keys.find((k) => k.id === 'conformance-no-usage-ab12')?.usage).toEqual([]);
  });

  it('uses fitting keys and the given ones, and creates nothing more', async () => {
    const manager = memoryManager([
      { id: 'k', ...BOTH },
      { id: 'enc', state: 'ENABLED', blocked: false, usage: ['ENCRYPT'] },
      { id: 'off', state: 'DISABLED', blocked: false, usage: ['ENCRYPT'] },
    ]);
    const { keys, created } = await createConformanceKeys(manager, 'm', {
      given: { decryptOnlyKeyId: 'mine', noUsageKeyId: 'none', keyId: undefined },
    });
    expect(keys).toEqual({
      keyId: 'k',
      encryptOnlyKeyId: 'enc',
      decryptOnlyKeyId: 'mine',
      noUsageKeyId: 'none',
      disabledKeyId: 'off',
    });
    expect(created).toEqual([]);
  });
});
