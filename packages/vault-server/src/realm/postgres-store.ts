/**
 * PostgreSQL realm store, for any number of stateless realm nodes on one database. A
 * change locks the account row with `SELECT … FOR UPDATE` (and the attempt row when
 * asked); creating a row uses `INSERT … ON CONFLICT DO NOTHING` and a lost race retries
 * the whole transaction (as in `../store/postgres.ts`).
 */
import pg from "pg";
import { StoreUnavailableError } from "../store/vault-store.ts";
import {
  ACCOUNT_COLUMNS,
  ATTEMPT_COLUMNS_ADDED,
  accountFromRow,
  accountValues,
  attemptFromRow,
  realmSchema,
  toBuffer,
  type RealmAccountRow,
  type RealmAttemptRow,
  type RealmChange,
  type RealmChangeOptions,
  type RealmStore,
} from "./store.ts";

const MIGRATION_LOCK = 7_471_002;
const params = ACCOUNT_COLUMNS.map((_c, i) => `$${i + 1}`).join(", ");
const INSERT = `INSERT INTO realm_accounts (${ACCOUNT_COLUMNS.join(", ")}) VALUES (${params}) ON CONFLICT (account_id) DO NOTHING`;
const UPDATE = `UPDATE realm_accounts SET ${ACCOUNT_COLUMNS.slice(1)
  .map((c, i) => `${c} = $${i + 2}`)
  .join(", ")} WHERE account_id = $1`;

class CreateRace extends Error {}

export class PostgresRealmStore implements RealmStore {
  readonly kind = "postgres";
  readonly #pool: pg.Pool;

  constructor(url: string, poolSize = 10) {
    this.#pool = new pg.Pool({ connectionString: url, max: poolSize });
    this.#pool.on("error", () => {});
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>, relaxed = false): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw new StoreUnavailableError("database unavailable", { cause });
    }
    try {
      // Relaxed (a settled attempt, spec/threshold-vault.md §5.5): the commit does not wait for the WAL flush.
      await client.query(relaxed ? "BEGIN; SET LOCAL synchronous_commit = off" : "BEGIN");
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    await this.#tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await c.query(realmSchema("BYTEA", "BIGINT"));
      for (const [name, type] of ATTEMPT_COLUMNS_ADDED) await c.query(`ALTER TABLE realm_attempts ADD COLUMN IF NOT EXISTS ${name} ${type}`);
    });
  }

  async getAccount(accountId: string): Promise<RealmAccountRow | null> {
    const r = await this.#pool.query("SELECT * FROM realm_accounts WHERE account_id = $1", [accountId]);
    return r.rows[0] ? accountFromRow(r.rows[0]) : null;
  }

  async changeAccount<T>(
    accountId: string,
    change: (current: RealmAccountRow | null, attempt: RealmAttemptRow | null) => RealmChange<T>,
    options: RealmChangeOptions = {},
  ): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await this.#tx(async (c) => {
          const r = await c.query("SELECT * FROM realm_accounts WHERE account_id = $1 FOR UPDATE", [accountId]);
          const a =
            options.attemptId === undefined
              ? undefined
              : (await c.query("SELECT * FROM realm_attempts WHERE attempt_id = $1 AND account_id = $2 FOR UPDATE", [options.attemptId, accountId])).rows[0];
          const ch = change(r.rows[0] ? accountFromRow(r.rows[0]) : null, a ? attemptFromRow(a) : null);
          if (ch.put) {
            if (ch.put.accountId !== accountId) throw new Error("changeAccount: row for another account");
            if (r.rows.length > 0) await c.query(UPDATE, accountValues(ch.put));
            else if ((await c.query(INSERT, accountValues(ch.put))).rowCount !== 1) throw new CreateRace();
          }
          if (ch.deleteAttempts) await c.query("DELETE FROM realm_attempts WHERE account_id = $1", [accountId]);
          if (ch.updateAttempt) {
            await c.query("UPDATE realm_attempts SET outcome = $1, mac = $2 WHERE attempt_id = $3 AND account_id = $4", [
              ch.updateAttempt.outcome,
              toBuffer(ch.updateAttempt.mac),
              ch.updateAttempt.attemptId,
              accountId,
            ]);
          }
          if (ch.insertAttempt) {
            const x = ch.insertAttempt;
            await c.query(
              `INSERT INTO realm_attempts (attempt_id, account_id, version, registration_id, started_at, expires_at, outcome, blinded, mac)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
              [x.attemptId, accountId, x.version, x.registrationId, x.startedAt, x.expiresAt, x.outcome, x.blinded, toBuffer(x.mac)],
            );
          }
          return ch.result;
        }, options.durability === "relaxed");
      } catch (e) {
        if (!(e instanceof CreateRace) || tries >= 5) throw e;
      }
    }
  }

  async sweepExpiredAttempts(before: number, limit: number): Promise<number> {
    const r = await this.#pool.query("DELETE FROM realm_attempts WHERE attempt_id IN (SELECT attempt_id FROM realm_attempts WHERE expires_at < $1 LIMIT $2)", [
      before,
      limit,
    ]);
    return r.rowCount ?? 0;
  }

  async exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]> {
    const r = await this.#pool.query(
      `SELECT account_id FROM realm_accounts WHERE state = 'active' AND total_failures >= $1
      AND (last_attempt_expires_at IS NULL OR last_attempt_expires_at <= $2) LIMIT $3`,
      [failureBudget, now, limit],
    );
    return r.rows.map((x) => String(x.account_id));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
