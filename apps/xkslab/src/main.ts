#!/usr/bin/env node
/**
 * The entry point: the only place that reads the environment, installs signal handlers and hands
 * out `listen` and the database opener (all in one `Host`, cli/host.ts). It dispatches one command
 * of cli/commands.ts and maps a failure to an exit code (user-facing-error.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelRecordStore, pooledRandom } from '@xkslab/vcm';
import { COMMANDS, type CommandName } from './cli/commands.ts';
import { UsageError } from './cli/flags.ts';
import type { Host } from './cli/host.ts';
import { didYouMean } from './cli/suggest.ts';
import { pkcs11PinSource } from './pkcs11-pin.ts';
import { loadAesGcmAddon } from './sea/aes-gcm-addon.ts';
import { closeServer, listen } from './server.ts';
import { ask, waitForEnter } from './terminal.ts';
import { asUserFacing, UserFacingError } from './user-facing-error.ts';

const say = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

/** Resolves on the first SIGINT or SIGTERM; installed before anything else so none is missed. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** An unset or empty variable is `undefined`. */
const envValue = (name: string) => process.env[name] || undefined;

function host(): Host {
  return {
    io: {
      stdout: (text: string) => void process.stdout.write(text),
      stderr: (text: string) => void process.stderr.write(text),
      stdoutBacklog: () => process.stdout.writableLength,
    },
    env: {
      masterKey: envValue('XKSLAB_MASTER_KEY'),
      kmsMasterKey: envValue('XKSLAB_KMS_MASTER_KEY'),
      adminUrl: envValue('XKSLAB_ADMIN_URL'),
      adminToken: envValue('XKSLAB_ADMIN_TOKEN'),
      conformanceSecret: process.env.XKSLAB_CONFORMANCE_SECRET,
      conformanceSecondSecret: process.env.XKSLAB_CONFORMANCE_SECOND_SECRET,
    },
    terminal: {
      stdinIsTty: process.stdin.isTTY === true,
      stdoutIsTty: process.stdout.isTTY === true,
      stderrIsTty: process.stderr.isTTY === true,
      columns: process.stdout.columns,
      ask,
      waitForEnter,
    },
    stopSignal,
    // umask 077: LevelDB creates its tables and logs with the process umask while it runs.
    privateFiles: () => void process.umask(0o077),
    listen,
    closeServer,
    openStore: (dir: string) => LevelRecordStore.open(dir),
    makeTempDir: () => mkdtemp(join(tmpdir(), 'xkslab-demo-')),
    removeDir: (dir: string) => rm(dir, { recursive: true, force: true }),
    clock: () => new Date(),
    /** The CSPRNG of the process, pooled: one randomBytes call per 4 KiB, not per IV. */
    random: pooledRandom((n: number) => new Uint8Array(randomBytes(n))),
    pkcs11Pin: pkcs11PinSource((name) => process.env[name]),
    loadAesGcm: loadAesGcmAddon,
  };
}

const COMMAND_ALIASES: Record<string, CommandName> = {
  '-h': 'help',
  '--help': 'help',
  '-v': 'version',
  '--version': 'version',
};

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  const name = COMMAND_ALIASES[command] ?? command;
  const found = COMMANDS.find((c) => c.name === name);
  if (found === undefined) {
    const hint = didYouMean(
      name,
      COMMANDS.map((c) => c.name),
    );
    throw new UsageError(
      `unknown command '${command}'${hint || '.'} Run 'xkslab --help' for the list`,
    );
  }
  return found.run(host(), rest);
}

/**
 * Exits once everything written to stdout and stderr has left the process: on a pipe those writes
 * are asynchronous, and `process.exit` right away would cut the output at the first 64 KiB. An
 * empty write's callback runs after every write queued before it.
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/**
 * A reader that went away (`xkslab audit query --json | head -1`) is no failure of the command:
 * stop quietly, as a Unix tool killed by SIGPIPE does, instead of a stack trace for EPIPE.
 */
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

main(process.argv.slice(2)).then(exitAfterFlush, (e: unknown) => {
  const known = asUserFacing(e);
  if (known instanceof UserFacingError) {
    say(`xkslab: ${known.message}`);
    exitAfterFlush(known.exitCode);
    return;
  }
  say(`xkslab: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  exitAfterFlush(1);
});
