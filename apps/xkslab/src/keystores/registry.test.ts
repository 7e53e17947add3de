import { MemoryRecordStore } from '@xkslab/vcm';
import { createTestVcm, TEST_NOW } from '@xkslab/vcm/testing';
import { describe, expect, it } from 'vitest';
import { KeyStoreRegistry } from './registry.ts';

const A = { accessKeyId: 'AAAAAAAAAAAAAAAAAAAA', secretAccessKey: 'a'.repeat(44) };
const B = { accessKeyId: 'BBBBBBBBBBBBBBBBBBBB', secretAccessKey: 'b'.repeat(44) };

class CountingStore extends MemoryRecordStore {
  puts = 0;
  override async put(key: string, value: Uint8Array) {
    this.puts++;
    return super.put(key, value);
  }
}

async function setup() {
  const store = new CountingStore();
  const vcm = await createTestVcm({ store });
  let now = TEST_NOW.getTime();
  const clock = () => new Date(now);
  const registry = await KeyStoreRegistry.load(store, vcm, clock);
  await registry.create({
    name: 'ks',
    uriPathPrefix: '/p',
    region: 'us-east-1',
    module: 'm',
    credentials: [A],
  });
  return { store, vcm, registry, clock, advance: (ms: number) => (now += ms) };
}

describe('KeyStoreRegistry changes', () => {
  it('adds and revokes credentials with immediate effect, persisted', async () => {
    const { store, vcm, registry, clock } = await setup();
    await registry.addCredential('ks', B);
    expect(registry.byUriPathPrefix('/p')?.secretFor(B.accessKeyId)).toBe(B.secretAccessKey);
    await registry.revokeCredential('ks', A.accessKeyId);
    expect(registry.byUriPathPrefix('/p')?.secretFor(A.accessKeyId)).toBeUndefined();
    await expect(registry.revokeCredential('ks', A.accessKeyId)).rejects.toMatchObject({
      code: 'CREDENTIAL_NOT_FOUND',
    });
    const reloaded = await KeyStoreRegistry.load(store, vcm, clock);
    expect(reloaded.get('ks')?.accessKeyIds).toEqual([B.accessKeyId]);
  });

  it('updates region, module, quota and blocked, and deletes', async () => {
    const { store, vcm, registry, clock } = await setup();
    const updated = await registry.update('ks', {
      region: 'eu-west-1',
      module: 'm2',
      maxRequestsPerSecond: 1,
      blocked: true,
    });
    expect(updated).toMatchObject({ region: 'eu-west-1', module: 'm2', blocked: true });
    expect(updated.admit(0)).toBe(true);
    expect(updated.admit(0)).toBe(false);
    const cleared = await registry.update('ks', { maxRequestsPerSecond: null, blocked: false });
    expect(cleared.blocked).toBe(false);
    expect(cleared.admit(0) && cleared.admit(0)).toBe(true);
    expect(registry.describe('ks')?.maxRequestsPerSecond).toBeUndefined();
    await registry.delete('ks');
    expect(registry.byUriPathPrefix('/p')).toBeUndefined();
    expect(registry.describe('ks')).toBeUndefined();
    expect((await KeyStoreRegistry.load(store, vcm, clock)).list()).toEqual([]);
    await expect(registry.update('ks', {})).rejects.toMatchObject({ code: 'KEYSTORE_NOT_FOUND' });
  });

  it('notes credential use in memory and writes it only when flushed', async () => {
    const { store, vcm, registry, clock, advance } = await setup();
    const before = store.puts;
    for (let i = 0; i < 100; i++) registry.noteUse(A.accessKeyId, clock());
    expect(store.puts).toBe(before);
    expect(registry.describe('ks')?.credentials[0]?.lastUsedAt).toBe(TEST_NOW.toISOString());
    advance(1000);
    registry.noteUse(A.accessKeyId, clock());
    await registry.flushUsage();
    expect(store.puts).toBe(before + 1);
    await registry.flushUsage();
    expect(store.puts).toBe(before + 1);
    const reloaded = await KeyStoreRegistry.load(store, vcm, clock);
    expect(reloaded.describe('ks')?.credentials[0]?.lastUsedAt).toBe(
      new Date(TEST_NOW.getTime() + 1000).toISOString(),
    );
  });
});
