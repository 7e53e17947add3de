import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseFlags, UsageError } from './flags.ts';

const Options = z.strictObject({
  dataDir: z.string().default('.x'),
  maxAadBytes: z.coerce.number().int().positive().optional(),
  devTls: z.boolean().default(false),
  secretAccessKey: z.string().optional(),
  help: z.boolean().default(false),
});

describe('parseFlags', () => {
  it('spells every field as its kebab-case flag, booleans without a value', () => {
    expect(
      parseFlags(['--data-dir', 'd', '--max-aad-bytes', '9000', '--dev-tls'], Options),
    ).toEqual({
      dataDir: 'd',
      maxAadBytes: 9000,
      devTls: true,
      help: false,
    });
    expect(parseFlags(['-h'], Options).help).toBe(true);
  });

  it('maps aliases onto fields', () => {
    expect(
      parseFlags(['--secret', 's'], Options, { secret: 'secretAccessKey' }).secretAccessKey,
    ).toBe('s');
  });

  it('names the flag in every usage error', () => {
    expect(() => parseFlags(['--nope'], Options)).toThrow(UsageError);
    expect(() => parseFlags(['extra'], Options)).toThrow(UsageError);
    expect(() => parseFlags(['--max-aad-bytes', '0'], Options)).toThrow(/^--max-aad-bytes: /);
    expect(() => parseFlags(['--data-dir'], Options)).toThrow(/data-dir/);
  });

  it('names the nearest flag for a mistyped one', () => {
    expect(() => parseFlags(['--data-dri', 'd'], Options)).toThrow(
      'unknown option --data-dri; did you mean --data-dir?',
    );
    expect(() => parseFlags(['--dev-tsl'], Options)).toThrow(/did you mean --dev-tls\?$/);
    expect(() => parseFlags(['--zzzz'], Options)).toThrow(/^unknown option --zzzz$/);
  });
});
