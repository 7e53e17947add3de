import { describe, expect, it } from 'vitest';
import { SessionStore, tokensMatch } from './session.ts';

function setup(options: { idleMs?: number; maxMs?: number; maxSessions?: number } = {}) {
  let t = 1_000_000;
  let counter = 0;
  const store = new SessionStore({
    now: () => t,
    random: (n) => new Uint8Array(n).fill(++counter),
    ...options,
  });
  return {
    store,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('SessionStore', () => {
  it('makes sessions with distinct random ids and CSRF tokens (256 bits each)', () => {
    const { store } = setup();
    const a = store.create();
    const b = store.create();
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(a.id);
    expect(Buffer.from(a.id, 'base64url')).toHaveLength(32);
    expect(store.get(a.id)).toBe(a);
    expect(store.get('nope')).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
  });

  it('expires a session after the idle time, and keeps a used one alive', () => {
    const { store, advance } = setup({ idleMs: 1000, maxMs: 10_000 });
    const a = store.create();
    const b = store.create();
    advance(900);
    expect(store.get(a.id)).toBeDefined();
    advance(900);
    expect(store.get(a.id)).toBeDefined();
    expect(store.get(b.id)).toBeUndefined();
  });

  it('expires every session at its maximum age, used or not', () => {
    const { store, advance } = setup({ idleMs: 1000, maxMs: 2500 });
    const a = store.create();
    for (let i = 0; i < 3; i++) {
      advance(800);
      expect(store.get(a.id)).toBeDefined();
    }
    advance(800);
    expect(store.get(a.id)).toBeUndefined();
  });

  it('drops the oldest session past the maximum count, and deletes on logout', () => {
    const { store } = setup({ maxSessions: 2 });
    const a = store.create();
    const b = store.create();
    const c = store.create();
    expect(store.get(a.id)).toBeUndefined();
    expect(store.size).toBe(2);
    store.delete(b.id);
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(c.id)).toBe(c);
  });
});

describe('tokensMatch', () => {
  it('matches equal tokens only, never an empty or missing one', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abd')).toBe(false);
    expect(tokensMatch('abc', 'abcd')).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
    expect(tokensMatch(undefined, 'abc')).toBe(false);
    expect(tokensMatch('abc', undefined)).toBe(false);
  });
});
