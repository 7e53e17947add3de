import { UserFacingError } from '../user-facing-error.ts';
/** Where a one-shot command writes; main.ts passes process.stdout/stderr, tests pass buffers. */
export type CommandIo = {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Bytes written to stdout that its reader has not taken yet (a pipe's writes are asynchronous:
   * what the reader does not take waits in the process). Absent: nothing ever waits.
   */
  stdoutBacklog?: () => number;
};

/** A command that failed for a reason the user can fix: main.ts prints `xkslab: <message>`, exit 1. */
export class CommandError extends UserFacingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandError';
  }
}

/** The `code` of a Node system error (`ENOENT`, ...), or a fallback. */
export function errorCode(e: unknown, fallback = 'error'): string {
  return e instanceof Error && 'code' in e ? String(e.code) : fallback;
}
