import { isVcmError } from '@xkslab/vcm';

/**
 * An error whose message is written for the person at the terminal: `main.ts` prints
 * `xkslab: <message>` and exits with `exitCode` (2 for a usage mistake, 1 for everything else).
 * Every error a command expects to end on extends it; anything else is an unexpected error.
 */
export class UserFacingError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserFacingError';
    this.exitCode = options?.exitCode ?? 1;
  }
}

const WRONG_MASTER_KEY =
  'the master key does not open this data directory; use the master.key it was created with or the right XKSLAB_MASTER_KEY';

/**
 * The user-facing form of a failure, or `undefined` for an unexpected one. Module errors come from
 * @xkslab/vcm, which knows nothing of the CLI, so they are translated here.
 */
export function asUserFacing(e: unknown): UserFacingError | undefined {
  if (e instanceof UserFacingError) return e;
  if (isVcmError(e, 'WRONG_MASTER_KEY')) return new UserFacingError(WRONG_MASTER_KEY, { cause: e });
  if (isVcmError(e)) return new UserFacingError(e.message, { cause: e });
  return undefined;
}
