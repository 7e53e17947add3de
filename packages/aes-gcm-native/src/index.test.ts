import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_CANDIDATES, loadAesGcm } from './index.ts';

describe('loadAesGcm', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aes-gcm-native-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the built addon, which passes its self-test', () => {
    const load = loadAesGcm();
    expect(load.binding).toBeDefined();
    expect(load).not.toHaveProperty('reason');
  });

  it('looks in the build folder of this package first, then in native/ beside a bundle', () => {
    expect(ADDON_CANDIDATES.map((url) => url.pathname.split('/').slice(-3).join('/'))).toEqual([
      'build/Release/xkslab_aes_gcm.node',
      'src/native/xkslab_aes_gcm.node',
    ]);
  });

  it('says where it looked when there is no addon', () => {
    const missing = [pathToFileURL(join(dir, 'a.node')), pathToFileURL(join(dir, 'b.node'))];
    const load = loadAesGcm(missing);
    expect(load.binding).toBeUndefined();
    expect(load).toMatchObject({
      reason: `no native AES-GCM addon at ${join(dir, 'a.node')}, ${join(dir, 'b.node')}`,
    });
  });

  it('says why a file that is not a loadable addon cannot be used', async () => {
    const file = join(dir, 'broken.node');
    await writeFile(file, 'not an ELF file');
    const load = loadAesGcm([pathToFileURL(file)]);
    expect(load.binding).toBeUndefined();
    expect((load as { reason: string }).reason).toMatch(/broken\.node did not load: /);
  });

  it('takes the first candidate that exists', () => {
    const load = loadAesGcm([pathToFileURL(join(dir, 'none.node')), ...ADDON_CANDIDATES]);
    expect(load.binding).toBeDefined();
  });
});
