/**
 * The PostgreSQL store's locking transaction for a record change (spec/vault-protocol.md
 * §10.1, §10.2): the record row and the attempt row read `FOR UPDATE` in one statement, and
 * every write of the change applied in one statement (data-modifying CTEs). Also the
 * statement pieces the compare-and-set fast path (`postgres-compare-and-set.ts`) and the
 * store's reads share: the column lists, the record-and-attempt read, the counters update.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import type { AttemptRow, CounterUpdate, HistoryRow, RecordChange, RecordRow } from "./vault-store.ts";
import { CreateRace } from "./postgres-pool.ts";
import { RECORD_COLUMNS, attemptFromRow, buf, recordFromRow, recordValues } from "./rows.ts";

/** The PostgreSQL type of each of `RECORD_COLUMNS`, for the casts of its parameters. */
const RECORD_COLUMN_TYPES = [
  "text",
  "integer",
  "bytea",
  "text",
  "integer",
  "integer",
  "integer",
  "bigint",
  "bigint",
  "bigint",
  "bigint",
  "bigint",
  "text",
  "bytea",
  "bytea",
];
/**
 * History rows (§5.7) from the json of `json_build_array(started_at, outcome, expires_at,
 * locked_until)` tuples (`pg` parses json columns): bigint columns become JSON numbers, exact
 * below 2^53 (times in ms since the epoch are). Anything else is refused.
 */
export function historyFromJson(v: unknown): HistoryRow[] {
  if (!Array.isArray(v)) throw new TypeError("attempt history: expected a json array");
  for (const t of v as unknown[]) {
    if (!Array.isArray(t) || t.length !== 4 || !Number.isSafeInteger(t[0]) || !Number.isSafeInteger(t[2]) || (t[3] !== null && !Number.isSafeInteger(t[3])))
      throw new TypeError("attempt history: malformed row");
    if (t[1] !== "pending" && t[1] !== "success" && t[1] !== "failed") throw new TypeError("attempt history: malformed outcome");
  }
  return v as HistoryRow[];
}
const ATTEMPT_COLUMNS = ["login_id", "account_id", "record_version", "started_at", "expires_at", "outcome", "sealed_state", "locked_until"] as const;

const recordWithAttempt = (lock: string) => `WITH r AS (SELECT * FROM vault_records WHERE account_id = $1${lock}),
  a AS (SELECT * FROM vault_attempts WHERE login_id = $2 AND account_id = $1${lock})
  SELECT r.*, ${ATTEMPT_COLUMNS.map((k) => `a.${k} AS a_${k}`).join(", ")} FROM (SELECT 1) AS one LEFT JOIN r ON true LEFT JOIN a ON true`;
const LOCK_RECORD_AND_ATTEMPT = recordWithAttempt(" FOR UPDATE");
export const READ_RECORD_AND_ATTEMPT = recordWithAttempt("");

/** The record and the attempt of one row of `recordWithAttempt`. */
export function recordAndAttempt(row: Record<string, unknown>): { record: RecordRow | null; attempt: AttemptRow | null } {
  return {
    record: row.account_id === null ? null : recordFromRow(row),
    attempt: row.a_login_id === null ? null : attemptFromRow(Object.fromEntries(ATTEMPT_COLUMNS.map((k) => [k, row[`a_${k}`]]))),
  };
}

/** Names already computed, by statement text; the texts are a few dozen shapes, so this stays small (bounded anyway). */
const statementNames = new Map<string, string>();
const STATEMENT_NAMES_KEPT = 512;

/**
 * Prepared-statement name for a statement text (the apply statements vary with what a change
 * writes): a SHA-256 of the text, computed once per text. Every login sends two such
 * statements, and a hash object per statement showed in the profile beside the AES-GCM
 * seals; a look-up by text costs a string hash (the name is the same either way).
 */
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `cv_${createHash("sha256").update(text).digest("base64url").slice(0, 22)}`;
    if (statementNames.size >= STATEMENT_NAMES_KEPT) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/** The update of a record's counters (and state MAC), up to `WHERE account_id = $1`: callers add their conditions. `$` adds a parameter. */
export function setCounters(k: CounterUpdate, $: (v: unknown) => string): string {
  return `UPDATE vault_records SET consecutive_failures = ${$(k.consecutiveFailures)}, total_failures = ${$(k.totalFailures)},
        lockouts = ${$(k.lockouts)}, locked_until = ${$(k.lockedUntil)}::bigint, last_login_expires_at = ${$(k.lastLoginExpiresAt)}::bigint,
        updated_at = ${$(k.updatedAt)}, state_mac = ${$(buf(k.stateMac ?? null))}::bytea WHERE account_id = $1`;
}

/**
 * The record row and (with a login ID) the attempt row, both locked `FOR UPDATE`, in one
 * statement. Locking rows in CTEs re-reads each at its newest committed version once its
 * lock is granted, as two statements would.
 */
export async function lockForChange(c: pg.PoolClient, accountId: string, loginId: string | undefined): Promise<[RecordRow | null, AttemptRow | null]> {
  if (loginId === undefined) {
    const r = await c.query({ name: "cv_lock_record", text: "SELECT * FROM vault_records WHERE account_id = $1 FOR UPDATE", values: [accountId] });
    return [r.rows[0] ? recordFromRow(r.rows[0]) : null, null];
  }
  const r = await c.query({ name: "cv_lock_record_attempt", text: LOCK_RECORD_AND_ATTEMPT, values: [accountId, loginId] });
  const { record, attempt } = recordAndAttempt(r.rows[0] as Record<string, unknown>);
  return [record, attempt];
}

/** Every write of one change as one statement (parts that touch the same row are made disjoint). */
export async function applyChange<T>(c: pg.PoolClient, accountId: string, ch: RecordChange<T>, exists: boolean): Promise<void> {
  const values: unknown[] = [accountId];
  const $ = (v: unknown) => `$${values.push(v)}`;
  const parts: string[] = [];
  let insertsRecord = false;
  if (ch.record && "delete" in ch.record) {
    parts.push("DELETE FROM vault_records WHERE account_id = $1");
  } else if (ch.record && "counters" in ch.record) {
    parts.push(setCounters(ch.record.counters, $));
  } else if (ch.record) {
    const p = ch.record.put;
    if (p.accountId !== accountId) throw new Error("changeRecord: record for another account");
    const cols = recordValues(p).map((v, i) => `${$(v)}::${RECORD_COLUMN_TYPES[i]}`);
    if (exists) {
      parts.push(`UPDATE vault_records SET ${RECORD_COLUMNS.map((col, i) => `${col} = ${cols[i]}`).join(", ")} WHERE account_id = $1`);
    } else {
      insertsRecord = true;
      parts.push(`INSERT INTO vault_records (account_id, ${RECORD_COLUMNS.join(", ")}) VALUES ($1, ${cols.join(", ")})
        ON CONFLICT (account_id) DO NOTHING RETURNING 1`);
    }
  }
  if (ch.deleteAttempts) parts.push("DELETE FROM vault_attempts WHERE account_id = $1");
  if (ch.deleteHead) parts.push("DELETE FROM vault_heads WHERE account_id = $1");
  const prune = ch.pruneAttemptsBefore !== undefined && !ch.deleteAttempts ? $(ch.pruneAttemptsBefore) : null;
  if (prune) parts.push(`DELETE FROM vault_attempts WHERE account_id = $1 AND started_at < ${prune} AND outcome <> 'pending'`);
  const settle = ch.setAttemptOutcome && !ch.deleteAttempts ? ch.setAttemptOutcome : null;
  const settledId = settle ? $(settle.loginId) : null;
  if (settle) parts.push(`UPDATE vault_attempts SET outcome = ${$(settle.outcome)}, sealed_state = NULL WHERE login_id = ${settledId} AND account_id = $1`);
  if (ch.eraseStatesExpiredAt !== undefined && !ch.deleteAttempts) {
    // One statement must not change a row twice: skip the rows the prune deletes and the attempt being settled.
    parts.push(`UPDATE vault_attempts SET sealed_state = NULL WHERE account_id = $1 AND expires_at <= ${$(ch.eraseStatesExpiredAt)}
      AND sealed_state IS NOT NULL${prune ? ` AND NOT (started_at < ${prune} AND outcome <> 'pending')` : ""}${settledId ? ` AND login_id <> ${settledId}` : ""}`);
  }
  if (ch.insertAttempt) {
    const a = ch.insertAttempt;
    parts.push(`INSERT INTO vault_attempts (login_id, account_id, record_version, started_at, expires_at, outcome, sealed_state, locked_until)
      VALUES (${$(a.loginId)}, $1, ${$(a.recordVersion)}, ${$(a.startedAt)}, ${$(a.expiresAt)}, ${$(a.outcome)}, ${$(buf(a.sealedState))}::bytea,
        ${$(a.lockedUntil ?? null)}::bigint)`);
  }
  if (parts.length > 0) {
    const text =
      parts.length === 1 && !insertsRecord
        ? parts[0]!
        : `WITH ${parts.map((sql, i) => `w${i} AS (${sql})`).join(", ")} SELECT ${insertsRecord ? "(SELECT count(*) FROM w0)::int" : "1"} AS n`;
    const r = await c.query({ name: statementName(text), text, values });
    if (insertsRecord && Number(r.rows[0]?.n) !== 1) throw new CreateRace(); // another node created it meanwhile: decide again
  }
  if (ch.keepNewestAttempts !== undefined && !ch.deleteAttempts) {
    // The occasional trim of the attempt history (spec §5.7), in its own statement: within the
    // statement above it could touch a row another part changes.
    await keepNewestAttempts(c, accountId, ch.keepNewestAttempts);
  }
}

/**
 * The trim of an account's attempt history (spec §5.7): every finished attempt but the
 * `keep` newest is deleted; pending ones stay. Housekeeping only — no decision reads what it
 * deletes (the history reads the newest rows anyway) — so it may run in the change's
 * transaction or, after a compare-and-set, as its own autocommitted statement.
 */
export async function keepNewestAttempts(c: { query(q: pg.QueryConfig): Promise<unknown> }, accountId: string, keep: number): Promise<void> {
  if (!Number.isSafeInteger(keep) || keep < 0) throw new RangeError("keepNewestAttempts must be a non-negative integer");
  await c.query({
    name: "cv_keep_newest_attempts",
    text: `DELETE FROM vault_attempts WHERE account_id = $1 AND outcome <> 'pending' AND login_id NOT IN
        (SELECT login_id FROM vault_attempts WHERE account_id = $1 ORDER BY started_at DESC, login_id LIMIT $2)`,
    values: [accountId, keep],
  });
}
