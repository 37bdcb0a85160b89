/**
 * Every change a vault record goes through (spec/vault-protocol.md §6), written once on
 * top of `VaultRepository.changeRecord`, so SQLite and PostgreSQL share the rules.
 * Each function is one atomic transition; results are plain tagged values.
 */
import {
  FRESH_COUNTERS, applySuccess, decideStart, isExhausted, type Counters, type GuessPolicy,
} from "../policy.ts";
import type { AttemptRow, RecordRow, VaultRepository } from "./repository.ts";

/** Finished attempts older than this are pruned when a new one is recorded. */
export const ATTEMPT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

function counters(r: RecordRow): Counters {
  return {
    consecutiveFailures: r.consecutiveFailures, totalFailures: r.totalFailures, lockouts: r.lockouts,
    lockedUntil: r.lockedUntil, lastLoginExpiresAt: r.lastLoginExpiresAt,
  };
}

function tombstone(r: RecordRow, now: number): RecordRow {
  return { ...r, state: "destroyed", sealedRecord: null, keyStretching: null, lockedUntil: null, updatedAt: now, destroyedAt: now };
}

/** The version a new record for this account gets (it is part of the wrapping AAD). */
export function nextRecordVersion(r: RecordRow | null): number {
  return r ? r.version + 1 : 1;
}

export type StartResult =
  | { kind: "released"; attemptsRemaining: number; failureBudgetRemaining: number; lockedUntil: number | null; expiresAt: number }
  | { kind: "locked"; retryAfter: number }
  | { kind: "destroyed" }
  | { kind: "unknown" }
  | { kind: "stale" };

/**
 * Count one attempt and record the pending login, atomically (§6.1). The caller computed
 * KE2 for `expectedVersion` and releases it only on `released`.
 */
export function startAttempt(
  repo: VaultRepository,
  a: { accountId: string; expectedVersion: number; now: number; policy: GuessPolicy; loginId: string; sealedState: Uint8Array },
): Promise<StartResult> {
  return repo.changeRecord<StartResult>(a.accountId, (r) => {
    if (!r) return { result: { kind: "unknown" } };
    if (r.state === "destroyed") return { result: { kind: "destroyed" } };
    if (r.version !== a.expectedVersion) return { result: { kind: "stale" } };
    const d = decideStart(counters(r), a.now, a.policy);
    if (d.kind === "destroy") {
      return { result: { kind: "destroyed" }, record: { put: tombstone(r, a.now) }, deleteAttempts: true };
    }
    if (d.kind === "locked") return { result: { kind: "locked", retryAfter: d.retryAfter } };
    const attempt: AttemptRow = {
      loginId: a.loginId, accountId: a.accountId, recordVersion: r.version, startedAt: a.now, expiresAt: d.expiresAt,
      outcome: "pending", sealedState: a.sealedState,
    };
    return {
      result: { kind: "released", attemptsRemaining: d.attemptsRemaining, failureBudgetRemaining: d.failureBudgetRemaining, lockedUntil: d.lockedUntil, expiresAt: d.expiresAt },
      record: { counters: { ...d.counters, updatedAt: a.now } },
      insertAttempt: attempt,
      // Pruning on one start in 16 keeps the table bounded without a DELETE on the hot path.
      ...(a.loginId.charCodeAt(0) % 16 === 0 ? { pruneAttemptsBefore: a.now - ATTEMPT_RETENTION_MS } : {}),
    };
  });
}

export type FinishResult = { kind: "success"; record: RecordRow } | { kind: "failed" } | { kind: "stale" } | { kind: "expired" };

/**
 * Settle a login attempt (§6.2) in one transaction: it must still be pending and unexpired
 * (so exactly one finisher wins); a verified KE3 resets the consecutive count, anything
 * else leaves the attempt counted. Either way the sealed login state is erased.
 * Durability is relaxed: losing this write in a power cut leaves the attempt counted and
 * pending until it expires — the safe direction — and saves one fsync per login.
 */
export function finishAttempt(
  repo: VaultRepository, a: { accountId: string; loginId: string; recordVersion: number; verified: boolean; now: number },
): Promise<FinishResult> {
  return repo.changeRecord<FinishResult>(a.accountId, (r, attempt) => {
    if (!attempt || attempt.outcome !== "pending" || attempt.expiresAt <= a.now || attempt.recordVersion !== a.recordVersion) {
      return { result: { kind: "expired" } };
    }
    const failed = { loginId: a.loginId, outcome: "failed" as const };
    if (!r || r.state !== "active" || r.version !== attempt.recordVersion) return { result: { kind: "stale" }, setAttemptOutcome: failed };
    if (!a.verified) return { result: { kind: "failed" }, setAttemptOutcome: failed };
    const next: RecordRow = { ...r, ...applySuccess(counters(r)), updatedAt: a.now };
    return {
      result: { kind: "success", record: next }, record: { counters: { ...counters(next), updatedAt: a.now } },
      setAttemptOutcome: { loginId: a.loginId, outcome: "success" },
    };
  }, { loginId: a.loginId, durability: "relaxed" });
}

export type CreateResult = { kind: "created"; version: number } | { kind: "exists" } | { kind: "version_mismatch"; expected: number };

/** Enable (§5.1): a new record where there is none (or only a tombstone). */
export function createRecord(
  repo: VaultRepository, a: { accountId: string; version: number; sealedRecord: Uint8Array; keyStretching: string; now: number },
): Promise<CreateResult> {
  return repo.changeRecord<CreateResult>(a.accountId, (r) => {
    if (r && r.state === "active") return { result: { kind: "exists" } };
    const expected = nextRecordVersion(r);
    if (a.version !== expected) return { result: { kind: "version_mismatch", expected } };
    const row: RecordRow = {
      accountId: a.accountId, state: "active", version: a.version, sealedRecord: a.sealedRecord, keyStretching: a.keyStretching,
      ...FRESH_COUNTERS, createdAt: a.now, updatedAt: a.now, destroyedAt: null,
    };
    return { result: { kind: "created", version: a.version }, record: { put: row }, deleteAttempts: true, deleteHead: true };
  });
}

export type ReplaceResult = { kind: "replaced"; version: number } | { kind: "not_enabled" } | { kind: "destroyed" } | { kind: "stale" };

/**
 * Change password (§5.3): swap the record of version `currentVersion` (the one the session
 * token was issued for) for version `currentVersion + 1`. The lifetime failure count is
 * kept: the budget bounds guesses over the root key's life, not one password's.
 */
export function replaceRecord(
  repo: VaultRepository,
  a: { accountId: string; currentVersion: number; newVersion: number; sealedRecord: Uint8Array; keyStretching: string; now: number },
): Promise<ReplaceResult> {
  return repo.changeRecord<ReplaceResult>(a.accountId, (r) => {
    if (!r) return { result: { kind: "not_enabled" } };
    if (r.state === "destroyed") return { result: { kind: "destroyed" } };
    if (r.version !== a.currentVersion || a.newVersion !== r.version + 1) return { result: { kind: "stale" } };
    const row: RecordRow = {
      ...r, version: a.newVersion, sealedRecord: a.sealedRecord, keyStretching: a.keyStretching,
      consecutiveFailures: 0, lockouts: 0, lockedUntil: null, updatedAt: a.now,
    };
    return { result: { kind: "replaced", version: a.newVersion }, record: { put: row } };
  });
}

export type DeleteResult = { kind: "deleted" } | { kind: "not_enabled" } | { kind: "destroyed" } | { kind: "stale" };

/** Disable (§5.5): delete the record of version `version` and its attempts. */
export function deleteRecord(repo: VaultRepository, a: { accountId: string; version: number }): Promise<DeleteResult> {
  return repo.changeRecord<DeleteResult>(a.accountId, (r) => {
    if (!r) return { result: { kind: "not_enabled" } };
    if (r.state === "destroyed") return { result: { kind: "destroyed" } };
    if (r.version !== a.version) return { result: { kind: "stale" } };
    return { result: { kind: "deleted" }, record: { delete: true }, deleteAttempts: true };
  });
}

/** Destroy the record if its budget is spent and no KE2 can still succeed (§6.3). Returns true if it did. */
export function destroyIfExhausted(repo: VaultRepository, a: { accountId: string; now: number; policy: GuessPolicy }): Promise<boolean> {
  return repo.changeRecord<boolean>(a.accountId, (r) => {
    if (!r || r.state !== "active" || !isExhausted(counters(r), a.now, a.policy)) return { result: false };
    return { result: true, record: { put: tombstone(r, a.now) }, deleteAttempts: true };
  });
}

export { counters as recordCounters };
