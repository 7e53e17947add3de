import { describe, expect, it } from 'vitest';
import { CommandError } from './command-io.ts';
import { conformanceOptions, parseConformanceArgs } from './conformance-args.ts';
import { pickKeyStore } from './conformance-local.ts';
import { UsageError } from './flags.ts';

const BASE = [
  '--url',
  'https://xks.example.com/p/kms/xks/v1',
  '--access-key-id',
  'AKIAXKSLABEXAMPLE2345',
  '--region',
  'us-east-1',
  '--key-id',
  'foo',
];

describe('xkslab conformance arguments', () => {
  it('takes the secret from the environment, or --secret', () => {
    const fromEnv = parseConformanceArgs(BASE, { secret: 'from-env' });
    expect(fromEnv).toMatchObject({ help: false, remote: { secret: 'from-env' } });
    const fromFlag = parseConformanceArgs([...BASE, '--secret', 'flag'], { secret: 'env' });
    expect(fromFlag).toMatchObject({ remote: { secret: 'flag' } });
    expect(() => parseConformanceArgs(BASE, {})).toThrow(/XKSLAB_CONFORMANCE_SECRET/);
  });

  it('names the flag that is missing or wrong', () => {
    expect(() => parseConformanceArgs(BASE.slice(2), { secret: 's' })).toThrow(
      /--url: is required/,
    );
    expect(() => parseConformanceArgs([...BASE, '--load-rps', '-5'], { secret: 's' })).toThrow(
      UsageError,
    );
    expect(() => parseConformanceArgs([...BASE, '--key-id', 'a b'], { secret: 's' })).toThrow(
      /--key-id/,
    );
    expect(() => parseConformanceArgs([...BASE, '--cert', 'c.pem'], { secret: 's' })).toThrow(
      /--cert and --key/,
    );
    expect(() => parseConformanceArgs([...BASE, '--load-seconds', '5'], { secret: 's' })).toThrow(
      /--load-rps/,
    );
    expect(() => parseConformanceArgs([...BASE, '--bogus'], { secret: 's' })).toThrow(UsageError);
    expect(parseConformanceArgs(['--help'])).toEqual({ help: true });
  });

  it('reads the second credential as ID:SECRET or ID with the secret from the environment', async () => {
    const inline = parseConformanceArgs([...BASE, '--second-credential', 'SECONDID:se:cret'], {
      secret: 's',
    });
    if (inline.help) throw new Error('unexpected');
    expect((await conformanceOptions(inline)).secondCredential).toEqual({
      accessKeyId: 'SECONDID',
      secretAccessKey: 'se:cret',
    });
    const env = parseConformanceArgs([...BASE, '--second-credential', 'SECONDID'], {
      secret: 's',
      secondSecret: 'two',
    });
    if (env.help) throw new Error('unexpected');
    expect((await conformanceOptions(env)).secondCredential?.secretAccessKey).toBe('two');
    expect(() =>
      parseConformanceArgs([...BASE, '--second-credential', 'SECONDID'], { secret: 's' }),
    ).toThrow(/XKSLAB_CONFORMANCE_SECOND_SECRET/);
  });

  it('builds runner options: load, only, timeout; unreadable PEM files are usage errors', async () => {
    const cmd = parseConformanceArgs(
      [...BASE, '--load-rps', '50', '--only', 'sigv4., encrypt.cdiv', '--timeout-ms', '500'],
      { secret: 's' },
    );
    if (cmd.help) throw new Error('unexpected');
    const options = await conformanceOptions(cmd);
    expect(options.load).toEqual({ rps: 50, seconds: 10 });
    expect(options.only).toEqual(['sigv4.', 'encrypt.cdiv']);
    expect(options.timeoutMs).toBe(500);
    const missing = parseConformanceArgs([...BASE, '--ca', '/nonexistent/ca.pem'], { secret: 's' });
    if (missing.help) throw new Error('unexpected');
    await expect(conformanceOptions(missing)).rejects.toThrow(/--ca: cannot read/);
  });
});

describe('xkslab conformance --local', () => {
  it('needs no URL, credential or secret; refuses the flags it finds itself', () => {
    expect(parseConformanceArgs(['--local'])).toMatchObject({
      help: false,
      local: { dataDir: '.xkslab' },
    });
    expect(
      parseConformanceArgs(['--local', '--data-dir', '/d', '--keystore', 'ks', '--key-id', 'k']),
    ).toMatchObject({ local: { dataDir: '/d', keyStore: 'ks' }, args: { keyId: 'k' } });
    expect(() => parseConformanceArgs(['--local', '--url', 'http://x/kms/xks/v1'])).toThrow(
      /--url: not with --local/,
    );
    expect(() => parseConformanceArgs(['--local', '--secret', 's'])).toThrow(
      /--secret: not with --local/,
    );
    expect(() => parseConformanceArgs([...BASE, '--keystore', 'ks'], { secret: 's' })).toThrow(
      /--keystore: only with --local/,
    );
    expect(() => parseConformanceArgs([])).toThrow(/--url: is required \(or test the local/);
  });

  it('picks --keystore, else the only key store, else default; otherwise lists them', () => {
    const ks = (name: string) => ({
      name,
      uriPath: `/${name}/kms/xks/v1`,
      region: 'r',
      module: 'm',
    });
    expect(pickKeyStore([ks('a'), ks('b')], 'b').name).toBe('b');
    expect(pickKeyStore([ks('solo')], undefined).name).toBe('solo');
    expect(pickKeyStore([ks('a'), ks('default')], undefined).name).toBe('default');
    expect(() => pickKeyStore([ks('a'), ks('b')], undefined)).toThrow(
      'this xkslab has 2 key stores; pick one with --keystore NAME: a, b',
    );
    expect(() => pickKeyStore([ks('a'), ks('b')], 'c')).toThrow(UsageError);
    expect(() => pickKeyStore([ks('a'), ks('b')], 'c')).toThrow(
      "--keystore: no key store named 'c'; this xkslab has: a, b",
    );
    expect(() => pickKeyStore([], undefined)).toThrow(CommandError);
  });
});
