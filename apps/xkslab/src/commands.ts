/**
 * What each command runs with: the dispatch table of `xkslab`. Everything a command needs from the
 * process (environment values, signals, the terminal, sockets, the database opener) arrives in one
 * `Host` that main.ts builds, so this table reads nothing itself.
 */
import type { LevelRecordStore, Pkcs11PinSource } from '@xkslab/vcm';
import { type CommandGroup, runCommandGroup } from './cli/admin-command.ts';
import { auditCommand } from './cli/audit-command.ts';
import { backupCommand, backupFromServer, restoreCommand } from './cli/backup-command.ts';
import type { CommandIo } from './cli/command-io.ts';
import { conformanceCommand } from './cli/conformance.ts';
import { demoCommand } from './cli/demo-command.ts';
import { FAULTS_COMMAND } from './cli/faults-command.ts';
import { type CommandName, helpFor } from './cli/help.ts';
import { KEYS_COMMAND } from './cli/keys-command.ts';
import { CREDS_COMMAND, KEYSTORES_COMMAND } from './cli/keystores-command.ts';
import { kmsCommand } from './cli/kms-command.ts';
import { MODULES_COMMAND } from './cli/modules-command.ts';
import { POLICIES_COMMAND } from './cli/policies-command.ts';
import { resetCommand } from './cli/reset-command.ts';
import { seedCommand } from './cli/seed-export.ts';
import { serve } from './cli/serve-command.ts';
import type { closeServer, listen } from './server.ts';
import { PRODUCT, VERSION } from './version.ts';

/** The process as the commands see it; built once by main.ts. */
export type Host = {
  io: CommandIo;
  env: {
    masterKey: string | undefined;
    kmsMasterKey: string | undefined;
    adminUrl: string | undefined;
    adminToken: string | undefined;
    conformanceSecret: string | undefined;
    conformanceSecondSecret: string | undefined;
  };
  terminal: {
    stdinIsTty: boolean;
    stdoutIsTty: boolean;
    stderrIsTty: boolean;
    columns: number | undefined;
    ask: (question: string) => Promise<string>;
    waitForEnter: () => Promise<void>;
  };
  /** Resolves on the first SIGINT or SIGTERM after the call. */
  stopSignal: () => Promise<string>;
  /** From the call on, every file and directory the process creates is its user's only. */
  privateFiles: () => void;
  listen: typeof listen;
  closeServer: typeof closeServer;
  openStore: (dir: string) => Promise<LevelRecordStore>;
  makeTempDir: () => Promise<string>;
  removeDir: (dir: string) => Promise<void>;
  clock: () => Date;
  random: (n: number) => Uint8Array;
  /** Reads a `pkcs11` module's PIN from the environment variable or file its config names. */
  pkcs11Pin: Pkcs11PinSource;
};

export type RunCommand = (rest: readonly string[]) => Promise<number>;

/** Commands that talk to a running server through the admin API. */
const ADMIN_COMMANDS = {
  modules: MODULES_COMMAND,
  keys: KEYS_COMMAND,
  keystores: KEYSTORES_COMMAND,
  creds: CREDS_COMMAND,
  policies: POLICIES_COMMAND,
  faults: FAULTS_COMMAND,
} satisfies Record<string, CommandGroup>;

function adminCommands(host: Host): Record<keyof typeof ADMIN_COMMANDS, RunCommand> {
  const env = { url: host.env.adminUrl, token: host.env.adminToken };
  const run =
    (group: CommandGroup): RunCommand =>
    (rest) =>
      runCommandGroup(group, rest, { io: host.io, env });
  return {
    modules: run(ADMIN_COMMANDS.modules),
    keys: run(ADMIN_COMMANDS.keys),
    keystores: run(ADMIN_COMMANDS.keystores),
    creds: run(ADMIN_COMMANDS.creds),
    policies: run(ADMIN_COMMANDS.policies),
    faults: run(ADMIN_COMMANDS.faults),
  };
}

function backupDeps(host: Host) {
  return {
    io: host.io,
    masterKeyFromEnv: host.env.masterKey,
    openStore: host.openStore,
    clock: host.clock,
    random: host.random,
    backupViaServer: (dir: string) => backupFromServer(dir),
  };
}

/** Every command: the keys are exactly the names `xkslab --help` lists (cli/help.ts). */
export function commandTable(host: Host): Record<CommandName, RunCommand> {
  const { io, env, terminal, clock, random } = host;
  const servers = { io, listen: host.listen, closeServer: host.closeServer, clock, random };
  return {
    serve: (rest) =>
      serve(rest, {
        ...servers,
        stopped: host.stopSignal(),
        masterKeyFromEnv: env.masterKey,
        privateFiles: host.privateFiles,
        pkcs11Pin: host.pkcs11Pin,
      }),
    kms: (rest) =>
      kmsCommand(rest, {
        ...servers,
        stopped: host.stopSignal(),
        masterKeyFromEnv: env.kmsMasterKey,
      }),
    demo: (rest) =>
      demoCommand(rest, {
        ...servers,
        openStore: host.openStore,
        makeTempDir: host.makeTempDir,
        removeDir: host.removeDir,
        waitForEnter: terminal.waitForEnter,
      }),
    conformance: (rest) =>
      conformanceCommand(
        rest,
        { secret: env.conformanceSecret, secondSecret: env.conformanceSecondSecret },
        {
          ...io,
          stderrIsTty: terminal.stderrIsTty,
          stdoutIsTty: terminal.stdoutIsTty,
          columns: terminal.columns,
        },
        { interrupted: host.stopSignal(), random },
      ),
    ...adminCommands(host),
    audit: (rest) => auditCommand(rest, io),
    backup: (rest) => backupCommand(rest, backupDeps(host)),
    restore: (rest) => restoreCommand(rest, backupDeps(host)),
    seed: (rest) =>
      seedCommand(rest, { io, masterKeyFromEnv: env.masterKey, openStore: host.openStore }),
    reset: (rest) =>
      resetCommand(rest, {
        io,
        openStore: host.openStore,
        interactive: terminal.stdinIsTty,
        ask: terminal.ask,
      }),
    help: async (rest) => {
      io.stdout(helpFor(rest[0]));
      return 0;
    },
    version: async () => {
      io.stdout(`${PRODUCT} ${VERSION}\n`);
      return 0;
    },
  };
}
