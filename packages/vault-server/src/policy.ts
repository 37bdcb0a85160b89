/**
 * The guess policy (spec/vault-protocol.md §6), as pure functions of a record's counters
 * and the time. Both stores run these under their row lock, so the rules live in
 * one place and counting is atomic wherever the state is kept.
 */

export interface GuessPolicy {
  /** Consecutive unfinished attempts before a lock (default 5). */
  maxAttempts: number;
  /** Unfinished attempts over the record's life before it is destroyed (default 20). */
  failureBudget: number;
  /** First lock duration (default 1 h). */
  lockBaseMs: number;
  /** Each further lock lasts `factor` times longer (default 4: 1 h, 4 h, 16 h, …). */
  lockFactor: number;
  /** Longest lock (default 7 days). */
  lockCapMs: number;
  /** Time a client has between KE2 and KE3 (default 60 s). */
  loginTtlMs: number;
}

export const DEFAULT_POLICY: Readonly<GuessPolicy> = Object.freeze({
  maxAttempts: 5,
  failureBudget: 20,
  lockBaseMs: 60 * 60 * 1000,
  lockFactor: 4,
  lockCapMs: 7 * 24 * 60 * 60 * 1000,
  loginTtlMs: 60 * 1000,
});

/** Validate and complete a partial policy; throws RangeError naming the bad field. */
export function resolvePolicy(p: Partial<GuessPolicy> = {}): GuessPolicy {
  const r = { ...DEFAULT_POLICY, ...p };
  const ints: Array<[keyof GuessPolicy, number]> = [
    ["maxAttempts", 1],
    ["failureBudget", 1],
    ["lockBaseMs", 0],
    ["lockCapMs", 0],
    ["loginTtlMs", 1000],
  ];
  for (const [k, min] of ints) {
    if (!Number.isSafeInteger(r[k]) || r[k] < min) throw new RangeError(`policy.${k} must be an integer ≥ ${min}`);
  }
  if (!(r.lockFactor >= 1) || !Number.isFinite(r.lockFactor)) throw new RangeError("policy.lockFactor must be a number ≥ 1");
  if (r.failureBudget < r.maxAttempts) throw new RangeError("policy.failureBudget must be ≥ policy.maxAttempts");
  return r;
}

/** The policy-relevant part of a vault record. Times are ms since the epoch. */
export interface Counters {
  /** Attempts since the last success (KE2s released without a valid KE3 yet). */
  consecutiveFailures: number;
  /** Same, over the record's life (successes refund their own attempt). */
  totalFailures: number;
  /** Locks served so far; sets the next lock's length. */
  lockouts: number;
  lockedUntil: number | null;
  /** Expiry of the latest released KE2: until then a final attempt may still succeed. */
  lastLoginExpiresAt: number | null;
}

export const FRESH_COUNTERS: Readonly<Counters> = Object.freeze({
  consecutiveFailures: 0,
  totalFailures: 0,
  lockouts: 0,
  lockedUntil: null,
  lastLoginExpiresAt: null,
});

/** Length of the n-th lock (n = 0 for the first): base × factor^n, capped. */
export function lockDuration(policy: GuessPolicy, n: number): number {
  return Math.min(policy.lockCapMs, Math.round(policy.lockBaseMs * Math.pow(policy.lockFactor, n)));
}

/** Apply the passage of time: an expired lock opens a fresh window of attempts. */
export function settle(c: Counters, now: number): Counters {
  if (c.lockedUntil !== null && now >= c.lockedUntil) return { ...c, consecutiveFailures: 0, lockedUntil: null };
  return c;
}

/** True when the budget is spent and no released KE2 can still turn into a success. */
export function isExhausted(c: Counters, now: number, policy: GuessPolicy): boolean {
  return c.totalFailures >= policy.failureBudget && (c.lastLoginExpiresAt === null || now >= c.lastLoginExpiresAt);
}

/** Attempts a client may still make now (0 while locked or out of budget). */
export function attemptsRemaining(c: Counters, now: number, policy: GuessPolicy): number {
  const s = settle(c, now);
  if (s.lockedUntil !== null) return 0;
  return Math.max(0, Math.min(policy.maxAttempts - s.consecutiveFailures, policy.failureBudget - s.totalFailures));
}

export type StartDecision =
  | { kind: "destroy" }
  | { kind: "locked"; retryAfter: number }
  | { kind: "release"; counters: Counters; attemptsRemaining: number; failureBudgetRemaining: number; lockedUntil: number | null; expiresAt: number };

/**
 * Decide a login start (§6.1). `release` means: count the attempt (the returned counters)
 * and release KE2 in the same transaction. The attempt that reaches `maxAttempts` starts
 * the lock at once, so no further KE2 leaves before it ends.
 */
export function decideStart(c0: Counters, now: number, policy: GuessPolicy): StartDecision {
  if (isExhausted(c0, now, policy)) return { kind: "destroy" };
  const c = settle(c0, now);
  if (c.lockedUntil !== null) return { kind: "locked", retryAfter: c.lockedUntil };
  // Budget spent but the last KE2 may still succeed: wait for it to expire (then: destroyed).
  if (c.totalFailures >= policy.failureBudget) return { kind: "locked", retryAfter: c.lastLoginExpiresAt ?? now };
  if (c.consecutiveFailures >= policy.maxAttempts) {
    // Unreachable with a consistent row (reaching the max sets the lock); fail closed anyway.
    return { kind: "locked", retryAfter: now + lockDuration(policy, c.lockouts) };
  }
  const expiresAt = now + policy.loginTtlMs;
  const next: Counters = {
    consecutiveFailures: c.consecutiveFailures + 1,
    totalFailures: c.totalFailures + 1,
    lockouts: c.lockouts,
    lockedUntil: null,
    lastLoginExpiresAt: Math.max(c.lastLoginExpiresAt ?? 0, expiresAt),
  };
  if (next.consecutiveFailures >= policy.maxAttempts || next.totalFailures >= policy.failureBudget) {
    if (next.totalFailures < policy.failureBudget) {
      next.lockedUntil = now + lockDuration(policy, c.lockouts);
      next.lockouts = c.lockouts + 1;
    }
  }
  return {
    kind: "release",
    counters: next,
    attemptsRemaining:
      next.lockedUntil !== null ? 0 : Math.max(0, Math.min(policy.maxAttempts - next.consecutiveFailures, policy.failureBudget - next.totalFailures)),
    failureBudgetRemaining: policy.failureBudget - next.totalFailures,
    lockedUntil: next.lockedUntil,
    expiresAt,
  };
}

/** A valid KE3 arrived (§6.2): reset the consecutive count and the lock; refund this attempt. */
export function applySuccess(c: Counters): Counters {
  return {
    consecutiveFailures: 0,
    totalFailures: Math.max(0, c.totalFailures - 1),
    lockouts: 0,
    lockedUntil: null,
    lastLoginExpiresAt: c.lastLoginExpiresAt,
  };
}
