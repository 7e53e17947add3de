import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/ciphers/utils.js';
import { sequenceRandom } from '@xkslab/protocol/testing';
import { describe, expect, it } from 'vitest';
import { nobleEngine } from './crypto/noble-engine.ts';
import { nodeEngine } from './engines/node-engine.ts';
import { LevelRecordStore } from './storage/level-record-store.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { createTestVcm, TEST_MASTER_KEY } from './testing/index.ts';
import { codeOf, EMPTY, SpyStore, setup, utf8 } from './vcm.test-support.ts';
import { Vcm } from './vcm.ts';

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
});

describe('Vcm encrypt / decrypt checks', () => {
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
});

describe('Vcm key versions, cache and store faults', () => {
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
