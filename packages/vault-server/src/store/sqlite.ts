/**
 * SQLite store (better-sqlite3, WAL). `changeRecord` runs in `BEGIN IMMEDIATE`,
 * which takes SQLite's write lock before reading, so counting is atomic across every
 * process that opens the same file (spec/vault-protocol.md §10.1).
 */
import Database from "better-sqlite3";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type {
  AttemptRow,
  ChangeOptions,
  HeadAdvance,
  HeadRow,
  HeadWrite,
  HistoryRow,
  MigrateOptions,
  RecordChange,
  RecordRow,
  SealedSecretsRow,
  VaultStore,
} from "./vault-store.ts";
import { StoreUnavailableError, sameHeadKey } from "./vault-store.ts";
import { retryWhileBusy } from "./sqlite-busy.ts";
import { GroupCommit } from "./sqlite-group-commit.ts";
import { SCHEMA, TEST_CLOCK_SCHEMA } from "./sqlite-schema.ts";
import { applyChange } from "./sqlite-change.ts";
import {
  LEGACY_MIGRATION_KEY,
  type Row,
  addedColumnSteps,
  attemptFromRow,
  bytesOrNull,
  headFromRow,
  num,
  recordFromRow,
  sealedSecretsFromRow,
  buf,
} from "./rows.ts";

export interface SqliteVaultStoreOptions {
  path: string;
  /**
   * `FULL` (default) makes every counted attempt durable before KE2 leaves, even across
   * power loss; `NORMAL` survives process crashes only (faster).
   */
  synchronous?: "FULL" | "NORMAL";
  busyTimeoutMs?: number;
}

interface QueuedChange {
  accountId: string;
  change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<unknown>;
  options: ChangeOptions;
}

export class SqliteVaultStore implements VaultStore {
  readonly kind = "sqlite";
  readonly #db: Database.Database;
  readonly #busyTimeoutMs: number;
  readonly #synchronous: "FULL" | "NORMAL";
  readonly #statements = new Map<string, Database.Statement>();
  /** `#stmt` as a function value, made once (sqlite-change.ts takes it). */
  readonly #prepared = (sql: string): Database.Statement => this.#stmt(sql);
  readonly #group: GroupCommit<QueuedChange>;
  readonly #syncNormal: Database.Statement;
  readonly #syncFull: Database.Statement;
  /** The attempt-history read, one statement per row limit (see `recentAttempts`). */
  readonly #history = new Map<number, Database.Statement>();
  /** The history's rows as one JSON value, one statement per row limit (see `historyRows`). */
  readonly #historyJson = new Map<number, Database.Statement>();

  constructor(options: SqliteVaultStoreOptions) {
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.#synchronous = options.synchronous ?? "FULL";
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    try {
      // Owner-only from the start; SQLite gives the -wal and -shm files the same mode.
      closeSync(openSync(options.path, "a", 0o600));
      this.#db = new Database(options.path);
      this.#db.pragma("busy_timeout = 5000"); // switching to WAL may wait for another opener
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma(`synchronous = ${this.#synchronous}`);
      this.#db.pragma("secure_delete = ON"); // deleted records are overwritten, not left in free pages
      this.#db.pragma("busy_timeout = 0"); // from now on: see #write
      this.#syncNormal = this.#db.prepare("PRAGMA synchronous = NORMAL");
      this.#syncFull = this.#db.prepare(`PRAGMA synchronous = ${this.#synchronous}`);
    } catch (cause) {
      throw new StoreUnavailableError(`cannot open SQLite database ${options.path}`, { cause });
    }
    this.#group = new GroupCommit<QueuedChange>({
      db: this.#db,
      run: (q) => this.#runChange(q),
      write: (fn) => this.#write(fn),
      // Relaxed changes ride along a strict batch's fsync; a batch of only relaxed ones skips it.
      commit: (batch, commit) => {
        if (this.#synchronous !== "FULL" || !batch.every((q) => q.options.durability === "relaxed")) return commit();
        this.#syncNormal.run();
        try {
          commit();
        } finally {
          this.#syncFull.run();
        }
      },
    });
  }

  async migrate(options: MigrateOptions = {}): Promise<void> {
    const tx = this.#db.transaction(() => {
      this.#db.exec(SCHEMA);
      if (options.testClock) this.#db.exec(TEST_CLOCK_SCHEMA);
      for (const { table, column, add, marksLegacyRows } of addedColumnSteps("sqlite")) {
        const cols = this.#db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
        if (cols.some((c) => c.name === column)) continue;
        this.#db.exec(add);
        if (marksLegacyRows) {
          this.#db.prepare("INSERT OR REPLACE INTO vault_meta (key, value) VALUES (?, '1')").run(LEGACY_MIGRATION_KEY);
        }
      }
    });
    await this.#write(() => tx.immediate());
  }

  async getRecord(accountId: string): Promise<RecordRow | null> {
    const r = this.#stmt("SELECT * FROM vault_records WHERE account_id = ?").get(accountId) as Row | undefined;
    return r ? recordFromRow(r) : null;
  }

  /**
   * Group commit (spec §10.1): changes are queued and the queue is written in one
   * `BEGIN IMMEDIATE` transaction — one fsync for every login that arrived meanwhile —
   * with each change in its own savepoint, so one failing change rolls back alone. No
   * promise resolves before the COMMIT (with `FULL`, the fsync) has returned, so a counted
   * attempt is still durable before its KE2 leaves.
   */
  changeRecord<T>(
    accountId: string,
    change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>,
    options: ChangeOptions = {},
  ): Promise<T> {
    return this.#group.enqueue<T>({ accountId, change, options });
  }

  /** Record changes committed so far and the commits (fsyncs, with `FULL`) that wrote them. */
  get groupCommitStats(): { commits: number; changes: number } {
    return this.#group.stats;
  }

  /** One queued change: run under the batch's write lock, in its own savepoint. */
  #runChange(q: QueuedChange): unknown {
    const r = this.#stmt("SELECT * FROM vault_records WHERE account_id = ?").get(q.accountId) as Row | undefined;
    const a =
      q.options.loginId === undefined
        ? undefined
        : (this.#stmt("SELECT * FROM vault_attempts WHERE login_id = ? AND account_id = ?").get(q.options.loginId, q.accountId) as Row | undefined);
    const c = q.change(r ? recordFromRow(r) : null, a ? attemptFromRow(a) : null);
    applyChange(this.#prepared, q.accountId, c);
    return c.result;
  }

  /** Run a write transaction, retried while another process holds the write lock (sqlite-busy.ts). */
  #write<T>(fn: () => T): Promise<T> {
    return retryWhileBusy(this.#busyTimeoutMs, fn);
  }

  /** Prepared statements are compiled once per connection. */
  #stmt(sql: string): Database.Statement {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  async getAttempt(accountId: string, loginId: string): Promise<AttemptRow | null> {
    const r = this.#stmt("SELECT * FROM vault_attempts WHERE login_id = ? AND account_id = ?").get(loginId, accountId) as Row | undefined;
    return r ? attemptFromRow(r) : null;
  }

  async getLogin(accountId: string, loginId: string): Promise<{ attempt: AttemptRow | null; record: RecordRow | null }> {
    // Two plain reads: what a change is decided on is read again under the write lock anyway.
    return { attempt: await this.getAttempt(accountId, loginId), record: await this.getRecord(accountId) };
  }

  async recentAttempts(accountId: string, limit: number): Promise<AttemptRow[]> {
    // Rows as arrays (no object per row), read in index order (vault_attempts_newest_by_account).
    // The limit is written into the SQL, not bound: SQLite re-prepares a statement each time
    // a `LIMIT ?` parameter is bound (it may change the plan), which cost a parse and a plan
    // per login finish. Callers use a handful of limits (50, 51, the status's), one statement each.
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError("recentAttempts: limit must be a non-negative integer");
    let history = this.#history.get(limit);
    if (!history) {
      history = this.#db
        .prepare(
          `SELECT login_id, record_version, started_at, expires_at, outcome, locked_until FROM vault_attempts WHERE account_id = ? ORDER BY started_at DESC, login_id LIMIT ${limit}`,
        )
        .raw(true);
      if (this.#history.size < 16) this.#history.set(limit, history);
    }
    const rows = history.all(accountId) as [string, number, number, number, string, number | null][];
    return rows.map(([loginId, recordVersion, startedAt, expiresAt, outcome, lockedUntil]) => ({
      loginId,
      accountId,
      recordVersion,
      startedAt,
      expiresAt,
      outcome: outcome as AttemptRow["outcome"],
      sealedState: null,
      lockedUntil,
    }));
  }

  /**
   * The attempt history's rows (spec §5.7) as ONE value: SQLite builds a JSON array of
   * [started_at, outcome, expires_at, locked_until] from the newest `limit` rows other than
   * `excludeLoginId`, read in index order (vault_attempts_newest_by_account, covering here).
   * better-sqlite3 turns every column of every row into a JS value, which cost more than
   * the read itself (51 rows × 6 columns per login finish); one string and `JSON.parse` cost
   * about half. The subquery is a co-routine feeding the aggregate in its ORDER BY order;
   * the order is checked anyway (an aggregate's `ORDER BY` would add a sort).
   */
  async historyRows(accountId: string, excludeLoginId: string | undefined, limit: number): Promise<HistoryRow[]> {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError("historyRows: limit must be a non-negative integer");
    let st = this.#historyJson.get(limit);
    if (!st) {
      st = this.#db
        .prepare(
          `SELECT json_group_array(json_array(started_at, outcome, expires_at, locked_until))
           FROM (SELECT started_at, outcome, expires_at, locked_until FROM vault_attempts WHERE account_id = ? AND login_id <> ?
             ORDER BY started_at DESC, login_id LIMIT ${limit})`,
        )
        .pluck(true);
      if (this.#historyJson.size < 16) this.#historyJson.set(limit, st);
    }
    // "" is never a login ID (22 characters of base64url): nothing left out.
    const rows = JSON.parse(st.get(accountId, excludeLoginId ?? "") as string) as HistoryRow[];
    for (let i = 1; i < rows.length; i++) if (rows[i]![0] > rows[i - 1]![0]) return rows.sort((a, b) => b[0] - a[0]);
    return rows;
  }

  async exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]> {
    const rows = this.#stmt(
      `SELECT account_id FROM vault_records WHERE state = 'active' AND total_failures >= ?
        AND (last_login_expires_at IS NULL OR last_login_expires_at <= ?) LIMIT ?`,
    ).all(failureBudget, now, limit) as Row[];
    return rows.map((r) => String(r.account_id));
  }

  async getHead(accountId: string): Promise<HeadRow | null> {
    const r = this.#stmt("SELECT * FROM vault_heads WHERE account_id = ?").get(accountId) as Row | undefined;
    return r ? headFromRow(r) : null;
  }

  async advanceHead(accountId: string, h: HeadWrite, now: number): Promise<HeadAdvance> {
    const tx = this.#db.transaction((): HeadAdvance => {
      const rec = this.#stmt("SELECT head_key FROM vault_records WHERE account_id = ?").get(accountId) as Row | undefined;
      if (!sameHeadKey(bytesOrNull(rec?.head_key), h.expectedHeadKey)) return { ok: false, recordChanged: true };
      const r = this.#stmt("SELECT * FROM vault_heads WHERE account_id = ?").get(accountId) as Row | undefined;
      const cur = r ? headFromRow(r) : null;
      const overwrite = cur !== null && h.replaceUnsigned && cur.signature === null;
      if (cur && !overwrite) {
        if (cur.sequence > h.sequence || (cur.sequence === h.sequence && cur.digest !== h.digest)) return { ok: false, current: cur };
        if (cur.sequence === h.sequence) return { ok: true, head: cur };
      }
      this.#stmt(
        `INSERT INTO vault_heads (account_id, sequence, digest, signature, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (account_id) DO UPDATE SET sequence = excluded.sequence, digest = excluded.digest, signature = excluded.signature,
        updated_at = excluded.updated_at`,
      ).run(accountId, h.sequence, h.digest, h.signature, now);
      return { ok: true, head: { accountId, sequence: h.sequence, digest: h.digest, signature: h.signature, updatedAt: now } };
    });
    return this.#write(() => tx.immediate());
  }

  async eraseExpiredLoginStates(now: number, limit: number): Promise<number> {
    const r = await this.#write(() =>
      this.#stmt(
        `UPDATE vault_attempts SET sealed_state = NULL WHERE login_id IN
      (SELECT login_id FROM vault_attempts WHERE sealed_state IS NOT NULL AND expires_at <= ? LIMIT ?)`,
      ).run(now, limit),
    );
    return r.changes;
  }

  async unauthenticatedAccounts(limit: number): Promise<string[]> {
    const rows = this.#stmt("SELECT account_id FROM vault_records WHERE state_mac IS NULL LIMIT ?").all(limit) as Row[];
    return rows.map((r) => String(r.account_id));
  }

  async legacyMigrationPending(): Promise<boolean> {
    return this.#stmt("SELECT 1 FROM vault_meta WHERE key = ?").get(LEGACY_MIGRATION_KEY) !== undefined;
  }

  async finishLegacyMigration(): Promise<void> {
    await this.#write(() => this.#stmt("DELETE FROM vault_meta WHERE key = ?").run(LEGACY_MIGRATION_KEY));
  }

  async getSealedSecrets(): Promise<SealedSecretsRow | null> {
    const r = this.#stmt("SELECT * FROM vault_secrets WHERE id = 1").get() as Row | undefined;
    return r ? sealedSecretsFromRow(r) : null;
  }

  async putSealedSecretsIfAbsent(row: SealedSecretsRow): Promise<SealedSecretsRow> {
    await this.#write(() =>
      this.#stmt("INSERT INTO vault_secrets (id, sealer_kind, key_id, sealed, created_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING").run(
        row.sealerKind,
        row.keyId,
        buf(row.sealed),
        row.createdAt,
      ),
    );
    return (await this.getSealedSecrets())!;
  }

  async replaceSealedSecrets(expectedSealed: Uint8Array, sealed: Uint8Array): Promise<SealedSecretsRow> {
    await this.#write(() => this.#stmt("UPDATE vault_secrets SET sealed = ? WHERE id = 1 AND sealed = ?").run(buf(sealed), buf(expectedSealed)));
    return (await this.getSealedSecrets())!;
  }

  async getClockOffset(): Promise<number> {
    const r = this.#stmt("SELECT offset_ms FROM vault_test_clock WHERE id = 1").get() as Row | undefined;
    return r ? num(r.offset_ms) : 0;
  }

  async advanceClockOffset(ms: number): Promise<number> {
    await this.#write(() =>
      this.#stmt("INSERT INTO vault_test_clock (id, offset_ms) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET offset_ms = offset_ms + excluded.offset_ms").run(
        ms,
      ),
    );
    return this.getClockOffset();
  }

  async ping(): Promise<void> {
    this.#stmt("SELECT 1").get();
  }

  async close(): Promise<void> {
    // Changes already queued are written (or fail) before the file closes.
    await this.#group.drain();
    if (this.#db.open) this.#db.close();
  }
}
