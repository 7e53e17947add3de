import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { IMPORT_WRAPPING_KEY_SPEC, type ImportParams, WRAPPING_ALGORITHM } from '@xkslab/protocol';
import type { RecordStore } from '@xkslab/vcm';
import { z } from 'zod';
import type { SecretSealer } from '../keystores/registry.ts';

const generateRsa = promisify(generateKeyPair);

export const IMPORT_RECORD_PREFIX = 'xks/import/';
export const IMPORT_RSA_BITS = 3072;
/** Import parameters expire after 24 hours, as in AWS KMS. */
export const IMPORT_PARAMS_TTL_MS = 24 * 60 * 60 * 1000;

const StoredImportParams = z.object({
  module: z.string(),
  importToken: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  publicKey: z.string(),
  /** PKCS#8 DER of the RSA private key, sealed under the master key, Base64. */
  sealedPrivateKey: z.string(),
});
type StoredImportParams = z.infer<typeof StoredImportParams>;

function recordKey(module: string, token: string): string {
  return `${IMPORT_RECORD_PREFIX}${module}/${token}`;
}

function sealContext(module: string, token: string): string {
  return `xks-import:${module}:${token}`;
}

/**
 * Import-wrapping keys handed out by a module (BYOK). Each set of parameters is a fresh RSA-3072
 * key pair: the public key goes to the caller, the private key is kept sealed under the master key
 * in the store, for 24 hours and one successful import.
 */
export class ImportParamsStore {
  private readonly store: RecordStore;
  private readonly sealer: SecretSealer;
  private readonly clock: () => Date;
  private readonly random: (n: number) => Uint8Array;

  constructor(deps: {
    store: RecordStore;
    sealer: SecretSealer;
    clock: () => Date;
    random: (n: number) => Uint8Array;
  }) {
    this.store = deps.store;
    this.sealer = deps.sealer;
    this.clock = deps.clock;
    this.random = deps.random;
  }

  async create(module: string): Promise<ImportParams> {
    const { publicKey, privateKey } = await generateRsa('rsa', {
      modulusLength: IMPORT_RSA_BITS,
      publicExponent: 0x10001,
    });
    const importToken = Buffer.from(this.random(18)).toString('base64url');
    const der = privateKey.export({ type: 'pkcs8', format: 'der' });
    const sealed = this.sealer.sealSecret(new Uint8Array(der), sealContext(module, importToken));
    der.fill(0);
    const now = this.clock();
    const record: StoredImportParams = {
      module,
      importToken,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + IMPORT_PARAMS_TTL_MS).toISOString(),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      sealedPrivateKey: Buffer.from(sealed).toString('base64'),
    };
    await this.purgeExpired();
    await this.store.put(
      recordKey(module, importToken),
      new TextEncoder().encode(JSON.stringify(record)),
    );
    return {
      module,
      importToken,
      wrappingAlgorithm: WRAPPING_ALGORITHM,
      wrappingKeySpec: IMPORT_WRAPPING_KEY_SPEC,
      publicKey: record.publicKey,
      expiresAt: record.expiresAt,
    };
  }

  /** The private key of live parameters of `module`, or undefined (unknown, expired, used). */
  async privateKey(module: string, importToken: string): Promise<KeyObject | undefined> {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(importToken)) return undefined;
    const bytes = await this.store.get(recordKey(module, importToken));
    if (bytes === undefined) return undefined;
    const record = StoredImportParams.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    if (this.clock().getTime() >= Date.parse(record.expiresAt)) {
      await this.store.del(recordKey(module, importToken));
      return undefined;
    }
    const der = this.sealer.openSecret(
      Buffer.from(record.sealedPrivateKey, 'base64'),
      sealContext(module, importToken),
    );
    try {
      return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
  }

  /** Forgets parameters after a successful import: they serve once. */
  async consume(module: string, importToken: string): Promise<void> {
    await this.store.del(recordKey(module, importToken));
  }

  /** Forgets every set of parameters of a module (when it is deleted). */
  async clearModule(module: string): Promise<void> {
    const rows = await this.store.list({ prefix: `${IMPORT_RECORD_PREFIX}${module}/` });
    if (rows.length) await this.store.batch(rows.map(({ key }) => ({ type: 'del' as const, key })));
  }

  private async purgeExpired(): Promise<void> {
    const now = this.clock().getTime();
    const stale: string[] = [];
    for (const { key, value } of await this.store.list({ prefix: IMPORT_RECORD_PREFIX })) {
      const parsed = StoredImportParams.safeParse(JSON.parse(Buffer.from(value).toString('utf8')));
      if (!parsed.success || now >= Date.parse(parsed.data.expiresAt)) stale.push(key);
    }
    if (stale.length) await this.store.batch(stale.map((key) => ({ type: 'del' as const, key })));
  }
}
