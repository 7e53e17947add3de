/**
 * `xkslab seed export`: the state of a stopped data directory as a seed file that `serve --seed`
 * accepts on a fresh data directory. Secrets leave only when asked: key material (exportable
 * keys, --with-material) and credential secrets (--with-secrets).
 */
import { stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SeedFile, type SeedKey, type SeedKeyStore, type SeedModule } from '@xkslab/protocol';
import { cipherEngine, isVcmError, type RecordStore, Vcm } from '@xkslab/vcm';
import { z } from 'zod';
import { KeyStoreRegistry } from '../keystores/registry.ts';
import { MASTER_KEY_FILE } from '../master-key.ts';
import { POLICY_RECORD_PREFIX } from '../policies/policy-store.ts';
import { decodeEnvKey, readMasterKeyFile } from './backup-command.ts';
import { commandHelp, defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';
import { UsageError } from './flags.ts';
import { DATA_DIR_OPTION } from './serve-options.ts';
import { didYouMean } from './suggest.ts';

export const SEED_COMMAND = defineCommand({
  name: 'seed',
  summary: 'write the state of a stopped data directory as a seed file',
  synopsis: 'seed export',
  usage: ['seed export [--data-dir DIR] [--out FILE] [--with-material] [--with-secrets]'],
  description: `Write the state of a data directory as a seed file that 'xkslab serve --seed FILE' accepts on a
fresh data directory: modules (with their node counts), keys (usage, ENABLED/DISABLED, exportable)
and key stores (name, prefix, region, module, request quota).

The data directory is read directly, so stop its server first (a running server holds the
database lock; use 'xkslab backup' for a live copy). Nothing secret is written unless asked:

  without --with-material  keys carry no material: a server seeded from the file makes new
                           material, so ciphertexts made before do not decrypt there
  --with-material          the material of keys created --exportable (one version only: a
                           rotated key's material is not exported; use backup/restore)
  without --with-secrets   key stores carry no credential: add one with
                           'xkslab creds add KEYSTORE' on the seeded server
  --with-secrets           the key stores' credentials, secret access keys included

Not in a seed: older key versions, blocked flags, pending deletions (exported DISABLED), policies,
fault rules and the admin token. What was left out is listed on stderr.`,
  args: [{ name: 'COMMAND' }],
  extraArgs: (extra) => `seed export: unexpected argument '${extra}'`,
  options: z.strictObject({
    dataDir: DATA_DIR_OPTION,
    out: z.string().min(1).optional().meta({
      description: 'write the seed there (mode 0600, never overwritten) instead of stdout',
      value: 'FILE',
    }),
    withMaterial: z
      .boolean()
      .default(false)
      .meta({ description: 'include the key material of exportable keys' }),
    withSecrets: z.boolean().default(false).meta({
      description: "include the secret access keys of the key stores' credentials",
    }),
    masterKeyFile: z.string().min(1).optional().meta({
      description: 'the master key, when it is neither XKSLAB_MASTER_KEY nor DIR/master.key',
      value: 'FILE',
    }),
    help: HELP_OPTION,
  }),
});

export type SeedExportDeps = {
  io: CommandIo;
  /** XKSLAB_MASTER_KEY, read by main.ts. */
  masterKeyFromEnv: string | undefined;
  openStore(dir: string): Promise<RecordStore>;
};

/** A seed and the notes on what it leaves out. */
export type SeedExport = { seed: SeedFile; notes: string[] };

/** Builds the seed of an open module manager and key store registry. */
export async function exportSeed(
  vcm: Vcm,
  registry: KeyStoreRegistry,
  options: { withMaterial: boolean; withSecrets: boolean },
): Promise<SeedExport> {
  const notes: string[] = [];
  const modules: SeedModule[] = [];
  const without: string[] = [];
  for (const m of await vcm.listModules()) {
    const keys: SeedKey[] = [];
    for (const k of await vcm.listKeys(m.name)) {
      const ref = `${m.name}/${k.id}`;
      const key: SeedKey = {
        id: k.id,
        usage: [...k.usage],
        status: k.state === 'ENABLED' ? 'ENABLED' : 'DISABLED',
        exportable: k.exportable,
      };
      if (k.state === 'PENDING_DELETION')
        notes.push(`key ${ref} is pending deletion: exported DISABLED`);
      if (k.blocked) notes.push(`key ${ref} is blocked: exported unblocked`);
      if (options.withMaterial && k.exportable) {
        if (k.versions.length > 1) {
          notes.push(`key ${ref} has ${k.versions.length} versions: material not exported`);
        } else {
          try {
            const [version] = await vcm.exportKeyMaterial(m.name, k.id);
            if (version) {
              key.material = Buffer.from(version.material).toString('base64');
              version.material.fill(0);
            }
          } catch (e) {
            notes.push(`key ${ref}: material not exported (${e instanceof Error ? e.message : e})`);
          }
        }
      }
      if (key.material === undefined) without.push(ref);
      keys.push(key);
    }
    modules.push({
      name: m.name,
      nodes: m.nodes,
      keys,
      ...(m.pkcs11 === undefined ? {} : { pkcs11: m.pkcs11 }),
    });
  }
  if (without.length > 0) {
    notes.push(
      `${without.length} key(s) without material (${options.withMaterial ? 'not exportable' : 'no --with-material'}): a seeded server makes new material for them`,
    );
  }
  const descriptions = new Map(registry.describeAll().map((d) => [d.name, d]));
  const keyStores: SeedKeyStore[] = [];
  for (const ks of registry.list().sort((a, b) => a.name.localeCompare(b.name))) {
    const quota = descriptions.get(ks.name)?.maxRequestsPerSecond;
    if (ks.blocked) notes.push(`key store ${ks.name} is blocked: exported unblocked`);
    const credentials = options.withSecrets
      ? ks.accessKeyIds.map((accessKeyId) => ({
          accessKeyId,
          secretAccessKey: ks.secretFor(accessKeyId) ?? '',
        }))
      : [];
    if (!options.withSecrets && ks.accessKeyIds.length > 0) {
      notes.push(
        `key store ${ks.name}: ${ks.accessKeyIds.length} credential(s) left out (no --with-secrets); add one with 'xkslab creds add ${ks.name}'`,
      );
    }
    keyStores.push({
      name: ks.name,
      uriPathPrefix: ks.uriPathPrefix,
      region: ks.region,
      module: ks.module,
      credentials,
      ...(quota === undefined ? {} : { maxRequestsPerSecond: quota }),
    });
  }
  // What serve --seed would read: check it here, so a seed that does not load is never written.
  const seed = SeedFile.parse({ modules, keyStores });
  return { seed, notes };
}

/** `xkslab seed export ...`: resolves with the exit code. */
export async function seedCommand(args: readonly string[], deps: SeedExportDeps): Promise<number> {
  const parsed = parseCommand(SEED_COMMAND, args, 'seed: ');
  const sub = parsed.help ? undefined : parsed.args[0];
  if (parsed.help || sub === undefined || sub === 'help') {
    deps.io.stdout(commandHelp(SEED_COMMAND));
    return 0;
  }
  const { options } = parsed;
  if (sub !== 'export') {
    throw new UsageError(
      `unknown command 'xkslab seed ${sub}'${didYouMean(sub, ['export']) || '.'} Run 'xkslab seed --help'`,
    );
  }
  const dataDir = resolve(options.dataDir);
  const out = options.out === undefined ? undefined : resolve(options.out);
  const exists = await stat(join(dataDir, 'db')).then(
    () => true,
    () => false,
  );
  if (!exists) throw new CommandError(`no xkslab database in ${dataDir}`);
  if (
    out !== undefined &&
    (await stat(out).then(
      () => true,
      () => false,
    ))
  ) {
    throw new CommandError(`${out} already exists; seed export never overwrites a file`);
  }
  let store: RecordStore;
  try {
    store = await deps.openStore(join(dataDir, 'db'));
  } catch (e) {
    if (!isVcmError(e, 'STORE_LOCKED')) throw e;
    throw new CommandError(
      `the database in ${dataDir} is in use by a running server; stop it first (seed export reads the data directory), or take a live copy with 'xkslab backup'`,
    );
  }
  let vcm: Vcm | undefined;
  try {
    const masterKeyFile = options.masterKeyFile;
    const masterKey = masterKeyFile
      ? await readMasterKeyFile(masterKeyFile)
      : deps.masterKeyFromEnv
        ? decodeEnvKey(deps.masterKeyFromEnv)
        : await readMasterKeyFile(join(dataDir, MASTER_KEY_FILE));
    vcm = await Vcm.open({ store, engine: cipherEngine('noble'), masterKey });
    masterKey.fill(0);
    const registry = await KeyStoreRegistry.load(store, vcm);
    const { seed, notes } = await exportSeed(vcm, registry, {
      withMaterial: options.withMaterial,
      withSecrets: options.withSecrets,
    });
    const text = `${JSON.stringify(seed, null, 2)}\n`;
    const counts = `${seed.modules.length} module(s), ${seed.modules.reduce((n, m) => n + m.keys.length, 0)} key(s), ${seed.keyStores.length} key store(s)`;
    if (out === undefined) {
      deps.io.stdout(text);
    } else {
      try {
        await writeFile(out, text, { mode: 0o600, flag: 'wx' });
      } catch (e) {
        throw new CommandError(`cannot write ${out} (${errorCode(e)})`, { cause: e });
      }
    }
    const policies = (await store.list({ prefix: POLICY_RECORD_PREFIX })).length;
    if (policies > 0)
      notes.push(`${policies} policy(ies) left out: a seed has none ('xkslab policies set')`);
    for (const note of notes) deps.io.stderr(`seed export: ${note}\n`);
    deps.io.stderr(
      `seed export: ${counts}${out === undefined ? '' : ` written to ${out}`}; load it with: xkslab serve --data-dir NEW --seed ${out ?? 'FILE'}\n`,
    );
    return 0;
  } finally {
    await (vcm ? vcm.close() : store.close()).catch(() => undefined);
  }
}
