import { createPrivateKey, type X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import { UserFacingError } from '../user-facing-error.ts';
import { checkExpiry, describeCertificate, parseCertificates } from './certificate-checks.ts';

/**
 * The suites the XKS spec asks for first (spec §1.1: TLS 1.3 TLS_AES_256_GCM_SHA384 and
 * TLS_CHACHA20_POLY1305_SHA256; TLS 1.2 ECDHE-RSA/ECDSA-AES256-GCM-SHA384), then other AEAD suites
 * with forward secrecy for clients that lack those (TLS_AES_128_GCM_SHA256 is mandatory in
 * TLS 1.3, RFC 8446 §9.1). Node takes TLS 1.3 suite names in the same list.
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

export class TlsConfigError extends UserFacingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsConfigError';
  }
}

export type TlsFiles = {
  certFile: string;
  keyFile: string;
  /** Require client certificates chaining to this CA bundle and carrying `subject`. */
  mtls?: { caFile: string; subject: string } | undefined;
};

/** What `listen` needs for HTTPS, plus what start-up prints. */
export type TlsSetup = {
  serverOptions: ServerOptions;
  /** The client certificate name mTLS requires (CN or SAN DNS); absent without mTLS. */
  clientSubject?: string | undefined;
  /** Certificates expiring within 30 days: printed as warnings at start-up. */
  warnings: string[];
  /** The server certificate's subject, for the start-up line. */
  serverSubject: string;
};

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'unreadable';
    throw new TlsConfigError(`cannot read ${what} ${file} (${code})`, { cause: e });
  }
}

function certificatesOf(text: string, file: string, what: string): X509Certificate[] {
  try {
    return parseCertificates(text);
  } catch (e) {
    throw new TlsConfigError(`${what} ${file} ${e instanceof Error ? e.message : 'is invalid'}`);
  }
}

/** Refuses expired or not-yet-valid certificates; collects warnings for ones expiring soon. */
function checkAll(
  certs: readonly X509Certificate[],
  label: (i: number) => string,
  now: Date,
  warnings: string[],
): void {
  certs.forEach((cert, i) => {
    const finding = checkExpiry(cert, label(i), now);
    if (!finding) return;
    if (finding.kind === 'expires-soon') warnings.push(finding.message);
    else throw new TlsConfigError(`${finding.message}; replace it`);
  });
}

/** A PEM text and the name messages give it (its file). */
export type PemSource = { text: string; file: string };

export type TlsSources = {
  cert: PemSource;
  key: PemSource;
  mtls?: { ca: PemSource; subject: string } | undefined;
};

/** Reads the files of `files` and checks them with `buildTlsSetup`. */
export async function loadTlsSetup(files: TlsFiles, now: Date): Promise<TlsSetup> {
  const cert = {
    text: await readText(files.certFile, 'the TLS certificate'),
    file: files.certFile,
  };
  const key = { text: await readText(files.keyFile, 'the TLS key'), file: files.keyFile };
  const mtls = files.mtls
    ? {
        ca: {
          text: await readText(files.mtls.caFile, 'the mTLS CA file'),
          file: files.mtls.caFile,
        },
        subject: files.mtls.subject,
      }
    : undefined;
  return buildTlsSetup({ cert, key, mtls }, now);
}

/**
 * Checks the server certificate (chain), its key and the optional mTLS CA bundle, and builds the
 * node:https options: TLS 1.2 minimum, the spec's suites first, HTTP/1.1 over ALPN, and for mTLS
 * `requestCert` + `rejectUnauthorized` (chain checked by OpenSSL; the subject name is checked on
 * each connection by `requireClientName`, see server.ts). Expired or not-yet-valid certificates
 * are refused; ones expiring within 30 days become warnings. Every problem is one
 * TlsConfigError naming the file.
 */
export function buildTlsSetup(sources: TlsSources, now: Date): TlsSetup {
  const { cert, key: keySource, mtls } = sources;
  const chain = certificatesOf(cert.text, cert.file, 'the TLS certificate');
  const leaf = chain[0] as X509Certificate;
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keySource.text);
  } catch (e) {
    throw new TlsConfigError(`the TLS key ${keySource.file} is not a PEM private key`, {
      cause: e,
    });
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new TlsConfigError(
      `the TLS key ${keySource.file} does not belong to the certificate in ${cert.file}`,
    );
  }
  const warnings: string[] = [];
  checkAll(
    chain,
    (i) =>
      i === 0
        ? `the TLS certificate ${cert.file}`
        : `certificate ${i + 1} of the chain in ${cert.file}`,
    now,
    warnings,
  );
  const serverOptions: ServerOptions = {
    cert: cert.text,
    key: keySource.text,
    minVersion: 'TLSv1.2',
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
    ALPNProtocols: ['http/1.1'],
  };
  let clientSubject: string | undefined;
  if (mtls) {
    const cas = certificatesOf(mtls.ca.text, mtls.ca.file, 'the mTLS CA file');
    checkAll(cas, (i) => `CA certificate ${i + 1} in ${mtls.ca.file}`, now, warnings);
    for (const ca of cas) {
      if (!ca.ca) {
        warnings.push(
          `${describeCertificate(ca)} in ${mtls.ca.file} is not a CA certificate; client certificates cannot chain to it`,
        );
      }
    }
    serverOptions.ca = mtls.ca.text;
    serverOptions.requestCert = true;
    serverOptions.rejectUnauthorized = true;
    clientSubject = mtls.subject;
  }
  try {
    createSecureContext(serverOptions);
  } catch (e) {
    throw new TlsConfigError(
      `cannot use ${cert.file} and ${keySource.file}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  return { serverOptions, clientSubject, warnings, serverSubject: describeCertificate(leaf) };
}
