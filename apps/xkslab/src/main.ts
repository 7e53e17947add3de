#!/usr/bin/env node
/**
 * The entry point: the only place that reads the environment, installs signal handlers and hands
 * out `listen` and the database opener. It dispatches one command and maps a failure to an exit
 * code (user-facing-error.ts). `serve` composes the server (serve.ts, from wiring.ts); every other
 * command receives what it needs as parameters.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelRecordStore } from '@xkslab/vcm';
import { type CommandGroup, runCommandGroup } from './cli/admin-command.ts';
import { auditCommand } from './cli/audit-command.ts';
import { backupCommand, backupFromServer, restoreCommand } from './cli/backup-command.ts';
import { conformanceCommand } from './cli/conformance.ts';
import { demoCommand } from './cli/demo-command.ts';
import { FAULTS_COMMAND } from './cli/faults-command.ts';
import { UsageError } from './cli/flags.ts';
import { type CommandName, helpFor } from './cli/help.ts';
import { KEYS_COMMAND } from './cli/keys-command.ts';
import { CREDS_COMMAND, KEYSTORES_COMMAND } from './cli/keystores-command.ts';
import { kmsCommand } from './cli/kms-command.ts';
import { MODULES_COMMAND } from './cli/modules-command.ts';
import { POLICIES_COMMAND } from './cli/policies-command.ts';
import { resetCommand } from './cli/reset-command.ts';
import { seedCommand } from './cli/seed-export.ts';
import { didYouMean } from './cli/suggest.ts';
import { pooledRandom } from './random-pool.ts';
import { serve } from './serve.ts';
import { closeServer, listen } from './server.ts';
import { ask, waitForEnter } from './terminal.ts';
import { asUserFacing, UserFacingError } from './user-facing-error.ts';
import { PRODUCT, VERSION } from './version.ts';

/** The CSPRNG of the process, pooled: one randomBytes call per 4 KiB, not per IV. */
const random = pooledRandom((n: number) => new Uint8Array(randomBytes(n)));
const say = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

/** Resolves on the first SIGINT or SIGTERM; installed before anything else so none is missed. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Commands that talk to a running server through the admin API. */
const ADMIN_COMMANDS = {
  modules: MODULES_COMMAND,
  keys: KEYS_COMMAND,
  keystores: KEYSTORES_COMMAND,
  creds: CREDS_COMMAND,
  policies: POLICIES_COMMAND,
  faults: FAULTS_COMMAND,
} satisfies Record<string, CommandGroup>;

const commandIo = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
};

/** What `backup` and `restore` get from the composition root. */
function backupDeps() {
  return {
    io: commandIo,
    masterKeyFromEnv: process.env.XKSLAB_MASTER_KEY || undefined,
    openStore: (dir: string) => LevelRecordStore.open(dir),
    clock: () => new Date(),
    random,
    backupViaServer: (dir: string) => backupFromServer(dir),
  };
}

/** What `demo` gets from the composition root. */
function demoDeps() {
  return {
    io: commandIo,
    listen,
    closeServer,
    openStore: (dir: string) => LevelRecordStore.open(dir),
    makeTempDir: () => mkdtemp(join(tmpdir(), 'xkslab-demo-')),
    removeDir: (dir: string) => rm(dir, { recursive: true, force: true }),
    waitForEnter,
    clock: () => new Date(),
    random,
  };
}

/** Every command: the keys are exactly the names `xkslab --help` lists (cli/help.ts). */
const COMMAND_RUN: Record<CommandName, (rest: readonly string[]) => Promise<number>> = {
  serve: (rest) =>
    serve(rest, {
      io: commandIo,
      listen,
      closeServer,
      stopped: stopSignal(),
      masterKeyFromEnv: process.env.XKSLAB_MASTER_KEY,
      clock: () => new Date(),
      random,
    }),
  kms: (rest) =>
    kmsCommand(rest, {
      io: commandIo,
      listen,
      closeServer,
      stopped: stopSignal(),
      masterKeyFromEnv: process.env.XKSLAB_KMS_MASTER_KEY || undefined,
      clock: () => new Date(),
      random,
    }),
  demo: (rest) => demoCommand(rest, demoDeps()),
  conformance: (rest) =>
    conformanceCommand(
      rest,
      {
        secret: process.env.XKSLAB_CONFORMANCE_SECRET,
        secondSecret: process.env.XKSLAB_CONFORMANCE_SECOND_SECRET,
      },
      {
        ...commandIo,
        stderrIsTty: process.stderr.isTTY === true,
        stdoutIsTty: process.stdout.isTTY === true,
        columns: process.stdout.columns,
      },
      { interrupted: stopSignal(), random },
    ),
  ...(Object.fromEntries(
    Object.entries(ADMIN_COMMANDS).map(([name, group]) => [
      name,
      (rest: readonly string[]) =>
        runCommandGroup(group, rest, {
          io: commandIo,
          env: {
            url: process.env.XKSLAB_ADMIN_URL || undefined,
            token: process.env.XKSLAB_ADMIN_TOKEN || undefined,
          },
        }),
    ]),
  ) as Record<keyof typeof ADMIN_COMMANDS, (rest: readonly string[]) => Promise<number>>),
  audit: (rest) => auditCommand(rest, commandIo),
  backup: (rest) => backupCommand(rest, backupDeps()),
  restore: (rest) => restoreCommand(rest, backupDeps()),
  seed: (rest) =>
    seedCommand(rest, {
      io: commandIo,
      masterKeyFromEnv: process.env.XKSLAB_MASTER_KEY || undefined,
      openStore: (dir: string) => LevelRecordStore.open(dir),
    }),
  reset: (rest) =>
    resetCommand(rest, {
      io: commandIo,
      openStore: (dir: string) => LevelRecordStore.open(dir),
      interactive: process.stdin.isTTY === true,
      ask,
    }),
  help: async (rest) => {
    process.stdout.write(helpFor(rest[0]));
    return 0;
  },
  version: async () => {
    process.stdout.write(`${PRODUCT} ${VERSION}\n`);
    return 0;
  },
};

const COMMAND_ALIASES: Record<string, CommandName> = {
  '-h': 'help',
  '--help': 'help',
  '-v': 'version',
  '--version': 'version',
};

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  const name = COMMAND_ALIASES[command] ?? command;
  if (!Object.hasOwn(COMMAND_RUN, name)) {
    const hint = didYouMean(name, Object.keys(COMMAND_RUN));
    throw new UsageError(
      `unknown command '${command}'${hint || '.'} Run 'xkslab --help' for the list`,
    );
  }
  return COMMAND_RUN[name as CommandName](rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const known = asUserFacing(e);
    if (known instanceof UserFacingError) {
      say(`xkslab: ${known.message}`);
      process.exit(known.exitCode);
    }
    say(`xkslab: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
