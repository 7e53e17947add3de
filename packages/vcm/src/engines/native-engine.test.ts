import { randomBytes } from 'node:crypto';
import { type AesGcmBinding, type KeyContext, loadAesGcm } from '@xkslab/aes-gcm-native';
import { describe, expect, it } from 'vitest';
import { nativeEngine } from './native-engine.ts';
import { nodeEngine } from './node-engine.ts';

function realBinding(): AesGcmBinding {
  const load = loadAesGcm();
  if (!load.binding) throw new Error(`the addon is not usable here: ${load.reason}`);
  return load.binding;
}

/** The real binding, counting the contexts it makes and releases. */
function countingBinding() {
  const binding = realBinding();
  const made: KeyContext[] = [];
  const released: KeyContext[] = [];
  const counting: AesGcmBinding = {
    ...binding,
    newContext() {
      const context = binding.newContext();
      made.push(context);
      return context;
    },
    release(context) {
      released.push(context);
      binding.release(context);
    },
  };
  return { binding: counting, made, released };
}

const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe('the native engine', () => {
  it('keeps one context per key array and uses it for encrypt and decrypt', () => {
    const { binding, made } = countingBinding();
    const engine = nativeEngine(binding);
    const key = bytes(32);
    for (let i = 0; i < 5; i++) {
      const iv = bytes(12);
      const pt = bytes(100);
      const aad = bytes(3);
      const { ciphertext, tag } = engine.encrypt(key, iv, pt, aad);
      expect({ ciphertext, tag }).toEqual(nodeEngine.encrypt(key, iv, pt, aad));
      expect(engine.decrypt(key, iv, ciphertext, tag, aad)).toEqual(pt);
    }
    expect(made).toHaveLength(1);
    engine.encrypt(new Uint8Array(key), bytes(12), bytes(1), bytes(0)); // an equal copy: its own
    expect(made).toHaveLength(2);
  });

  it('rekeys when the bytes of a key array change, so a context never outlives its key', () => {
    const engine = nativeEngine(realBinding());
    const key = bytes(32);
    const iv = bytes(12);
    const pt = bytes(64);
    const aad = bytes(9);
    const before = engine.encrypt(key, iv, pt, aad);
    key.set(bytes(32));
    const after = engine.encrypt(key, iv, pt, aad);
    expect(after).toEqual(nodeEngine.encrypt(key, iv, pt, aad));
    expect(after.tag).not.toEqual(before.tag);
    key.fill(0); // as the Vcm wipes it
    expect(engine.encrypt(key, iv, pt, aad)).toEqual(nodeEngine.encrypt(key, iv, pt, aad));
  });

  it('switches between 12- and 16-byte IVs on one context', () => {
    const engine = nativeEngine(realBinding());
    const key = bytes(32);
    for (const n of [12, 16, 16, 12, 16, 12]) {
      const iv = bytes(n);
      const pt = bytes(33);
      const out = engine.encrypt(key, iv, pt, bytes(0));
      expect(out).toEqual(nodeEngine.encrypt(key, iv, pt, new Uint8Array(0)));
      expect(engine.decrypt(key, iv, out.ciphertext, out.tag, new Uint8Array(0))).toEqual(pt);
    }
  });

  it('forget releases the key context at once; the next use makes a new one', () => {
    const { binding, made, released } = countingBinding();
    const engine = nativeEngine(binding);
    const key = bytes(32);
    engine.forget(key); // nothing held yet: a no-op
    expect(released).toHaveLength(0);
    const iv = bytes(12);
    const first = engine.encrypt(key, iv, bytes(16), bytes(0));
    engine.forget(key);
    expect(released).toEqual(made);
    engine.forget(key); // twice: still released once
    expect(released).toHaveLength(1);
    const out = engine.encrypt(key, bytes(12), bytes(16), bytes(0));
    expect(made).toHaveLength(2);
    expect(out.tag).toHaveLength(16);
    expect(first.ciphertext).toHaveLength(16);
  });
});

describe('the addon', () => {
  const binding = realBinding();

  it('refuses a released context', () => {
    const context = binding.newContext();
    binding.encrypt(context, bytes(32), bytes(12), bytes(1), bytes(0));
    binding.release(context);
    expect(() => binding.encrypt(context, bytes(32), bytes(12), bytes(1), bytes(0))).toThrow(
      TypeError,
    );
    expect(() => binding.release(context)).not.toThrow();
  });

  it('refuses arguments of the wrong kind or length with a TypeError', () => {
    const context = binding.newContext();
    const none = new Uint8Array(0);
    const bad: Array<() => unknown> = [
      () => binding.encrypt(context, bytes(31), bytes(12), none, none),
      () => binding.encrypt(context, bytes(32), bytes(11), none, none),
      () => binding.encrypt(context, bytes(32), bytes(12), [1, 2] as unknown as Uint8Array, none),
      () => binding.encrypt(context, bytes(32), bytes(12), new Uint16Array(2) as never, none),
      () => binding.encrypt({} as KeyContext, bytes(32), bytes(12), none, none),
      () => binding.decrypt(context, bytes(32), bytes(12), none, bytes(15), none),
      () => (binding.encrypt as (...a: unknown[]) => unknown)(context, bytes(32), bytes(12)),
      () => binding.release({} as KeyContext),
    ];
    for (const call of bad) expect(call).toThrow(TypeError);
    binding.release(context);
  });

  it('returns null for a forged tag and the plaintext for the right one, empty data included', () => {
    const context = binding.newContext();
    const key = bytes(32);
    const iv = bytes(12);
    const aad = bytes(20);
    for (const pt of [new Uint8Array(0), bytes(1), bytes(4300)]) {
      const sealed = binding.encrypt(context, key, iv, pt, aad);
      const ct = sealed.subarray(0, pt.length);
      const tag = sealed.slice(pt.length);
      expect(binding.decrypt(context, key, iv, ct, tag, aad)).toEqual(pt);
      tag[15] = (tag[15] as number) ^ 0x80;
      expect(binding.decrypt(context, key, iv, ct, tag, aad)).toBeNull();
    }
    binding.release(context);
  });
});
