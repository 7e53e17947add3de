import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { createTestVcm, TEST_NOW } from './testing/index.ts';
import { codeOf, SpyStore, snapshot } from './vcm.test-support.ts';

describe('Vcm modules', () => {
  it('creates, gets and lists modules', async () => {
    const vcm = await createTestVcm();
    expect(await vcm.createModule({ name: 'zeta' })).toEqual({
      name: 'zeta',
      nodes: 1,
      state: 'active',
      createdAt: TEST_NOW.toISOString(),
      kind: 'virtual',
    });
    await vcm.createModule({ name: 'alpha.1_-', nodes: 10 });
    expect(await vcm.getModule('alpha.1_-')).toEqual({
      name: 'alpha.1_-',
      nodes: 10,
      state: 'active',
      createdAt: TEST_NOW.toISOString(),
      kind: 'virtual',
    });
    expect(await vcm.getModule('nope')).toBeUndefined();
    expect((await vcm.listModules()).map((m) => m.name)).toEqual(['alpha.1_-', 'zeta']);
  });

  it('refuses a second module of the same name with MODULE_EXISTS', async () => {
    const vcm = await createTestVcm();
    await vcm.createModule({ name: 'm' });
    expect(await codeOf(vcm.createModule({ name: 'm', nodes: 2 }))).toBe('MODULE_EXISTS');
    expect((await vcm.getModule('m'))?.nodes).toBe(1);
  });

  it('validates names and node counts', async () => {
    const vcm = await createTestVcm();
    for (const name of ['', 'a/b', 'a b', 'x'.repeat(65), 'é', 42]) {
      expect(await codeOf(vcm.createModule({ name: name as string }))).toBe('INVALID_INPUT');
    }
    for (const nodes of [0, 11, 1.5, -1, Number.NaN]) {
      expect(await codeOf(vcm.createModule({ name: 'm', nodes }))).toBe('INVALID_INPUT');
    }
    expect(await codeOf(vcm.createModule({ name: 'x'.repeat(64) }))).toBe('none');
    expect(await codeOf(vcm.getModule('a/b'))).toBe('INVALID_INPUT');
  });

  it('writes the module (KEK and health-check key) as one batch', async () => {
    const spy = new SpyStore(new MemoryRecordStore());
    const vcm = await createTestVcm({ store: spy });
    spy.calls = [];
    await vcm.createModule({ name: 'm' });
    expect(spy.calls.filter((c) => c !== 'get')).toEqual(['batch']);
    const keys = [...(await snapshot(spy.inner)).keys()];
    expect(keys).toEqual(['vcm/meta/master-check', 'vcm/module/m']);
  });
});
