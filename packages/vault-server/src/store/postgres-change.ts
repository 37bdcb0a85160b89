/**
 * PostgreSQL store (`pg`), for any number of stateless vault nodes sharing one
 * database. `changeRecord` locks the account's row with `SELECT … FOR UPDATE` (and the
 * attempt row, when asked), so a count made by one node is committed and seen by every
 * other before it can count again. An account without a row is created with
 * `INSERT … ON CONFLICT DO NOTHING`; losing that race retries the whole transaction
 * (spec/vault-protocol.md §10.2).
 */
import { createHash } from "node:crypto";
import pg from "pg";
import type {
  AttemptRow,
  ChangeOptions,
  HeadAdvance,
  HeadRow,
  HeadWrite,
  MigrateOptions,
  RecordChange,
  RecordRow,
  SealedSecretsRow,
  VaultStore,
} from "./vault-store.ts";
import { StoreUnavailableError, sameHeadKey } from "./vault-store.ts";
import { SCHEMA, TEST_CLOCK_SCHEMA } from "./postgres-schema.ts";
import { ADDED_COLUMNS, LEGACY_MIGRATION_KEY, addedColumnType, attemptFromRow, headFromRow, recordFromRow, recordValues, buf } from "./rows.ts";

export interface PostgresVaultStoreOptions {
  /** postgres://user@host:port/database */
  url: string;
  /** Connections per process (default 10). */
  poolSize?: number;
}

/** Relaxed: COMMIT does not wait for the WAL flush (lost only in a server crash; spec §10.1). One round trip. */
const BEGIN_RELAXED = "BEGIN; SET LOCAL synchronous_commit = off";

const RECORD_COLUMNS = [
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
/** What `recentAttempts` returns of an attempt (no sealed state). */
const HISTORY_COLUMNS = ["login_id", "account_id", "record_version", "started_at", "expires_at", "outcome", "locked_until"] as const;
const ATTEMPT_COLUMNS = ["login_id", "account_id", "record_version", "started_at", "expires_at", "outcome", "sealed_state", "locked_until"] as const;

const recordWithAttempt = (lock: string) => `WITH r AS (SELECT * FROM vault_records WHERE account_id = $1${lock}),
  a AS (SELECT * FROM vault_attempts WHERE login_id = $2 AND account_id = $1${lock})
  SELECT r.*, ${ATTEMPT_COLUMNS.map((k) => `a.${k} AS a_${k}`).join(", ")} FROM (SELECT 1) AS one LEFT JOIN r ON true LEFT JOIN a ON true`;
const LOCK_RECORD_AND_ATTEMPT = recordWithAttempt(" FOR UPDATE");
const READ_RECORD_AND_ATTEMPT = recordWithAttempt("");

/** The record and the attempt of one row of `recordWithAttempt`. */
function recordAndAttempt(row: Record<string, unknown>): { record: RecordRow | null; attempt: AttemptRow | null } {
  return {
    record: row.account_id === null ? null : recordFromRow(row),
    attempt: row.a_login_id === null ? null : attemptFromRow(Object.fromEntries(ATTEMPT_COLUMNS.map((k) => [k, row[`a_${k}`]]))),
  };
}

/** Prepared-statement name for a statement text (the apply statements vary with what a change writes). */
function statementName(text: string): string {
  return `cv_${createHash("sha256").update(text).digest("base64url").slice(0, 22)}`;
}

/** Advisory-lock key space of the vault (any constant; keeps us apart from other users of the DB). */
const MIGRATION_LOCK = 7_471_001;

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

export class PostgresVaultStore implements VaultStore {
  readonly kind = "postgres";
  readonly #pool: pg.Pool;

  constructor(options: PostgresVaultStoreOptions) {
    this.#pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle client's error (e.g. the server restarted) must not crash the process.
    this.#pool.on("error", () => {});
  }

  async #q(sql: string | pg.QueryConfig, params: unknown[] = []): Promise<pg.QueryResult> {
    try {
      return typeof sql === "string" ? await this.#pool.query(sql, params) : await this.#pool.query(sql);
    } catch (cause) {
      throw wrap(cause);
    }
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw wrap(cause);
    }
    try {
      await client.query(begin);
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw wrap(e);
    } finally {
      client.release();
    }
  }

  async migrate(options: MigrateOptions = {}): Promise<void> {
    await this.#tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await c.query(SCHEMA);
      if (options.testClock) await c.query(TEST_CLOCK_SCHEMA);
      for (const [table, column, type] of ADDED_COLUMNS) {
        const has = await c.query(
          `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
          AND table_name = $1 AND column_name = $2`,
          [table, column],
        );
        if (has.rows.length > 0) continue;
        await c.query(`ALTER TABLE ${table} ADD COLUMN ${column} ${addedColumnType(type, "postgres")}`);
        if (column === "state_mac") {
          await c.query("INSERT INTO vault_meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO NOTHING", [LEGACY_MIGRATION_KEY]);
        }
      }
    });
  }

  async getRecord(accountId: string): Promise<RecordRow | null> {
    const r = await this.#q("SELECT * FROM vault_records WHERE account_id = $1", [accountId]);
    return r.rows[0] ? recordFromRow(r.rows[0]) : null;
  }

  /**
   * One transition in four round trips, whatever it writes (spec §10.1): `BEGIN` (with
   * `SET LOCAL` when relaxed), ONE locking read of the record and the attempt, ONE
   * statement that applies every write (data-modifying CTEs), `COMMIT`. Statements are
   * prepared once per connection.
   */
  async changeRecord<T>(
    accountId: string,
    change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>,
    options: ChangeOptions = {},
  ): Promise<T> {
    if (options.expected) {
      const decided =
        options.loginId === undefined
          ? options.durability !== "relaxed"
            ? await this.#changeIfUnchanged(accountId, change, options.expected)
            : null
          : options.expectedAttempt?.loginId === options.loginId
            ? await this.#settleIfUnchanged(accountId, change, options.expected, options.expectedAttempt, options.durability === "relaxed", options.attempts)
            : null;
      if (decided) return decided.result;
    }
    for (let tries = 0; ; tries++) {
      try {
        return await this.#tx(
          async (c) => {
            const [r, a] = await this.#lockForChange(c, accountId, options.loginId);
            const ch = change(r, a);
            await this.#apply(c, accountId, ch, r !== null);
            return ch.result;
          },
          options.durability === "relaxed" ? BEGIN_RELAXED : "BEGIN",
        );
      } catch (e) {
        if (!(e instanceof CreateRace) || tries >= 5) throw e;
      }
    }
  }

  /**
   * The change decided on the row the caller has (read moments ago, or the row this process
   * last verified or wrote), written in ONE autocommitted statement only if the stored row
   * is still that row: the same state MAC and the same value in every column the MAC covers
   * (spec §10.4), so the decision is the one the lock would take and a row changed by a
   * database writer — even one that kept the MAC — is not written over but read and
   * verified by the locking transaction (which refuses it). Only a
   * counters update qualifies (the hot path: counting a login start). Returns null when
   * the row changed meanwhile or the change is of another kind: then the locking
   * transaction decides again, from the row as it is.
   */
  async #changeIfUnchanged<T>(
    accountId: string,
    change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>,
    expected: RecordRow,
  ): Promise<{ result: T } | null> {
    if (expected.accountId !== accountId || expected.stateMac === null) return null;
    const ch = change(expected, null);
    if (!ch.record || !("counters" in ch.record) || ch.deleteAttempts || ch.deleteHead || ch.setAttemptOutcome || ch.keepNewestAttempts !== undefined)
      return null;
    const values: unknown[] = [accountId, buf(expected.stateMac)];
    const $ = (v: unknown) => `$${values.push(v)}`;
    const k = ch.record.counters;
    const parts = [
      `UPDATE vault_records SET consecutive_failures = ${$(k.consecutiveFailures)}, total_failures = ${$(k.totalFailures)},
        lockouts = ${$(k.lockouts)}, locked_until = ${$(k.lockedUntil)}::bigint, last_login_expires_at = ${$(k.lastLoginExpiresAt)}::bigint,
        updated_at = ${$(k.updatedAt)}, state_mac = ${$(buf(k.stateMac ?? null))}::bytea WHERE account_id = $1 AND state_mac = $2
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
    const r = await this.#q({ name: statementName(text), text, values });
    return Number(r.rows[0]?.n) === 1 ? { result: ch.result } : null;
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
  async #settleIfUnchanged<T>(
    accountId: string,
    change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>,
    expected: RecordRow,
    attempt: AttemptRow,
    relaxed: boolean,
    attempts?: { limit: number; rows?: AttemptRow[] },
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
      parts.push(`UPDATE vault_records SET consecutive_failures = ${$(k.consecutiveFailures)}, total_failures = ${$(k.totalFailures)},
        lockouts = ${$(k.lockouts)}, locked_until = ${$(k.lockedUntil)}::bigint, last_login_expires_at = ${$(k.lastLoginExpiresAt)}::bigint,
        updated_at = ${$(k.updatedAt)}, state_mac = ${$(buf(k.stateMac ?? null))}::bytea WHERE account_id = $1 AND ${ifSettled}`);
    }
    if (ch.eraseStatesExpiredAt !== undefined) {
      // Every attempt but the one being settled (one statement must not change a row twice).
      parts.push(`UPDATE vault_attempts SET sealed_state = NULL WHERE account_id = $1 AND expires_at <= ${$(ch.eraseStatesExpiredAt)}
        AND sealed_state IS NOT NULL AND login_id <> $3 AND ${ifSettled}`);
    }
    if (relaxed) parts.push("SELECT set_config('synchronous_commit', 'off', true)");
    // With `attempts`, the account's newest attempts come back in the same statement (its
    // snapshot is from just before the writes), one row each; without, one row.
    const history = attempts
      ? `, ${HISTORY_COLUMNS.map((k) => `h.${k} AS h_${k}`).join(", ")} FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT ${HISTORY_COLUMNS.join(", ")}
        FROM vault_attempts WHERE account_id = $1 ORDER BY started_at DESC, login_id LIMIT ${$(attempts.limit)}) AS h ON true`
      : "";
    const text = `WITH ${parts.map((sql, i) => `w${i} AS (${sql})`).join(", ")} SELECT (SELECT count(*) FROM w1)::int AS n${
      relaxed ? `, (SELECT count(*) FROM w${parts.length - 1}) AS relaxed` : ""
    }${history}`;
    const r = await this.#q({ name: statementName(text), text, values });
    if (Number(r.rows[0]?.n) !== 1) return null;
    if (attempts) {
      attempts.rows = (r.rows as Array<Record<string, unknown>>)
        .filter((row) => row.h_login_id !== null)
        .map((row) => attemptFromRow(Object.fromEntries(HISTORY_COLUMNS.map((k) => [k, row[`h_${k}`]]))));
    }
    return { result: ch.result };
  }

  /**
   * The record row and (with a login ID) the attempt row, both locked `FOR UPDATE`, in one
   * statement. Locking rows in CTEs re-reads each at its newest committed version once its
   * lock is granted, as two statements would.
   */
  async #lockForChange(c: pg.PoolClient, accountId: string, loginId: string | undefined): Promise<[RecordRow | null, AttemptRow | null]> {
    if (loginId === undefined) {
      const r = await c.query({ name: "cv_lock_record", text: "SELECT * FROM vault_records WHERE account_id = $1 FOR UPDATE", values: [accountId] });
      return [r.rows[0] ? recordFromRow(r.rows[0]) : null, null];
    }
    const r = await c.query({ name: "cv_lock_record_attempt", text: LOCK_RECORD_AND_ATTEMPT, values: [accountId, loginId] });
    const { record, attempt } = recordAndAttempt(r.rows[0] as Record<string, unknown>);
    return [record, attempt];
  }

  /** Every write of one change as one statement (parts that touch the same row are made disjoint). */
  async #apply<T>(c: pg.PoolClient, accountId: string, ch: RecordChange<T>, exists: boolean): Promise<void> {
    const values: unknown[] = [accountId];
    const $ = (v: unknown) => `$${values.push(v)}`;
    const parts: string[] = [];
    let insertsRecord = false;
    if (ch.record && "delete" in ch.record) {
      parts.push("DELETE FROM vault_records WHERE account_id = $1");
    } else if (ch.record && "counters" in ch.record) {
      const k = ch.record.counters;
      parts.push(`UPDATE vault_records SET consecutive_failures = ${$(k.consecutiveFailures)}, total_failures = ${$(k.totalFailures)},
        lockouts = ${$(k.lockouts)}, locked_until = ${$(k.lockedUntil)}::bigint, last_login_expires_at = ${$(k.lastLoginExpiresAt)}::bigint,
        updated_at = ${$(k.updatedAt)}, state_mac = ${$(buf(k.stateMac ?? null))}::bytea WHERE account_id = $1`);
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
      await c.query({
        name: "cv_keep_newest_attempts",
        text: `DELETE FROM vault_attempts WHERE account_id = $1 AND outcome <> 'pending' AND login_id NOT IN
          (SELECT login_id FROM vault_attempts WHERE account_id = $1 ORDER BY started_at DESC, login_id LIMIT $2)`,
        values: [accountId, ch.keepNewestAttempts],
      });
    }
  }

  async getAttempt(accountId: string, loginId: string): Promise<AttemptRow | null> {
    const r = await this.#q("SELECT * FROM vault_attempts WHERE login_id = $1 AND account_id = $2", [loginId, accountId]);
    return r.rows[0] ? attemptFromRow(r.rows[0]) : null;
  }

  async getLogin(accountId: string, loginId: string): Promise<{ attempt: AttemptRow | null; record: RecordRow | null }> {
    const r = await this.#q({ name: "cv_read_record_attempt", text: READ_RECORD_AND_ATTEMPT, values: [accountId, loginId] });
    return recordAndAttempt(r.rows[0] as Record<string, unknown>);
  }

  async recentAttempts(accountId: string, limit: number): Promise<AttemptRow[]> {
    const r = await this.#q(
      `SELECT login_id, account_id, record_version, started_at, expires_at, outcome, locked_until FROM vault_attempts
      WHERE account_id = $1 ORDER BY started_at DESC, login_id LIMIT $2`,
      [accountId, limit],
    );
    return r.rows.map(attemptFromRow);
  }

  async exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]> {
    const r = await this.#q(
      `SELECT account_id FROM vault_records WHERE state = 'active' AND total_failures >= $1
      AND (last_login_expires_at IS NULL OR last_login_expires_at <= $2) LIMIT $3`,
      [failureBudget, now, limit],
    );
    return r.rows.map((x) => String(x.account_id));
  }

  async getHead(accountId: string): Promise<HeadRow | null> {
    const r = await this.#q("SELECT * FROM vault_heads WHERE account_id = $1", [accountId]);
    return r.rows[0] ? headFromRow(r.rows[0]) : null;
  }

  async advanceHead(accountId: string, h: HeadWrite, now: number): Promise<HeadAdvance> {
    return this.#tx(async (c) => {
      // The record's head key, locked against a concurrent replace, delete or registration.
      const rec = await c.query("SELECT head_key FROM vault_records WHERE account_id = $1 FOR SHARE", [accountId]);
      const stored = rec.rows[0]?.head_key ? new Uint8Array(rec.rows[0].head_key as Buffer) : null;
      if (!sameHeadKey(stored, h.expectedHeadKey)) return { ok: false, recordChanged: true };
      // One conditional upsert: it writes only when the sequence goes up (or over an unsigned head, when allowed).
      const up = await c.query(
        `INSERT INTO vault_heads (account_id, sequence, digest, signature, updated_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (account_id) DO UPDATE SET sequence = EXCLUDED.sequence, digest = EXCLUDED.digest, signature = EXCLUDED.signature,
          updated_at = EXCLUDED.updated_at
        WHERE vault_heads.sequence < EXCLUDED.sequence OR ($6::boolean AND vault_heads.signature IS NULL) RETURNING *`,
        [accountId, h.sequence, h.digest, h.signature, now, h.replaceUnsigned],
      );
      if (up.rows[0]) return { ok: true, head: headFromRow(up.rows[0]) };
      const cur = headFromRow((await c.query("SELECT * FROM vault_heads WHERE account_id = $1", [accountId])).rows[0]);
      return cur.sequence === h.sequence && cur.digest === h.digest ? { ok: true, head: cur } : { ok: false, current: cur };
    });
  }

  async eraseExpiredLoginStates(now: number, limit: number): Promise<number> {
    const r = await this.#q(
      `UPDATE vault_attempts SET sealed_state = NULL WHERE login_id IN
      (SELECT login_id FROM vault_attempts WHERE sealed_state IS NOT NULL AND expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, limit],
    );
    return r.rowCount ?? 0;
  }

  async unauthenticatedAccounts(limit: number): Promise<string[]> {
    const r = await this.#q("SELECT account_id FROM vault_records WHERE state_mac IS NULL LIMIT $1", [limit]);
    return r.rows.map((x) => String(x.account_id));
  }

  async legacyMigrationPending(): Promise<boolean> {
    return (await this.#q("SELECT 1 FROM vault_meta WHERE key = $1", [LEGACY_MIGRATION_KEY])).rows.length > 0;
  }

  async finishLegacyMigration(): Promise<void> {
    await this.#q("DELETE FROM vault_meta WHERE key = $1", [LEGACY_MIGRATION_KEY]);
  }

  async getSealedSecrets(): Promise<SealedSecretsRow | null> {
    const r = await this.#q("SELECT * FROM vault_secrets WHERE id = 1");
    const x = r.rows[0];
    return x
      ? { sealerKind: String(x.sealer_kind), keyId: String(x.key_id), sealed: new Uint8Array(x.sealed as Buffer), createdAt: Number(x.created_at) }
      : null;
  }

  async putSealedSecretsIfAbsent(row: SealedSecretsRow): Promise<SealedSecretsRow> {
    await this.#q("INSERT INTO vault_secrets (id, sealer_kind, key_id, sealed, created_at) VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING", [
      row.sealerKind,
      row.keyId,
      buf(row.sealed),
      row.createdAt,
    ]);
    return (await this.getSealedSecrets())!;
  }

  async replaceSealedSecrets(expectedSealed: Uint8Array, sealed: Uint8Array): Promise<SealedSecretsRow> {
    await this.#q("UPDATE vault_secrets SET sealed = $1 WHERE id = 1 AND sealed = $2", [buf(sealed), buf(expectedSealed)]);
    return (await this.getSealedSecrets())!;
  }

  async getClockOffset(): Promise<number> {
    const r = await this.#q("SELECT offset_ms FROM vault_test_clock WHERE id = 1");
    return r.rows[0] ? Number(r.rows[0].offset_ms) : 0;
  }

  async advanceClockOffset(ms: number): Promise<number> {
    const r = await this.#q(
      `INSERT INTO vault_test_clock (id, offset_ms) VALUES (1, $1)
      ON CONFLICT (id) DO UPDATE SET offset_ms = vault_test_clock.offset_ms + EXCLUDED.offset_ms RETURNING offset_ms`,
      [ms],
    );
    return Number(r.rows[0].offset_ms);
  }

  async ping(): Promise<void> {
    await this.#q("SELECT 1");
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** Lost the race to create an account's row; the transaction is retried. */
class CreateRace extends Error {}

function wrap(e: unknown): unknown {
  if (e instanceof StoreUnavailableError || e instanceof CreateRace) return e;
  // Connection-level failures are "unavailable" (→ 503, retryable); anything else is a bug and stays as is.
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : "";
  const connectionLevel =
    e instanceof pg.DatabaseError
      ? typeof code === "string" && (code.startsWith("08") || code.startsWith("57P") || code.startsWith("53"))
      : (typeof code === "string" && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NOTFOUND|AI_AGAIN)$/.test(code)) ||
        /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
  return connectionLevel ? new StoreUnavailableError("database unavailable", { cause: e }) : e;
}
