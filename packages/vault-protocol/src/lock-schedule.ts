/**
 * The default guess policy's waits (spec/vault-protocol.md §6), for clients that explain
 * them to the user. The status and login answers carry `maxAttempts` and `failureBudget`
 * but not the lock lengths, so a client names those from here; the vault server's
 * `DEFAULT_POLICY` has the same numbers (a test in apps/web checks they agree).
 */
export const DEFAULT_LOCK_SCHEDULE = Object.freeze({
  /** Consecutive wrong passwords before the first wait. */
  maxAttempts: 5,
  /** Wrong passwords over the key's life before it is destroyed. */
  failureBudget: 20,
  /** The first wait. */
  lockBaseMs: 60 * 60 * 1000,
  /** Each further wait is this many times longer. */
  lockFactor: 4,
  /** The longest wait. */
  lockCapMs: 7 * 24 * 60 * 60 * 1000,
});

/** The first `n` waits, capped (1 h, 4 h, 16 h, …). */
export function lockWaits(n: number, s: { lockBaseMs: number; lockFactor: number; lockCapMs: number } = DEFAULT_LOCK_SCHEDULE): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.min(s.lockCapMs, Math.round(s.lockBaseMs * Math.pow(s.lockFactor, i))));
  return out;
}

/** "1 hour", "4 hours", "16 hours", "7 days": a wait in whole hours or days. */
export function describeLockWait(ms: number): string {
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48 || hours % 24 !== 0) return hours === 1 ? "1 hour" : `${hours} hours`;
  const days = hours / 24;
  return days === 1 ? "1 day" : `${days} days`;
}
