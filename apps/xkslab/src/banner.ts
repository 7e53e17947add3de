/**
 * What `xkslab serve` prints on stderr once it listens: the URLs, the key stores, the first
 * start's console values, the admin token when one was made, and warnings. Text only, no I/O.
 */
import { join } from 'node:path';
import type { FirstStart } from './defaults.ts';
import type { ActiveKeyStore } from './keystores/registry.ts';
import { type DevTlsPlan, devTlsHelp } from './tls/dev-tls.ts';
import { PRODUCT, VERSION } from './version.ts';

export const KMS_CONFIG_FILE = 'kms-proxy-config.json';

export type BannerFacts = {
  /** The XKS listener's URL as bound (`http://127.0.0.1:7780`). */
  url: string;
  adminUrl: string;
  dataDir: string;
  engine: string;
  keyStores: readonly ActiveKeyStore[];
  first?: FirstStart | undefined;
  /** The file the CLI reads the admin token from. */
  adminTokenFile: string;
  /** A new admin token, shown once. */
  newAdminToken?: string | undefined;
  /** A new token on an existing directory without --reset-admin-token: a restored directory. */
  tokenAfterRestore: boolean;
  warnings: readonly string[];
  activeFaultRules: number;
  devTls?: DevTlsPlan | undefined;
  mtls: boolean;
};

function adminTokenText(token: string, file: string): string {
  return [
    '',
    'Admin API token (shown once; only its SHA-256 is stored in the database):',
    `  ${token}`,
    `The CLI reads it from ${file} (mode 0600): keep that file as private as master.key.`,
    '',
  ].join('\n');
}

function firstStartText(url: string, dataDir: string, first: FirstStart): string {
  return [
    '',
    'First start: paste these into the AWS KMS console (Create external key store):',
    `  Proxy URI endpoint   ${url}`,
    `  Proxy URI path       ${first.uriPathPrefix}/kms/xks/v1`,
    `  Access key ID        ${first.accessKeyId}`,
    `  Secret access key    ${first.secretAccessKey}`,
    `  External key ID      ${first.keyId}   (for Create key, origin External key store)`,
    `  Region               ${first.region}`,
    `The proxy configuration file is ${join(dataDir, KMS_CONFIG_FILE)}. The secret is not shown again.`,
    'AWS KMS itself needs https://<public DNS name> on port 443 with a publicly trusted certificate.',
    '',
  ].join('\n');
}

/** The banner, one text per `say` call (each gets its own line). */
export function serveBanner(f: BannerFacts): string[] {
  const { url, adminUrl } = f;
  const out = [
    `${PRODUCT} ${VERSION} listening on ${url}  (data: ${f.dataDir}, engine: ${f.engine})`,
  ];
  for (const ks of f.keyStores) {
    out.push(
      `  key store ${ks.name}: ${url}${ks.uriPathPrefix}/kms/xks/v1  module ${ks.module}, ${ks.region}, ${ks.accessKeyIds.length} credential(s)`,
    );
  }
  if (f.first) out.push(firstStartText(url, f.dataDir, f.first));
  out.push(`  admin API: ${adminUrl}/admin/v1  (token: ${f.adminTokenFile})`);
  out.push(
    `  dashboard: ${adminUrl}/ui  (log in with the admin token; metrics: ${adminUrl}/metrics)`,
  );
  if (f.newAdminToken !== undefined) {
    if (f.tokenAfterRestore) {
      // A restored directory: backups do not carry the admin token (see restoreCommand).
      out.push(
        '\nThis data directory had no admin token (a restore does not carry one over): made a new one.',
      );
    }
    out.push(adminTokenText(f.newAdminToken, f.adminTokenFile));
  }
  for (const warning of f.warnings) out.push(`xkslab: warning: ${warning}`);
  if (f.activeFaultRules > 0) {
    out.push(
      `xkslab: warning: ${f.activeFaultRules} fault rule(s) from the seed are active: this proxy misbehaves on purpose ('xkslab faults list')`,
    );
  }
  if (f.devTls) out.push(devTlsHelp(f.devTls, url, f.mtls));
  return out;
}
