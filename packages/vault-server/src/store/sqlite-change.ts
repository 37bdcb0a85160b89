/**
 * The SQLite store's writes of one record change (spec/vault-protocol.md §10.1): run by
 * `SqliteVaultStore` inside the batch's `BEGIN IMMEDIATE` transaction and the change's own
 * savepoint (sqlite-group-commit.ts), after the record and attempt rows were read. The
 * PostgreSQL store's counterpart is postgres-change.ts.
 */
import type Database from "better-sqlite3";
import type { RecordChange } from "./vault-store.ts";
import { RECORD_COLUMNS, buf, recordValues } from "./rows.ts";

/** A whole record row written (insert or replace), its columns in `recordValues` order. */
const PUT_RECORD = `INSERT OR REPLACE INTO vault_records (account_id, ${RECORD_COLUMNS.join(", ")})
        VALUES (?, ${RECORD_COLUMNS.map(() => "?").join(", ")})`;

/** `q` gives the connection's prepared statement for a SQL text (compiled once). */
export function applyChange<T>(q: (sql: string) => Database.Statement, accountId: string, c: RecordChange<T>): void {
  if (c.record && "delete" in c.record) {
    q("DELETE FROM vault_records WHERE account_id = ?").run(accountId);
  } else if (c.record && "counters" in c.record) {
    const k = c.record.counters;
    q(`UPDATE vault_records SET consecutive_failures = ?, total_failures = ?, lockouts = ?, locked_until = ?,
        last_login_expires_at = ?, updated_at = ?, state_mac = ? WHERE account_id = ?`).run(
      k.consecutiveFailures,
      k.totalFailures,
      k.lockouts,
      k.lockedUntil,
      k.lastLoginExpiresAt,
      k.updatedAt,
      buf(k.stateMac ?? null),
      accountId,
    );
  } else if (c.record) {
    const p = c.record.put;
    if (p.accountId !== accountId) throw new Error("changeRecord: record for another account");
    q(PUT_RECORD).run(accountId, ...recordValues(p));
  }
  if (c.deleteAttempts) q("DELETE FROM vault_attempts WHERE account_id = ?").run(accountId);
  if (c.deleteHead) q("DELETE FROM vault_heads WHERE account_id = ?").run(accountId);
  if (c.pruneAttemptsBefore !== undefined) {
    q("DELETE FROM vault_attempts WHERE account_id = ? AND started_at < ? AND outcome <> 'pending'").run(accountId, c.pruneAttemptsBefore);
  }
  if (c.keepNewestAttempts !== undefined) {
    // A literal limit (as in `recentAttempts`: a bound LIMIT re-prepares the statement); always §5.7's 50.
    const keep = c.keepNewestAttempts;
    if (!Number.isSafeInteger(keep) || keep < 0) throw new RangeError("keepNewestAttempts must be a non-negative integer");
    q(`DELETE FROM vault_attempts WHERE account_id = ? AND outcome <> 'pending' AND login_id NOT IN
      (SELECT login_id FROM vault_attempts WHERE account_id = ? ORDER BY started_at DESC, login_id LIMIT ${keep})`).run(accountId, accountId);
  }
  if (c.eraseStatesExpiredAt !== undefined) {
    q("UPDATE vault_attempts SET sealed_state = NULL WHERE account_id = ? AND expires_at <= ? AND sealed_state IS NOT NULL").run(
      accountId,
      c.eraseStatesExpiredAt,
    );
  }
  if (c.setAttemptOutcome) {
    q("UPDATE vault_attempts SET outcome = ?, sealed_state = NULL WHERE login_id = ? AND account_id = ?").run(
      c.setAttemptOutcome.outcome,
      c.setAttemptOutcome.loginId,
      accountId,
    );
  }
  if (c.insertAttempt) {
    const a = c.insertAttempt;
    q(`INSERT INTO vault_attempts (login_id, account_id, record_version, started_at, expires_at, outcome, sealed_state, locked_until)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
      a.loginId,
      accountId,
      a.recordVersion,
      a.startedAt,
      a.expiresAt,
      a.outcome,
      buf(a.sealedState),
      a.lockedUntil ?? null,
    );
  }
}
