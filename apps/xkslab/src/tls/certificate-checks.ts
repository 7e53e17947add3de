import { X509Certificate } from 'node:crypto';

/** Start-up warns when a certificate expires within this many days. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Every PEM certificate block of a file's text, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** A short, safe name for a certificate in messages: its subject CN (or whole subject). */
export function describeCertificate(cert: X509Certificate): string {
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  return cn ? `CN=${cn}` : cert.subject.replace(/\n/g, ', ');
}

export type ExpiryFinding =
  | { kind: 'expired'; message: string }
  | { kind: 'not-yet-valid'; message: string }
  | { kind: 'expires-soon'; message: string; days: number };

/**
 * Checks one certificate's validity period against `now` (pure): expired, not yet valid, or
 * expiring within EXPIRY_WARNING_DAYS (KMS cannot connect to a proxy whose certificate expired,
 * and tracks XksProxyCertificateDaysToExpire).
 */
export function checkExpiry(
  cert: X509Certificate,
  label: string,
  now: Date,
): ExpiryFinding | undefined {
  const notAfter = new Date(cert.validTo);
  const notBefore = new Date(cert.validFrom);
  const name = `${label} (${describeCertificate(cert)})`;
  if (notAfter.getTime() <= now.getTime()) {
    return { kind: 'expired', message: `${name} expired on ${notAfter.toISOString()}` };
  }
  if (notBefore.getTime() > now.getTime()) {
    return {
      kind: 'not-yet-valid',
      message: `${name} is not valid before ${notBefore.toISOString()}`,
    };
  }
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  if (days < EXPIRY_WARNING_DAYS) {
    return {
      kind: 'expires-soon',
      days,
      message: `${name} expires on ${notAfter.toISOString()} (in ${days} day${days === 1 ? '' : 's'})`,
    };
  }
  return undefined;
}

/** Parses every certificate of a PEM text; throws a plain Error naming what is wrong. */
export function parseCertificates(text: string): X509Certificate[] {
  const blocks = pemCertificates(text);
  if (blocks.length === 0) throw new Error('holds no PEM certificate');
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw new Error(`certificate ${i + 1} of the file is not a valid X.509 certificate`);
    }
  });
}

/**
 * Whether a client certificate carries `name` as its subject CN or as a SAN DNS name (exact,
 * case-insensitive, no wildcards): OpenSSL's X509_check_host through node:crypto, told to look at
 * the subject CN even when SANs are present. KMS presents CN `cks.kms.<region>.amazonaws.com`.
 */
export function certificateHasName(cert: X509Certificate, name: string): boolean {
  return cert.checkHost(name, { subject: 'always', wildcards: false }) !== undefined;
}
