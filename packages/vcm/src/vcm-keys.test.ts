import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVcmError } from './crypto/errors.ts';
import { nobleEngine } from './crypto/noble-engine.ts';
import { nodeEngine } from './engines/node-engine.ts';
import { LevelRecordStore } from './storage/level-record-store.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { createTestVcm, TEST_MASTER_KEY, TEST_NOW } from './testing/index.ts';
import { codeOf, SpyStore, setup, utf8 } from './vcm.test-support.ts';
import { Vcm } from './vcm.ts';

describe('Vcm keys', () => {
  it('creates, gets and lists keys', async () => {
    const vcm = await createTestVcm();
    await vcm.createModule({ name: 'm' });
    const info = await vcm.createKey('m', { id: 'k1', usage: ['DECRYPT', 'ENCRYPT', 'DECRYPT'] });
    expect(info).toEqual({
      module: 'm',
      id: 'k1',
      usage: ['ENCRYPT', 'DECRYPT'],
      status: 'ENABLED',
      state: 'ENABLED',
      origin: 'GENERATED',
      exportable: false,
      blocked: false,
      createdAt: TEST_NOW.toISOString(),
      currentVersion: 1,
      versions: [{ version: 1, createdAt: TEST_NOW.toISOString() }],
    });
    await vcm.createKey('m', { id: 'k0', usage: ['WRAP', 'UNWRAP'], status: 'DISABLED' });
    expect(await vcm.getKey('m', 'k1')).toEqual(info);
    expect(await vcm.getKey('m', 'nope')).toBeUndefined();
    expect(await vcm.getKey('nope', 'k1')).toBeUndefined();
    const listed = await vcm.listKeys('m');
    expect(listed.map((k) => [k.id, k.status])).toEqual([
      ['k0', 'DISABLED'],
      ['k1', 'ENABLED'],
    ]);
  });

  it('keeps a key with an empty usage set, which refuses every operation', async () => {
    const vcm = await createTestVcm();
    await vcm.createModule({ name: 'm' });
    const key = await vcm.createKey('m', { id: 'none', usage: [] });
    expect(key.usage).toEqual([]);
    const plaintext = new Uint8Array(4);
    expect(await codeOf(vcm.encrypt('m', 'none', { plaintext, aad: plaintext }))).toBe(
      'INVALID_KEY_USAGE',
    );
  });

  it('answers KEY_EXISTS, MODULE_NOT_FOUND and INVALID_INPUT', async () => {
    const vcm = await createTestVcm();
    await vcm.createModule({ name: 'm' });
    await vcm.createKey('m', { id: 'k', usage: ['ENCRYPT'] });
    expect(await codeOf(vcm.createKey('m', { id: 'k', usage: ['DECRYPT'] }))).toBe('KEY_EXISTS');
    expect(await codeOf(vcm.createKey('other', { id: 'k', usage: ['ENCRYPT'] }))).toBe(
      'MODULE_NOT_FOUND',
    );
    expect(await codeOf(vcm.listKeys('other'))).toBe('MODULE_NOT_FOUND');
    const bad: Array<Record<string, unknown>> = [
      { id: '', usage: ['ENCRYPT'] },
      { id: 'a/b', usage: ['ENCRYPT'] },
      { id: 'x'.repeat(129), usage: ['ENCRYPT'] },
      { id: 'k2', usage: ['SIGN'] },
      { id: 'k2', usage: 'ENCRYPT' },
      { id: 'k2', usage: ['ENCRYPT'], status: 'PENDING' },
      { id: 'k2', usage: ['ENCRYPT'], material: new Uint8Array(31) },
      { id: 'k2', usage: ['ENCRYPT'], material: new Uint8Array(33) },
      { id: 'k2', usage: ['ENCRYPT'], material: 'a'.repeat(32) },
    ];
    for (const input of bad) {
      expect(await codeOf(vcm.createKey('m', input as never)), JSON.stringify(input)).toBe(
        'INVALID_INPUT',
      );
    }
    expect(await codeOf(vcm.createKey('m', { id: 'x'.repeat(128), usage: ['ENCRYPT'] }))).toBe(
      'none',
    );
    expect(await codeOf(vcm.listKeys('m', { limit: 0 }))).toBe('INVALID_INPUT');
    expect(await codeOf(vcm.listKeys('m', { after: 'a/b' }))).toBe('INVALID_INPUT');
  });
});

describe('Vcm key listing, status and durability', () => {
  it('pages keys by id, asking the store for one page at a time', async () => {
    const spy = new SpyStore(new MemoryRecordStore());
    const vcm = await createTestVcm({ store: spy });
    await vcm.createModule({ name: 'm' });
    await vcm.createModule({ name: 'm2' });
    const ids = Array.from({ length: 12 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
    for (const id of ids) await vcm.createKey('m', { id, usage: ['ENCRYPT'] });
    await vcm.createKey('m2', { id: 'elsewhere', usage: ['ENCRYPT'] });
    spy.listCalls = [];
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await vcm.listKeys('m', { limit: 5, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      seen.push(...page.map((k) => k.id));
      after = page.at(-1)?.id;
    }
    expect(seen).toEqual(ids);
    expect(spy.listCalls.length).toBe(4);
    for (const call of spy.listCalls)
      expect(call).toMatchObject({ prefix: 'vcm/key/m/', limit: 5 });
    expect(spy.listCalls[1]).toMatchObject({ after: 'vcm/key/m/key-04' });
  });

  it('changes status and keeps it across reopen', async () => {
    const { vcm, store } = await setup();
    const disabled = await vcm.setKeyStatus('m1', 'k', 'DISABLED');
    expect(disabled.status).toBe('DISABLED');
    expect((await vcm.getKey('m1', 'k'))?.status).toBe('DISABLED');
    const again = await Vcm.open({ store, engine: nobleEngine, masterKey: TEST_MASTER_KEY });
    expect((await again.getKey('m1', 'k'))?.status).toBe('DISABLED');
    expect(await codeOf(vcm.setKeyStatus('m1', 'nope', 'ENABLED'))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(vcm.setKeyStatus('m9', 'k', 'ENABLED'))).toBe('MODULE_NOT_FOUND');
    expect(await codeOf(vcm.setKeyStatus('m1', 'k', 'OFF' as never))).toBe('INVALID_INPUT');
  });

  it('lets exactly one of many concurrent createKey calls for one id win', async () => {
    const vcm = await createTestVcm();
    await vcm.createModule({ name: 'm' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        vcm.createKey('m', {
          id: 'same',
          usage: ['ENCRYPT'],
          material: new Uint8Array(32).fill(i),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(9);
    for (const r of rejected) expect(isVcmError(r.reason, 'KEY_EXISTS')).toBe(true);
    // Different ids all succeed concurrently.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => vcm.createKey('m', { id: `k${i}`, usage: ['ENCRYPT'] })),
    );
    expect(await vcm.listKeys('m')).toHaveLength(11);
  });

  it('is durable on a LevelRecordStore across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xkslab-vcm-'));
    try {
      const first = await Vcm.open({
        store: await LevelRecordStore.open(dir),
        engine: nodeEngine,
        masterKey: TEST_MASTER_KEY,
      });
      await first.createModule({ name: 'm' });
      await first.createKey('m', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'] });
      const out = await first.encrypt('m', 'k', {
        plaintext: utf8('persist me'),
        aad: utf8('ctx'),
      });
      await first.close();
      const second = await Vcm.open({
        store: await LevelRecordStore.open(dir),
        engine: nobleEngine,
        masterKey: TEST_MASTER_KEY,
      });
      const pt = await second.decrypt('m', 'k', { ...out, aad: utf8('ctx') });
      expect(new TextDecoder().decode(pt)).toBe('persist me');
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
