import { bytesToHex, hexToBytes, randomBytes } from '@noble/ciphers/utils.js';
import { describe, expect, it } from 'vitest';
import { isVcmError } from './crypto/errors.ts';
import { nobleEngine } from './crypto/noble-engine.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { createTestVcm, TEST_MASTER_KEY } from './testing/index.ts';
import { codeOf, EMPTY, setup, snapshot, utf8 } from './vcm.test-support.ts';
import { Vcm } from './vcm.ts';

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
});

describe('Vcm dependencies', () => {
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
});

describe('Vcm records at rest', () => {
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
});

describe('Vcm record integrity', () => {
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
