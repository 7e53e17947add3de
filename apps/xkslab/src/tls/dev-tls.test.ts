import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../testing/certs.ts';
import { certificateHasName } from './certificate-checks.ts';
import { DEV_CLIENT_NAME, devTlsFiles, devTlsHelp, planDevTls } from './dev-tls.ts';
import { buildTlsSetup } from './tls-config.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'xkslab-devtls-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const names = (generated: readonly string[]) => generated.map((f) => f.split('/').pop());

describe('planDevTls', () => {
  it('makes a CA, a localhost server and a KMS-named client certificate, written only on write()', async () => {
    const plan = await planDevTls(dataDir, NOW);
    const files = devTlsFiles(dataDir);
    expect(names(plan.generated)).toEqual(['ca.pem', 'server.pem', 'client.pem']);
    await expect(stat(files.dir)).rejects.toThrow();
    await plan.write();
    for (const key of [files.caKey, files.serverKey, files.clientKey]) {
      expect((await stat(key)).mode & 0o777).toBe(0o600);
    }
    expect((await stat(files.dir)).mode & 0o777).toBe(0o700);
    const ca = new X509Certificate(await readFile(files.caCert, 'utf8'));
    const server = new X509Certificate(await readFile(files.serverCert, 'utf8'));
    const client = new X509Certificate(await readFile(files.clientCert, 'utf8'));
    expect(ca.ca).toBe(true);
    expect(server.verify(ca.publicKey) && client.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certificateHasName(client, DEV_CLIENT_NAME)).toBe(true);
    expect(server.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // What the server is configured with is what was written.
    expect(plan.sources.cert.text).toBe(await readFile(files.serverCert, 'utf8'));
    expect(buildTlsSetup(plan.sources, NOW).clientSubject).toBe(DEV_CLIENT_NAME);
  });

  it('reuses good files on the next start', async () => {
    await (await planDevTls(dataDir, NOW)).write();
    const before = await readFile(devTlsFiles(dataDir).serverCert, 'utf8');
    const again = await planDevTls(dataDir, new Date(NOW.getTime() + 100 * DAY_MS));
    expect(again.generated).toEqual([]);
    await again.write();
    expect(await readFile(devTlsFiles(dataDir).serverCert, 'utf8')).toBe(before);
  });

  it('renews leaves near their expiry but keeps the CA', async () => {
    await (await planDevTls(dataDir, NOW)).write();
    const later = await planDevTls(dataDir, new Date(NOW.getTime() + 340 * DAY_MS));
    expect(names(later.generated)).toEqual(['server.pem', 'client.pem']);
  });

  it('replaces a damaged file, and everything after a new CA', async () => {
    await (await planDevTls(dataDir, NOW)).write();
    const files = devTlsFiles(dataDir);
    await writeFile(files.clientCert, 'garbage');
    expect(names((await planDevTls(dataDir, NOW)).generated)).toEqual(['client.pem']);
    await writeFile(files.caKey, 'garbage');
    expect(names((await planDevTls(dataDir, NOW)).generated)).toEqual([
      'ca.pem',
      'server.pem',
      'client.pem',
    ]);
  });

  it('tells how to call the server with curl', async () => {
    const plan = await planDevTls(dataDir, NOW);
    const text = devTlsHelp(plan, 'https://127.0.0.1:7780', true);
    expect(text).toContain(`curl --cacert ${plan.files.caCert}`);
    expect(text).toContain(`--cert ${plan.files.clientCert} --key ${plan.files.clientKey}`);
    expect(devTlsHelp(plan, 'https://127.0.0.1:7780', false)).not.toContain('--cert');
  });
});
