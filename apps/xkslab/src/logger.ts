/** A structured log sink: one JSON object per line. Injected, so tests can capture lines. */
export type LogFields = Record<string, string | number | boolean | undefined>;
export type Logger = {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
};

export function jsonLogger(
  write: (line: string) => void,
  clock: () => Date = () => new Date(),
): Logger {
  const emit = (level: string, msg: string, fields?: LogFields) => {
    write(`${JSON.stringify({ time: clock().toISOString(), level, msg, ...fields })}\n`);
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * An error and its chain of causes as one log field, e.g. `VcmError: key store batch write
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
