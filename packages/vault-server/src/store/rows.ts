/**
 * What both database backends share about rows: how a stored row becomes the store's
 * types, and the columns added after the first release (with their type in each database).
 * The SQL itself stays with each backend.
 */
import type { AttemptRow, HeadRow, RecordRow, SealedSecretsRow, StoredOutcome } from "./vault-store.ts";

/**
 * Columns added after the first release (spec §10.4, §6.4, §7.1), added by `migrate()` to
 * databases created before them. Adding `state_mac` marks the legacy rows for the startup
 * migration that authenticates them (`authenticated.ts`).
 */
export const ADDED_COLUMNS = [
  ["vault_records", "record_id", "TEXT"],
  ["vault_records", "head_key", "BYTES"],
  ["vault_records", "state_mac", "BYTES"],
  ["vault_heads", "signature", "TEXT"],
  // The lock an attempt started, for the attempt history (spec §5.7).
  ["vault_attempts", "locked_until", "TIME"],
] as const;
/** Column types of `ADDED_COLUMNS` in each database. */
function addedColumnType(type: (typeof ADDED_COLUMNS)[number][2], db: "sqlite" | "postgres"): string {
  if (type === "BYTES") return db === "sqlite" ? "BLOB" : "BYTEA";
  if (type === "TIME") return db === "sqlite" ? "INTEGER" : "BIGINT";
  return type;
}
export const LEGACY_MIGRATION_KEY = "legacy_rows_unauthenticated";

/**
 * What `migrate()` does for each of `ADDED_COLUMNS` that a database lacks: the `ALTER TABLE`
 * in that database's types, and whether adding it marks the rows already stored as legacy
 * (`LEGACY_MIGRATION_KEY` in `vault_meta`). Each backend checks for the column and runs these.
 */
export function addedColumnSteps(db: "sqlite" | "postgres"): Array<{ table: string; column: string; add: string; marksLegacyRows: boolean }> {
  return ADDED_COLUMNS.map(([table, column, type]) => ({
    table,
    column,
    add: `ALTER TABLE ${table} ADD COLUMN ${column} ${addedColumnType(type, db)}`,
    marksLegacyRows: column === "state_mac",
  }));
}

export type Row = Record<string, unknown>;
export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const bytesOrNull = (v: unknown): Uint8Array | null => (v === null || v === undefined ? null : new Uint8Array(v as Buffer));

/** A bytes column as the drivers take it (a view, no copy). */
export const buf = (b: Uint8Array | null): Buffer | null => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A record's columns after `account_id`, in the table's order (both schemas): the order of `recordValues`. */
export const RECORD_COLUMNS = [
  "state",
  "version",
  "sealed_record",
  "key_stretching",
  "consecutive_failures",
  "total_failures",
  "lockouts",
  "locked_until",
  "last_login_expires_at",
  "created_at",
  "updated_at",
  "destroyed_at",
  "record_id",
  "head_key",
  "state_mac",
] as const;

/** The values of `RECORD_COLUMNS`, in that order, as the drivers take them. */
export function recordValues(p: RecordRow): unknown[] {
  return [
    p.state,
    p.version,
    buf(p.sealedRecord),
    p.keyStretching,
    p.consecutiveFailures,
    p.totalFailures,
    p.lockouts,
    p.lockedUntil,
    p.lastLoginExpiresAt,
    p.createdAt,
    p.updatedAt,
    p.destroyedAt,
    p.recordId,
    buf(p.headKey),
    buf(p.stateMac),
  ];
}

export function recordFromRow(r: Row): RecordRow {
  return {
    accountId: String(r.account_id),
    state: r.state as RecordRow["state"],
    version: num(r.version),
    sealedRecord: bytesOrNull(r.sealed_record),
    keyStretching: (r.key_stretching as string | null) ?? null,
    consecutiveFailures: num(r.consecutive_failures),
    totalFailures: num(r.total_failures),
    lockouts: num(r.lockouts),
    lockedUntil: numOrNull(r.locked_until),
    lastLoginExpiresAt: numOrNull(r.last_login_expires_at),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    destroyedAt: numOrNull(r.destroyed_at),
    recordId: (r.record_id as string | null | undefined) ?? null,
    headKey: bytesOrNull(r.head_key),
    stateMac: bytesOrNull(r.state_mac),
  };
}

export function attemptFromRow(r: Row): AttemptRow {
  return {
    loginId: String(r.login_id),
    accountId: String(r.account_id),
    recordVersion: num(r.record_version),
    startedAt: num(r.started_at),
    expiresAt: num(r.expires_at),
    outcome: r.outcome as StoredOutcome,
    sealedState: bytesOrNull(r.sealed_state),
    lockedUntil: numOrNull(r.locked_until),
  };
}

export function headFromRow(r: Row): HeadRow {
  return {
    accountId: String(r.account_id),
    sequence: num(r.sequence),
    digest: String(r.digest),
    signature: (r.signature as string | null | undefined) ?? null,
    updatedAt: num(r.updated_at),
  };
}

export function sealedSecretsFromRow(r: Row): SealedSecretsRow {
  return { sealerKind: String(r.sealer_kind), keyId: String(r.key_id), sealed: new Uint8Array(r.sealed as Buffer), createdAt: num(r.created_at) };
}
