import { describe, expect, it } from 'vitest';
import { describeError, jsonLogger } from './logger.ts';

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
