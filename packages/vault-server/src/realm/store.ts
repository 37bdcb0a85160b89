/**
 * A realm's state behind one interface (spec/threshold-vault.md, "Realm state at rest"):
 * one row per account (state, registrations, counters, lock, admin clock, head, tombstone,
 * MAC) and one row per pending attempt. SQLite and PostgreSQL implement it
 * (`sqlite-store.ts`, `postgres-store.ts`) and pass one conformance suite
 * (`store-conformance.ts`).
 *
 * Contract (the same as the vault store's, `../store/vault-store.ts`):
 * - `changeAccount` is an exclusive read-modify-write of one account: while `change` runs
 *   no other process on the same database can read-for-change or write that account (nor
 *   the attempt named by `attemptId`). What it returns commits atomically and durably
 *   before the promise resolves (or, with `durability: "relaxed"`, atomically and visibly
 *   but without waiting for the disk: §5.5's settle), or nothing does. `change` MUST be synchronous.
 * - Rows arrive already sealed and MACed (`state.ts`); the store neither checks nor logs them.
 */
export type RealmAccountState = "none" | "active" | "destroyed";
export type RealmAttemptOutcome = "pending" | "success" | "failed";

export interface RealmAccountRow {
  accountId: string;
  state: RealmAccountState;
  /** JSON of the current registration's public part (`RegistrationInfo`), or null. */
  currentInfo: string | null;
  /** The current registration's secret part, sealed under the realm registration key. */
  currentSealed: Uint8Array | null;
  nextInfo: string | null;
  nextSealed: Uint8Array | null;
  consecutiveFailures: number;
  totalFailures: number;
  lockouts: number;
  lockedUntil: number | null;
  /** Expiry of the latest pending attempt: until then a counted attempt may still succeed. */
  lastAttemptExpiresAt: number | null;
  /** Highest `issuedAt` of an accepted admin operation (no replay). */
  lastAdminIssuedAt: number | null;
  headSequence: number;
  headDigest: string | null;
  headSignature: string | null;
  createdAt: number;
  updatedAt: number;
  destroyedAt: number | null;
  /** HMAC over every other field (state.ts). */
  mac: Uint8Array;
}

export interface RealmAttemptRow {
  attemptId: string;
  accountId: string;
  version: number;
  registrationId: string;
  startedAt: number;
  expiresAt: number;
  outcome: RealmAttemptOutcome;
  /**
   * The blinded element this attempt evaluated (base64url), kept so that its proof can be
   * computed later, on request and for this element only (spec §5.4.1). `null` on rows
   * written before protocol v2 (no proof can be asked for them).
   */
  blinded: string | null;
  mac: Uint8Array;
}

export interface RealmChange<T> {
  result: T;
  /** Write the whole account row (insert or replace). */
  put?: RealmAccountRow;
  insertAttempt?: RealmAttemptRow;
  /** Settle the attempt read with the change (its new outcome and MAC). */
  updateAttempt?: { attemptId: string; outcome: RealmAttemptOutcome; mac: Uint8Array };
  /** Delete every attempt row of the account (shares removed or destroyed). */
  deleteAttempts?: boolean;
}

export interface RealmChangeOptions {
  /** The attempt row to read (and lock) with the account. */
  attemptId?: string;
  /**
   * `relaxed`: the commit need not wait for the disk (spec/threshold-vault.md §5.5: settling an
   * attempt, whose loss in a power cut leaves it counted — the safe direction). It is still
   * atomic and visible to every node when the promise resolves, and a later durable commit
   * makes it durable too. Default `durable`: on disk before the promise resolves.
   */
  durability?: "durable" | "relaxed";
}

export interface RealmStore {
  readonly kind: "sqlite" | "postgres";
  /** Create the realm tables. Idempotent and safe when many nodes start at once. */
  migrate(): Promise<void>;
  getAccount(accountId: string): Promise<RealmAccountRow | null>;
  changeAccount<T>(
    accountId: string,
    change: (current: RealmAccountRow | null, attempt: RealmAttemptRow | null) => RealmChange<T>,
    options?: RealmChangeOptions,
  ): Promise<T>;
  /** Delete attempts that expired before `before` (an expired pending attempt stays counted); returns how many. */
  sweepExpiredAttempts(before: number, limit: number): Promise<number>;
  /** Active accounts whose failure budget is spent and whose last pending attempt has expired. */
  exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Columns in table order (both stores). */
export const ACCOUNT_COLUMNS = [
  "account_id",
  "state",
  "current_info",
  "current_sealed",
  "next_info",
  "next_sealed",
  "consecutive_failures",
  "total_failures",
  "lockouts",
  "locked_until",
  "last_attempt_expires_at",
  "last_admin_issued_at",
  "head_sequence",
  "head_digest",
  "head_signature",
  "created_at",
  "updated_at",
  "destroyed_at",
  "mac",
] as const;

type Row = Record<string, unknown>;
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const bytesOrNull = (v: unknown): Uint8Array | null => (v === null || v === undefined ? null : new Uint8Array(v as Buffer));
export const toBuffer = (b: Uint8Array | null): Buffer | null => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export function accountFromRow(r: Row): RealmAccountRow {
  return {
    accountId: String(r.account_id),
    state: r.state as RealmAccountState,
    currentInfo: strOrNull(r.current_info),
    currentSealed: bytesOrNull(r.current_sealed),
    nextInfo: strOrNull(r.next_info),
    nextSealed: bytesOrNull(r.next_sealed),
    consecutiveFailures: Number(r.consecutive_failures),
    totalFailures: Number(r.total_failures),
    lockouts: Number(r.lockouts),
    lockedUntil: numOrNull(r.locked_until),
    lastAttemptExpiresAt: numOrNull(r.last_attempt_expires_at),
    lastAdminIssuedAt: numOrNull(r.last_admin_issued_at),
    headSequence: Number(r.head_sequence),
    headDigest: strOrNull(r.head_digest),
    headSignature: strOrNull(r.head_signature),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    destroyedAt: numOrNull(r.destroyed_at),
    mac: bytesOrNull(r.mac) ?? new Uint8Array(0),
  };
}

/** Values in `ACCOUNT_COLUMNS` order. */
export function accountValues(a: RealmAccountRow): unknown[] {
  return [
    a.accountId,
    a.state,
    a.currentInfo,
    toBuffer(a.currentSealed),
    a.nextInfo,
    toBuffer(a.nextSealed),
    a.consecutiveFailures,
    a.totalFailures,
    a.lockouts,
    a.lockedUntil,
    a.lastAttemptExpiresAt,
    a.lastAdminIssuedAt,
    a.headSequence,
    a.headDigest,
    a.headSignature,
    a.createdAt,
    a.updatedAt,
    a.destroyedAt,
    toBuffer(a.mac),
  ];
}

export function attemptFromRow(r: Row): RealmAttemptRow {
  return {
    attemptId: String(r.attempt_id),
    accountId: String(r.account_id),
    version: Number(r.version),
    registrationId: String(r.registration_id),
    startedAt: Number(r.started_at),
    expiresAt: Number(r.expires_at),
    outcome: r.outcome as RealmAttemptOutcome,
    blinded: strOrNull(r.blinded),
    mac: bytesOrNull(r.mac) ?? new Uint8Array(0),
  };
}

/** Columns of `realm_attempts` added after its first version: [name, type]; each store adds the missing ones in `migrate`. */
export const ATTEMPT_COLUMNS_ADDED: readonly (readonly [string, string])[] = [["blinded", "TEXT"]];

/** Schema shared by both stores; `BLOB`/`INTEGER` become `BYTEA`/`BIGINT` on PostgreSQL. */
export function realmSchema(blob: string, int: string): string {
  return `
CREATE TABLE IF NOT EXISTS realm_accounts (
  account_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('none', 'active', 'destroyed')),
  current_info TEXT, current_sealed ${blob}, next_info TEXT, next_sealed ${blob},
  consecutive_failures ${int} NOT NULL, total_failures ${int} NOT NULL, lockouts ${int} NOT NULL,
  locked_until ${int}, last_attempt_expires_at ${int}, last_admin_issued_at ${int},
  head_sequence ${int} NOT NULL, head_digest TEXT, head_signature TEXT,
  created_at ${int} NOT NULL, updated_at ${int} NOT NULL, destroyed_at ${int},
  mac ${blob} NOT NULL
);
CREATE TABLE IF NOT EXISTS realm_attempts (
  attempt_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  version ${int} NOT NULL,
  registration_id TEXT NOT NULL,
  started_at ${int} NOT NULL,
  expires_at ${int} NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'success', 'failed')),
  mac ${blob} NOT NULL,
  blinded TEXT
);
CREATE INDEX IF NOT EXISTS realm_attempts_by_expiry ON realm_attempts (outcome, expires_at);
CREATE INDEX IF NOT EXISTS realm_attempts_by_account ON realm_attempts (account_id);
`;
}
