/**
 * The vault's guess limit in words (spec/vault-protocol.md §6), for `init` and `status`:
 * its own counts (the status answer carries its policy), the waits from the shared
 * default schedule (the protocol does not carry them).
 */
import { DEFAULT_LOCK_SCHEDULE, type StatusResponse, describeLockWait, lockWaits } from "@chatvault/vault-protocol";

export function guessLimitLine(policy: StatusResponse["policy"]): string {
  const waits = lockWaits(3).map(describeLockWait).join(", ");
  return (
    `Guess limit: ${policy.maxAttempts} wrong passwords in a row, then a wait (${waits}, … up to ${describeLockWait(DEFAULT_LOCK_SCHEDULE.lockCapMs)}); ` +
    `the key is destroyed after ${policy.failureBudget} wrong passwords in all`
  );
}
