import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConformanceAbortedError,
  ConformanceOptionsError,
  checkReachable,
  EXIT_STATUS,
  formatHtmlReport,
  formatJunitReport,
  formatTextReport,
  type ProgressEvent,
  runConformance,
  statusText,
  TargetUnreachableError,
} from '@xkslab/conformance';
import { commandHelp } from './command.ts';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';
import {
  CONFORMANCE_COMMAND,
  type ConformanceEnv,
  conformanceOptions,
  parseConformanceArgs,
  tlsOf,
} from './conformance-args.ts';
import { compareCommand } from './conformance-compare.ts';
import {
  cleanupLocalTarget,
  type LocalMade,
  type LocalTarget,
  prepareLocalTarget,
} from './conformance-local.ts';
import { UsageError } from './flags.ts';

export type ConformanceIo = CommandIo & {
  /** stderr is a terminal: one progress line rewritten in place instead of a line per check. */
  stderrIsTty: boolean;
  /** stdout is a terminal: colours in the table. */
  stdoutIsTty: boolean;
  columns?: number | undefined;
};

function progressReporter(io: ConformanceIo): (event: ProgressEvent) => void {
  let width = 0;
  const line = (text: string) => {
    if (io.stderrIsTty) {
      const cols = io.columns ?? 100;
      const shown = text.length >= cols ? text.slice(0, cols - 1) : text;
      io.stderr(`\r${shown}${' '.repeat(Math.max(0, width - shown.length))}`);
      width = shown.length;
    } else {
      io.stderr(`${text}\n`);
    }
  };
  return (event) => {
    if (event.type === 'check-start') {
      if (io.stderrIsTty) line(`[${event.index + 1}/${event.total}] ${event.id}: ${event.title}`);
    } else if (event.type === 'check-done') {
      if (!io.stderrIsTty) {
        const r = event.result;
        line(`[${event.index + 1}/${event.total}] ${statusText(r.status)} ${r.id}`);
      } else if (event.index + 1 === event.total) {
        line('');
        io.stderr('\r');
      }
    } else {
      line(
        `load: ${event.elapsedSeconds}/${event.seconds} s, sent ${event.sent}, answered ${event.completed}, errors ${event.errors}`,
      );
    }
  };
}

/** A report file that cannot be written is a bad flag value (exit 2), not an untested target. */
async function writeReport(flag: string, path: string, text: string) {
  try {
    await writeFile(path, text);
  } catch (e) {
    throw new UsageError(`--${flag}: cannot write ${path} (${errorCode(e)})`);
  }
}

/** What the command needs from the composition root besides its output. */
export type ConformanceDeps = {
  /** Resolves on SIGINT/SIGTERM: the run stops, --local removes what it made, exit 130. */
  interrupted?: Promise<string> | undefined;
  /** Random bytes, for the suffix of the test keys' ids. */
  random: (n: number) => Uint8Array;
};

/** Exit status of an interrupted run (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `xkslab conformance`: runs the suite, prints the table, writes the files; the exit status. */
export async function conformanceCommand(
  argv: readonly string[],
  env: ConformanceEnv,
  io: ConformanceIo,
  deps: ConformanceDeps,
): Promise<number> {
  if (argv[0] === 'compare') return compareCommand(argv.slice(1), io);
  const cmd = parseConformanceArgs(argv, env);
  if (cmd.help) {
    io.stdout(commandHelp(CONFORMANCE_COMMAND));
    return 0;
  }
  const controller = new AbortController();
  void deps.interrupted?.then(() => controller.abort());
  const made: LocalMade = { keys: [], credentials: [] };
  try {
    let local: LocalTarget | undefined;
    if ('local' in cmd) {
      local = await prepareLocalTarget({
        dataDir: cmd.local.dataDir,
        keyStore: cmd.local.keyStore,
        given: {
          keyId: cmd.args.keyId,
          encryptOnlyKeyId: cmd.args.encryptOnlyKeyId,
          decryptOnlyKeyId: cmd.args.decryptOnlyKeyId,
          noUsageKeyId: cmd.args.noUsageKeyId,
          disabledKeyId: cmd.args.disabledKeyId,
        },
        suffix: Buffer.from(deps.random(4)).toString('hex'),
        made,
        beforeChanges: async (url) => {
          await checkReachable(url, { tls: await tlsOf(cmd.args), timeoutMs: cmd.args.timeoutMs });
        },
      });
      io.stderr(
        `testing key store ${local.keyStore} (module ${local.module}) at ${local.url}; made for this run: ${plural(made.credentials.length, 'temporary credential')}${made.keys.length ? `, test keys ${made.keys.join(', ')}` : ''}\n`,
      );
    }
    if (controller.signal.aborted) throw new ConformanceAbortedError();
    const options = await conformanceOptions(cmd, local);
    const report = await runConformance(options, {
      onProgress: progressReporter(io),
      signal: controller.signal,
    });
    io.stdout(formatTextReport(report, { width: io.columns ?? 160, color: io.stdoutIsTty }));
    if (cmd.args.json) {
      await writeReport('json', cmd.args.json, `${JSON.stringify(report, null, 2)}\n`);
    }
    if (cmd.args.junit) await writeReport('junit', cmd.args.junit, formatJunitReport(report));
    if (cmd.args.html) {
      // The secrets never reach a report, but a proxy could echo one back: blank them out.
      const secrets = [options.secretAccessKey, options.secondCredential?.secretAccessKey];
      const html = formatHtmlReport(report, {
        secrets: secrets.filter((s): s is string => s !== undefined),
      });
      await writeReport('html', cmd.args.html, html);
    }
    return report.summary.exitStatus;
  } catch (e) {
    if (e instanceof ConformanceOptionsError) throw new UsageError(e.message);
    if (e instanceof ConformanceAbortedError) {
      io.stderr('\nxkslab: interrupted\n');
      return EXIT_INTERRUPTED;
    }
    if (e instanceof TargetUnreachableError) {
      io.stderr(
        `xkslab: ${unreachableMessage(e, 'local' in cmd ? cmd.local.dataDir : undefined)}\n`,
      );
      return EXIT_STATUS.UNREACHABLE;
    }
    if (e instanceof CommandError) {
      io.stderr(`xkslab: ${e.message}\n`);
      return EXIT_STATUS.UNREACHABLE;
    }
    throw e;
  } finally {
    if (made.client) {
      const left = await cleanupLocalTarget(made);
      const removed = made.keys.length + made.credentials.length - left.length;
      if (removed > 0) {
        io.stderr(
          `removed what this run made: ${plural(made.keys.length, 'test key')}, ${plural(made.credentials.length, 'temporary credential')}${left.length ? ` (${left.length} could not be removed)` : ''}\n`,
        );
      }
      for (const line of left) io.stderr(`xkslab: warning: could not remove ${line}\n`);
    }
  }
}

/** The runner's message, with what to do about it when the target is the local xkslab. */
function unreachableMessage(e: TargetUnreachableError, localDataDir: string | undefined): string {
  if (localDataDir === undefined) return e.message;
  if (e.reason === 'CONNECTION_REFUSED') {
    return `nothing listens at ${e.origin}; is xkslab serve running? (start it with \`pnpm start\` or \`xkslab serve --data-dir ${localDataDir}\`)`;
  }
  const tls = join(localDataDir, 'tls');
  if (e.reason === 'UNTRUSTED_CERTIFICATE' && e.code !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${e.message} (for \`serve --dev-tls\`: --ca ${join(tls, 'ca.pem')})`;
  }
  if (e.reason === 'CLIENT_CERTIFICATE_REQUIRED') {
    return `${e.message} (for \`serve --dev-tls\`: --cert ${join(tls, 'client.pem')} --key ${join(tls, 'client-key.pem')})`;
  }
  return e.message;
}
