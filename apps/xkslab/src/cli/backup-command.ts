import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cipherEngine, isVcmError, type RecordStore, Vcm } from '@xkslab/vcm';
import { z } from 'zod';
import { AUDIT_LOG_FILE, AuditLog } from '../audit/audit-log.ts';
import {
  BackupError,
  decodeBackup,
  deriveBackupRootKey,
  readBackupHeader,
} from '../backup/backup-format.ts';
import { backupMaker, checkRestorable, type RestoreSummary } from '../backup/snapshot.ts';
import { decodeMasterKey, MASTER_KEY_FILE } from '../master-key.ts';
import { ADMIN_TOKEN_RECORD } from '../services/auth.ts';
import { resolveAdminTarget } from './admin-client.ts';
import { commandHelp, defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';
import { DEFAULT_DATA_DIR } from './serve-options.ts';

/** What backup and restore need from the composition root. */
export type BackupDeps = {
  io: CommandIo;
  /** XKSLAB_MASTER_KEY, read by main.ts. */
  masterKeyFromEnv: string | undefined;
  /** Opens the database in a directory (LevelRecordStore.open). */
  openStore(dir: string): Promise<RecordStore>;
  clock: () => Date;
  random: (n: number) => Uint8Array;
  /**
   * Takes the snapshot through a running server's admin API (when the database is locked), or
   * undefined when no server answers for this data directory.
   */
  backupViaServer?(dataDir: string): Promise<Uint8Array | undefined>;
};

const MasterKeyFile = z.string().min(1).optional().meta({
  description: 'the master key, when it is neither XKSLAB_MASTER_KEY nor DIR/master.key',
  value: 'FILE',
});

export const BACKUP_COMMAND = defineCommand({
  name: 'backup',
  summary: 'write an encrypted snapshot of the whole database',
  usage: ['backup FILE [--data-dir DIR] [--master-key-file FILE]'],
  description: `Write an encrypted, integrity-protected snapshot of the whole database (modules, keys with every
version, key stores, credentials, policies) to FILE (created 0600; never overwritten).

While a server runs on DIR it holds the database lock, so the snapshot is taken through its admin
API (GET /admin/v1/backup, with the address and token serve wrote into DIR). Otherwise the
database is read directly.

The backup is encrypted under a key derived from the master key: keep the master key (DIR/master.key
or XKSLAB_MASTER_KEY) safe and apart from the backup; restore needs it.`,
  args: [{ name: 'FILE', missing: 'name the backup FILE to write' }],
  options: z.strictObject({
    dataDir: z
      .string()
      .min(1)
      .default(DEFAULT_DATA_DIR)
      .meta({ description: 'data directory', value: 'DIR' }),
    masterKeyFile: MasterKeyFile,
    help: HELP_OPTION,
  }),
});

export const RESTORE_COMMAND = defineCommand({
  name: 'restore',
  summary: 'rebuild a new data directory from a backup (--data-dir NEW)',
  usage: ['restore FILE --data-dir NEW [--master-key-file FILE]'],
  description: `Rebuild a data directory from a backup. Everything is checked before anything is written: the
file's integrity (AES-GCM), that the master key is the one it was made under, and that every
record opens. NEW must not exist or be empty; it is not created when a check fails.

The master key comes from --master-key-file (then written to NEW/master.key, 0600) or from
XKSLAB_MASTER_KEY (then not written: keep setting it when you start the server).`,
  args: [{ name: 'FILE', missing: 'name the backup FILE to restore' }],
  options: z.strictObject({
    dataDir: z.string().min(1).optional().meta({
      description: 'the new data directory (required)',
      value: 'NEW',
    }),
    masterKeyFile: MasterKeyFile.meta({
      description: 'the master key of the data directory the backup came from',
      value: 'FILE',
    }),
    help: HELP_OPTION,
  }),
  check: (options) =>
    options.dataDir === undefined
      ? '--data-dir NEW is required (a new or empty directory)'
      : undefined,
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function readMasterKeyFile(file: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CommandError(`cannot read the master key file ${file} (${errorCode(e)})`);
  }
  try {
    return decodeMasterKey(text, file);
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e));
  }
}

export function decodeEnvKey(value: string): Uint8Array {
  try {
    return decodeMasterKey(value, 'XKSLAB_MASTER_KEY');
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e));
  }
}

async function writeNewFile(file: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(file, bytes, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if (errorCode(e) === 'EEXIST') {
      throw new CommandError(`${file} already exists; backups are never overwritten`);
    }
    throw new CommandError(`cannot write ${file} (${errorCode(e)})`, { cause: e });
  }
}

/**
 * Asks the server running on `dataDir` for a backup (GET /admin/v1/backup, address and token from
 * the data directory's admin.json and admin-token). Undefined when no server answers there.
 */
export async function backupFromServer(
  dataDir: string,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array | undefined> {
  let target: Awaited<ReturnType<typeof resolveAdminTarget>>;
  try {
    target = await resolveAdminTarget({ dataDir });
  } catch {
    return undefined;
  }
  let res: Response;
  try {
    res = await fetchImpl(`${target.url}/admin/v1/backup`, {
      headers: { authorization: `Bearer ${target.token}` },
    });
  } catch {
    return undefined;
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as
      | { error?: { code?: string; message?: string } }
      | undefined;
    throw new CommandError(
      `the running server refused the backup: ${body?.error?.message ?? `HTTP ${res.status}`} (${body?.error?.code ?? res.status})`,
    );
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  try {
    readBackupHeader(bytes);
  } catch (e) {
    throw new CommandError(
      `the running server answered with something that is not a backup (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  return bytes;
}

/** Appends one entry to a data directory's audit log (only when no server writes to it). */
async function auditLocal(dataDir: string, entry: { operation: string; detail: string }) {
  const log = await AuditLog.open(join(dataDir, AUDIT_LOG_FILE));
  await log.append({ ...entry, principal: 'local-cli', result: 'ok' });
  await log.close();
}

/** `xkslab backup FILE`: resolves with the exit code. */
export async function backupCommand(args: readonly string[], deps: BackupDeps): Promise<number> {
  const parsed = parseCommand(BACKUP_COMMAND, args);
  if (parsed.help) {
    deps.io.stdout(commandHelp(BACKUP_COMMAND));
    return 0;
  }
  const { options } = parsed;
  const out = resolve(parsed.args[0] as string);
  const dataDir = resolve(options.dataDir);
  if (!(await exists(join(dataDir, 'db')))) {
    throw new CommandError(`no xkslab database in ${dataDir}`);
  }
  if (await exists(out))
    throw new CommandError(`${out} already exists; backups are never overwritten`);

  let store: RecordStore;
  try {
    store = await deps.openStore(join(dataDir, 'db'));
  } catch (e) {
    if (!isVcmError(e, 'STORE_LOCKED')) throw e;
    const bytes = await deps.backupViaServer?.(dataDir);
    if (!bytes) {
      throw new CommandError(
        `the database in ${dataDir} is in use by a running server and its admin API did not answer; stop the server or check its admin address`,
      );
    }
    await writeNewFile(out, bytes);
    deps.io.stdout(`backup written to ${out} by the running server (${bytes.length} bytes)\n`);
    return 0;
  }

  let vcm: Vcm | undefined;
  try {
    const masterKey = options.masterKeyFile
      ? await readMasterKeyFile(options.masterKeyFile)
      : deps.masterKeyFromEnv
        ? decodeEnvKey(deps.masterKeyFromEnv)
        : await readMasterKeyFile(join(dataDir, MASTER_KEY_FILE));
    // Opening the module manager proves the master key is this directory's before backing up.
    vcm = await Vcm.open({ store, engine: cipherEngine('noble'), masterKey });
    const rootKey = deriveBackupRootKey(masterKey);
    masterKey.fill(0);
    const made = await backupMaker({ store, rootKey, clock: deps.clock, random: deps.random })();
    rootKey.fill(0);
    await writeNewFile(out, made.bytes);
    await auditLocal(dataDir, {
      operation: 'admin:Backup',
      detail: `${made.records} records to ${out}`,
    });
    deps.io.stdout(
      `backup written to ${out}: ${made.records} records, ${made.bytes.length} bytes\nrestore with: xkslab restore ${out} --data-dir NEW (needs this data directory's master key)\n`,
    );
    return 0;
  } finally {
    await (vcm ? vcm.close() : store.close()).catch(() => undefined);
  }
}

/** Decodes a backup and checks that every record opens under the master key; writes nothing. */
async function openBackup(
  file: string,
  bytes: Uint8Array,
  masterKey: Uint8Array,
): Promise<{ decoded: ReturnType<typeof decodeBackup>; summary: RestoreSummary }> {
  let decoded: ReturnType<typeof decodeBackup>;
  const rootKey = deriveBackupRootKey(masterKey);
  try {
    decoded = decodeBackup(bytes, rootKey);
  } catch (e) {
    if (e instanceof BackupError)
      throw new CommandError(`backup ${file}: ${e.message}; nothing written`);
    throw e;
  } finally {
    rootKey.fill(0);
  }
  let summary: RestoreSummary;
  try {
    summary = await checkRestorable(decoded.records, masterKey);
  } catch (e) {
    if (isVcmError(e, 'WRONG_MASTER_KEY')) {
      throw new CommandError(`backup ${file}: the master key does not open it; nothing written`);
    }
    throw new CommandError(
      `backup ${file} is intact but its records do not open (${e instanceof Error ? e.message : String(e)}); nothing written`,
    );
  }
  return { decoded, summary };
}

/** `xkslab restore FILE --data-dir NEW`: resolves with the exit code. */
export async function restoreCommand(args: readonly string[], deps: BackupDeps): Promise<number> {
  const parsed = parseCommand(RESTORE_COMMAND, args);
  if (parsed.help) {
    deps.io.stdout(commandHelp(RESTORE_COMMAND));
    return 0;
  }
  const { options } = parsed;
  const file = resolve(parsed.args[0] as string);
  const target = resolve(options.dataDir as string);

  // 1. Every check first; nothing is written until all pass.
  if (!options.masterKeyFile && !deps.masterKeyFromEnv) {
    throw new CommandError(
      'restore needs the master key of the backed-up data directory: --master-key-file OLD/master.key or XKSLAB_MASTER_KEY',
    );
  }
  const masterKey = options.masterKeyFile
    ? await readMasterKeyFile(options.masterKeyFile)
    : decodeEnvKey(deps.masterKeyFromEnv ?? '');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new CommandError(`cannot read the backup ${file} (${errorCode(e)})`);
  }
  const targetState = await inspectTarget(target);
  const { decoded, summary } = await openBackup(file, bytes, masterKey);

  // 2. Write: the database, then master.key, then the first audit entry.
  const created = targetState === 'missing';
  try {
    await mkdir(target, { recursive: true, mode: 0o700 });
    const store = await deps.openStore(join(target, 'db'));
    try {
      // Not the admin token's hash: its token stayed with the old directory's admin-token file,
      // so the first start of this one makes, prints and writes a new token.
      await store.batch(
        decoded.records
          .filter((r) => r.key !== ADMIN_TOKEN_RECORD)
          .map((r) => ({ type: 'put' as const, ...r })),
      );
    } finally {
      await store.close();
    }
    if (options.masterKeyFile) {
      await writeFile(
        join(target, MASTER_KEY_FILE),
        `${Buffer.from(masterKey).toString('base64')}\n`,
        { mode: 0o600, flag: 'wx' },
      );
    }
    await auditLocal(target, {
      operation: 'admin:Restore',
      detail: `${decoded.records.length} records from a backup made ${decoded.header.createdAt}`,
    });
  } catch (e) {
    // Leave no half-restored directory behind.
    if (created) await rm(target, { recursive: true, force: true }).catch(() => undefined);
    else await emptyDir(target);
    throw e;
  } finally {
    masterKey.fill(0);
  }
  deps.io.stdout(
    [
      `restored ${decoded.records.length} records (${summary.modules} modules, ${summary.keys} keys, ${summary.keyStores} key stores) from a backup made ${decoded.header.createdAt}`,
      `into ${target}`,
      options.masterKeyFile
        ? `start it with: xkslab serve --data-dir ${target}`
        : `start it with XKSLAB_MASTER_KEY set: xkslab serve --data-dir ${target}`,
      'the admin token is not restored: the first start prints a new one',
      '',
    ].join('\n'),
  );
  return 0;
}

/** A restore target must not exist, or be an empty directory. */
async function inspectTarget(target: string): Promise<'missing' | 'empty'> {
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') throw new CommandError(`${target} exists and is not a directory`);
    throw new CommandError(`cannot read ${target} (${code})`);
  }
  if (entries.length > 0) {
    throw new CommandError(
      `${target} is not empty; restore only into a new or empty directory (nothing written)`,
    );
  }
  return 'empty';
}

async function emptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  for (const name of entries) {
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
