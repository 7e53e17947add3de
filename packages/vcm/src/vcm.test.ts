import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/ciphers/utils.js';
import { describe, expect, it } from 'vitest';
import type { CipherEngine } from './crypto/cipher-engine.ts';
import { isVcmError, type VcmErrorCode } from './crypto/errors.ts';
import { nobleEngine } from './crypto/noble-engine.ts';
import { nodeEngine } from './engines/node-engine.ts';
import { LevelRecordStore } from './storage/level-record-store.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import type { BatchOp, ListOptions, RecordStore } from './storage/record-store.ts';
import {
  createTestVcm,
  sequenceRandom,
  TEST_MASTER_KEY,
  TEST_NOW,
  type TestVcmOptions,
} from './testing/index.ts';
import { Vcm } from './vcm.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const EMPTY = new Uint8Array(0);

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<VcmErrorCode | 'none'> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    if (isVcmError(e)) return e.code;
    throw e;
  }
  return 'none';
}

/** A RecordStore wrapper that counts calls and can be told to fail. */
class SpyStore implements RecordStore {
  calls: string[] = [];
  listCalls: ListOptions[] = [];
  failing = false;
  readonly inner: RecordStore;
  constructor(inner: RecordStore) {
    this.inner = inner;
  }
  #check(op: string) {
    this.calls.push(op);
    if (this.failing) throw Object.assign(new Error('disk on fire'), { code: 'EIO' });
  }
  async get(key: string) {
    this.#check('get');
    return this.inner.get(key);
  }
  async put(key: string, value: Uint8Array) {
    this.#check('put');
    return this.inner.put(key, value);
  }
  async del(key: string) {
    this.#check('del');
    return this.inner.del(key);
  }
  async batch(ops: readonly BatchOp[]) {
    this.#check('batch');
    return this.inner.batch(ops);
  }
  async list(options: ListOptions) {
    this.#check('list');
    this.listCalls.push(options);
    return this.inner.list(options);
  }
  async close() {
    return this.inner.close();
  }
}

async function snapshot(store: RecordStore): Promise<Map<string, string>> {
  const rows = await store.list({ prefix: '' });
  return new Map(rows.map((r) => [r.key, bytesToHex(r.value)]));
}

async function setup(options: TestVcmOptions = {}) {
  const store = options.store ?? new MemoryRecordStore();
  const vcm = await createTestVcm({ ...options, store });
  await vcm.createModule({ name: 'm1', nodes: 3 });
  await vcm.createKey('m1', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'] });
  return { vcm, store };
}

describe('Vcm modules', () => {
  it('creates, gets and lists modules', async () => {
    const vcm = await createTestVcm();
    expect(await vcm.createModule({ name: 'zeta' })).toEqual({
      name: 'zeta',
      nodes: 1,
      state: 'active',
      createdAt: TEST_NOW.toISOString(),
    });
    await vcm.createModule({ name: 'alpha.1_-', nodes: 10 });
    expect(await vcm.getModule('alpha.1_-')).toEqual({
      name: 'alpha.1_-',
      nodes: 10,
      state: 'active',
      createdAt: TEST_NOW.toISOString(),
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

describe('Vcm encrypt / decrypt', () => {
  it('round-trips with AAD, 12-byte IVs and the current version', async () => {
    const { vcm } = await setup();
    const plaintext = randomBytes(4300);
    const aad = randomBytes(8192);
    const out = await vcm.encrypt('m1', 'k', { plaintext, aad });
    expect(out.iv.length).toBe(12);
    expect(out.tag.length).toBe(16);
    expect(out.ciphertext.length).toBe(plaintext.length);
    expect(out.keyVersion).toBe(1);
    expect(await vcm.decrypt('m1', 'k', { ...out, aad })).toEqual(plaintext);
    expect(await codeOf(vcm.decrypt('m1', 'k', { ...out, aad: EMPTY }))).toBe('INVALID_CIPHERTEXT');
  });

  it('matches GCM spec Test Case 16 end to end with given material and a fixed IV', async () => {
    const store = new MemoryRecordStore();
    let nextIv: Uint8Array | undefined;
    const random = (n: number) => {
      if (nextIv && n === 12) {
        const iv = nextIv;
        nextIv = undefined;
        return iv;
      }
      return randomBytes(n);
    };
    const vcm = await createTestVcm({ store, random });
    await vcm.createModule({ name: 'm' });
    const key = hexToBytes('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
    await vcm.createKey('m', { id: 'tc16', usage: ['ENCRYPT', 'DECRYPT'], material: key });
    nextIv = hexToBytes('cafebabefacedbaddecaf888');
    const out = await vcm.encrypt('m', 'tc16', {
      plaintext: hexToBytes(
        'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
      ),
      aad: hexToBytes('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
    });
    expect(bytesToHex(out.iv)).toBe('cafebabefacedbaddecaf888');
    expect(bytesToHex(out.ciphertext)).toBe(
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    );
    expect(bytesToHex(out.tag)).toBe('76fc6ece0f4e1768cddf8853bb2d551b');
  });

  it('gives reproducible IVs and ciphertexts with a fixed random source', async () => {
    async function run() {
      const { vcm } = await setup({ random: sequenceRandom(7) });
      const a = await vcm.encrypt('m1', 'k', { plaintext: utf8('same'), aad: EMPTY });
      const b = await vcm.encrypt('m1', 'k', { plaintext: utf8('same'), aad: EMPTY });
      return [a, b];
    }
    const [a1, b1] = await run();
    const [a2, b2] = await run();
    expect(a2).toEqual(a1);
    expect(b2).toEqual(b1);
    expect(b1?.iv).not.toEqual(a1?.iv);
  });

  it('decrypts 16-byte-IV ciphertexts and refuses other IV and tag sizes', async () => {
    const vcm = await createTestVcm();
    await vcm.createModule({ name: 'm' });
    const material = randomBytes(32);
    await vcm.createKey('m', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'], material });
    const iv = randomBytes(16);
    const { ciphertext, tag } = nodeEngine.encrypt(material, iv, utf8('long iv'), utf8('a'));
    const pt = await vcm.decrypt('m', 'k', { ciphertext, iv, tag, aad: utf8('a'), keyVersion: 1 });
    expect(new TextDecoder().decode(pt)).toBe('long iv');
    for (const badIv of [8, 11, 13, 15, 17, 0]) {
      const input = { ciphertext, iv: new Uint8Array(badIv), tag, aad: utf8('a'), keyVersion: 1 };
      expect(await codeOf(vcm.decrypt('m', 'k', input))).toBe('INVALID_CIPHERTEXT');
    }
    for (const badTag of [0, 12, 15, 17]) {
      const input = { ciphertext, iv, tag: new Uint8Array(badTag), aad: utf8('a'), keyVersion: 1 };
      expect(await codeOf(vcm.decrypt('m', 'k', input))).toBe('INVALID_CIPHERTEXT');
    }
  });

  it('passes the key version to an AAD function and binds its result', async () => {
    const { vcm } = await setup();
    const seen: number[] = [];
    const out = await vcm.encrypt('m1', 'k', {
      plaintext: utf8('x'),
      aad: (v) => {
        seen.push(v);
        return utf8(`v=${v}`);
      },
    });
    expect(seen).toEqual([1]);
    expect(await vcm.decrypt('m1', 'k', { ...out, aad: utf8('v=1') })).toEqual(utf8('x'));
    expect(await codeOf(vcm.decrypt('m1', 'k', { ...out, aad: utf8('v=2') }))).toBe(
      'INVALID_CIPHERTEXT',
    );
  });

  it('enforces existence, status and usage in that order', async () => {
    const vcm = await createTestVcm();
    await vcm.createModule({ name: 'm' });
    await vcm.createKey('m', { id: 'both', usage: ['ENCRYPT', 'DECRYPT'] });
    await vcm.createKey('m', { id: 'enc', usage: ['ENCRYPT'] });
    await vcm.createKey('m', { id: 'dec', usage: ['DECRYPT', 'UNWRAP'] });
    await vcm.createKey('m', { id: 'wrap', usage: ['WRAP'], status: 'DISABLED' });
    const pt = { plaintext: utf8('p'), aad: EMPTY };
    const sealed = await vcm.encrypt('m', 'enc', pt);
    const ct = { ...sealed, aad: EMPTY };

    expect(await codeOf(vcm.encrypt('m', 'missing', pt))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(vcm.decrypt('m', 'missing', ct))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(vcm.encrypt('gone', 'enc', pt))).toBe('MODULE_NOT_FOUND');
    expect(await codeOf(vcm.encrypt('m', 'dec', pt))).toBe('INVALID_KEY_USAGE');
    expect(await codeOf(vcm.decrypt('m', 'enc', ct))).toBe('INVALID_KEY_USAGE');
    // DISABLED wins over a usage the key lacks, and over a malformed IV.
    expect(await codeOf(vcm.encrypt('m', 'wrap', pt))).toBe('KEY_DISABLED');
    expect(await codeOf(vcm.decrypt('m', 'wrap', { ...ct, iv: new Uint8Array(3) }))).toBe(
      'KEY_DISABLED',
    );

    await vcm.setKeyStatus('m', 'both', 'DISABLED');
    expect(await codeOf(vcm.encrypt('m', 'both', pt))).toBe('KEY_DISABLED');
    expect(await codeOf(vcm.decrypt('m', 'both', ct))).toBe('KEY_DISABLED');
    await vcm.setKeyStatus('m', 'both', 'ENABLED');
    const out = await vcm.encrypt('m', 'both', pt);
    expect(await vcm.decrypt('m', 'both', { ...out, aad: EMPTY })).toEqual(utf8('p'));

    expect(await codeOf(vcm.encrypt('m', 'a b', pt))).toBe('INVALID_INPUT');
    expect(await codeOf(vcm.encrypt('m', 'both', { plaintext: 'p' as never, aad: EMPTY }))).toBe(
      'INVALID_INPUT',
    );
    expect(
      await codeOf(vcm.encrypt('m', 'both', { plaintext: utf8('p'), aad: null as never })),
    ).toBe('INVALID_INPUT');
  });

  it('keeps old versions decryptable after rotation and encrypts with the newest', async () => {
    const { vcm, store } = await setup();
    const aad = utf8('aad');
    const v1 = await vcm.encrypt('m1', 'k', { plaintext: utf8('one'), aad });
    const rotated = await vcm.rotateKey('m1', 'k');
    expect(rotated.currentVersion).toBe(2);
    expect(rotated.versions.map((v) => v.version)).toEqual([1, 2]);
    const v2 = await vcm.encrypt('m1', 'k', { plaintext: utf8('two'), aad });
    expect(v2.keyVersion).toBe(2);
    expect(await vcm.decrypt('m1', 'k', { ...v1, aad })).toEqual(utf8('one'));
    expect(await vcm.decrypt('m1', 'k', { ...v2, aad })).toEqual(utf8('two'));
    // The version is part of what decrypts: the other version's key fails, unknown ones too.
    expect(await codeOf(vcm.decrypt('m1', 'k', { ...v1, aad, keyVersion: 2 }))).toBe(
      'INVALID_CIPHERTEXT',
    );
    for (const keyVersion of [0, 3, -1, 1.5, Number.NaN]) {
      expect(await codeOf(vcm.decrypt('m1', 'k', { ...v1, aad, keyVersion }))).toBe(
        'INVALID_CIPHERTEXT',
      );
    }
    await vcm.rotateKey('m1', 'k');
    const reopened = await Vcm.open({ store, engine: nodeEngine, masterKey: TEST_MASTER_KEY });
    expect((await reopened.encrypt('m1', 'k', { plaintext: utf8('three'), aad })).keyVersion).toBe(
      3,
    );
    expect(await reopened.decrypt('m1', 'k', { ...v1, aad })).toEqual(utf8('one'));
    expect(await reopened.decrypt('m1', 'k', { ...v2, aad })).toEqual(utf8('two'));
    expect(await codeOf(vcm.rotateKey('m1', 'nope'))).toBe('KEY_NOT_FOUND');
  });

  it('serves cached keys without touching the store, and sees its own writes at once', async () => {
    const spy = new SpyStore(new MemoryRecordStore());
    const { vcm } = await setup({ store: spy });
    const first = await vcm.encrypt('m1', 'k', { plaintext: utf8('x'), aad: EMPTY });
    spy.calls = [];
    for (let i = 0; i < 50; i++) {
      const out = await vcm.encrypt('m1', 'k', { plaintext: utf8('x'), aad: EMPTY });
      await vcm.decrypt('m1', 'k', { ...out, aad: EMPTY });
    }
    await vcm.getKey('m1', 'k');
    expect(spy.calls).toEqual([]);
    await vcm.setKeyStatus('m1', 'k', 'DISABLED');
    expect(await codeOf(vcm.encrypt('m1', 'k', { plaintext: utf8('x'), aad: EMPTY }))).toBe(
      'KEY_DISABLED',
    );
    await vcm.setKeyStatus('m1', 'k', 'ENABLED');
    await vcm.rotateKey('m1', 'k');
    expect((await vcm.encrypt('m1', 'k', { plaintext: utf8('x'), aad: EMPTY })).keyVersion).toBe(2);
    expect(await vcm.decrypt('m1', 'k', { ...first, aad: EMPTY })).toEqual(utf8('x'));
  });

  it('reports a failing store as STORE_UNAVAILABLE', async () => {
    const spy = new SpyStore(new MemoryRecordStore());
    const { vcm } = await setup({ store: spy });
    spy.failing = true;
    // SpyStore throws a plain Error: the Vcm passes store errors through unchanged, so a real
    // RecordStore (which maps faults to STORE_UNAVAILABLE) is what decides the code.
    await expect(vcm.encrypt('m1', 'k', { plaintext: utf8('x'), aad: EMPTY })).rejects.toThrow(
      'disk on fire',
    );
    spy.failing = false;
    const level = await mkdtemp(join(tmpdir(), 'xkslab-vcm-'));
    try {
      const store = await LevelRecordStore.open(level);
      const v = await Vcm.open({ store, engine: nobleEngine, masterKey: TEST_MASTER_KEY });
      await store.close();
      expect(await codeOf(v.createModule({ name: 'm' }))).toBe('STORE_UNAVAILABLE');
    } finally {
      await rm(level, { recursive: true, force: true });
    }
  });
});

describe('Vcm master key and records at rest', () => {
  it('refuses a wrong master key with WRONG_MASTER_KEY and writes nothing', async () => {
    const { store } = await setup();
    const before = await snapshot(store);
    const wrong = new Uint8Array(TEST_MASTER_KEY);
    wrong[31] = (wrong[31] as number) ^ 1;
    let thrown: unknown;
    try {
      await Vcm.open({ store, engine: nobleEngine, masterKey: wrong });
    } catch (e) {
      thrown = e;
    }
    expect(isVcmError(thrown, 'WRONG_MASTER_KEY')).toBe(true);
    expect((thrown as Error).message).toMatch(/master key/);
    expect(await snapshot(store)).toEqual(before);
    const right = await Vcm.open({ store, engine: nobleEngine, masterKey: TEST_MASTER_KEY });
    expect(await right.getKey('m1', 'k')).toBeDefined();
  });

  it('writes the check value only on a store without vcm records', async () => {
    const store = new MemoryRecordStore();
    await store.put('app/something', utf8('not ours'));
    await Vcm.open({ store, engine: nobleEngine, masterKey: TEST_MASTER_KEY });
    expect([...(await snapshot(store)).keys()]).toEqual(['app/something', 'vcm/meta/master-check']);

    const orphan = new MemoryRecordStore();
    await orphan.put('vcm/module/m', utf8('{}'));
    expect(
      await codeOf(Vcm.open({ store: orphan, engine: nobleEngine, masterKey: TEST_MASTER_KEY })),
    ).toBe('CORRUPT_RECORD');
  });

  it('validates its dependencies', async () => {
    const store = new MemoryRecordStore();
    for (const masterKey of [new Uint8Array(31), new Uint8Array(33), 'k'.repeat(32)]) {
      expect(
        await codeOf(Vcm.open({ store, engine: nobleEngine, masterKey: masterKey as never })),
      ).toBe('INVALID_INPUT');
    }
    expect(
      await codeOf(
        Vcm.open({ store: {} as never, engine: nobleEngine, masterKey: TEST_MASTER_KEY }),
      ),
    ).toBe('INVALID_INPUT');
    const short = () => new Uint8Array(3);
    expect(
      await codeOf(
        Vcm.open({ store, engine: nobleEngine, masterKey: TEST_MASTER_KEY, random: short }),
      ),
    ).toBe('INVALID_INPUT');
    const ok = await Vcm.open({ store, engine: nobleEngine, masterKey: TEST_MASTER_KEY });
    await ok.close();
    const reopened = await Vcm.open({
      store: new MemoryRecordStore(),
      engine: nobleEngine,
      masterKey: TEST_MASTER_KEY,
      random: (n) => (n === 32 ? randomBytes(32) : new Uint8Array(n + 1)),
    });
    await reopened.createModule({ name: 'm' });
    await reopened.createKey('m', { id: 'k', usage: ['ENCRYPT'] });
    expect(await codeOf(reopened.encrypt('m', 'k', { plaintext: utf8('x'), aad: EMPTY }))).toBe(
      'INVALID_INPUT',
    );
  });

  it('never stores key material, KEKs or the master key in the clear', async () => {
    const generated: Uint8Array[] = [];
    const random = (n: number) => {
      const out = randomBytes(n);
      if (n === 32) generated.push(new Uint8Array(out));
      return out;
    };
    const store = new MemoryRecordStore();
    const vcm = await createTestVcm({ store, random });
    await vcm.createModule({ name: 'm', nodes: 2 });
    const given = hexToBytes(
      '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    ).reverse();
    await vcm.createKey('m', { id: 'given', usage: ['ENCRYPT'], material: given });
    await vcm.createKey('m', { id: 'random', usage: ['ENCRYPT'] });
    await vcm.rotateKey('m', 'random');
    expect(generated.length).toBeGreaterThanOrEqual(5); // check value, KEK, health key, 2 versions
    const secrets = [given, TEST_MASTER_KEY, ...generated];
    const rows = await store.list({ prefix: '' });
    const haystacks = rows.map((r) => ({
      raw: bytesToHex(r.value),
      text: new TextDecoder().decode(r.value),
    }));
    for (const secret of secrets) {
      const forms = [
        bytesToHex(secret),
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('base64url'),
      ];
      for (const h of haystacks) {
        expect(h.raw.includes(bytesToHex(secret))).toBe(false);
        for (const f of forms) expect(h.text.includes(f)).toBe(false);
      }
    }
  });

  it('detects records altered, moved or corrupted in the store', async () => {
    const { store } = await setup();
    const other = await createTestVcm({ store });
    await other.createKey('m1', {
      id: 'k2',
      usage: ['ENCRYPT', 'DECRYPT'],
      status: 'DISABLED',
    });
    const open = () => Vcm.open({ store, engine: nobleEngine, masterKey: TEST_MASTER_KEY });
    const original = await snapshot(store);
    const restore = async () => {
      for (const [k, v] of original) await store.put(k, hexToBytes(v));
    };
    const text = async (key: string) =>
      new TextDecoder().decode((await store.get(key)) as Uint8Array);
    const encryptK = async () =>
      (await open()).encrypt('m1', 'k', { plaintext: utf8('x'), aad: EMPTY });

    // A status flipped in place (DISABLED -> ENABLED) no longer matches its MAC.
    await store.put(
      'vcm/key/m1/k2',
      utf8((await text('vcm/key/m1/k2')).replace('DISABLED', 'ENABLED')),
    );
    expect(await codeOf(async () => (await open()).getKey('m1', 'k2'))).toBe('CORRUPT_RECORD');
    expect(await codeOf(async () => (await open()).listKeys('m1'))).toBe('CORRUPT_RECORD');
    await restore();

    // A record moved under another key id.
    await store.put('vcm/key/m1/k', (await store.get('vcm/key/m1/k2')) as Uint8Array);
    expect(await codeOf(encryptK)).toBe('CORRUPT_RECORD');
    await restore();

    // One character of the wrapped material changed.
    const record = JSON.parse(await text('vcm/key/m1/k')) as {
      body: { versions: Array<{ wrapped: string }> };
    };
    const wrapped = record.body.versions[0]?.wrapped as string;
    const altered = (wrapped[0] === 'A' ? 'B' : 'A') + wrapped.slice(1);
    await store.put('vcm/key/m1/k', utf8((await text('vcm/key/m1/k')).replace(wrapped, altered)));
    expect(await codeOf(encryptK)).toBe('CORRUPT_RECORD');
    await restore();

    // The module's KEK changed, and plain garbage.
    const moduleText = await text('vcm/module/m1');
    const kek = (JSON.parse(moduleText) as { body: { kek: string } }).body.kek;
    await store.put(
      'vcm/module/m1',
      utf8(moduleText.replace(kek, kek.split('').reverse().join(''))),
    );
    expect(await codeOf(async () => (await open()).getModule('m1'))).toBe('CORRUPT_RECORD');
    expect(await codeOf(async () => (await open()).listModules())).toBe('CORRUPT_RECORD');
    await store.put('vcm/module/m1', utf8('garbage'));
    expect(await codeOf(encryptK)).toBe('CORRUPT_RECORD');
    await restore();

    expect(await codeOf(encryptK)).toBe('none');
  });
});

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
      expect(n).toMatchObject({ status: 'UNAVAILABLE', detail: 'key store unavailable' });
  });
});

describe('Vcm sealed secrets', () => {
  it('round-trips, and fails for another context, another master key or any change', async () => {
    const { vcm, store } = await setup();
    const secret = utf8('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const sealed = vcm.sealSecret(secret, 'keystore/a/AKIA1');
    expect(sealed.length).toBe(12 + secret.length + 16);
    expect(vcm.openSecret(sealed, 'keystore/a/AKIA1')).toEqual(secret);
    expect(vcm.sealSecret(secret, 'keystore/a/AKIA1')).not.toEqual(sealed);
    expect(await codeOf(() => vcm.openSecret(sealed, 'keystore/a/AKIA2'))).toBe('CORRUPT_RECORD');
    for (let i = 0; i < sealed.length; i += 7) {
      const bad = new Uint8Array(sealed);
      bad[i] = (bad[i] as number) ^ 0x20;
      expect(await codeOf(() => vcm.openSecret(bad, 'keystore/a/AKIA1'))).toBe('CORRUPT_RECORD');
    }
    expect(await codeOf(() => vcm.openSecret(sealed.subarray(0, 27), 'keystore/a/AKIA1'))).toBe(
      'CORRUPT_RECORD',
    );
    // The same master key on another Vcm opens it; a different master key cannot.
    const again = await Vcm.open({ store, engine: nodeEngine, masterKey: TEST_MASTER_KEY });
    expect(again.openSecret(sealed, 'keystore/a/AKIA1')).toEqual(secret);
    const foreign = await createTestVcm({ masterKey: new Uint8Array(32).fill(9) });
    expect(await codeOf(() => foreign.openSecret(sealed, 'keystore/a/AKIA1'))).toBe(
      'CORRUPT_RECORD',
    );
    expect(await codeOf(() => vcm.sealSecret('s' as never, 'c'))).toBe('INVALID_INPUT');
  });
});

describe('Vcm close', () => {
  it('closes the store and refuses later calls', async () => {
    const { vcm, store } = await setup();
    const sealed = vcm.sealSecret(utf8('s'), 'c');
    await vcm.close();
    await vcm.close();
    expect(await codeOf(store.get('vcm/meta/master-check'))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(vcm.encrypt('m1', 'k', { plaintext: utf8('x'), aad: EMPTY }))).toBe(
      'STORE_UNAVAILABLE',
    );
    expect(await codeOf(vcm.getModule('m1'))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(() => vcm.openSecret(sealed, 'c'))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(() => vcm.sealSecret(utf8('s'), 'c'))).toBe('STORE_UNAVAILABLE');
  });

  it('lets queued writes finish before closing', async () => {
    const vcm = await createTestVcm();
    const created = vcm.createModule({ name: 'm' });
    await vcm.close();
    await expect(created).resolves.toMatchObject({ name: 'm' });
  });

  it('does not wipe the caller master key buffer', async () => {
    const masterKey = new Uint8Array(TEST_MASTER_KEY);
    const vcm = await Vcm.open({ store: new MemoryRecordStore(), engine: nobleEngine, masterKey });
    await vcm.close();
    expect(masterKey).toEqual(TEST_MASTER_KEY);
  });
});
