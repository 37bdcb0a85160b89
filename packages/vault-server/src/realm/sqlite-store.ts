/**
 * SQLite realm store (better-sqlite3, WAL), on the vault's own database file. A change
 * runs in `BEGIN IMMEDIATE`, which takes SQLite's write lock before reading, so counting
 * is atomic across every process that opens the file (as in `../store/sqlite.ts`).
 * Changes are group-committed like the vault's records: one transaction (one fsync) for
 * every change queued in one event-loop turn, each in its own savepoint.
 */
import Database from "better-sqlite3";
import { StoreUnavailableError } from "../store/vault-store.ts";
import { retryWhileBusy } from "../store/sqlite-busy.ts";
import { GroupCommit } from "../store/sqlite-group-commit.ts";
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

type Row = Record<string, unknown>;

interface QueuedChange {
  accountId: string;
  change: (current: RealmAccountRow | null, attempt: RealmAttemptRow | null) => RealmChange<unknown>;
  attemptId: string | undefined;
  relaxed: boolean;
}
const UPSERT = `INSERT OR REPLACE INTO realm_accounts (${ACCOUNT_COLUMNS.join(", ")}) VALUES (${ACCOUNT_COLUMNS.map(() => "?").join(", ")})`;

export class SqliteRealmStore implements RealmStore {
  readonly kind = "sqlite";
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #group: GroupCommit<QueuedChange>;
  readonly #syncNormal: Database.Statement;
  readonly #syncFull: Database.Statement;

  constructor(
    path: string,
    private readonly busyTimeoutMs = 10_000,
  ) {
    try {
      this.#db = new Database(path);
      this.#db.pragma("busy_timeout = 5000");
      this.#db.pragma("journal_mode = WAL");
      // Every counted attempt is durable before the evaluation leaves (spec: count before answer).
      this.#db.pragma("synchronous = FULL");
      this.#db.pragma("secure_delete = ON");
      this.#db.pragma("busy_timeout = 0");
      this.#syncNormal = this.#db.prepare("PRAGMA synchronous = NORMAL");
      this.#syncFull = this.#db.prepare("PRAGMA synchronous = FULL");
    } catch (cause) {
      throw new StoreUnavailableError(`cannot open SQLite database ${path}`, { cause });
    }
    this.#group = new GroupCommit<QueuedChange>({
      db: this.#db,
      run: (q) => this.#runChange(q),
      write: (fn) => this.#write(fn),
      // A batch of only relaxed changes (settled attempts, §5.5) commits without the fsync; any
      // other change in the batch makes the whole commit durable (as the vault's store, ../store/sqlite.ts).
      commit: (batch, commit) => {
        if (!batch.every((q) => q.relaxed)) return commit();
        this.#syncNormal.run();
        try {
          commit();
        } finally {
          this.#syncFull.run();
        }
      },
    });
  }

  async migrate(): Promise<void> {
    await this.#write(() =>
      this.#db
        .transaction(() => {
          this.#db.exec(realmSchema("BLOB", "INTEGER"));
          // A database created before a column was added: add it (SQLite has no ADD COLUMN IF NOT EXISTS).
          const have = new Set((this.#db.prepare("PRAGMA table_info(realm_attempts)").all() as { name: string }[]).map((c) => c.name));
          for (const [name, type] of ATTEMPT_COLUMNS_ADDED) if (!have.has(name)) this.#db.exec(`ALTER TABLE realm_attempts ADD COLUMN ${name} ${type}`);
        })
        .immediate(),
    );
  }

  async getAccount(accountId: string): Promise<RealmAccountRow | null> {
    const r = this.#stmt("SELECT * FROM realm_accounts WHERE account_id = ?").get(accountId) as Row | undefined;
    return r ? accountFromRow(r) : null;
  }

  /**
   * Group commit (as the vault's records, `../store/sqlite.ts`, spec/vault-protocol.md
   * §10.1): changes are queued and the queue is written in one `BEGIN IMMEDIATE`
   * transaction — one fsync (`synchronous = FULL`) for every realm request that arrived
   * meanwhile — with each change in its own savepoint, so one failing change rolls back
   * alone. No promise resolves before the COMMIT has returned, so an attempt is still
   * counted durably before its evaluation leaves (spec/threshold-vault.md §5.4).
   */
  changeAccount<T>(
    accountId: string,
    change: (current: RealmAccountRow | null, attempt: RealmAttemptRow | null) => RealmChange<T>,
    options: RealmChangeOptions = {},
  ): Promise<T> {
    return this.#group.enqueue<T>({ accountId, change, attemptId: options.attemptId, relaxed: options.durability === "relaxed" });
  }

  /** The connection's `synchronous` setting now (2 = FULL): a relaxed commit must leave it FULL (tests). */
  get synchronousSetting(): number {
    return this.#db.pragma("synchronous", { simple: true }) as number;
  }

  /** Account changes committed so far and the commits (fsyncs) that wrote them. */
  get groupCommitStats(): { commits: number; changes: number } {
    return this.#group.stats;
  }

  /** One queued change: run under the batch's write lock, in its own savepoint. */
  #runChange(q: QueuedChange): unknown {
    const { accountId } = q;
    const r = this.#stmt("SELECT * FROM realm_accounts WHERE account_id = ?").get(accountId) as Row | undefined;
    const a =
      q.attemptId === undefined
        ? undefined
        : (this.#stmt("SELECT * FROM realm_attempts WHERE attempt_id = ? AND account_id = ?").get(q.attemptId, accountId) as Row | undefined);
    const c = q.change(r ? accountFromRow(r) : null, a ? attemptFromRow(a) : null);
    if (c.put) {
      if (c.put.accountId !== accountId) throw new Error("changeAccount: row for another account");
      this.#stmt(UPSERT).run(...accountValues(c.put));
    }
    if (c.deleteAttempts) this.#stmt("DELETE FROM realm_attempts WHERE account_id = ?").run(accountId);
    if (c.updateAttempt) {
      this.#stmt("UPDATE realm_attempts SET outcome = ?, mac = ? WHERE attempt_id = ? AND account_id = ?").run(
        c.updateAttempt.outcome,
        toBuffer(c.updateAttempt.mac),
        c.updateAttempt.attemptId,
        accountId,
      );
    }
    if (c.insertAttempt) {
      const x = c.insertAttempt;
      this.#stmt(
        `INSERT INTO realm_attempts (attempt_id, account_id, version, registration_id, started_at, expires_at, outcome, blinded, mac)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(x.attemptId, accountId, x.version, x.registrationId, x.startedAt, x.expiresAt, x.outcome, x.blinded, toBuffer(x.mac));
    }
    return c.result;
  }

  async sweepExpiredAttempts(before: number, limit: number): Promise<number> {
    return this.#write(
      () =>
        this.#stmt("DELETE FROM realm_attempts WHERE attempt_id IN (SELECT attempt_id FROM realm_attempts WHERE expires_at < ? LIMIT ?)").run(before, limit)
          .changes,
    );
  }

  async exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]> {
    const rows = this.#stmt(
      `SELECT account_id FROM realm_accounts WHERE state = 'active' AND total_failures >= ?
      AND (last_attempt_expires_at IS NULL OR last_attempt_expires_at <= ?) LIMIT ?`,
    ).all(failureBudget, now, limit) as Row[];
    return rows.map((r) => String(r.account_id));
  }

  async close(): Promise<void> {
    // Changes already queued are written (or fail) before the file closes.
    await this.#group.drain();
    if (this.#db.open) this.#db.close();
  }

  /** Busy → retried after a short async pause, never SQLite's synchronous busy wait (../store/sqlite-busy.ts). */
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
