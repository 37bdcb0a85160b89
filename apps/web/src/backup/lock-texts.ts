/**
 * What the vault's guess limit means for the user, in words (spec/vault-protocol.md §6).
 * The attempt counts and the lifetime budget come from the vault's own answers (its
 * status carries its policy); the lengths of the waits are not in the protocol, so they
 * come from the one shared constant of the default policy.
 */
import { DEFAULT_LOCK_SCHEDULE, type StatusResponse, describeLockWait, lockWaits } from "@chatvault/vault-protocol";

export interface GuessLimits {
  maxAttempts: number;
  failureBudget: number;
}

/** The limits the vault reported, or the default policy's before it answered. */
export function limitsOf(status: Pick<StatusResponse, "policy"> | undefined): GuessLimits {
  return status ? { ...status.policy } : { maxAttempts: DEFAULT_LOCK_SCHEDULE.maxAttempts, failureBudget: DEFAULT_LOCK_SCHEDULE.failureBudget };
}

/** "1 hour", the first wait. */
export function firstWait(): string {
  return describeLockWait(DEFAULT_LOCK_SCHEDULE.lockBaseMs);
}

/** "If the next password is wrong, you'll have to wait 1 hour …" (shown at 1 attempt left). */
export function lastAttemptWarning(): string {
  return `If the next password is wrong, you'll have to wait ${firstWait()} before you can try again (longer if it was locked before).`;
}

/**
 * "After 5 incorrect passwords you have to wait 1 hour; each further wait is longer
 * (4 hours, 16 hours, … up to 7 days). After 20 incorrect passwords in all, the key is
 * destroyed and nobody can restore the backup."
 */
export function lockRulesText(limits: GuessLimits): string {
  const [first, ...more] = lockWaits(3).map(describeLockWait);
  const cap = describeLockWait(DEFAULT_LOCK_SCHEDULE.lockCapMs);
  return (
    `After ${limits.maxAttempts} incorrect passwords in a row you have to wait ${first}; each further wait is longer (${more.join(", ")}, … up to ${cap}). ` +
    `After ${limits.failureBudget} incorrect passwords in all, the key is destroyed and nobody can restore the backup.`
  );
}
