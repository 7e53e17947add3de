import { randomBytes } from '@noble/ciphers/utils.js';
import { describe, expect, it } from 'vitest';
import type { CipherEngine } from './crypto/cipher-engine.ts';
import { nobleEngine } from './crypto/noble-engine.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { createTestVcm } from './testing/index.ts';
import { codeOf, SpyStore, setup } from './vcm.test-support.ts';

describe('Vcm health check', () => {
  it('returns one ACTIVE entry per node', async () => {
    const { vcm } = await setup();
    expect(await vcm.healthCheck('m1')).toEqual([
      { id: 'm1-node-1', status: 'ACTIVE' },
      { id: 'm1-node-2', status: 'ACTIVE' },
      { id: 'm1-node-3', status: 'ACTIVE' },
    ]);
    expect(await codeOf(vcm.healthCheck('nope'))).toBe('MODULE_NOT_FOUND');
  });

  it('uses the module health-check key, never a customer key', async () => {
    const seen: Uint8Array[] = [];
    const recording: CipherEngine = {
      name: 'noble',
      forget: () => {},
      encrypt: (key, iv, pt, aad) => {
        seen.push(new Uint8Array(key));
        return nobleEngine.encrypt(key, iv, pt, aad);
      },
      decrypt: (key, iv, ct, tag, aad) => nobleEngine.decrypt(key, iv, ct, tag, aad),
    };
    const vcm = await createTestVcm({ engine: recording });
    await vcm.createModule({ name: 'm', nodes: 2 });
    const material = randomBytes(32);
    await vcm.createKey('m', { id: 'customer', usage: ['ENCRYPT'], material });
    seen.length = 0;
    await vcm.healthCheck('m');
    expect(seen).toHaveLength(2);
    for (const key of seen) expect(key).not.toEqual(material);
  });

  it('marks a node whose check throws UNAVAILABLE with a short detail', async () => {
    let calls = 0;
    const flaky: CipherEngine = {
      name: 'noble',
      forget: () => {},
      encrypt: (key, iv, pt, aad) => {
        calls++;
        if (calls === 2) throw new Error('engine fault');
        return nobleEngine.encrypt(key, iv, pt, aad);
      },
      decrypt: (key, iv, ct, tag, aad) => nobleEngine.decrypt(key, iv, ct, tag, aad),
    };
    const vcm = await createTestVcm({ engine: flaky });
    await vcm.createModule({ name: 'm', nodes: 3 });
    const health = await vcm.healthCheck('m');
    expect(health.map((n) => n.status)).toEqual(['ACTIVE', 'UNAVAILABLE', 'ACTIVE']);
    expect(health[1]?.detail).toBeTruthy();
    expect(health[1]?.detail?.length).toBeLessThan(80);
  });

  it('marks every node UNAVAILABLE when the store cannot be read', async () => {
    const spy = new SpyStore(new MemoryRecordStore());
    const { vcm } = await setup({ store: spy });
    await vcm.getModule('m1');
    spy.failing = true;
    const health = await vcm.healthCheck('m1');
    expect(health).toHaveLength(3);
    for (const n of health)
      expect(n).toMatchObject({ status: 'UNAVAILABLE', detail: 'record store unavailable' });
  });

  it('reads the module record from the store at most once a second; changes show at once', async () => {
    const spy = new SpyStore(new MemoryRecordStore());
    let now = Date.parse('2026-12-05T00:00:00Z');
    const vcm = await createTestVcm({ store: spy, clock: () => new Date(now) });
    await vcm.createModule({ name: 'm', nodes: 2 });
    const active = [
      { id: 'm-node-1', status: 'ACTIVE' },
      { id: 'm-node-2', status: 'ACTIVE' },
    ];
    expect(await vcm.healthCheck('m')).toEqual(active);
    spy.failing = true;
    now += 999;
    // Within the second: the store is not read again, and the round trips are not run again.
    expect(await vcm.healthCheck('m')).toEqual(active);
    now += 1;
    const failed = await vcm.healthCheck('m');
    expect(failed.map((n) => n.detail)).toEqual([
      'record store unavailable',
      'record store unavailable',
    ]);
    // Right after a failure the store is read on every check, not a second later.
    spy.failing = false;
    expect(await vcm.healthCheck('m')).toEqual(active);
    // A state change through the Vcm shows on the next check, inside the second.
    await vcm.setModuleState('m', 'maintenance');
    now += 1;
    expect((await vcm.healthCheck('m')).map((n) => n.status)).toEqual([
      'UNAVAILABLE',
      'UNAVAILABLE',
    ]);
  });

  it('runs the round trips at most once a second while they pass; a failing node shows within the second', async () => {
    let now = Date.parse('2026-12-05T00:00:00Z');
    let encrypts = 0;
    let broken = false;
    const engine: CipherEngine = {
      name: 'noble',
      forget: () => {},
      encrypt: (key, iv, pt, aad) => {
        encrypts++;
        if (broken) throw new Error('engine fault');
        return nobleEngine.encrypt(key, iv, pt, aad);
      },
      decrypt: (key, iv, ct, tag, aad) => nobleEngine.decrypt(key, iv, ct, tag, aad),
    };
    const vcm = await createTestVcm({ engine, clock: () => new Date(now) });
    await vcm.createModule({ name: 'm', nodes: 2 });
    encrypts = 0;
    const statuses = async () => (await vcm.healthCheck('m')).map((n) => n.status);
    expect(await statuses()).toEqual(['ACTIVE', 'ACTIVE']);
    expect(encrypts).toBe(2);
    now += 999;
    expect(await statuses()).toEqual(['ACTIVE', 'ACTIVE']);
    expect(encrypts).toBe(2);
    // A second after the round trips that passed, they run again: the broken engine shows.
    broken = true;
    now += 1;
    expect(await statuses()).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    // A failure is never reused: each check runs the round trips until they pass again.
    expect(await statuses()).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    expect(encrypts).toBe(6);
    broken = false;
    expect(await statuses()).toEqual(['ACTIVE', 'ACTIVE']);
    // A change of the module through the Vcm shows on the next check, inside the second.
    await vcm.setModuleState('m', 'maintenance');
    expect(await statuses()).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    await vcm.setModuleState('m', 'active');
    const before = encrypts;
    expect(await statuses()).toEqual(['ACTIVE', 'ACTIVE']);
    expect(encrypts).toBe(before + 2);
  });
});
