/**
 * SQLite realm store (better-sqlite3, WAL), on the vault's own database file. A change
 * runs in `BEGIN IMMEDIATE`, which takes SQLite's write lock before reading, so counting
 * is atomic across every process that opens the file (as in `../repository/sqlite.ts`).
 */
import Database from "better-sqlite3";
import { RepositoryUnavailableError } from "../repository/repository.ts";
import { retryWhileBusy } from "../repository/sqlite-busy.ts";
import {
  ACCOUNT_COLUMNS, ATTEMPT_COLUMNS_ADDED, accountFromRow, accountValues, attemptFromRow, realmSchema, toBuffer,
  type RealmAccountRow, type RealmAttemptRow, type RealmChange, type RealmStore,
} from "./store.ts";

type Row = Record<string, unknown>;
const UPSERT = `INSERT OR REPLACE INTO realm_accounts (${ACCOUNT_COLUMNS.join(", ")}) VALUES (${ACCOUNT_COLUMNS.map(() => "?").join(", ")})`;

export class SqliteRealmStore implements RealmStore {
  readonly kind = "sqlite";
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(path: string, private readonly busyTimeoutMs = 10_000) {
    try {
      this.#db = new Database(path);
      this.#db.pragma("busy_timeout = 5000");
      this.#db.pragma("journal_mode = WAL");
      // Every counted attempt is durable before the evaluation leaves (spec: count before answer).
      this.#db.pragma("synchronous = FULL");
      this.#db.pragma("secure_delete = ON");
      this.#db.pragma("busy_timeout = 0");
    } catch (cause) {
      throw new RepositoryUnavailableError(`cannot open SQLite database ${path}`, { cause });
    }
  }

  async migrate(): Promise<void> {
    await this.#write(() => this.#db.transaction(() => {
      this.#db.exec(realmSchema("BLOB", "INTEGER"));
      // A database created before a column was added: add it (SQLite has no ADD COLUMN IF NOT EXISTS).
      const have = new Set((this.#db.prepare("PRAGMA table_info(realm_attempts)").all() as { name: string }[]).map((c) => c.name));
      for (const [name, type] of ATTEMPT_COLUMNS_ADDED) if (!have.has(name)) this.#db.exec(`ALTER TABLE realm_attempts ADD COLUMN ${name} ${type}`);
    }).immediate());
  }

  async getAccount(accountId: string): Promise<RealmAccountRow | null> {
    const r = this.#stmt("SELECT * FROM realm_accounts WHERE account_id = ?").get(accountId) as Row | undefined;
    return r ? accountFromRow(r) : null;
  }

  async changeAccount<T>(
    accountId: string,
    change: (current: RealmAccountRow | null, attempt: RealmAttemptRow | null) => RealmChange<T>,
    options: { attemptId?: string } = {},
  ): Promise<T> {
    const tx = this.#db.transaction(() => {
      const r = this.#stmt("SELECT * FROM realm_accounts WHERE account_id = ?").get(accountId) as Row | undefined;
      const a = options.attemptId === undefined ? undefined
        : this.#stmt("SELECT * FROM realm_attempts WHERE attempt_id = ? AND account_id = ?").get(options.attemptId, accountId) as Row | undefined;
      const c = change(r ? accountFromRow(r) : null, a ? attemptFromRow(a) : null);
      if (c.put) {
        if (c.put.accountId !== accountId) throw new Error("changeAccount: row for another account");
        this.#stmt(UPSERT).run(...accountValues(c.put));
      }
      if (c.deleteAttempts) this.#stmt("DELETE FROM realm_attempts WHERE account_id = ?").run(accountId);
      if (c.updateAttempt) {
        this.#stmt("UPDATE realm_attempts SET outcome = ?, mac = ? WHERE attempt_id = ? AND account_id = ?")
          .run(c.updateAttempt.outcome, toBuffer(c.updateAttempt.mac), c.updateAttempt.attemptId, accountId);
      }
      if (c.insertAttempt) {
        const x = c.insertAttempt;
        this.#stmt(`INSERT INTO realm_attempts (attempt_id, account_id, version, registration_id, started_at, expires_at, outcome, blinded, mac)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(x.attemptId, accountId, x.version, x.registrationId, x.startedAt, x.expiresAt, x.outcome, x.blinded, toBuffer(x.mac));
      }
      return c.result;
    });
    return this.#write(() => tx.immediate());
  }

  async sweepExpiredAttempts(before: number, limit: number): Promise<number> {
    return this.#write(() => this.#stmt(
      "DELETE FROM realm_attempts WHERE attempt_id IN (SELECT attempt_id FROM realm_attempts WHERE expires_at < ? LIMIT ?)",
    ).run(before, limit).changes);
  }

  async exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]> {
    const rows = this.#stmt(`SELECT account_id FROM realm_accounts WHERE state = 'active' AND total_failures >= ?
      AND (last_attempt_expires_at IS NULL OR last_attempt_expires_at <= ?) LIMIT ?`).all(failureBudget, now, limit) as Row[];
    return rows.map((r) => String(r.account_id));
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** Busy → retried after a short async pause, never SQLite's synchronous busy wait (../repository/sqlite-busy.ts). */
  #write<T>(fn: () => T): Promise<T> {
    return retryWhileBusy(this.busyTimeoutMs, fn);
  }

  #stmt(sql: string): Database.Statement {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }
}
