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
