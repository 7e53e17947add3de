import { z } from 'zod';
import { PRODUCT, VERSION } from '../version.ts';
import { ADMIN_COMMON, type CommandGroup, groupHelp } from './admin-command.ts';
import { AUDIT_COMMAND } from './audit-command.ts';
import { BACKUP_COMMAND, RESTORE_COMMAND } from './backup-command.ts';
import { type CommandSpec, commandHelp, defineCommand, synopsis } from './command.ts';
import { CONFORMANCE_COMMAND } from './conformance-args.ts';
import { DEMO_COMMAND } from './demo-options.ts';
import { FAULTS_COMMAND } from './faults-command.ts';
import { KEYS_COMMAND } from './keys-command.ts';
import { CREDS_COMMAND, KEYSTORES_COMMAND } from './keystores-command.ts';
import { KMS_COMMAND } from './kms-options.ts';
import { MODULES_COMMAND } from './modules-command.ts';
import { POLICIES_COMMAND } from './policies-command.ts';
import { RESET_COMMAND } from './reset-command.ts';
import { SEED_COMMAND } from './seed-export.ts';
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

/** A top-level command as `xkslab --help` lists it, and its own help. */
type Listed<N extends string> = {
  name: N;
  synopsis: string;
  summary: string;
  /** The options it declares (an admin group: the options common to its subcommands). */
  spec: CommandSpec;
  help(): string;
};

function single<N extends string>(spec: CommandSpec<z.ZodObject, N>): Listed<N> {
  return {
    name: spec.name,
    synopsis: synopsis(spec),
    summary: spec.summary,
    spec,
    help: () => commandHelp(spec),
  };
}

function group<N extends string>(g: CommandGroup<N>): Listed<N> {
  return {
    name: g.name,
    synopsis: g.name,
    summary: g.brief,
    spec: ADMIN_COMMON,
    help: () => groupHelp(g),
  };
}

/**
 * Every top-level command, in the order `xkslab --help` lists them, each from its declaration.
 * main.ts dispatches through a `Record<CommandName, ...>`, so a command cannot be dispatched
 * without being listed here, nor listed without being dispatched.
 */
export const COMMANDS = [
  single(SERVE_COMMAND),
  single(KMS_COMMAND),
  single(DEMO_COMMAND),
  single(CONFORMANCE_COMMAND),
  group(MODULES_COMMAND),
  group(KEYS_COMMAND),
  group(KEYSTORES_COMMAND),
  group(CREDS_COMMAND),
  group(POLICIES_COMMAND),
  group(FAULTS_COMMAND),
  single(AUDIT_COMMAND),
  single(BACKUP_COMMAND),
  single(RESTORE_COMMAND),
  single(SEED_COMMAND),
  single(RESET_COMMAND),
  { ...single(HELP_COMMAND), help: (): string => MAIN_HELP },
  { ...single(VERSION_COMMAND), help: (): string => MAIN_HELP },
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
