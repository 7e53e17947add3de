import { PRODUCT, VERSION } from '../version.ts';

/**
 * Every top-level command, in the order `xkslab --help` lists them. main.ts dispatches through a
 * `Record<CommandName, ...>`, so a command cannot be dispatched without being listed here, nor
 * listed without being dispatched.
 */
export const COMMANDS = [
  {
    name: 'serve',
    usage: 'serve',
    summary: 'start the XKS proxy and its virtual cryptographic modules',
  },
  {
    name: 'kms',
    usage: 'kms',
    summary: 'start the AWS KMS emulator (external key stores, SDK-compatible)',
  },
  {
    name: 'demo',
    usage: 'demo',
    summary: 'walk through a whole external key store story in one process',
  },
  {
    name: 'conformance',
    usage: 'conformance',
    summary: 'run the XKS conformance suite against a proxy (this one or any other)',
  },
  {
    name: 'modules',
    usage: 'modules',
    summary: 'manage modules of a running server (list|create|describe|delete|set-state)',
  },
  {
    name: 'keys',
    usage: 'keys',
    summary: 'manage keys (list|create|import|describe|enable|disable|rotate|export|block|...)',
  },
  {
    name: 'keystores',
    usage: 'keystores',
    summary: 'manage key stores (list|create|describe|update|delete|block|unblock)',
  },
  { name: 'creds', usage: 'creds', summary: 'manage key store credentials (list|add|revoke)' },
  {
    name: 'policies',
    usage: 'policies',
    summary: 'manage secondary-authorization policies (get|set|clear)',
  },
  {
    name: 'faults',
    usage: 'faults',
    summary: 'inject faults into a running proxy (list|add|remove|clear|scenarios|defect|...)',
  },
  {
    name: 'audit',
    usage: 'audit',
    summary: 'verify, tail or query the audit log (verify | tail | query)',
  },
  {
    name: 'backup',
    usage: 'backup FILE',
    summary: 'write an encrypted snapshot of the whole database',
  },
  {
    name: 'restore',
    usage: 'restore FILE',
    summary: 'rebuild a new data directory from a backup (--data-dir NEW)',
  },
  {
    name: 'seed',
    usage: 'seed export',
    summary: 'write the state of a stopped data directory as a seed file',
  },
  {
    name: 'reset',
    usage: 'reset',
    summary: 'wipe a data directory (asks first; refuses while a server uses it)',
  },
  { name: 'help', usage: 'help [CMD]', summary: 'show help for a command' },
  { name: 'version', usage: 'version', summary: 'print the version' },
] as const;

export type CommandName = (typeof COMMANDS)[number]['name'];

const WIDTH = Math.max(...COMMANDS.map((c) => c.usage.length));

export const MAIN_HELP = `${PRODUCT} ${VERSION}: a software HSM and AWS KMS External Key Store (XKS) proxy

Usage: xkslab <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.usage.padEnd(WIDTH)}  ${c.summary}`).join('\n')}

Run 'xkslab <command> --help' for a command's options.
`;
