/**
 * The PostgreSQL store's fast path for a record change (spec/vault-protocol.md §10.1,
 * §10.4): a change decided on rows the caller already has, written in ONE autocommitted
 * compare-and-set statement only if the stored rows are still those rows. Returns null
 * when they are not (or the change is of another kind): then `PostgresVaultStore` runs
 * the locking transaction (`postgres-change.ts`), which decides again from the rows as
 * they are.
 */
import type { AttemptRow, HistoryRow, RecordChange, RecordRow } from "./vault-store.ts";
import type { PostgresPool } from "./postgres-pool.ts";
import { historyFromJson, keepNewestAttempts, setCounters, statementName } from "./postgres-change.ts";
import { buf } from "./rows.ts";

/**
 * SQL that holds when the stored record row equals `r` in every column its state MAC
 * covers (spec §10.4; `updated_at` is not covered). `$` adds a parameter.
 */
function sameStoredState(r: RecordRow, $: (v: unknown) => string): string {
  return `state = ${$(r.state)}::text AND version = ${$(r.version)}::integer AND record_id IS NOT DISTINCT FROM ${$(r.recordId)}::text
        AND key_stretching IS NOT DISTINCT FROM ${$(r.keyStretching)}::text AND consecutive_failures = ${$(r.consecutiveFailures)}::integer
        AND total_failures = ${$(r.totalFailures)}::integer AND lockouts = ${$(r.lockouts)}::integer
        AND locked_until IS NOT DISTINCT FROM ${$(r.lockedUntil)}::bigint AND last_login_expires_at IS NOT DISTINCT FROM ${$(r.lastLoginExpiresAt)}::bigint
        AND created_at = ${$(r.createdAt)}::bigint AND destroyed_at IS NOT DISTINCT FROM ${$(r.destroyedAt)}::bigint
        AND head_key IS NOT DISTINCT FROM ${$(buf(r.headKey))}::bytea AND sealed_record IS NOT DISTINCT FROM ${$(buf(r.sealedRecord))}::bytea`;
}

/**
 * The change decided on the row the caller has (read moments ago, or the row this process
 * last verified or wrote), written in ONE autocommitted statement only if the stored row
 * is still that row: the same state MAC and the same value in every column the MAC covers
 * (spec §10.4), so the decision is the one the lock would take and a row changed by a
 * database writer — even one that kept the MAC — is not written over but read and
 * verified by the locking transaction (which refuses it). Only a
 * counters update qualifies (the hot path: counting a login start); its occasional trim of
 * the attempt history follows, once the count is committed, as its own statement. Returns null when
 * the row changed meanwhile or the change is of another kind: then the locking
 * transaction decides again, from the row as it is.
 */
export async function changeIfUnchanged<T>(
  pool: PostgresPool,
  accountId: string,
  change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>,
  expected: RecordRow,
): Promise<{ result: T } | null> {
  if (expected.accountId !== accountId || expected.stateMac === null) return null;
  const ch = change(expected, null);
  if (!ch.record || !("counters" in ch.record) || ch.deleteAttempts || ch.deleteHead || ch.setAttemptOutcome) return null;
  const values: unknown[] = [accountId, buf(expected.stateMac)];
  const $ = (v: unknown) => `$${values.push(v)}`;
  const k = ch.record.counters;
  const parts = [
    `${setCounters(k, $)} AND state_mac = $2
      AND ${sameStoredState(expected, $)} RETURNING 1`,
  ];
  const ifWritten = "EXISTS (SELECT 1 FROM w0)";
  const prune = ch.pruneAttemptsBefore !== undefined ? $(ch.pruneAttemptsBefore) : null;
  if (prune) parts.push(`DELETE FROM vault_attempts WHERE account_id = $1 AND started_at < ${prune} AND outcome <> 'pending' AND ${ifWritten}`);
  if (ch.eraseStatesExpiredAt !== undefined) {
    parts.push(`UPDATE vault_attempts SET sealed_state = NULL WHERE account_id = $1 AND expires_at <= ${$(ch.eraseStatesExpiredAt)}
      AND sealed_state IS NOT NULL${prune ? ` AND NOT (started_at < ${prune} AND outcome <> 'pending')` : ""} AND ${ifWritten}`);
  }
  if (ch.insertAttempt) {
    const a = ch.insertAttempt;
    parts.push(`INSERT INTO vault_attempts (login_id, account_id, record_version, started_at, expires_at, outcome, sealed_state, locked_until)
      SELECT ${$(a.loginId)}, $1, ${$(a.recordVersion)}::integer, ${$(a.startedAt)}::bigint, ${$(a.expiresAt)}::bigint, ${$(a.outcome)}::text,
        ${$(buf(a.sealedState))}::bytea, ${$(a.lockedUntil ?? null)}::bigint WHERE ${ifWritten}`);
  }
  const text = `WITH ${parts.map((sql, i) => `w${i} AS (${sql})`).join(", ")} SELECT (SELECT count(*) FROM w0)::int AS n`;
  const r = await pool.query({ name: statementName(text), text, values });
  if (Number(r.rows[0]?.n) !== 1) return null;
  // The occasional trim (one start in 16) after the count is committed, as its own statement:
  // in the locking transaction it made that start five round trips instead of two (§5.7).
  if (ch.keepNewestAttempts !== undefined) await keepNewestAttempts(pool, accountId, ch.keepNewestAttempts);
  return { result: ch.result };
}

/**
 * The settling of a login (§6.2) decided on the record and the pending attempt the caller
 * read (`getLogin`), in ONE autocommitted statement: it locks the record only if it still
 * has the state MAC the decision was made on (re-checked on the newest version once the
 * lock is granted), settles the attempt only if it is still pending — so exactly one
 * finisher wins, as under the lock — and writes the counters and the erasure only if the
 * attempt was settled. Relaxed durability is `set_config(…, true)` in the same statement,
 * which applies to its commit. Returns null when nothing was written (the record changed,
 * or the attempt is no longer pending) or the change is of another kind: then the locking
 * transaction decides again, from the rows as they are.
 */
export async function settleIfUnchanged<T>(
  pool: PostgresPool,
  accountId: string,
  change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>,
  expected: RecordRow,
  attempt: AttemptRow,
  relaxed: boolean,
  attempts?: { limit: number; excludeLoginId?: string; rows?: HistoryRow[] },
): Promise<{ result: T } | null> {
  if (expected.accountId !== accountId || expected.stateMac === null || attempt.accountId !== accountId || attempt.outcome !== "pending") return null;
  const ch = change(expected, attempt);
  const settle = ch.setAttemptOutcome;
  if (
    !settle ||
    settle.loginId !== attempt.loginId ||
    (ch.record && !("counters" in ch.record)) ||
    ch.insertAttempt ||
    ch.deleteAttempts ||
    ch.deleteHead ||
    ch.pruneAttemptsBefore !== undefined ||
    ch.keepNewestAttempts !== undefined
  )
    return null;
  const values: unknown[] = [accountId, buf(expected.stateMac), attempt.loginId];
  const $ = (v: unknown) => `$${values.push(v)}`;
  const parts = [
    `SELECT 1 FROM vault_records WHERE account_id = $1 AND state_mac = $2 AND ${sameStoredState(expected, $)} FOR UPDATE`,
    `UPDATE vault_attempts SET outcome = ${$(settle.outcome)}, sealed_state = NULL
      WHERE login_id = $3 AND account_id = $1 AND outcome = 'pending' AND EXISTS (SELECT 1 FROM w0) RETURNING 1`,
  ];
  const ifSettled = "EXISTS (SELECT 1 FROM w1)";
  if (ch.record && "counters" in ch.record) {
    const k = ch.record.counters;
    parts.push(`${setCounters(k, $)} AND ${ifSettled}`);
  }
  if (ch.eraseStatesExpiredAt !== undefined) {
    // Every attempt but the one being settled (one statement must not change a row twice).
    parts.push(`UPDATE vault_attempts SET sealed_state = NULL WHERE account_id = $1 AND expires_at <= ${$(ch.eraseStatesExpiredAt)}
      AND sealed_state IS NOT NULL AND login_id <> $3 AND ${ifSettled}`);
  }
  if (relaxed) parts.push("SELECT set_config('synchronous_commit', 'off', true)");
  // With `attempts`, the account's newest attempts come back in the same statement (its
  // snapshot is from just before the writes) as ONE json value of [started_at, outcome,
  // expires_at, locked_until] tuples (§5.7): `pg` parses it with one JSON.parse, where 51
  // rows of seven columns were 357 values parsed one by one, then mapped to objects.
  const history = attempts
    ? `, (SELECT coalesce(json_agg(json_build_array(h.started_at, h.outcome, h.expires_at, h.locked_until) ORDER BY h.started_at DESC, h.login_id), '[]')
      FROM (SELECT login_id, started_at, outcome, expires_at, locked_until FROM vault_attempts WHERE account_id = $1 AND login_id <> ${$(attempts.excludeLoginId ?? "")}::text
        ORDER BY started_at DESC, login_id LIMIT ${$(attempts.limit)}) AS h) AS history`
    : "";
  const text = `WITH ${parts.map((sql, i) => `w${i} AS (${sql})`).join(", ")} SELECT (SELECT count(*) FROM w1)::int AS n${
    relaxed ? `, (SELECT count(*) FROM w${parts.length - 1}) AS relaxed` : ""
  }${history}`;
  const r = await pool.query({ name: statementName(text), text, values });
  if (Number(r.rows[0]?.n) !== 1) return null;
  if (attempts) attempts.rows = historyFromJson(r.rows[0]?.history);
  return { result: ch.result };
}
