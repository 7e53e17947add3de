import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateHasName } from './certificate-checks.ts';
import type { LeafSpec, PemPair } from './dev-certificates.ts';
import type { TlsSources } from './tls-config.ts';

/** The client name KMS in us-east-1 presents, which the dev client certificate carries. */
export const DEV_CLIENT_NAME = 'cks.kms.us-east-1.amazonaws.com';
export const DEV_TLS_DIR = 'tls';
const CA_NAME = 'xkslab dev CA';
const CA_VALID_DAYS = 5 * 365;
const LEAF_VALID_DAYS = 365;
/** Renew a certificate this many days before it expires (start-up would warn from 30 days). */
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export type DevTlsFiles = {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
};

export function devTlsFiles(dataDir: string): DevTlsFiles {
  const dir = join(dataDir, DEV_TLS_DIR);
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client-key.pem'),
  };
}

const SERVER_SPEC: LeafSpec = {
  commonName: 'localhost',
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1', '::1'],
  usage: 'server',
  validDays: LEAF_VALID_DAYS,
};
const CLIENT_SPEC: LeafSpec = {
  commonName: DEV_CLIENT_NAME,
  dnsNames: [DEV_CLIENT_NAME],
  usage: 'client',
  validDays: LEAF_VALID_DAYS,
};

async function readPair(certFile: string, keyFile: string): Promise<PemPair | undefined> {
  try {
    return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  } catch {
    return undefined;
  }
}

/** A readable, matching, current pair that is not about to expire (and issued by `ca`). */
function usable(
  pair: PemPair | undefined,
  now: Date,
  check: (cert: X509Certificate) => boolean,
): boolean {
  if (!pair) return false;
  try {
    const cert = new X509Certificate(pair.certPem);
    const key = createPrivateKey(pair.keyPem);
    const renewAt = new Date(cert.validTo).getTime() - RENEW_BEFORE_DAYS * DAY_MS;
    return (
      cert.checkPrivateKey(key) &&
      new Date(cert.validFrom).getTime() <= now.getTime() &&
      renewAt > now.getTime() &&
      check(cert)
    );
  } catch {
    return false;
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a PEM file. */
async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

async function writePair(pair: PemPair, certFile: string, keyFile: string): Promise<void> {
  await writeAtomically(keyFile, pair.keyPem, 0o600);
  await writeAtomically(certFile, pair.certPem, 0o644);
}

/** The dev certificates to use, and the files still to write (nothing is written yet). */
export type DevTlsPlan = {
  files: DevTlsFiles;
  /** Paths of the certificates made anew (empty when every file was reused). */
  generated: string[];
  /** The PEM texts to serve with (reused or new), named by their files. */
  sources: TlsSources;
  /** Writes the new files (keys 0600, through temporary files and renames). */
  write(): Promise<void>;
};

/**
 * Plans `<dataDir>/tls/`: a dev CA, a server certificate for localhost, 127.0.0.1 and ::1, and a
 * client certificate named DEV_CLIENT_NAME, both signed by that CA (ECDSA P-256). Files that are
 * still good are reused; a missing, damaged, mismatched or nearly expired one is made anew (a new
 * CA means new leaves too). Only reads: `write()` stores what was made, so start-up can check
 * everything else (the port) before it writes anything.
 */
export async function planDevTls(dataDir: string, now: Date): Promise<DevTlsPlan> {
  const files = devTlsFiles(dataDir);
  const writes: Array<{ pair: PemPair; cert: string; key: string }> = [];
  let gen: typeof import('./dev-certificates.ts') | undefined;
  const generator = async () => {
    gen ??= await import('./dev-certificates.ts');
    return gen;
  };

  let ca = await readPair(files.caCert, files.caKey);
  if (!ca || !usable(ca, now, (c) => c.ca)) {
    ca = await (await generator()).createCa(CA_NAME, now, CA_VALID_DAYS);
    writes.push({ pair: ca, cert: files.caCert, key: files.caKey });
  }
  const caPair = ca;
  const caCert = new X509Certificate(caPair.certPem);
  const issuedByCa = (cert: X509Certificate) =>
    cert.checkIssued(caCert) && cert.verify(caCert.publicKey);

  const serverOk = (c: X509Certificate) =>
    issuedByCa(c) && c.checkHost('localhost') !== undefined && c.checkIP('127.0.0.1') !== undefined;
  let server = await readPair(files.serverCert, files.serverKey);
  if (!server || !usable(server, now, serverOk)) {
    server = await (await generator()).issueCertificate(caPair, SERVER_SPEC, now);
    writes.push({ pair: server, cert: files.serverCert, key: files.serverKey });
  }

  const clientOk = (c: X509Certificate) => issuedByCa(c) && certificateHasName(c, DEV_CLIENT_NAME);
  if (!usable(await readPair(files.clientCert, files.clientKey), now, clientOk)) {
    const pair = await (await generator()).issueCertificate(caPair, CLIENT_SPEC, now);
    writes.push({ pair, cert: files.clientCert, key: files.clientKey });
  }
  return {
    files,
    generated: writes.map((w) => w.cert),
    sources: {
      cert: { text: server.certPem, file: files.serverCert },
      key: { text: server.keyPem, file: files.serverKey },
      mtls: { ca: { text: caPair.certPem, file: files.caCert }, subject: DEV_CLIENT_NAME },
    },
    write: async () => {
      if (writes.length === 0) return;
      await mkdir(files.dir, { recursive: true, mode: 0o700 });
      for (const w of writes) await writePair(w.pair, w.cert, w.key);
    },
  };
}

/** What start-up prints so a user can call the dev server with curl. */
export function devTlsHelp(plan: DevTlsPlan, url: string, mtls: boolean): string {
  const { files } = plan;
  const made = plan.generated.length
    ? `made ${plan.generated.map((f) => f.slice(files.dir.length + 1)).join(', ')}`
    : 'reused';
  const lines = [
    '',
    `Dev TLS: certificates in ${files.dir} (${made}; a local CA, not for production).`,
    `  Trust the CA:        curl --cacert ${files.caCert} ${url}/ping`,
  ];
  if (mtls) {
    lines.push(
      `  mTLS is on: clients must present a certificate from that CA named ${DEV_CLIENT_NAME}:`,
      `    curl --cacert ${files.caCert} --cert ${files.clientCert} --key ${files.clientKey} ${url}/ping`,
      '  (serve --dev-tls --no-mtls serves HTTPS without client certificates)',
    );
  }
  lines.push('');
  return lines.join('\n');
}
