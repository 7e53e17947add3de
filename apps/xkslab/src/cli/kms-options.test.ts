import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from './demo-options.ts';
import { UsageError } from './flags.ts';
import { DEFAULT_KMS_PORT, parseKmsArgs } from './kms-options.ts';
import { parseServeArgs } from './serve-options.ts';

describe('xkslab kms options', () => {
  it('has local defaults', () => {
    const o = parseKmsArgs([]);
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: DEFAULT_KMS_PORT,
      region: 'us-east-1',
      accountId: '111122223333',
      accessKeyId: 'AKIAXKSLABLOCALKMS01',
      connectDelayMs: 2000,
      healthIntervalMs: 60_000,
      xksTimeoutMs: 250,
      quota: 1800,
    });
    expect(o.state).toBeUndefined();
  });

  it('takes every flag, --secret as an alias of --secret-access-key', () => {
    const o = parseKmsArgs([
      '--port',
      '0',
      '--region',
      'eu-west-1',
      '--account-id',
      '123456789012',
      '--access-key-id',
      'AKIAEXAMPLEEXAMPLE01',
      '--secret',
      'a-secret-of-sixteen+',
      '--principal-arn',
      'arn:aws:iam::123456789012:role/app',
      '--via-service',
      'ebs',
      '--connect-delay-ms',
      '0',
      '--health-interval-ms',
      '0',
      '--xks-timeout-ms',
      '500',
      '--quota',
      '10',
      '--ca',
      'ca.pem',
      '--state',
      'kms.json',
    ]);
    expect(o).toMatchObject({
      port: 0,
      region: 'eu-west-1',
      secretAccessKey: 'a-secret-of-sixteen+',
      viaService: 'ebs',
      connectDelayMs: 0,
      xksTimeoutMs: 500,
      quota: 10,
      ca: 'ca.pem',
      state: 'kms.json',
    });
  });

  it('names the flag that is wrong', () => {
    expect(() => parseKmsArgs(['--region', 'mars'])).toThrow(/--region/);
    expect(() => parseKmsArgs(['--account-id', '12'])).toThrow(/--account-id/);
    expect(() => parseKmsArgs(['--quota', '0'])).toThrow(/--quota/);
    expect(() => parseKmsArgs(['--nope'])).toThrow(UsageError);
    expect(() =>
      parseKmsArgs(['--secret', 'a'.repeat(20), '--secret-access-key', 'b'.repeat(20)]),
    ).toThrow(/alias/);
  });
});

describe('xkslab kms off loopback', () => {
  const own = [
    '--access-key-id',
    'AKIAEXAMPLEEXAMPLE01',
    '--secret-access-key',
    'a-secret-of-sixteen+',
  ];

  it('refuses a non-loopback --host with the published default credential', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'kms.example.com']) {
      expect(() => parseKmsArgs(['--host', host]), host).toThrow(UsageError);
      expect(() => parseKmsArgs(['--host', host]), host).toThrow(
        /--access-key-id.*--secret-access-key/,
      );
      // A new access key id with the published secret is still the published secret.
      expect(() => parseKmsArgs(['--host', host, ...own.slice(0, 2)]), host).toThrow(UsageError);
    }
  });

  it('starts off loopback with a credential of its own, and on loopback with the default', () => {
    expect(parseKmsArgs(['--host', '0.0.0.0', ...own]).host).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost', '::ffff:127.0.0.1']) {
      expect(parseKmsArgs(['--host', host]).host).toBe(host);
    }
  });
});

describe('xkslab serve --kms-host', () => {
  it('takes a loopback --kms-host', () => {
    expect(parseServeArgs(['--kms-port', '0', '--kms-host', '::1']).kmsHost).toBe('::1');
  });

  it('refuses --kms-host off loopback (the emulator beside serve has the default credential)', () => {
    expect(() => parseServeArgs(['--kms-port', '0', '--kms-host', '0.0.0.0'])).toThrow(
      /--access-key-id.*--secret-access-key/,
    );
    expect(() => parseServeArgs(['--kms-host', '127.0.0.1'])).toThrow(/--kms-port/);
  });
});

describe('xkslab demo options', () => {
  it('parses --step and --connect-delay-ms', () => {
    expect(parseDemoArgs([])).toEqual({
      step: false,
      connectDelayMs: 1500,
      host: '127.0.0.1',
      port: 0,
      kmsPort: 0,
      kmsHost: '127.0.0.1',
      help: false,
    });
    expect(parseDemoArgs(['--step', '--connect-delay-ms', '10'])).toMatchObject({
      step: true,
      connectDelayMs: 10,
    });
    expect(() => parseDemoArgs(['--connect-delay-ms', '-1'])).toThrow(/--connect-delay-ms/);
  });

  it('parses --host, --port and --kms-port, which must differ', () => {
    expect(
      parseDemoArgs(['--host', '0.0.0.0', '--port', '8000', '--kms-port', '8001']),
    ).toMatchObject({ host: '0.0.0.0', port: 8000, kmsPort: 8001 });
    expect(() => parseDemoArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseDemoArgs(['--port', '8000', '--kms-port', '8000'])).toThrow(/must differ/);
  });

  it('keeps the KMS emulator (default credential) on loopback whatever --host is', () => {
    expect(parseDemoArgs(['--host', '0.0.0.0'])).toMatchObject({ kmsHost: '127.0.0.1' });
    expect(parseDemoArgs(['--kms-host', '127.0.0.3'])).toMatchObject({ kmsHost: '127.0.0.3' });
    expect(() => parseDemoArgs(['--kms-host', '0.0.0.0'])).toThrow(
      /--kms-host 0\.0\.0\.0 is not a loopback address/,
    );
  });
});
