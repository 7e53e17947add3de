/** Test certificates made with the dev-tls generator (ECDSA P-256), written into a directory. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCa, issueCertificate, type PemPair } from '../tls/dev-certificates.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;

export type CertFiles = { cert: string; key: string };

export async function writePair(dir: string, name: string, pair: PemPair): Promise<CertFiles> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  await writeFile(cert, pair.certPem);
  await writeFile(key, pair.keyPem, { mode: 0o600 });
  return { cert, key };
}

/** A CA, and functions that issue server and client certificates from it. */
export async function testCa(name: string, now: Date, validDays = 365) {
  const ca = await createCa(name, now, validDays);
  return {
    ca,
    server: (options: { validDays?: number; at?: Date } = {}) =>
      issueCertificate(
        ca,
        {
          commonName: 'localhost',
          dnsNames: ['localhost'],
          ipAddresses: ['127.0.0.1'],
          usage: 'server',
          validDays: options.validDays ?? 90,
        },
        options.at ?? now,
      ),
    client: (commonName: string, dnsNames: readonly string[] = []) =>
      issueCertificate(ca, { commonName, dnsNames, usage: 'client', validDays: 90 }, now),
  };
}
