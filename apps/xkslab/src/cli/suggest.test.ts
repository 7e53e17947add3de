import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearest, parseArgsMessage } from './suggest.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('port', 'port')).toBe(0);
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('serv', 'serve')).toBe(1);
    expect(editDistance('kesy', 'keys')).toBe(1);
    expect(editDistance('data-dri', 'data-dir')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('nearest', () => {
  const commands = ['serve', 'kms', 'demo', 'keys', 'keystores', 'reset', 'restore'];
  it('suggests the closest candidate when it is close enough', () => {
    expect(nearest('serv', commands)).toBe('serve');
    expect(nearest('kesy', commands)).toBe('keys');
    expect(nearest('keystore', commands)).toBe('keystores');
    expect(nearest('--prot', ['--port', '--host', '--data-dir'])).toBe('--port');
  });

  it('suggests a unique completion of a prefix', () => {
    expect(nearest('--max-plain', ['--max-plaintext-bytes', '--max-aad-bytes'])).toBe(
      '--max-plaintext-bytes',
    );
  });

  it('suggests nothing for words far from every candidate', () => {
    expect(nearest('frobnicate', commands)).toBeUndefined();
    expect(nearest('--bogus', ['--port', '--host'])).toBeUndefined();
    expect(didYouMean('frobnicate', commands)).toBe('');
    expect(didYouMean('serv', commands)).toBe('; did you mean serve?');
  });
});

describe('parseArgsMessage', () => {
  const options = { port: { type: 'string' }, host: { type: 'string' } } as const;
  const failure = (args: string[]) => {
    try {
      parseArgs({ args, options, strict: true });
    } catch (e) {
      return e;
    }
    throw new Error('parseArgs accepted the arguments');
  };

  it('names the nearest known flag for an unknown one, with or without =value', () => {
    expect(parseArgsMessage(failure(['--prot', '1']), Object.keys(options))).toBe(
      'unknown option --prot; did you mean --port?',
    );
    expect(parseArgsMessage(failure(['--hots=x']), Object.keys(options))).toBe(
      'unknown option --hots; did you mean --host?',
    );
    expect(parseArgsMessage(failure(['--zzzzzz']), Object.keys(options))).toBe(
      'unknown option --zzzzzz',
    );
  });

  it('keeps the first line of other parseArgs errors', () => {
    expect(parseArgsMessage(failure(['--port']), Object.keys(options))).toMatch(/--port/);
  });
});
