/** A state file belongs to one account in one Region: the emulator refuses to run it as another. */
import type { Account } from './ids.ts';
import { type EmulatorState, StateFileError } from './persistence.ts';

export function checkStateAccount(state: EmulatorState, account: Account): void {
  const recorded = state.account;
  if (!recorded) return;
  if (recorded.region !== account.region || recorded.accountId !== account.accountId) {
    throw new StateFileError(
      `the KMS emulator state file belongs to Region ${recorded.region}, account ${recorded.accountId}; this emulator runs as Region ${account.region}, account ${account.accountId}. Start it with --region ${recorded.region} --account-id ${recorded.accountId}, or use another state file.`,
    );
  }
}
