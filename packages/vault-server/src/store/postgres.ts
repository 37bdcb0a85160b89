/**
 * PostgreSQL store (`pg`), for any number of stateless vault nodes sharing one
 * database. `changeRecord` locks the account's row with `SELECT … FOR UPDATE` (and the
 * attempt row, when asked), so a count made by one node is committed and seen by every
 * other before it can count again. An account without a row is created with
 * `INSERT … ON CONFLICT DO NOTHING`; losing that race retries the whole transaction
 * (spec/vault-protocol.md §10.2).
 *
 * This file is the `VaultStore` over its parts — `postgres-pool.ts` (connections, the
 * transaction helper, unavailable errors), `postgres-schema.ts` (schema and migration),
 * `postgres-change.ts` (a change's locking transaction), `postgres-compare-and-set.ts`
 * (a change's one-statement fast path) — plus the reads, the head, the sweep, the sealed
 * secrets and the test clock, one statement each.
 */
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
import { sameHeadKey } from "./vault-store.ts";
import { migrateSchema } from "./postgres-schema.ts";
import { BEGIN_RELAXED, CreateRace, PostgresPool } from "./postgres-pool.ts";
import { READ_RECORD_AND_ATTEMPT, applyChange, lockForChange, recordAndAttempt } from "./postgres-change.ts";
import { changeIfUnchanged, settleIfUnchanged } from "./postgres-compare-and-set.ts";
import { LEGACY_MIGRATION_KEY, attemptFromRow, headFromRow, recordFromRow, sealedSecretsFromRow, buf } from "./rows.ts";

export interface PostgresVaultStoreOptions {
  /** postgres://user@host:port/database */
  url: string;
  /** Connections per process (default 10). */
  poolSize?: number;
}

export class PostgresVaultStore implements VaultStore {
  readonly kind = "postgres";
  readonly #pool: PostgresPool;

  constructor(options: PostgresVaultStoreOptions) {
    this.#pool = new PostgresPool(options.url, options.poolSize ?? 10);
  }

  async migrate(options: MigrateOptions = {}): Promise<void> {
    await this.#pool.transaction((c) => migrateSchema(c, options));
  }

  async getRecord(accountId: string): Promise<RecordRow | null> {
    const r = await this.#pool.query("SELECT * FROM vault_records WHERE account_id = $1", [accountId]);
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
            ? await changeIfUnchanged(this.#pool, accountId, change, options.expected)
            : null
          : options.expectedAttempt?.loginId === options.loginId
            ? await settleIfUnchanged(
                this.#pool,
                accountId,
                change,
                options.expected,
                options.expectedAttempt,
                options.durability === "relaxed",
                options.attempts,
              )
            : null;
      if (decided) return decided.result;
    }
    for (let tries = 0; ; tries++) {
      try {
        return await this.#pool.transaction(
          async (c) => {
            const [r, a] = await lockForChange(c, accountId, options.loginId);
            const ch = change(r, a);
            await applyChange(c, accountId, ch, r !== null);
            return ch.result;
          },
          options.durability === "relaxed" ? BEGIN_RELAXED : "BEGIN",
        );
      } catch (e) {
        if (!(e instanceof CreateRace) || tries >= 5) throw e;
      }
    }
  }

  async getAttempt(accountId: string, loginId: string): Promise<AttemptRow | null> {
    const r = await this.#pool.query("SELECT * FROM vault_attempts WHERE login_id = $1 AND account_id = $2", [loginId, accountId]);
    return r.rows[0] ? attemptFromRow(r.rows[0]) : null;
  }

  async getLogin(accountId: string, loginId: string): Promise<{ attempt: AttemptRow | null; record: RecordRow | null }> {
    const r = await this.#pool.query({ name: "cv_read_record_attempt", text: READ_RECORD_AND_ATTEMPT, values: [accountId, loginId] });
    return recordAndAttempt(r.rows[0] as Record<string, unknown>);
  }

  async recentAttempts(accountId: string, limit: number): Promise<AttemptRow[]> {
    const r = await this.#pool.query(
      `SELECT login_id, account_id, record_version, started_at, expires_at, outcome, locked_until FROM vault_attempts
      WHERE account_id = $1 ORDER BY started_at DESC, login_id LIMIT $2`,
      [accountId, limit],
    );
    return r.rows.map(attemptFromRow);
  }

  async exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]> {
    const r = await this.#pool.query(
      `SELECT account_id FROM vault_records WHERE state = 'active' AND total_failures >= $1
      AND (last_login_expires_at IS NULL OR last_login_expires_at <= $2) LIMIT $3`,
      [failureBudget, now, limit],
    );
    return r.rows.map((x) => String(x.account_id));
  }

  async getHead(accountId: string): Promise<HeadRow | null> {
    const r = await this.#pool.query("SELECT * FROM vault_heads WHERE account_id = $1", [accountId]);
    return r.rows[0] ? headFromRow(r.rows[0]) : null;
  }

  async advanceHead(accountId: string, h: HeadWrite, now: number): Promise<HeadAdvance> {
    return this.#pool.transaction(async (c) => {
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
    const r = await this.#pool.query(
      `UPDATE vault_attempts SET sealed_state = NULL WHERE login_id IN
      (SELECT login_id FROM vault_attempts WHERE sealed_state IS NOT NULL AND expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, limit],
    );
    return r.rowCount ?? 0;
  }

  async unauthenticatedAccounts(limit: number): Promise<string[]> {
    const r = await this.#pool.query("SELECT account_id FROM vault_records WHERE state_mac IS NULL LIMIT $1", [limit]);
    return r.rows.map((x) => String(x.account_id));
  }

  async legacyMigrationPending(): Promise<boolean> {
    return (await this.#pool.query("SELECT 1 FROM vault_meta WHERE key = $1", [LEGACY_MIGRATION_KEY])).rows.length > 0;
  }

  async finishLegacyMigration(): Promise<void> {
    await this.#pool.query("DELETE FROM vault_meta WHERE key = $1", [LEGACY_MIGRATION_KEY]);
  }

  async getSealedSecrets(): Promise<SealedSecretsRow | null> {
    const r = await this.#pool.query("SELECT * FROM vault_secrets WHERE id = 1");
    return r.rows[0] ? sealedSecretsFromRow(r.rows[0]) : null;
  }

  async putSealedSecretsIfAbsent(row: SealedSecretsRow): Promise<SealedSecretsRow> {
    await this.#pool.query("INSERT INTO vault_secrets (id, sealer_kind, key_id, sealed, created_at) VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING", [
      row.sealerKind,
      row.keyId,
      buf(row.sealed),
      row.createdAt,
    ]);
    return (await this.getSealedSecrets())!;
  }

  async replaceSealedSecrets(expectedSealed: Uint8Array, sealed: Uint8Array): Promise<SealedSecretsRow> {
    await this.#pool.query("UPDATE vault_secrets SET sealed = $1 WHERE id = 1 AND sealed = $2", [buf(sealed), buf(expectedSealed)]);
    return (await this.getSealedSecrets())!;
  }

  async getClockOffset(): Promise<number> {
    const r = await this.#pool.query("SELECT offset_ms FROM vault_test_clock WHERE id = 1");
    return r.rows[0] ? Number(r.rows[0].offset_ms) : 0;
  }

  async advanceClockOffset(ms: number): Promise<number> {
    const r = await this.#pool.query(
      `INSERT INTO vault_test_clock (id, offset_ms) VALUES (1, $1)
      ON CONFLICT (id) DO UPDATE SET offset_ms = vault_test_clock.offset_ms + EXCLUDED.offset_ms RETURNING offset_ms`,
      [ms],
    );
    return Number(r.rows[0].offset_ms);
  }

  async ping(): Promise<void> {
    await this.#pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
