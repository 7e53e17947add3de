import { describe, expect, it } from 'vitest';
import { isVcmError, type VcmErrorCode } from '../crypto/errors.ts';
import type { RecordStore } from './record-store.ts';

/** What a contract run needs from an implementation. */
export type RecordStoreHarness = {
  /** A fresh, empty store. */
  store: RecordStore;
  /** For persistent stores: open the same storage again (after `store` was closed). */
  reopen?: () => Promise<RecordStore>;
  /** Release everything (temp directories); called once per test. */
  dispose: () => Promise<void>;
};

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (s: string) => new TextEncoder().encode(s);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

async function expectCode(promise: Promise<unknown>, code: VcmErrorCode): Promise<void> {
  const e = await rejection(promise);
  expect(isVcmError(e, code), String(e)).toBe(true);
}

type WithStore = (fn: (h: RecordStoreHarness) => Promise<void>) => Promise<void>;

/** Single-key reads and writes: missing keys, overwrites, exact bytes, no aliasing. */
function itReadsAndWrites(withStore: WithStore): void {
  it('resolves a missing key to undefined', () =>
    withStore(async ({ store }) => {
      expect(await store.get('nope')).toBeUndefined();
    }));

  it('puts, gets, overwrites and deletes', () =>
    withStore(async ({ store }) => {
      await store.put('a', bytes(1, 2, 3));
      expect(await store.get('a')).toEqual(bytes(1, 2, 3));
      await store.put('a', bytes(9));
      expect(await store.get('a')).toEqual(bytes(9));
      await store.del('a');
      expect(await store.get('a')).toBeUndefined();
      await store.del('a');
    }));

  it('stores empty values and binary values byte for byte', () =>
    withStore(async ({ store }) => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put('empty', new Uint8Array(0));
      await store.put('all', all);
      expect(await store.get('empty')).toEqual(new Uint8Array(0));
      expect(await store.get('all')).toEqual(all);
    }));

  it('returns plain Uint8Arrays that do not alias what is stored', () =>
    withStore(async ({ store }) => {
      const value = bytes(1, 2, 3);
      await store.put('k', value);
      value[0] = 99;
      const got = (await store.get('k')) as Uint8Array;
      expect(got.constructor).toBe(Uint8Array);
      expect(got).toEqual(bytes(1, 2, 3));
      got[1] = 99;
      expect(await store.get('k')).toEqual(bytes(1, 2, 3));
      const [row] = await store.list({ prefix: 'k' });
      expect(row?.value.constructor).toBe(Uint8Array);
    }));
}

/** Batches (all or nothing) and argument checks. */
function itBatchesAndChecksArguments(withStore: WithStore): void {
  it('applies a batch of puts and deletes together', () =>
    withStore(async ({ store }) => {
      await store.put('x/old', bytes(0));
      await store.batch([
        { type: 'put', key: 'x/1', value: bytes(1) },
        { type: 'put', key: 'x/2', value: bytes(2) },
        { type: 'del', key: 'x/old' },
      ]);
      expect((await store.list({ prefix: 'x/' })).map((r) => r.key)).toEqual(['x/1', 'x/2']);
      await store.batch([]);
    }));

  it('applies nothing of a batch that has a bad op', () =>
    withStore(async ({ store }) => {
      await store.put('keep', bytes(7));
      await expectCode(
        store.batch([
          { type: 'put', key: 'b/1', value: bytes(1) },
          { type: 'del', key: 'keep' },
          { type: 'put', key: 'b/2', value: 'not bytes' as unknown as Uint8Array },
        ]),
        'INVALID_INPUT',
      );
      expect(await store.get('b/1')).toBeUndefined();
      expect(await store.get('keep')).toEqual(bytes(7));
    }));

  it('rejects bad keys and values as INVALID_INPUT', () =>
    withStore(async ({ store }) => {
      await expectCode(store.get(''), 'INVALID_INPUT');
      await expectCode(store.put('k', [1, 2] as unknown as Uint8Array), 'INVALID_INPUT');
      await expectCode(store.put(42 as unknown as string, bytes(1)), 'INVALID_INPUT');
      await expectCode(store.put('\uD800lone', bytes(1)), 'INVALID_INPUT');
      await expectCode(store.list({ prefix: 'a', limit: -1 }), 'INVALID_INPUT');
      await expectCode(store.list({ prefix: 'a', limit: 1.5 }), 'INVALID_INPUT');
    }));
}

/** Listing: UTF-8 byte order, prefixes, paging with after and limit. */
function itLists(withStore: WithStore): void {
  it('lists a prefix in UTF-8 byte order, pages with after and limit', () =>
    withStore(async ({ store }) => {
      const keys = [
        'p/b',
        'p/a',
        'p/\uFFFF',
        'p/\u{1F600}',
        'p/é',
        'p/aa',
        'p/B',
        'p0',
        'o/z',
        'p',
      ];
      for (const k of keys) await store.put(k, text(k));
      const inPrefix = ['p/B', 'p/a', 'p/aa', 'p/b', 'p/é', 'p/\uFFFF', 'p/\u{1F600}'];
      const all = await store.list({ prefix: 'p/' });
      expect(all.map((r) => r.key)).toEqual(inPrefix);
      for (const r of all) expect(new TextDecoder().decode(r.value)).toBe(r.key);

      expect((await store.list({ prefix: 'p/', limit: 2 })).map((r) => r.key)).toEqual([
        'p/B',
        'p/a',
      ]);
      expect(
        (await store.list({ prefix: 'p/', after: 'p/a', limit: 2 })).map((r) => r.key),
      ).toEqual(['p/aa', 'p/b']);
      expect((await store.list({ prefix: 'p/', after: 'p/ab' })).map((r) => r.key)).toEqual(
        inPrefix.slice(3),
      );
      expect(await store.list({ prefix: 'p/', after: 'p/\u{1F600}' })).toEqual([]);
      expect(await store.list({ prefix: 'p/', limit: 0 })).toEqual([]);
      // `after` below the prefix starts at the prefix; above it, nothing is left.
      expect((await store.list({ prefix: 'p/', after: 'a' })).map((r) => r.key)).toEqual(inPrefix);
      expect(await store.list({ prefix: 'p/', after: 'q' })).toEqual([]);
      expect(await store.list({ prefix: 'none/' })).toEqual([]);
      expect((await store.list({ prefix: '' })).length).toBe(keys.length);
    }));

  it('pages through a prefix without gaps or repeats', () =>
    withStore(async ({ store }) => {
      const ids = Array.from({ length: 23 }, (_, i) => `m/${String(i).padStart(3, '0')}`);
      await store.batch(ids.map((key) => ({ type: 'put' as const, key, value: text(key) })));
      await store.put('m0', bytes(0));
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.list({ prefix: 'm/', limit: 5, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(5);
        seen.push(...page.map((r) => r.key));
        after = page.at(-1)?.key;
      }
      expect(seen).toEqual(ids);
    }));
}

/** Close, and durability across a reopen. */
function itClosesAndReopens(withStore: WithStore): void {
  it('refuses every call after close with STORE_UNAVAILABLE, and closes twice', () =>
    withStore(async ({ store }) => {
      await store.put('k', bytes(1));
      await store.close();
      await store.close();
      await expectCode(store.get('k'), 'STORE_UNAVAILABLE');
      await expectCode(store.put('k', bytes(2)), 'STORE_UNAVAILABLE');
      await expectCode(store.del('k'), 'STORE_UNAVAILABLE');
      await expectCode(store.batch([{ type: 'del', key: 'k' }]), 'STORE_UNAVAILABLE');
      await expectCode(store.list({ prefix: '' }), 'STORE_UNAVAILABLE');
    }));

  it('keeps puts, deletes and batches across close and reopen (persistent stores)', () =>
    withStore(async (h) => {
      if (!h.reopen) return;
      await h.store.put('d/1', bytes(1));
      await h.store.put('d/2', bytes(2));
      await h.store.del('d/2');
      await h.store.batch([
        { type: 'put', key: 'd/3', value: bytes(3) },
        { type: 'put', key: 'd/4', value: bytes(4) },
      ]);
      await h.store.close();
      const again = await h.reopen();
      try {
        expect(await again.get('d/1')).toEqual(bytes(1));
        expect(await again.get('d/2')).toBeUndefined();
        expect((await again.list({ prefix: 'd/' })).map((r) => r.key)).toEqual([
          'd/1',
          'd/3',
          'd/4',
        ]);
      } finally {
        await again.close();
      }
    }));
}

/**
 * The behaviour every RecordStore shares, registered as a describe block (honojs/hono's
 * src/router/common.case.test.ts pattern). Each implementation's test file calls this once.
 */
export function describeRecordStoreContract(
  name: string,
  create: () => Promise<RecordStoreHarness>,
): void {
  async function withStore(fn: (h: RecordStoreHarness) => Promise<void>): Promise<void> {
    const h = await create();
    try {
      await fn(h);
    } finally {
      await h.store.close().catch(() => undefined);
      await h.dispose();
    }
  }

  describe(`RecordStore contract: ${name}`, () => {
    itReadsAndWrites(withStore);
    itBatchesAndChecksArguments(withStore);
    itLists(withStore);
    itClosesAndReopens(withStore);
  });
}
