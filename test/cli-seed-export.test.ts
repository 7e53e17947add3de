/**
 * The first hour with the command line, part four: `seed export` round trips.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptBody, keyPath, newCredential } from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { adminFor } from './support/admin-api.ts';
import { runXkslab } from './support/binary.ts';
import { oneLineError, useCliProcesses } from './support/cli-processes.ts';
import { type KeyStoreTarget, sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk } from './support/xks-ops.ts';

const { tempDir, start, removeLater } = useCliProcesses();

describe('xkslab seed export', () => {
  const credential = newCredential();
  const material = randomBytes(32);
  const seed = {
    modules: [
      {
        name: 'vault',
        nodes: 2,
        keys: [
          {
            id: 'portable',
            usage: ['ENCRYPT', 'DECRYPT'],
            exportable: true,
            material: material.toString('base64'),
          },
          { id: 'generated-portable', usage: ['ENCRYPT', 'DECRYPT'], exportable: true },
          { id: 'stays', usage: ['ENCRYPT', 'DECRYPT'] },
          { id: 'off', usage: ['WRAP', 'UNWRAP'], status: 'DISABLED' },
        ],
      },
      { name: 'empty', nodes: 1, keys: [] },
    ],
    keyStores: [
      {
        name: 'tenant',
        uriPathPrefix: '/tenant/xks',
        region: 'eu-central-1',
        module: 'vault',
        credentials: [credential],
        maxRequestsPerSecond: 50,
      },
    ],
  };

  /** Keys and key stores as the admin API lists them, without what a new server makes anew. */
  async function state(dataDir: string) {
    const admin = await adminFor(dataDir);
    const modules = (await admin.call('GET', '/modules')).json.modules as Array<{
      name: string;
      nodes: number;
    }>;
    const keys: unknown[] = [];
    for (const m of modules) {
      const listed = (await admin.call('GET', `/modules/${m.name}/keys`)).json.keys as Array<
        Record<string, unknown>
      >;
      for (const k of listed) {
        keys.push({
          module: m.name,
          id: k.id,
          usage: k.usage,
          state: k.state,
          exportable: k.exportable,
        });
      }
    }
    const stores = (await admin.call('GET', '/keystores')).json.keyStores as Array<
      Record<string, unknown>
    >;
    return {
      modules: modules.map((m) => ({ name: m.name, nodes: m.nodes })),
      keys,
      keyStores: stores.map((s) => ({
        name: s.name,
        uriPathPrefix: s.uriPathPrefix,
        region: s.region,
        module: s.module,
        maxRequestsPerSecond: s.maxRequestsPerSecond,
      })),
    };
  }

  const target = (port: number): KeyStoreTarget => ({
    port,
    prefix: '/tenant/xks',
    region: 'eu-central-1',
    credential,
  });

  it('round-trips modules, keys and key stores, and with material and secrets, ciphertexts', async () => {
    const source = await start({ seed });
    const plaintext = randomBytes(48);
    const before = {
      portable: await encryptOk(target(source.port), 'portable', { plaintext }),
      generated: await encryptOk(target(source.port), 'generated-portable', { plaintext }),
      stays: await encryptOk(target(source.port), 'stays', { plaintext }),
    };
    const sourceState = await state(source.dataDir);
    // A running server holds the database: seed export says to stop it.
    const busy = await runXkslab(['seed', 'export', '--data-dir', source.dataDir]);
    expect(busy.code).toBe(1);
    expect(oneLineError(busy)).toMatch(/in use by a running server; stop it first/);
    await source.stop({ removeDataDir: false });
    removeLater(source.dataDir);

    const work = await tempDir('seedexport');
    const full = join(work, 'full.json');
    const r = await runXkslab([
      'seed',
      'export',
      '--data-dir',
      source.dataDir,
      '--out',
      full,
      '--with-material',
      '--with-secrets',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(full)).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain('2 module(s), 4 key(s), 1 key store(s) written to');
    expect(r.stderr).toContain('2 key(s) without material (not exportable)');
    const written = JSON.parse(await readFile(full, 'utf8'));
    const vault = (written.modules as Array<{ name: string; keys: unknown[] }>).find(
      (m) => m.name === 'vault',
    );
    const keys = vault?.keys as Array<{ id: string; material?: string }>;
    expect(keys.find((k) => k.id === 'portable')?.material).toBe(material.toString('base64'));
    expect(keys.find((k) => k.id === 'generated-portable')?.material).toBeDefined();
    expect(keys.find((k) => k.id === 'stays')?.material).toBeUndefined();
    expect(written.keyStores[0].credentials).toEqual([credential]);

    const copy = await start({ seed: written });
    expect(await state(copy.dataDir)).toEqual(sourceState);
    expect(await decryptOk(target(copy.port), 'portable', before.portable)).toEqual(plaintext);
    expect(await decryptOk(target(copy.port), 'generated-portable', before.generated)).toEqual(
      plaintext,
    );
    // Not exportable: new material, so the old ciphertext does not open.
    const refused = await sendXks(
      target(copy.port),
      keyPath(target(copy.port), 'stays', 'decrypt'),
      decryptBody(before.stays),
    );
    expect(refused.status).toBe(400);

    // Without the flags: no material, no secret, still a seed serve accepts.
    const bare = await runXkslab(['seed', 'export', '--data-dir', source.dataDir]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).not.toContain(credential.secretAccessKey);
    expect(bare.stdout).not.toContain(material.toString('base64'));
    expect(bare.stderr).toContain("add one with 'xkslab creds add tenant'");
    const bareSeed = JSON.parse(bare.stdout);
    expect(bareSeed.keyStores[0].credentials).toEqual([]);
    const fromBare = await start({ seed: bareSeed });
    expect(await state(fromBare.dataDir)).toEqual(sourceState);

    // Never overwrites.
    const again = await runXkslab(['seed', 'export', '--data-dir', source.dataDir, '--out', full]);
    expect(again.code).toBe(1);
    expect(oneLineError(again)).toMatch(/already exists/);
  }, 90_000);

  it('says when the directory holds no database', async () => {
    const r = await runXkslab(['seed', 'export', '--data-dir', await tempDir('noseeddb')]);
    expect(r.code).toBe(1);
    expect(oneLineError(r)).toMatch(/no xkslab database in/);
  });
});
