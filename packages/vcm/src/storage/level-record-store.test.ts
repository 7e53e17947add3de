import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVcmError } from '../crypto/errors.ts';
import { LevelRecordStore } from './level-record-store.ts';
import { describeRecordStoreContract } from './record-store.contract.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'xkslab-vcm-level-'));
}

describeRecordStoreContract('LevelRecordStore', async () => {
  const dir = await tempDir();
  const location = join(dir, 'db');
  return {
    store: await LevelRecordStore.open(location),
    reopen: () => LevelRecordStore.open(location),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LevelRecordStore.open', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('refuses a second open of a directory in use with STORE_LOCKED', async () => {
    const dir = await tempDir();
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const first = await LevelRecordStore.open(dir);
    cleanup.push(() => first.close());
    let thrown: unknown;
    try {
      const second = await LevelRecordStore.open(dir);
      await second.close();
    } catch (e) {
      thrown = e;
    }
    expect(isVcmError(thrown, 'STORE_LOCKED')).toBe(true);
    expect((thrown as Error).message).toMatch(/in use by another xkslab/);
    expect((thrown as Error).cause).toBeDefined();
    // The first store is unaffected, and the directory opens again once it is closed.
    await first.put('k', new Uint8Array([1]));
    await first.close();
    const third = await LevelRecordStore.open(dir);
    expect(await third.get('k')).toEqual(new Uint8Array([1]));
    await third.close();
  });

  it('reports a directory that cannot be created as STORE_UNAVAILABLE with the cause', async () => {
    const dir = await tempDir();
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    let thrown: unknown;
    try {
      await LevelRecordStore.open(join(file, 'db'));
    } catch (e) {
      thrown = e;
    }
    expect(isVcmError(thrown, 'STORE_UNAVAILABLE')).toBe(true);
    expect((thrown as Error).cause).toBeDefined();
  });

  it('rejects an empty path as INVALID_INPUT', async () => {
    await expect(LevelRecordStore.open('')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
