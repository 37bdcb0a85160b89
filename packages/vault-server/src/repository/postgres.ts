/**
 * PostgreSQL repository (`pg`), for any number of stateless vault nodes sharing one
 * database. `changeRecord` locks the account's row with `SELECT … FOR UPDATE` (and the
 * attempt row, when asked), so a count made by one node is committed and seen by every
 * other before it can count again. An account without a row is created with
 * `INSERT … ON CONFLICT DO NOTHING`; losing that race retries the whole transaction
 * (spec/vault-protocol.md §10.2).
 */
import pg from "pg";
import type {
  AttemptRow, ChangeOptions, HeadAdvance, HeadRow, HeadWrite, RecordChange, RecordRow, SealedSecretsRow, VaultRepository,
} from "./repository.ts";
import { RepositoryUnavailableError, sameHeadKey } from "./repository.ts";
import { ADDED_COLUMNS, LEGACY_MIGRATION_KEY, addedColumnType, attemptFromRow, headFromRow, recordFromRow } from "./sqlite.ts";

export interface PostgresRepositoryOptions {
  /** postgres://user@host:port/database */
  url: string;
  /** Connections per process (default 10). */
  poolSize?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS vault_records (
  account_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('active', 'destroyed')),
  version INTEGER NOT NULL,
  sealed_record BYTEA,
  key_stretching TEXT,
  consecutive_failures INTEGER NOT NULL,
  total_failures INTEGER NOT NULL,
  lockouts INTEGER NOT NULL,
  locked_until BIGINT,
  last_login_expires_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  destroyed_at BIGINT,
  record_id TEXT,
  head_key BYTEA,
  state_mac BYTEA
);
CREATE TABLE IF NOT EXISTS vault_attempts (
  login_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  record_version INTEGER NOT NULL,
  started_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'success', 'failed')),
  sealed_state BYTEA
);
CREATE INDEX IF NOT EXISTS vault_attempts_by_account ON vault_attempts (account_id, started_at);
CREATE TABLE IF NOT EXISTS vault_heads (
  account_id TEXT PRIMARY KEY,
  sequence BIGINT NOT NULL,
  digest TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  signature TEXT
);
CREATE TABLE IF NOT EXISTS vault_secrets (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  sealer_kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  sealed BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS vault_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS vault_attempts_sealed ON vault_attempts (expires_at) WHERE sealed_state IS NOT NULL;
CREATE TABLE IF NOT EXISTS vault_test_clock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  offset_ms BIGINT NOT NULL
);
`;

/** Advisory-lock key space of the vault (any constant; keeps us apart from other users of the DB). */
const MIGRATION_LOCK = 7_471_001;
const buf = (b: Uint8Array | null): Buffer | null => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export class PostgresRepository implements VaultRepository {
  readonly kind = "postgres";
  readonly #pool: pg.Pool;

  constructor(options: PostgresRepositoryOptions) {
    this.#pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle client's error (e.g. the server restarted) must not crash the process.
    this.#pool.on("error", () => {});
  }

  async #q(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    try {
      return await this.#pool.query(sql, params);
    } catch (cause) {
      throw wrap(cause);
    }
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw wrap(cause);
    }
    try {
      await client.query("BEGIN");
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

  async migrate(): Promise<void> {
    await this.#tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await c.query(SCHEMA);
      for (const [table, column, type] of ADDED_COLUMNS) {
        const has = await c.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
          AND table_name = $1 AND column_name = $2`, [table, column]);
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

  async changeRecord<T>(
    accountId: string,
    change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>,
    options: ChangeOptions = {},
  ): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await this.#tx(async (c) => {
          // Relaxed: COMMIT does not wait for the WAL flush (lost only in a server crash).
          if (options.durability === "relaxed") await c.query("SET LOCAL synchronous_commit = off");
          const r = await c.query("SELECT * FROM vault_records WHERE account_id = $1 FOR UPDATE", [accountId]);
          const a = options.loginId === undefined ? undefined
            : (await c.query("SELECT * FROM vault_attempts WHERE login_id = $1 AND account_id = $2 FOR UPDATE", [options.loginId, accountId])).rows[0];
          const ch = change(r.rows[0] ? recordFromRow(r.rows[0]) : null, a ? attemptFromRow(a) : null);
          await this.#apply(c, accountId, ch, r.rows.length > 0);
          return ch.result;
        });
      } catch (e) {
        if (!(e instanceof CreateRace) || tries >= 5) throw e;
      }
    }
  }

  async #apply<T>(c: pg.PoolClient, accountId: string, ch: RecordChange<T>, exists: boolean): Promise<void> {
    if (ch.record && "delete" in ch.record) {
      await c.query("DELETE FROM vault_records WHERE account_id = $1", [accountId]);
    } else if (ch.record && "counters" in ch.record) {
      const k = ch.record.counters;
      await c.query(`UPDATE vault_records SET consecutive_failures = $1, total_failures = $2, lockouts = $3, locked_until = $4,
          last_login_expires_at = $5, updated_at = $6, state_mac = $8 WHERE account_id = $7`,
      [k.consecutiveFailures, k.totalFailures, k.lockouts, k.lockedUntil, k.lastLoginExpiresAt, k.updatedAt, accountId, buf(k.stateMac ?? null)]);
    } else if (ch.record) {
      const p = ch.record.put;
      if (p.accountId !== accountId) throw new Error("changeRecord: record for another account");
      const values = [
        accountId, p.state, p.version, buf(p.sealedRecord), p.keyStretching, p.consecutiveFailures, p.totalFailures,
        p.lockouts, p.lockedUntil, p.lastLoginExpiresAt, p.createdAt, p.updatedAt, p.destroyedAt, p.recordId, buf(p.headKey), buf(p.stateMac),
      ];
      if (exists) {
        await c.query(`UPDATE vault_records SET state = $2, version = $3, sealed_record = $4, key_stretching = $5,
            consecutive_failures = $6, total_failures = $7, lockouts = $8, locked_until = $9, last_login_expires_at = $10,
            created_at = $11, updated_at = $12, destroyed_at = $13, record_id = $14, head_key = $15, state_mac = $16 WHERE account_id = $1`, values);
      } else {
        const ins = await c.query(`INSERT INTO vault_records (account_id, state, version, sealed_record, key_stretching, consecutive_failures,
            total_failures, lockouts, locked_until, last_login_expires_at, created_at, updated_at, destroyed_at, record_id, head_key, state_mac)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (account_id) DO NOTHING`, values);
        if (ins.rowCount !== 1) throw new CreateRace(); // another node created it meanwhile: decide again
      }
    }
    if (ch.deleteAttempts) await c.query("DELETE FROM vault_attempts WHERE account_id = $1", [accountId]);
    if (ch.deleteHead) await c.query("DELETE FROM vault_heads WHERE account_id = $1", [accountId]);
    if (ch.pruneAttemptsBefore !== undefined) {
      await c.query("DELETE FROM vault_attempts WHERE account_id = $1 AND started_at < $2 AND outcome <> 'pending'", [accountId, ch.pruneAttemptsBefore]);
    }
    if (ch.keepNewestAttempts !== undefined) {
      await c.query(`DELETE FROM vault_attempts WHERE account_id = $1 AND outcome <> 'pending' AND login_id NOT IN
        (SELECT login_id FROM vault_attempts WHERE account_id = $1 ORDER BY started_at DESC, login_id LIMIT $2)`, [accountId, ch.keepNewestAttempts]);
    }
    if (ch.eraseStatesExpiredAt !== undefined) {
      await c.query("UPDATE vault_attempts SET sealed_state = NULL WHERE account_id = $1 AND expires_at <= $2 AND sealed_state IS NOT NULL",
        [accountId, ch.eraseStatesExpiredAt]);
    }
    if (ch.setAttemptOutcome) {
      await c.query("UPDATE vault_attempts SET outcome = $1, sealed_state = NULL WHERE login_id = $2 AND account_id = $3",
        [ch.setAttemptOutcome.outcome, ch.setAttemptOutcome.loginId, accountId]);
    }
    if (ch.insertAttempt) {
      const a = ch.insertAttempt;
      await c.query(`INSERT INTO vault_attempts (login_id, account_id, record_version, started_at, expires_at, outcome, sealed_state, locked_until)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [a.loginId, accountId, a.recordVersion, a.startedAt, a.expiresAt, a.outcome, buf(a.sealedState), a.lockedUntil ?? null]);
    }
  }

  async getAttempt(accountId: string, loginId: string): Promise<AttemptRow | null> {
    const r = await this.#q("SELECT * FROM vault_attempts WHERE login_id = $1 AND account_id = $2", [loginId, accountId]);
    return r.rows[0] ? attemptFromRow(r.rows[0]) : null;
  }

  async recentAttempts(accountId: string, limit: number): Promise<AttemptRow[]> {
    const r = await this.#q(`SELECT login_id, account_id, record_version, started_at, expires_at, outcome, locked_until FROM vault_attempts
      WHERE account_id = $1 ORDER BY started_at DESC, login_id LIMIT $2`, [accountId, limit]);
    return r.rows.map(attemptFromRow);
  }

  async exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]> {
    const r = await this.#q(`SELECT account_id FROM vault_records WHERE state = 'active' AND total_failures >= $1
      AND (last_login_expires_at IS NULL OR last_login_expires_at <= $2) LIMIT $3`, [failureBudget, now, limit]);
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
      const up = await c.query(`INSERT INTO vault_heads (account_id, sequence, digest, signature, updated_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (account_id) DO UPDATE SET sequence = EXCLUDED.sequence, digest = EXCLUDED.digest, signature = EXCLUDED.signature,
          updated_at = EXCLUDED.updated_at
        WHERE vault_heads.sequence < EXCLUDED.sequence OR ($6::boolean AND vault_heads.signature IS NULL) RETURNING *`,
      [accountId, h.sequence, h.digest, h.signature, now, h.replaceUnsigned]);
      if (up.rows[0]) return { ok: true, head: headFromRow(up.rows[0]) };
      const cur = headFromRow((await c.query("SELECT * FROM vault_heads WHERE account_id = $1", [accountId])).rows[0]);
      return cur.sequence === h.sequence && cur.digest === h.digest ? { ok: true, head: cur } : { ok: false, current: cur };
    });
  }

  async eraseExpiredLoginStates(now: number, limit: number): Promise<number> {
    const r = await this.#q(`UPDATE vault_attempts SET sealed_state = NULL WHERE login_id IN
      (SELECT login_id FROM vault_attempts WHERE sealed_state IS NOT NULL AND expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, [now, limit]);
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
    return x ? { sealerKind: String(x.sealer_kind), keyId: String(x.key_id), sealed: new Uint8Array(x.sealed as Buffer), createdAt: Number(x.created_at) } : null;
  }

  async putSealedSecretsIfAbsent(row: SealedSecretsRow): Promise<SealedSecretsRow> {
    await this.#q("INSERT INTO vault_secrets (id, sealer_kind, key_id, sealed, created_at) VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
      [row.sealerKind, row.keyId, buf(row.sealed), row.createdAt]);
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
    const r = await this.#q(`INSERT INTO vault_test_clock (id, offset_ms) VALUES (1, $1)
      ON CONFLICT (id) DO UPDATE SET offset_ms = vault_test_clock.offset_ms + EXCLUDED.offset_ms RETURNING offset_ms`, [ms]);
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
  if (e instanceof RepositoryUnavailableError || e instanceof CreateRace) return e;
  // Connection-level failures are "unavailable" (→ 503, retryable); anything else is a bug and stays as is.
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : "";
  const connectionLevel = e instanceof pg.DatabaseError
    ? typeof code === "string" && (code.startsWith("08") || code.startsWith("57P") || code.startsWith("53"))
    : (typeof code === "string" && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NOTFOUND|AI_AGAIN)$/.test(code)) ||
      /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
  return connectionLevel ? new RepositoryUnavailableError("database unavailable", { cause: e }) : e;
}
