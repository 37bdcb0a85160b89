/**
 * Every change a vault record goes through (spec/vault-protocol.md §6), written once on
 * top of `VaultStore.changeRecord`, so SQLite and PostgreSQL share the rules.
 * Each function is one atomic transition; results are plain tagged values.
 */
import { FRESH_COUNTERS, applySuccess, decideStart, isExhausted, type Counters, type GuessPolicy } from "../policy.ts";
import type { AttemptRow, HistoryRow, RecordChange, RecordRow, VaultStore } from "./vault-store.ts";
import { ATTEMPT_HISTORY_LIMITS } from "@chatvault/vault-protocol";

/** Finished attempts older than this are pruned when a new one is recorded (the attempt history's 90 days, spec §5.7). */
export const ATTEMPT_RETENTION_MS = ATTEMPT_HISTORY_LIMITS.retentionDays * 24 * 60 * 60 * 1000;

function counters(r: RecordRow): Counters {
  return {
    consecutiveFailures: r.consecutiveFailures,
    totalFailures: r.totalFailures,
    lockouts: r.lockouts,
    lockedUntil: r.lockedUntil,
    lastLoginExpiresAt: r.lastLoginExpiresAt,
  };
}

function tombstone(r: RecordRow, now: number): RecordRow {
  return { ...r, state: "destroyed", sealedRecord: null, keyStretching: null, lockedUntil: null, updatedAt: now, destroyedAt: now };
}

/**
 * The version a new record for this account gets (it is part of the wrapping AAD): one
 * more than the row's, or `firstVersion` (a keyed function of the account, §5.1) when the
 * account has no row, so the number does not say whether a record exists.
 */
export function nextRecordVersion(r: RecordRow | null, firstVersion: number): number {
  return r ? r.version + 1 : firstVersion;
}

/** The same record (not only the same version): record ID and sealed record. */
function sameRecord(a: RecordRow, b: RecordRow): boolean {
  return a.recordId === b.recordId && equalKeys(a.sealedRecord, b.sealedRecord);
}

function equalKeys(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Every transition also erases the sealed login states of this account's expired attempts (§6.6). */
function housekeeping<T>(c: RecordChange<T>, now: number): RecordChange<T> {
  return { ...c, eraseStatesExpiredAt: now };
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
  store: VaultStore,
  a: {
    accountId: string;
    expectedVersion: number;
    now: number;
    policy: GuessPolicy;
    loginId: string;
    sealedState: Uint8Array;
    /** The row KE2 was computed from (lets PostgreSQL count in one statement; see `ChangeOptions.expected`). */
    expected?: RecordRow;
  },
): Promise<StartResult> {
  return store.changeRecord<StartResult>(
    a.accountId,
    (r) => {
      if (!r) return { result: { kind: "unknown" } };
      if (r.state === "destroyed") return { result: { kind: "destroyed" } };
      // KE2 came from `expected`'s registration record: the same version is not enough (a
      // record deleted and enabled again elsewhere may get the same version), so the record ID
      // and the sealed record must be those too (§6.1, §10.1).
      if (r.version !== a.expectedVersion || (a.expected && !sameRecord(r, a.expected))) return housekeeping({ result: { kind: "stale" } }, a.now);
      const d = decideStart(counters(r), a.now, a.policy);
      if (d.kind === "destroy") {
        return { result: { kind: "destroyed" }, record: { put: tombstone(r, a.now) }, deleteAttempts: true };
      }
      if (d.kind === "locked") return housekeeping({ result: { kind: "locked", retryAfter: d.retryAfter } }, a.now);
      const attempt: AttemptRow = {
        loginId: a.loginId,
        accountId: a.accountId,
        recordVersion: r.version,
        startedAt: a.now,
        expiresAt: d.expiresAt,
        outcome: "pending",
        sealedState: a.sealedState,
        lockedUntil: d.lockedUntil,
      };
      return housekeeping(
        {
          result: {
            kind: "released",
            attemptsRemaining: d.attemptsRemaining,
            failureBudgetRemaining: d.failureBudgetRemaining,
            lockedUntil: d.lockedUntil,
            expiresAt: d.expiresAt,
          },
          record: { counters: { ...d.counters, updatedAt: a.now } },
          insertAttempt: attempt,
          // Pruning on one start in 16 keeps the table bounded without a DELETE on the hot path.
          // Kept: 90 days, and no more finished attempts than the history reports (§5.7).
          ...(a.loginId.charCodeAt(0) % 16 === 0
            ? { pruneAttemptsBefore: a.now - ATTEMPT_RETENTION_MS, keepNewestAttempts: ATTEMPT_HISTORY_LIMITS.maxEvents }
            : {}),
        },
        a.now,
      );
    },
    a.expected ? { expected: a.expected } : {},
  );
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
  store: VaultStore,
  a: {
    accountId: string;
    loginId: string;
    recordVersion: number;
    verified: boolean;
    now: number;
    /** The record and attempt the finish was verified from (lets PostgreSQL settle in one statement; see `ChangeOptions.expectedAttempt`). */
    expected?: { record: RecordRow; attempt: AttemptRow };
    /** Also the account's newest attempts, when the store reads them with the change (`ChangeOptions.attempts`). */
    attempts?: { limit: number; excludeLoginId?: string; rows?: HistoryRow[] };
  },
): Promise<FinishResult> {
  return store.changeRecord<FinishResult>(
    a.accountId,
    (r, attempt) => {
      if (!attempt || attempt.outcome !== "pending" || attempt.expiresAt <= a.now || attempt.recordVersion !== a.recordVersion) {
        return housekeeping({ result: { kind: "expired" } }, a.now);
      }
      const failed = { loginId: a.loginId, outcome: "failed" as const };
      if (!r || r.state !== "active" || r.version !== attempt.recordVersion)
        return housekeeping({ result: { kind: "stale" }, setAttemptOutcome: failed }, a.now);
      if (!a.verified) return housekeeping({ result: { kind: "failed" }, setAttemptOutcome: failed }, a.now);
      const next: RecordRow = { ...r, ...applySuccess(counters(r)), updatedAt: a.now };
      return housekeeping(
        {
          result: { kind: "success", record: next },
          record: { counters: { ...counters(next), updatedAt: a.now } },
          setAttemptOutcome: { loginId: a.loginId, outcome: "success" },
        },
        a.now,
      );
    },
    {
      loginId: a.loginId,
      durability: "relaxed",
      ...(a.expected ? { expected: a.expected.record, expectedAttempt: a.expected.attempt } : {}),
      ...(a.attempts ? { attempts: a.attempts } : {}),
    },
  );
}

export type CreateResult = { kind: "created"; version: number } | { kind: "exists" } | { kind: "version_mismatch"; expected: number };

/** Enable (§5.1): a new record where there is none (or only a tombstone). */
export function createRecord(
  store: VaultStore,
  a: {
    accountId: string;
    version: number;
    firstVersion: number;
    sealedRecord: Uint8Array;
    keyStretching: string;
    /** A fresh random record ID (never reused, §6.4). */
    recordId: string;
    headKey: Uint8Array | null;
    now: number;
  },
): Promise<CreateResult> {
  return store.changeRecord<CreateResult>(a.accountId, (r) => {
    if (r && r.state === "active") return { result: { kind: "exists" } };
    const expected = nextRecordVersion(r, a.firstVersion);
    if (a.version !== expected) return { result: { kind: "version_mismatch", expected } };
    const row: RecordRow = {
      accountId: a.accountId,
      recordId: a.recordId,
      state: "active",
      version: a.version,
      sealedRecord: a.sealedRecord,
      keyStretching: a.keyStretching,
      headKey: a.headKey,
      stateMac: null,
      ...FRESH_COUNTERS,
      createdAt: a.now,
      updatedAt: a.now,
      destroyedAt: null,
    };
    return { result: { kind: "created", version: a.version }, record: { put: row }, deleteAttempts: true, deleteHead: true };
  });
}

export type ReplaceResult =
  { kind: "replaced"; version: number } | { kind: "not_enabled" } | { kind: "destroyed" } | { kind: "stale" } | { kind: "head_key_mismatch" };

/**
 * Change password (§5.3): swap the record of version `currentVersion` (the one the session
 * token was issued for) for version `currentVersion + 1`. The lifetime failure count is
 * kept: the budget bounds guesses over the root key's life, not one password's.
 */
export function replaceRecord(
  store: VaultStore,
  a: {
    accountId: string;
    recordId: string;
    currentVersion: number;
    newVersion: number;
    sealedRecord: Uint8Array;
    keyStretching: string;
    /** The same root key, so the same head key: registered if the record has none, else it must match (§7.1). */
    headKey: Uint8Array | null;
    now: number;
  },
): Promise<ReplaceResult> {
  return store.changeRecord<ReplaceResult>(a.accountId, (r) => {
    if (!r) return { result: { kind: "not_enabled" } };
    if (r.state === "destroyed") return { result: { kind: "destroyed" } };
    if (r.recordId !== a.recordId || r.version !== a.currentVersion || a.newVersion !== r.version + 1) return { result: { kind: "stale" } };
    if (r.headKey !== null && a.headKey !== null && !equalKeys(r.headKey, a.headKey)) return { result: { kind: "head_key_mismatch" } };
    const row: RecordRow = {
      ...r,
      version: a.newVersion,
      sealedRecord: a.sealedRecord,
      keyStretching: a.keyStretching,
      headKey: r.headKey ?? a.headKey,
      consecutiveFailures: 0,
      lockouts: 0,
      lockedUntil: null,
      updatedAt: a.now,
    };
    return { result: { kind: "replaced", version: a.newVersion }, record: { put: row } };
  });
}

export type DeleteResult = { kind: "deleted" } | { kind: "not_enabled" } | { kind: "destroyed" } | { kind: "stale" };

/** Disable (§5.5): delete the record of version `version` and its attempts. */
export function deleteRecord(store: VaultStore, a: { accountId: string; recordId: string; version: number }): Promise<DeleteResult> {
  return store.changeRecord<DeleteResult>(a.accountId, (r) => {
    if (!r) return { result: { kind: "not_enabled" } };
    if (r.state === "destroyed") return { result: { kind: "destroyed" } };
    if (r.recordId !== a.recordId || r.version !== a.version) return { result: { kind: "stale" } };
    return { result: { kind: "deleted" }, record: { delete: true }, deleteAttempts: true };
  });
}

/** Destroy the record if its budget is spent and no KE2 can still succeed (§6.3). Returns true if it did. */
export function destroyIfExhausted(store: VaultStore, a: { accountId: string; now: number; policy: GuessPolicy }): Promise<boolean> {
  return store.changeRecord<boolean>(a.accountId, (r) => {
    if (!r || r.state !== "active" || !isExhausted(counters(r), a.now, a.policy)) return { result: false };
    return { result: true, record: { put: tombstone(r, a.now) }, deleteAttempts: true };
  });
}

export type HeadKeyResult =
  { kind: "registered" } | { kind: "unchanged" } | { kind: "mismatch" } | { kind: "not_enabled" } | { kind: "destroyed" } | { kind: "stale" };

/**
 * Register the head key of a record that has none (records written before head proofs,
 * §7.1), with a session token of that very record: only who just proved the password —
 * and so holds the root key — can do it. A registered key never changes.
 */
export function registerHeadKey(
  store: VaultStore,
  a: { accountId: string; recordId: string; version: number; headKey: Uint8Array; now: number },
): Promise<HeadKeyResult> {
  return store.changeRecord<HeadKeyResult>(a.accountId, (r) => {
    if (!r) return { result: { kind: "not_enabled" } };
    if (r.state === "destroyed") return { result: { kind: "destroyed" } };
    if (r.recordId !== a.recordId || r.version !== a.version) return { result: { kind: "stale" } };
    if (r.headKey !== null) return { result: { kind: equalKeys(r.headKey, a.headKey) ? "unchanged" : "mismatch" } };
    return { result: { kind: "registered" }, record: { put: { ...r, headKey: a.headKey, updatedAt: a.now } } };
  });
}

export { counters as recordCounters };
