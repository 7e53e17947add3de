import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, testCa, writePair } from '../testing/certs.ts';
import { buildTlsSetup, loadTlsSetup, TLS_CIPHERS, TlsConfigError } from './tls-config.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
const src = (text: string, file: string) => ({ text, file });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xkslab-tls-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildTlsSetup', () => {
  it('offers TLS 1.2+ with the spec suites first and HTTP/1.1', async () => {
    const { server } = await testCa('ca', NOW);
    const pair = await server();
    const setup = buildTlsSetup(
      { cert: src(pair.certPem, 'c.pem'), key: src(pair.keyPem, 'k.pem') },
      NOW,
    );
    expect(setup.serverOptions.minVersion).toBe('TLSv1.2');
    expect(TLS_CIPHERS.split(':').slice(0, 2)).toEqual([
      'TLS_AES_256_GCM_SHA384',
      'TLS_CHACHA20_POLY1305_SHA256',
    ]);
    expect(TLS_CIPHERS).toContain('ECDHE-RSA-AES256-GCM-SHA384');
    expect(TLS_CIPHERS).toContain('ECDHE-ECDSA-AES256-GCM-SHA384');
    expect(setup.serverOptions.ALPNProtocols).toEqual(['http/1.1']);
    expect(setup.serverOptions.requestCert).toBeUndefined();
    expect(setup.clientSubject).toBeUndefined();
    expect(setup.warnings).toEqual([]);
    expect(setup.serverSubject).toBe('CN=localhost');
  });

  it('turns on mTLS with a CA bundle and a subject', async () => {
    const { ca, server } = await testCa('ca', NOW);
    const pair = await server();
    const setup = buildTlsSetup(
      {
        cert: src(pair.certPem, 'c.pem'),
        key: src(pair.keyPem, 'k.pem'),
        mtls: { ca: src(ca.certPem, 'ca.pem'), subject: 'cks.kms.us-east-1.amazonaws.com' },
      },
      NOW,
    );
    expect(setup.serverOptions).toMatchObject({ requestCert: true, rejectUnauthorized: true });
    expect(setup.clientSubject).toBe('cks.kms.us-east-1.amazonaws.com');
  });

  it('warns about certificates that expire within 30 days, the CA too', async () => {
    const { ca, server } = await testCa('ca', NOW, 20);
    const pair = await server({ validDays: 5 });
    const setup = buildTlsSetup(
      {
        cert: src(pair.certPem, 'c.pem'),
        key: src(pair.keyPem, 'k.pem'),
        mtls: { ca: src(ca.certPem, 'ca.pem'), subject: 'x' },
      },
      NOW,
    );
    expect(setup.warnings).toHaveLength(2);
    expect(setup.warnings[0]).toMatch(/^the TLS certificate c\.pem \(CN=localhost\) expires on/);
    expect(setup.warnings[1]).toMatch(/^CA certificate 1 in ca\.pem \(CN=ca\) expires on/);
  });

  it('refuses an expired certificate with a clear message', async () => {
    const then = new Date(NOW.getTime() - 60 * DAY_MS);
    const { server } = await testCa('ca', then);
    const pair = await server({ validDays: 30, at: then });
    expect(() =>
      buildTlsSetup({ cert: src(pair.certPem, 'c.pem'), key: src(pair.keyPem, 'k.pem') }, NOW),
    ).toThrow(/^the TLS certificate c\.pem \(CN=localhost\) expired on .*; replace it$/);
  });

  it('refuses a key of another certificate, a non-PEM key and a non-PEM certificate', async () => {
    const { server } = await testCa('ca', NOW);
    const [a, b] = [await server(), await server()];
    const build = (cert: string, key: string) =>
      buildTlsSetup({ cert: src(cert, 'c.pem'), key: src(key, 'k.pem') }, NOW);
    expect(() => build(a.certPem, b.keyPem)).toThrow(/k\.pem does not belong to the certificate/);
    expect(() => build(a.certPem, 'nope')).toThrow(/k\.pem is not a PEM private key/);
    expect(() => build('nope', a.keyPem)).toThrow(/c\.pem holds no PEM certificate/);
    expect(() => build(a.certPem, b.keyPem)).toThrow(TlsConfigError);
  });
});

describe('loadTlsSetup', () => {
  it('reads the files, and names a missing one', async () => {
    const { server } = await testCa('ca', NOW);
    const files = await writePair(dir, 'srv', await server());
    const setup = await loadTlsSetup({ certFile: files.cert, keyFile: files.key }, NOW);
    expect(setup.serverSubject).toBe('CN=localhost');
    await expect(
      loadTlsSetup({ certFile: join(dir, 'missing.pem'), keyFile: files.key }, NOW),
    ).rejects.toThrow(/cannot read the TLS certificate .*missing\.pem \(ENOENT\)/);
  });
});
