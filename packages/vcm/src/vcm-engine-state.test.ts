import { describe, expect, it } from 'vitest';
import type { CipherEngine } from './crypto/cipher-engine.ts';
import { nobleEngine } from './crypto/noble-engine.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { TEST_MASTER_KEY } from './testing/index.ts';
import { EMPTY, utf8 } from './vcm.test-support.ts';
import { Vcm } from './vcm.ts';

/** noble, recording each key array it is given and, at `forget`, a copy of that key's bytes. */
function recordingEngine() {
  const used = new Set<Uint8Array>();
  const forgotten = new Map<Uint8Array, Uint8Array>();
  const engine: CipherEngine = {
    name: 'noble',
    forget(key) {
      if (!forgotten.has(key)) forgotten.set(key, new Uint8Array(key));
    },
    encrypt(key, iv, pt, aad) {
      used.add(key);
      return nobleEngine.encrypt(key, iv, pt, aad);
    },
    decrypt(key, iv, ct, tag, aad) {
      used.add(key);
      return nobleEngine.decrypt(key, iv, ct, tag, aad);
    },
  };
  return { engine, used, forgotten };
}

const isZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);
const nextMacrotask = () => new Promise<void>((done) => setImmediate(done));

describe('the Vcm and engine state per key', () => {
  it('tells the engine to forget every key it used, before it wipes it', async () => {
    const { engine, used, forgotten } = recordingEngine();
    const vcm = await Vcm.open({
      store: new MemoryRecordStore(),
      engine,
      masterKey: new Uint8Array(TEST_MASTER_KEY),
      keyCacheEntries: 1,
    });
    await vcm.createModule({ name: 'm', nodes: 1 });
    for (const id of ['a', 'b']) await vcm.createKey('m', { id, usage: ['ENCRYPT', 'DECRYPT'] });
    const plaintext = utf8('data');
    // a: used once (not admitted, wiped on the next macrotask), then admitted; b: the same, and
    // its admission evicts a from the one-entry cache.
    for (const id of ['a', 'a', 'b', 'b']) {
      const out = await vcm.encrypt('m', id, { plaintext, aad: EMPTY });
      expect(await vcm.decrypt('m', id, { ...out, aad: EMPTY })).toEqual(plaintext);
      await nextMacrotask();
    }
    await nextMacrotask();
    // Forgotten before close: a and b once each when not admitted, and a when evicted.
    expect(forgotten.size).toBe(3);
    for (const key of forgotten.keys()) expect(isZero(key)).toBe(true);

    await vcm.healthCheck('m');
    const usedBeforeClose = used.size;
    expect(usedBeforeClose).toBe(5); // the four loads of a and b, and the health-check key
    await vcm.close();

    expect([...used].filter((key) => !forgotten.has(key))).toEqual([]);
    for (const [key, atForget] of forgotten) {
      expect(isZero(atForget)).toBe(false); // forgotten while still the key
      expect(isZero(key)).toBe(true); // and wiped after
    }
  });
});
