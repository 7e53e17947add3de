import { describe, expect, it } from 'vitest';
import { sampleDelay } from './distribution.ts';
import { FaultError, FaultPlan } from './fault-plan.ts';

function plan(options: { now?: number; random?: number[] } = {}) {
  let now = options.now ?? Date.parse('2026-11-28T12:00:00Z');
  const draws = [...(options.random ?? [])];
  const p = new FaultPlan({
    clock: () => new Date(now),
    random: () => draws.shift() ?? 0.5,
  });
  return { p, advance: (ms: number) => (now += ms), now: () => now };
}

describe('FaultPlan', () => {
  it('is inactive and answers nothing until a rule exists', () => {
    const { p } = plan();
    expect(p.active).toBe(false);
    expect(p.forRequest('a', 'k', 'Encrypt')).toBeUndefined();
    expect(p.defect).toBeUndefined();
    p.add({ kind: 'drop' });
    expect(p.active).toBe(true);
    expect(p.clear()).toBe(1);
    expect(p.active).toBe(false);
  });

  it('assigns ids, refuses duplicates and unknown ids, validates rules', () => {
    const { p } = plan();
    expect(p.add({ kind: 'drop' }).id).toBe('f1');
    expect(p.add({ kind: 'drop', id: 'f2' }).id).toBe('f2');
    expect(p.add({ kind: 'drop' }).id).toBe('f3');
    expect(() => p.add({ kind: 'drop', id: 'f1' })).toThrow(FaultError);
    expect(() => p.remove('nope')).toThrow(/no fault rule/);
    expect(() => p.add({ kind: 'latency' })).toThrow(/latency/);
    expect(() => p.add({ kind: 'error', errorName: 'Nope' })).toThrow(FaultError);
    expect(() => p.add({ kind: 'drop', probability: 2 })).toThrow(/probability/);
    expect(() => p.add({ kind: 'defect', defect: 'get-200', scope: {} })).toThrow(FaultError);
    expect(p.remove('f2').id).toBe('f2');
    expect(p.list().map((r) => r.id)).toEqual(['f1', 'f3']);
  });

  it('matches scope fields that are given, and only those', () => {
    const { p } = plan();
    p.add({ kind: 'error', errorName: 'InternalException', scope: { keyStore: 'a', keyId: 'k' } });
    expect(p.forRequest('a', 'k', 'Encrypt')?.error).toBe('InternalException');
    expect(p.forRequest('a', 'k', 'GetKeyMetadata')?.error).toBe('InternalException');
    expect(p.forRequest('a', 'other', 'Encrypt')).toBeUndefined();
    expect(p.forRequest('b', 'k', 'Encrypt')).toBeUndefined();
    p.add({ kind: 'drop', scope: { operation: 'GetHealthStatus' } });
    expect(p.forRequest('b', '', 'GetHealthStatus')?.drop).toBe(true);
  });

  it('fires with its probability', () => {
    const { p } = plan({ random: [0.29, 0.31] });
    p.add({ kind: 'drop', probability: 0.3 });
    expect(p.forRequest('a', 'k', 'Encrypt')?.drop).toBe(true);
    expect(p.forRequest('a', 'k', 'Encrypt')).toBeUndefined();
  });

  it('drops expired rules and refuses rules that expired already', () => {
    const { p, advance, now } = plan();
    p.add({ kind: 'drop', expiresAt: new Date(now() + 1000).toISOString() });
    expect(p.forRequest('a', 'k', 'Encrypt')?.drop).toBe(true);
    advance(1000);
    expect(p.forRequest('a', 'k', 'Encrypt')).toBeUndefined();
    expect(p.active).toBe(false);
    expect(() => p.add({ kind: 'drop', expiresAt: new Date(now()).toISOString() })).toThrow(/past/);
  });

  it('keeps one defect at a time; defects apply whatever the scope', () => {
    const { p } = plan();
    p.add({ kind: 'defect', defect: 'get-200', id: 'd' });
    p.add({ kind: 'defect', defect: 'pretty-json', id: 'd' });
    expect(p.list()).toEqual([{ kind: 'defect', defect: 'pretty-json', id: 'd' }]);
    expect(p.defect).toBe('pretty-json');
    expect(p.forRequest('any', 'thing', 'Decrypt')?.defect).toBe('pretty-json');
  });

  it('sums latencies per stage and clock offsets; first error and bitflip win', () => {
    const { p } = plan();
    p.add({ kind: 'latency', latency: { type: 'fixed', ms: 10 } });
    p.add({ kind: 'latency', latency: { type: 'fixed', ms: 20 } });
    p.add({ kind: 'latency', stage: 'module', latency: { type: 'fixed', ms: 5 } });
    p.add({ kind: 'clock-offset', offsetMs: 1000 });
    p.add({ kind: 'clock-offset', offsetMs: -300 });
    p.add({ kind: 'error', errorName: 'ThrottlingException' });
    p.add({ kind: 'error', errorName: 'InternalException' });
    p.add({ kind: 'bitflip', field: 'authenticationTag' });
    p.add({ kind: 'bitflip' });
    p.add({ kind: 'health', nodes: 'all', status: 'DEGRADED' });
    expect(p.forRequest('a', 'k', 'Encrypt')).toEqual({
      defect: undefined,
      drop: false,
      error: 'ThrottlingException',
      throttled: false,
      clockOffsetMs: 700,
      moduleDelayMs: 5,
      responseDelayMs: 30,
      health: [{ nodes: 'all', status: 'DEGRADED' }],
      bitflip: 'authenticationTag',
    });
  });

  it('throttles with a token bucket per key store', () => {
    const { p, advance } = plan();
    p.add({ kind: 'throttle', requestsPerSecond: 2 });
    const throttled = () => p.forRequest('a', 'k', 'Encrypt')?.throttled;
    expect([throttled(), throttled(), throttled()]).toEqual([false, false, true]);
    expect(p.forRequest('b', 'k', 'Encrypt')?.throttled).toBe(false);
    advance(500);
    expect([throttled(), throttled()]).toEqual([false, true]);
  });
});

/** A random source that returns `values` in turn, then 0.5. */
function sequence(...values: number[]): () => number {
  return () => values.shift() ?? 0.5;
}

describe('sampleDelay', () => {
  it('draws fixed, uniform and normal delays, never negative, at most 60 s', () => {
    expect(sampleDelay({ type: 'fixed', ms: 42 }, sequence(0.9))).toBe(42);
    expect(sampleDelay({ type: 'uniform', min: 100, max: 200 }, sequence(0.25))).toBe(125);
    // Box-Muller with u1 = 1 - 0.5, u2 = 0: mean + sd * sqrt(-2 ln 0.5) = 100 + 10 * 1.1774
    expect(sampleDelay({ type: 'normal', mean: 100, sd: 10 }, sequence(0.5, 0))).toBe(112);
    // u2 = 0.5: cos(pi) = -1, so mean - sd * 1.1774 < 0 becomes 0
    expect(sampleDelay({ type: 'normal', mean: 0, sd: 100 }, sequence(0.5, 0.5))).toBe(0);
    expect(sampleDelay({ type: 'normal', mean: 0, sd: 60_000 }, sequence(0.999_999, 0))).toBe(
      60_000,
    );
  });
});

describe('FaultPlan changes', () => {
  it('runs the listener after every add, remove and clear; published() waits for the last', async () => {
    const { p } = plan();
    expect(await p.published()).toBeUndefined();
    const seen: Array<[boolean, number]> = [];
    let release: () => void = () => {};
    p.onChange(async () => {
      seen.push([p.active, p.list().length]);
      await new Promise<void>((r) => {
        release = r;
      });
    });
    const rule = p.add({ kind: 'drop' });
    let done = false;
    const waiting = p.published().then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    release();
    await waiting;
    p.remove(rule.id);
    release();
    p.add({ kind: 'drop' });
    release();
    p.clear();
    release();
    await p.published();
    expect(seen).toEqual([
      [true, 1],
      [false, 0],
      [true, 1],
      [false, 0],
    ]);
  });
});
