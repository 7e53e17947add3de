import type { SeedFile, SeedKeyStore } from '@xkslab/protocol';
import { checkPkcs11Config, isVcmError, type Vcm } from '@xkslab/vcm';
import type { KeyStoreRegistry } from './keystores/registry.ts';
import { UserFacingError } from './user-facing-error.ts';

/** What applying a seed did, line by line, for the start-up output. */
export type SeedReport = { created: string[]; unchanged: string[] };

export class SeedError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

/** A key store's name when the seed gives none: its prefix without slashes ('root' for none). */
export function keyStoreNameOf(s: Pick<SeedKeyStore, 'name' | 'uriPathPrefix'>): string {
  if (s.name) return s.name;
  const derived = s.uriPathPrefix.replace(/^\/+/, '').replace(/\//g, '-');
  return derived === '' ? 'root' : derived;
}

/**
 * Refuses a seed whose key stores name a module that is neither in the seed nor among
 * `existingModules`, before anything is written.
 */
export function checkSeedModules(seed: SeedFile, existingModules: ReadonlySet<string>): void {
  const seeded = new Set(seed.modules.map((m) => m.name));
  for (const s of seed.keyStores) {
    if (!seeded.has(s.module) && !existingModules.has(s.module)) {
      throw new SeedError(
        `key store '${s.uriPathPrefix}' names module '${s.module}', which does not exist`,
      );
    }
  }
}

/**
 * Applies a validated seed: creates what is missing and leaves what exists alone, so applying the
 * same seed twice changes nothing. Conflicts (a prefix served from another module or region) are
 * refused before anything is written.
 */
export async function applySeed(
  seed: SeedFile,
  deps: { vcm: Vcm; registry: KeyStoreRegistry },
): Promise<SeedReport> {
  const { vcm, registry } = deps;
  const report: SeedReport = { created: [], unchanged: [] };
  const seeded = new Set(seed.modules.map((m) => m.name));
  for (const s of seed.keyStores) {
    if (!seeded.has(s.module) && !(await vcm.getModule(s.module))) {
      throw new SeedError(
        `key store '${s.uriPathPrefix}' names module '${s.module}', which does not exist`,
      );
    }
    const existing = registry.byUriPathPrefix(s.uriPathPrefix);
    if (existing && (existing.module !== s.module || existing.region !== s.region)) {
      throw new SeedError(
        `key store '${s.uriPathPrefix}' already exists with module '${existing.module}' and region '${existing.region}'`,
      );
    }
  }
  for (const m of seed.modules) {
    if (await vcm.getModule(m.name)) {
      report.unchanged.push(`module ${m.name}`);
    } else {
      if (m.pkcs11 === undefined) {
        await vcm.createModule({ name: m.name, nodes: m.nodes });
        report.created.push(`module ${m.name} (${m.nodes} node${m.nodes === 1 ? '' : 's'})`);
      } else {
        await vcm.createModule({ name: m.name, pkcs11: checkPkcs11Config(m.pkcs11) });
        report.created.push(`module ${m.name} (pkcs11: ${m.pkcs11.library})`);
      }
    }
    for (const k of m.keys) {
      try {
        await vcm.createKey(m.name, {
          id: k.id,
          usage: k.usage,
          status: k.status,
          exportable: k.exportable,
          ...(k.material ? { material: new Uint8Array(Buffer.from(k.material, 'base64')) } : {}),
        });
        report.created.push(`key ${m.name}/${k.id}`);
      } catch (e) {
        if (!isVcmError(e, 'KEY_EXISTS')) throw e;
        report.unchanged.push(`key ${m.name}/${k.id}`);
      }
    }
  }
  for (const s of seed.keyStores) {
    const name = keyStoreNameOf(s);
    let active = registry.byUriPathPrefix(s.uriPathPrefix);
    if (!active) {
      await registry.create({ ...s, name, credentials: s.credentials });
      report.created.push(`key store ${name} at ${s.uriPathPrefix || '(no prefix)'}`);
      continue;
    }
    report.unchanged.push(`key store ${active.name}`);
    for (const c of s.credentials) {
      const secret = active.secretFor(c.accessKeyId);
      if (secret === undefined) {
        active = await registry.addCredential(active.name, c);
        report.created.push(`credential ${c.accessKeyId} on ${active.name}`);
      } else if (secret !== c.secretAccessKey) {
        throw new SeedError(`credential ${c.accessKeyId} already exists with a different secret`);
      }
    }
  }
  return report;
}
