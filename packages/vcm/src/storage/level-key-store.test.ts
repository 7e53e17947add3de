import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVcmError } from '../crypto/errors.ts';
import { describeKeyStoreContract } from './key-store.contract.ts';
import { LevelKeyStore } from './level-key-store.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'xkslab-vcm-level-'));
}

describeKeyStoreContract('LevelKeyStore', async () => {
  const dir = await tempDir();
  const location = join(dir, 'db');
  return {
    store: await LevelKeyStore.open(location),
    reopen: () => LevelKeyStore.open(location),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LevelKeyStore.open', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('refuses a second open of a directory in use with STORE_LOCKED', async () => {
    const dir = await tempDir();
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const first = await LevelKeyStore.open(dir);
    cleanup.push(() => first.close());
    let thrown: unknown;
    try {
      const second = await LevelKeyStore.open(dir);
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
    const third = await LevelKeyStore.open(dir);
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
      await LevelKeyStore.open(join(file, 'db'));
    } catch (e) {
      thrown = e;
    }
    expect(isVcmError(thrown, 'STORE_UNAVAILABLE')).toBe(true);
    expect((thrown as Error).cause).toBeDefined();
  });

  it('rejects an empty path as INVALID_INPUT', async () => {
    await expect(LevelKeyStore.open('')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
