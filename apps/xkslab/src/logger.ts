/** A structured log sink: one JSON object per line. Injected, so tests can capture lines. */
export type LogFields = Record<string, string | number | boolean | undefined>;
export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
};

/**
 * From the fewest lines to the most; each level shows its own lines and those of the levels
 * before it. error: failures (internal errors, an audit log that cannot be written); warn: plus
 * refused TLS handshakes, fault rules switched on, usage not recorded; info (the default): plus
 * `listening`/`stopping` and one line per request (`xks`, `admin`, `kms-xks`); debug: plus the
 * start-up details (options, where the master key came from, what a seed did).
 */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function jsonLogger(
  write: (line: string) => void,
  clock: () => Date = () => new Date(),
  options: { level?: LogLevel | undefined } = {},
): Logger {
  const shown = LOG_LEVELS.indexOf(options.level ?? 'info');
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) > shown) return;
    write(`${JSON.stringify({ time: clock().toISOString(), level, msg, ...fields })}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/**
 * How many bytes of log lines may wait in a server for the reader of its stdout: about 6 s of
 * request lines at KMS's 1,800 requests per second.
 */
export const LOG_BACKLOG_LIMIT_BYTES = 4 * 1024 * 1024;

/** Where a server writes its log lines, and how much of them its reader has not taken yet. */
export type LogOutput = { stdout(text: string): void; stdoutBacklog?: () => number };

/**
 * The log of a long-running server (`serve`, its workers, `kms`). Writes to a pipe are
 * asynchronous, so a reader that stops reading (a paused pager, a stuck log shipper) would leave
 * every line after it waiting in the process, without bound, for as long as the server runs.
 * Past `limitBytes` waiting, lines are dropped and counted instead; the first line written once
 * the backlog is under the limit again is a warning that says how many were dropped.
 */
export function serverLogger(
  out: LogOutput,
  options: { level?: LogLevel | undefined; limitBytes?: number } = {},
): Logger {
  const limit = options.limitBytes ?? LOG_BACKLOG_LIMIT_BYTES;
  const backlog = out.stdoutBacklog;
  let dropped = 0;
  const write = (line: string) => {
    if (backlog !== undefined && backlog() > limit) {
      dropped++;
      return;
    }
    if (dropped > 0) {
      const count = dropped;
      dropped = 0;
      logger.warn('log lines dropped', {
        count,
        reason: `more than ${limit} bytes of log lines were waiting for the reader of stdout`,
      });
    }
    out.stdout(line);
  };
  const logger = jsonLogger(write, undefined, { level: options.level });
  return logger;
}

/** `logger` without its info and debug lines: what request handlers get with `serve --quiet`. */
export function warningsOnly(logger: Logger): Logger {
  return { debug() {}, info() {}, warn: logger.warn, error: logger.error };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * An error and its chain of causes as one log field, e.g. `VcmError: database batch write
 * failed; caused by Error: IO error: .../000012.log: Read-only file system`: the outer error
 * says what failed, the innermost why. At most five links.
 */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('; caused by ');
}
