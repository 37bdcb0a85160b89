/**
 * The vault's state behind one interface (spec/vault-protocol.md §10 "Storage").
 * Two implementations — SQLite (one host) and PostgreSQL (many stateless nodes) —
 * pass one conformance suite (`conformance.ts`).
 *
 * Contract every implementation keeps:
 * - `changeRecord` is an exclusive read-modify-write of one account's record: while
 *   `change` runs, no other node or process can read-for-change or write that account.
 *   Everything the change returns (record, attempt rows) commits atomically, or nothing does.
 * - With `options.loginId`, the same transaction also reads that attempt row (locked with
 *   the record), so settling an attempt is one atomic step: exactly one finisher wins.
 * - A change is durable when the promise resolves (it survives power loss), unless the
 *   caller passes `durability: "relaxed"`: then it survives a crash of the process but may
 *   be lost with the last moments before a power loss. Only changes whose loss is safe
 *   use it (settling a login: losing it leaves the attempt counted, the safe direction).
 * - No method logs, and nothing stored is a secret in the clear: records and login
 *   states arrive already sealed (see `../sealing/record-crypto.ts`).
 */
import type { Counters } from "../policy.ts";

/**
 * The policy counters plus the time they changed: what a login start or finish writes,
 * with the new row's state MAC (set by `authenticated.ts`; spec §10.4).
 */
export type CounterUpdate = Counters & { updatedAt: number; stateMac?: Uint8Array | null };

/** What the attempt history (§5.7) needs of one attempt row, as a tuple (cheap to read in bulk). */
export type HistoryRow = [startedAt: number, outcome: "pending" | "success" | "failed", expiresAt: number, lockedUntil: number | null];

export interface RecordRow extends Counters {
  accountId: string;
  /**
   * Random, never reused identity of this record (16 bytes, base64url), created at enable and
   * kept by password changes and destruction. Session tokens are bound to it (spec §6.4).
   * Null only in rows written before it existed, until the startup migration gives them one.
   */
  recordId: string | null;
  /** Ed25519 public key that signs this record's backup heads (spec §7.1); null = none registered. */
  headKey: Uint8Array | null;
  /** HMAC over the row's policy state and sealed record (spec §10.4); null in rows of earlier versions. */
  stateMac: Uint8Array | null;
  /** `destroyed` rows are tombstones: no OPAQUE record, no wrapped key. */
  state: "active" | "destroyed";
  version: number;
  /** OPAQUE registration record + wrapped root key, sealed with the record key. Null for tombstones. */
  sealedRecord: Uint8Array | null;
  /** JSON of the KSF the record was registered with. Null for tombstones. */
  keyStretching: string | null;
  createdAt: number;
  updatedAt: number;
  destroyedAt: number | null;
}

/** `failed` = a KE3 arrived and did not verify (or the finish could not complete). */
export type StoredOutcome = "pending" | "success" | "failed";

export interface AttemptRow {
  loginId: string;
  accountId: string;
  recordVersion: number;
  startedAt: number;
  expiresAt: number;
  outcome: StoredOutcome;
  /** Sealed OPAQUE server login state; erased once the attempt is settled. */
  sealedState: Uint8Array | null;
  /**
   * Set when counting this attempt started a lock: the lock's end (spec §5.7). History
   * only — the policy reads the lock from the authenticated record row. Absent = null.
   */
  lockedUntil?: number | null;
}

export interface HeadRow {
  accountId: string;
  sequence: number;
  digest: string;
  /** Ed25519 head signature (base64url) the vault verified, or null for an unsigned head (spec §7.1). */
  signature: string | null;
  updatedAt: number;
}

export interface HeadWrite {
  sequence: number;
  digest: string;
  signature: string | null;
  /** A verified signed head also replaces an UNSIGNED stored head of any sequence (spec §7.1). */
  replaceUnsigned: boolean;
  /**
   * The record's head key the caller checked the signature against (null: none registered).
   * Read again in the head's own transaction; if the record's key differs by then (the
   * record was replaced, deleted or registered meanwhile), nothing is written.
   */
  expectedHeadKey: Uint8Array | null;
}

export interface SealedSecretsRow {
  sealerKind: string;
  /** Identifies the key-encryption key (key-file fingerprint or PKCS#11 label), for error messages. */
  keyId: string;
  sealed: Uint8Array;
  createdAt: number;
}

/** What a `changeRecord` callback asks the store to write, plus its result. */
export interface RecordChange<T> {
  result: T;
  /**
   * `put`: write the whole row (insert or replace). `counters`: the row exists and only its
   * counters change (the hot path of every login: a small write). `delete`: remove it.
   */
  record?: { put: RecordRow } | { counters: CounterUpdate } | { delete: true };
  insertAttempt?: AttemptRow;
  setAttemptOutcome?: { loginId: string; outcome: StoredOutcome };
  /** Delete every attempt row of the account (record deleted or destroyed). */
  deleteAttempts?: boolean;
  /**
   * Forget the account's backup head: a new record holds a new root key, so it guards a
   * new backup whose sequence starts over (spec §7). Password changes keep the head.
   */
  deleteHead?: boolean;
  /** Delete the account's finished attempts that started before this time. */
  pruneAttemptsBefore?: number;
  /** Delete the account's finished attempts beyond its newest this many (spec §5.7: 50). */
  keepNewestAttempts?: number;
  /** Erase the sealed login states of this account's attempts that expired at or before this time (spec §6.6). */
  eraseStatesExpiredAt?: number;
}

export interface ChangeOptions {
  /** Also read (and lock) this attempt of the account; it is passed to the change. */
  loginId?: string;
  /** Default "strict". */
  durability?: "strict" | "relaxed";
  /**
   * The row the caller read moments ago, if any. A store MAY first decide the change
   * on it and write it only if the stored row is still exactly this one (same state MAC),
   * in one statement; when it is not, it runs the change under the lock as usual. The
   * outcome is the same either way: a change is a pure function of the row (and its time).
   */
  expected?: RecordRow;
  /**
   * With `loginId` and `expected`: that attempt as the caller read it with the record
   * (`getLogin`). A store MAY decide the change on the pair and write it in one
   * statement only if the record still has that state MAC and the attempt is still pending;
   * otherwise it runs the change under the lock as usual. Same outcome either way.
   */
  expectedAttempt?: AttemptRow;
  /**
   * A login finish also wants the account's newest `limit` attempts other than
   * `excludeLoginId` (as `historyRows`, for the attempt history, §5.7). A store that can
   * read them in the statement that writes the change MAY put them in `rows` (as of just
   * before the change: the other attempts are the same either way); when `rows` is left
   * unset the caller reads them.
   */
  attempts?: { limit: number; excludeLoginId?: string; rows?: HistoryRow[] };
}

export type HeadAdvance = { ok: true; head: HeadRow } | { ok: false; current: HeadRow } | { ok: false; recordChanged: true };

/** Same head key (both null, or the same bytes). */
export function sameHeadKey(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface MigrateOptions {
  /**
   * Also create `vault_test_clock` (spec §9.3), for a vault started with `testClock`.
   * Without it the table is not made, and `getClockOffset` / `advanceClockOffset` fail.
   */
  testClock?: boolean;
}

export interface VaultStore {
  readonly kind: "sqlite" | "postgres";
  /** Create the schema. Idempotent and safe when many nodes start at once. */
  migrate(options?: MigrateOptions): Promise<void>;
  getRecord(accountId: string): Promise<RecordRow | null>;
  /**
   * The row of this account this process last verified or committed, if it still has it
   * (no query). It may be stale: use it only as `ChangeOptions.expected`, whose write checks
   * that the stored row is still this one (spec §10.1, §10.4). Optional: a store
   * without it is read.
   */
  rememberedRecord?(accountId: string): RecordRow | null;
  /** Exclusive read-modify-write of one account (see the contract above). `change` MUST be synchronous. */
  changeRecord<T>(accountId: string, change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>, options?: ChangeOptions): Promise<T>;
  /** One attempt of this account (with its sealed state), or null. A plain read. */
  getAttempt(accountId: string, loginId: string): Promise<AttemptRow | null>;
  /**
   * `getAttempt` and `getRecord` together, in one statement where the database allows (a login
   * finish needs both). Plain reads: the pair need not be one snapshot. The authenticated
   * store answers a login this process started from what it committed (no query); such
   * a pair may be stale, as a read may, and is used only as `ChangeOptions.expected*`.
   */
  getLogin(accountId: string, loginId: string): Promise<{ attempt: AttemptRow | null; record: RecordRow | null }>;
  /** Newest first, without sealed states, with `lockedUntil` (spec §5.7). */
  recentAttempts(accountId: string, limit: number): Promise<AttemptRow[]>;
  /**
   * Optional: what the attempt history (§5.7) needs of the account's newest `limit`
   * attempts other than `excludeLoginId`, newest first (ties by login ID, as
   * `recentAttempts`). A store without it is read through `recentAttempts`; the events are
   * the same either way.
   */
  historyRows?(accountId: string, excludeLoginId: string | undefined, limit: number): Promise<HistoryRow[]>;
  /** Active records whose failure budget is spent and whose last KE2 has expired. */
  exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]>;
  getHead(accountId: string): Promise<HeadRow | null>;
  /** Store the head if its sequence is higher than the stored one (see `HeadWrite`); same pair again is ok. */
  advanceHead(accountId: string, head: HeadWrite, now: number): Promise<HeadAdvance>;
  /** Erase sealed login states that expired at or before `now` (any account); returns how many. */
  eraseExpiredLoginStates(now: number, limit: number): Promise<number>;
  /** Accounts whose record row has no state MAC (rows of earlier versions, or tampered). */
  unauthenticatedAccounts(limit: number): Promise<string[]>;
  /**
   * True while rows written before state MACs existed may still need one: set by the
   * `migrate()` that added the column, cleared by `finishLegacyMigration()` (spec §10.4).
   */
  legacyMigrationPending(): Promise<boolean>;
  finishLegacyMigration(): Promise<void>;
  getSealedSecrets(): Promise<SealedSecretsRow | null>;
  /** Insert unless a row exists; returns the row that is stored (the winner under a race). */
  putSealedSecretsIfAbsent(row: SealedSecretsRow): Promise<SealedSecretsRow>;
  /** Replace the sealed blob only if it still equals `expectedSealed` (an upgrade, e.g. adding the realm ID); returns the stored row. */
  replaceSealedSecrets(expectedSealed: Uint8Array, sealed: Uint8Array): Promise<SealedSecretsRow>;
  /** TEST-ONLY clock offset shared by all nodes (spec §9.3); only after `migrate({ testClock: true })`. */
  getClockOffset(): Promise<number>;
  advanceClockOffset(ms: number): Promise<number>;
  /** Cheap liveness check for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Errors the stores raise when the database itself fails (→ 503, retryable). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}
