import { describe, expect, it } from 'vitest';
import { batchedInfo, describeError, jsonLogger, lineBatch } from './logger.ts';

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

describe('lineBatch and batchedInfo (request lines written together)', () => {
  it('writes the lines of one event-loop turn as one string, in order, when the turn ends', async () => {
    const writes: string[] = [];
    const batch = lineBatch((t) => writes.push(t));
    batch.write('a\n');
    batch.write('b\n');
    await Promise.resolve();
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\n']);
    batch.write('c\n');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('writes at once when maxBytes are held, and on flush(); nothing twice', () => {
    const writes: string[] = [];
    const batch = lineBatch((t) => writes.push(t), { maxBytes: 4 });
    batch.write('12');
    expect(writes).toEqual([]);
    batch.write('34');
    expect(writes).toEqual(['1234']);
    batch.write('5');
    batch.flush();
    batch.flush();
    expect(writes).toEqual(['1234', '5']);
  });

  it('batches only info lines: warnings and errors are written at once', () => {
    const direct: string[] = [];
    const batched: string[] = [];
    const batch = lineBatch((t) => batched.push(t));
    const logger = batchedInfo(
      jsonLogger((l) => direct.push(l)),
      batch,
    );
    logger.info('xks', { status: 200 });
    logger.warn('tls refused');
    logger.error('xks internal error');
    expect(direct.map((l) => JSON.parse(l).msg)).toEqual(['tls refused', 'xks internal error']);
    expect(batched).toEqual([]);
    batch.flush();
    expect(JSON.parse(batched[0] ?? '')).toMatchObject({ level: 'info', msg: 'xks', status: 200 });
  });
});
