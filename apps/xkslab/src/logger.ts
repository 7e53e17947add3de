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
  options: { level?: LogLevel } = {},
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
