/**
 * `xkslab reset --data-dir DIR`: removes a data directory, after checking that it is one (it holds
 * master.key or db/), that no server uses it, and that the user confirmed.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { isVcmError, type RecordStore } from '@xkslab/vcm';
import { z } from 'zod';
import { MASTER_KEY_FILE } from '../master-key.ts';
import { ADMIN_JSON_FILE } from './admin-client.ts';
import { commandHelp, defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';

export const RESET_COMMAND = defineCommand({
  name: 'reset',
  summary: 'wipe a data directory (asks first; refuses while a server uses it)',
  usage: ['reset --data-dir DIR [--yes]'],
  description: `Wipe a data directory: remove DIR with its master key, database, audit log, TLS files and admin
token. Everything in it is lost (take 'xkslab backup' first if you may want it back); the next
'xkslab serve --data-dir DIR' starts afresh.

Before anything is removed:
  - DIR must look like an xkslab data directory (it holds master.key or db/);
  - no server may be using it (its database lock is free and its admin API does not answer);
  - you confirm: on a terminal, by typing the directory's name; elsewhere with --yes.`,
  options: z.strictObject({
    dataDir: z.string().min(1).optional().meta({
      description: 'the data directory to wipe (required: there is no default here)',
      value: 'DIR',
    }),
    yes: z.boolean().default(false).meta({ description: 'do not ask (scripts, CI)', short: 'y' }),
    help: HELP_OPTION,
  }),
  check: (options) =>
    options.dataDir === undefined
      ? '--data-dir DIR is required (the directory to wipe)'
      : undefined,
});

export type ResetDeps = {
  io: CommandIo;
  openStore(dir: string): Promise<RecordStore & { close(): Promise<void> }>;
  /** Whether a person can answer a question on stdin. */
  interactive: boolean;
  /** Asks a question on the terminal and resolves with the line typed. */
  ask(question: string): Promise<string>;
  fetch?: typeof fetch;
};

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Whether the admin API named in DIR/admin.json answers (a server runs there, maybe elsewhere). */
async function adminAnswers(dir: string, fetchImpl: typeof fetch): Promise<string | undefined> {
  let url: unknown;
  try {
    url = (JSON.parse(await readFile(join(dir, ADMIN_JSON_FILE), 'utf8')) as { url?: unknown }).url;
  } catch {
    return undefined;
  }
  if (typeof url !== 'string') return undefined;
  try {
    await fetchImpl(`${url}/admin/v1/openapi.json`, { signal: AbortSignal.timeout(1000) });
    return url;
  } catch {
    return undefined;
  }
}

/** `xkslab reset --data-dir DIR [--yes]`: resolves with the exit code. */
export async function resetCommand(args: readonly string[], deps: ResetDeps): Promise<number> {
  const parsed = parseCommand(RESET_COMMAND, args, 'reset: ');
  if (parsed.help) {
    deps.io.stdout(commandHelp(RESET_COMMAND));
    return 0;
  }
  const { options } = parsed;
  const dir = resolve(options.dataDir as string);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    throw new CommandError(`cannot read ${dir} (${errorCode(e)}): nothing removed`);
  }
  const hasDb = await exists(join(dir, 'db'));
  if (!hasDb && !(await exists(join(dir, MASTER_KEY_FILE)))) {
    throw new CommandError(
      `${dir} does not look like an xkslab data directory (no ${MASTER_KEY_FILE}, no db/): nothing removed`,
    );
  }
  if (hasDb) {
    try {
      const store = await deps.openStore(join(dir, 'db'));
      await store.close();
    } catch (e) {
      if (!isVcmError(e, 'STORE_LOCKED')) throw e;
      throw new CommandError(
        `a running server uses ${dir} (its database is locked): stop it first; nothing removed`,
      );
    }
  }
  const running = await adminAnswers(dir, deps.fetch ?? fetch);
  if (running !== undefined) {
    throw new CommandError(
      `a server answers at ${running}, the admin address in ${join(dir, ADMIN_JSON_FILE)}: stop it first; nothing removed`,
    );
  }
  if (!options.yes) {
    if (!deps.interactive) {
      throw new CommandError(
        `reset wipes ${dir} and asks first, but stdin is not a terminal: pass --yes to wipe it without asking`,
      );
    }
    const name = basename(dir);
    deps.io.stderr(
      `This removes ${dir} and everything in it (${entries.sort().join(', ')}), master key included.\n`,
    );
    const answer = (await deps.ask(`Type the directory name (${name}) to confirm: `)).trim();
    if (answer !== name) {
      deps.io.stderr('not confirmed: nothing removed\n');
      return 1;
    }
  }
  await rm(dir, { recursive: true, force: true });
  deps.io.stdout(`removed ${dir}; 'xkslab serve --data-dir ${options.dataDir}' starts afresh\n`);
  return 0;
}
