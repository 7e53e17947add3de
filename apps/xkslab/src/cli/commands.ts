/**
 * Every top-level command, declared once: its name, options and help come from its declaration
 * (`defineCommand`, or `defineGroup` for the admin API's groups), and its run takes what it needs
 * from the `Host` (host.ts). main.ts dispatches through this list; `xkslab --help` lists it.
 */
import { z } from 'zod';
import { PRODUCT, VERSION } from '../version.ts';
import { ADMIN_COMMON, type CommandGroup, groupHelp, runCommandGroup } from './admin-command.ts';
import { AUDIT_COMMAND, auditCommand } from './audit-command.ts';
import {
  BACKUP_COMMAND,
  backupCommand,
  backupFromServer,
  RESTORE_COMMAND,
  restoreCommand,
} from './backup-command.ts';
import { type CommandSpec, commandHelp, defineCommand, synopsis } from './command.ts';
import { conformanceCommand } from './conformance.ts';
import { CONFORMANCE_COMMAND } from './conformance-args.ts';
import { demoCommand } from './demo-command.ts';
import { DEMO_COMMAND } from './demo-options.ts';
import { FAULTS_COMMAND } from './faults-command.ts';
import type { Host } from './host.ts';
import { KEYS_COMMAND } from './keys-command.ts';
import { CREDS_COMMAND, KEYSTORES_COMMAND } from './keystores-command.ts';
import { kmsCommand } from './kms-command.ts';
import { KMS_COMMAND } from './kms-options.ts';
import { MODULES_COMMAND } from './modules-command.ts';
import { POLICIES_COMMAND } from './policies-command.ts';
import { RESET_COMMAND, resetCommand } from './reset-command.ts';
import { SEED_COMMAND, seedCommand } from './seed-export.ts';
import { serve } from './serve-command.ts';
import { SERVE_COMMAND } from './serve-options.ts';

const HELP_COMMAND = defineCommand({
  name: 'help',
  summary: 'show help for a command',
  args: [{ name: 'CMD' }],
  synopsis: 'help [CMD]',
  options: z.strictObject({}),
});

const VERSION_COMMAND = defineCommand({
  name: 'version',
  summary: 'print the version',
  options: z.strictObject({}),
});

/** Runs a command with the rest of the command line; resolves to the exit status. */
export type RunCommand = (host: Host, rest: readonly string[]) => Promise<number>;

/** A top-level command as `xkslab --help` lists it, its own help, and its run. */
type Listed<N extends string> = {
  name: N;
  synopsis: string;
  summary: string;
  /** The options it declares (an admin group: the options common to its subcommands). */
  spec: CommandSpec;
  help(): string;
  run: RunCommand;
};

function single<N extends string>(spec: CommandSpec<z.ZodObject, N>, run: RunCommand): Listed<N> {
  return {
    name: spec.name,
    synopsis: synopsis(spec),
    summary: spec.summary,
    spec,
    help: () => commandHelp(spec),
    run,
  };
}

/** A group of commands that talk to a running server through the admin API. */
function group<N extends string>(g: CommandGroup<N>): Listed<N> {
  return {
    name: g.name,
    synopsis: g.name,
    summary: g.brief,
    spec: ADMIN_COMMON,
    help: () => groupHelp(g),
    run: (host, rest) =>
      runCommandGroup(g, rest, {
        io: host.io,
        env: { url: host.env.adminUrl, token: host.env.adminToken },
      }),
  };
}

/** What the commands that listen share. */
function servers(host: Host) {
  const { io, listen, closeServer, clock, random } = host;
  return { io, listen, closeServer, clock, random };
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

/** Every top-level command, in the order `xkslab --help` lists them, each from its declaration. */
export const COMMANDS = [
  single(SERVE_COMMAND, (host, rest) =>
    serve(rest, {
      ...servers(host),
      stopped: host.stopSignal(),
      masterKeyFromEnv: host.env.masterKey,
      privateFiles: host.privateFiles,
      pkcs11Pin: host.pkcs11Pin,
      loadAesGcm: host.loadAesGcm,
    }),
  ),
  single(KMS_COMMAND, (host, rest) =>
    kmsCommand(rest, {
      ...servers(host),
      stopped: host.stopSignal(),
      masterKeyFromEnv: host.env.kmsMasterKey,
    }),
  ),
  single(DEMO_COMMAND, (host, rest) =>
    demoCommand(rest, {
      ...servers(host),
      openStore: host.openStore,
      makeTempDir: host.makeTempDir,
      removeDir: host.removeDir,
      waitForEnter: host.terminal.waitForEnter,
      loadAesGcm: host.loadAesGcm,
    }),
  ),
  single(CONFORMANCE_COMMAND, (host, rest) =>
    conformanceCommand(
      rest,
      { secret: host.env.conformanceSecret, secondSecret: host.env.conformanceSecondSecret },
      {
        ...host.io,
        stderrIsTty: host.terminal.stderrIsTty,
        stdoutIsTty: host.terminal.stdoutIsTty,
        columns: host.terminal.columns,
      },
      { interrupted: host.stopSignal(), random: host.random },
    ),
  ),
  group(MODULES_COMMAND),
  group(KEYS_COMMAND),
  group(KEYSTORES_COMMAND),
  group(CREDS_COMMAND),
  group(POLICIES_COMMAND),
  group(FAULTS_COMMAND),
  single(AUDIT_COMMAND, (host, rest) => auditCommand(rest, host.io)),
  single(BACKUP_COMMAND, (host, rest) => backupCommand(rest, backupDeps(host))),
  single(RESTORE_COMMAND, (host, rest) => restoreCommand(rest, backupDeps(host))),
  single(SEED_COMMAND, (host, rest) =>
    seedCommand(rest, {
      io: host.io,
      masterKeyFromEnv: host.env.masterKey,
      openStore: host.openStore,
    }),
  ),
  single(RESET_COMMAND, (host, rest) =>
    resetCommand(rest, {
      io: host.io,
      openStore: host.openStore,
      interactive: host.terminal.stdinIsTty,
      ask: host.terminal.ask,
    }),
  ),
  {
    ...single(HELP_COMMAND, async (host, rest) => {
      host.io.stdout(helpFor(rest[0]));
      return 0;
    }),
    help: (): string => MAIN_HELP,
  },
  {
    ...single(VERSION_COMMAND, async (host) => {
      host.io.stdout(`${PRODUCT} ${VERSION}\n`);
      return 0;
    }),
    help: (): string => MAIN_HELP,
  },
] as const;

export type CommandName = (typeof COMMANDS)[number]['name'];

const WIDTH = Math.max(...COMMANDS.map((c) => c.synopsis.length));

export const MAIN_HELP: string = `${PRODUCT} ${VERSION}: a software HSM and AWS KMS External Key Store (XKS) proxy

Usage: xkslab <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.synopsis.padEnd(WIDTH)}  ${c.summary}`).join('\n')}

Run 'xkslab <command> --help' for a command's options.
`;

/** The help of `xkslab help TOPIC`: the command's own help, or the list of commands. */
export function helpFor(topic: string | undefined): string {
  return COMMANDS.find((c) => c.name === topic)?.help() ?? MAIN_HELP;
}
