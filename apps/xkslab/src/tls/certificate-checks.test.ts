import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DAY_MS, testCa } from '../testing/certs.ts';
import {
  certificateHasName,
  checkExpiry,
  describeCertificate,
  parseCertificates,
  pemCertificates,
} from './certificate-checks.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
const KMS = 'cks.kms.us-east-1.amazonaws.com';

describe('certificateHasName', () => {
  it('matches the subject CN without SANs, and a SAN DNS name with another CN', async () => {
    const { client } = await testCa('ca', NOW);
    const cnOnly = new X509Certificate((await client(KMS)).certPem);
    expect(certificateHasName(cnOnly, KMS)).toBe(true);
    expect(certificateHasName(cnOnly, KMS.toUpperCase())).toBe(true);
    const sanOnly = new X509Certificate((await client('something else', [KMS])).certPem);
    expect(certificateHasName(sanOnly, KMS)).toBe(true);
  });

  it('refuses other names, other regions and wildcards', async () => {
    const { client } = await testCa('ca', NOW);
    const eu = new X509Certificate((await client('cks.kms.eu-west-1.amazonaws.com')).certPem);
    expect(certificateHasName(eu, KMS)).toBe(false);
    const wild = new X509Certificate(
      (await client('wild', ['*.kms.us-east-1.amazonaws.com'])).certPem,
    );
    expect(certificateHasName(wild, KMS)).toBe(false);
    const suffix = new X509Certificate((await client(`evil-${KMS}`)).certPem);
    expect(certificateHasName(suffix, KMS)).toBe(false);
  });
});

describe('checkExpiry', () => {
  it('says nothing about a certificate with more than 30 days left', async () => {
    const { server } = await testCa('ca', NOW);
    const cert = new X509Certificate((await server({ validDays: 31 })).certPem);
    expect(checkExpiry(cert, 'the cert', NOW)).toBeUndefined();
  });

  it('warns within 30 days, naming the date and the days left', async () => {
    const { server } = await testCa('ca', NOW);
    const cert = new X509Certificate((await server({ validDays: 10 })).certPem);
    const finding = checkExpiry(cert, 'the cert', NOW);
    expect(finding).toMatchObject({ kind: 'expires-soon', days: 10 });
    expect(finding?.message).toMatch(
      /^the cert \(CN=localhost\) expires on 2025-06-11T.*in 10 days/,
    );
  });

  it('reports expired and not-yet-valid certificates', async () => {
    const { server } = await testCa('ca', new Date(NOW.getTime() - 100 * DAY_MS), 1000);
    const old = new X509Certificate(
      (await server({ validDays: 10, at: new Date(NOW.getTime() - 100 * DAY_MS) })).certPem,
    );
    expect(checkExpiry(old, 'x', NOW)).toMatchObject({ kind: 'expired' });
    const future = new X509Certificate(
      (await server({ at: new Date(NOW.getTime() + 10 * DAY_MS) })).certPem,
    );
    expect(checkExpiry(future, 'x', NOW)).toMatchObject({ kind: 'not-yet-valid' });
  });
});

describe('PEM parsing', () => {
  it('finds every certificate of a chain, and names them', async () => {
    const { ca, server } = await testCa('My CA', NOW);
    const chain = `${(await server()).certPem}\n${ca.certPem}`;
    expect(pemCertificates(chain)).toHaveLength(2);
    const certs = parseCertificates(chain);
    expect(certs.map(describeCertificate)).toEqual(['CN=localhost', 'CN=My CA']);
  });

  it('throws on text without a certificate and on a damaged one', () => {
    expect(() => parseCertificates('hello')).toThrow(/no PEM certificate/);
    expect(() =>
      parseCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    ).toThrow(/not a valid X.509/);
  });
});
