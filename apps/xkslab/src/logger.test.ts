import { describe, expect, it } from 'vitest';
import { describeError, jsonLogger, serverLogger } from './logger.ts';

describe('describeError', () => {
  it('names the error and every cause down to the root', () => {
    const root = new Error('IO error: /data/db/000012.log: Read-only file system');
    const mid = new TypeError('batch failed', { cause: root });
    const top = new RangeError('database batch write failed', { cause: mid });
    expect(describeError(top)).toBe(
      'RangeError: database batch write failed; caused by TypeError: batch failed; caused by Error: IO error: /data/db/000012.log: Read-only file system',
    );
  });

  it('takes non-errors as text and stops after five links of a cyclic chain', () => {
    expect(describeError('plain')).toBe('plain');
    const a = new Error('a');
    a.cause = a;
    expect(describeError(a).split('; caused by ')).toHaveLength(5);
  });
});

describe('jsonLogger', () => {
  it('writes one JSON object per line with time, level, message and fields', () => {
    const lines: string[] = [];
    const log = jsonLogger(
      (l) => lines.push(l),
      () => new Date('2026-01-02T03:04:05.000Z'),
    );
    log.error('boom', { path: '/x', cause: undefined });
    expect(lines).toEqual([
      '{"time":"2026-01-02T03:04:05.000Z","level":"error","msg":"boom","path":"/x"}\n',
    ]);
  });
});

describe('serverLogger', () => {
  /** A stdout whose reader takes nothing until `drain()`: every line written waits. */
  function stuckReader() {
    const taken: string[] = [];
    let waiting: string[] = [];
    const bytes = () => waiting.reduce((n, l) => n + Buffer.byteLength(l), 0);
    return {
      out: { stdout: (l: string) => void waiting.push(l), stdoutBacklog: bytes },
      drain() {
        taken.push(...waiting);
        waiting = [];
      },
      taken: () => taken.map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  it('drops the lines past the backlog limit and says how many once the reader catches up', () => {
    const reader = stuckReader();
    const log = serverLogger(reader.out, { limitBytes: 300 });
    for (let i = 0; i < 10; i++) log.info('xks', { n: i });
    // Each line is ~70 bytes: the backlog passes 300 after five lines, and the rest are dropped.
    reader.drain();
    log.info('xks', { n: 10 });
    reader.drain();
    const lines = reader.taken();
    expect(lines.map((l) => l.n)).toEqual([0, 1, 2, 3, 4, undefined, 10]);
    expect(lines[5]).toMatchObject({ level: 'warn', msg: 'log lines dropped', count: 5 });
    expect(String(lines[5]?.reason)).toContain('more than 300 bytes');
  });

  it('says nothing and drops nothing while the reader keeps up', () => {
    const reader = stuckReader();
    const log = serverLogger(reader.out, { limitBytes: 300 });
    for (let i = 0; i < 50; i++) {
      log.info('xks', { n: i });
      reader.drain();
    }
    expect(reader.taken().map((l) => l.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('writes every line to an output that cannot tell its backlog (a buffer in tests)', () => {
    const lines: string[] = [];
    const log = serverLogger({ stdout: (l) => void lines.push(l) }, { limitBytes: 1 });
    for (let i = 0; i < 20; i++) log.info('xks', { n: i });
    expect(lines).toHaveLength(20);
  });

  it('keeps the level: below it nothing is written or counted', () => {
    const reader = stuckReader();
    const log = serverLogger(reader.out, { level: 'warn', limitBytes: 300 });
    log.info('xks');
    log.warn('tls refused');
    reader.drain();
    expect(reader.taken().map((l) => l.msg)).toEqual(['tls refused']);
  });
});
