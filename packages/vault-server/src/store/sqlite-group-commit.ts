/**
 * Group commit for the SQLite stores (spec/vault-protocol.md §10.1; the realm store,
 * spec/threshold-vault.md §5.4, uses it the same way): the changes queued during one turn
 * of the event loop are written by one `BEGIN IMMEDIATE` transaction — one fsync for all
 * of them — each in its own savepoint, so a failing change rolls back alone. No promise
 * resolves before the COMMIT (with `synchronous = FULL`, the fsync) has returned: a guess
 * counted in a batch is durable before its answer leaves.
 */
import type Database from "better-sqlite3";

/** Most changes written by one commit; more wait for the next (bounds one commit's latency). */
const MAX_BATCH = 256;

export interface GroupCommitOptions<Q> {
  db: Database.Database;
  /** Apply one change; runs under the batch's write lock, inside its own savepoint. Its return value resolves the change. */
  run: (change: Q) => unknown;
  /** Run a write transaction, retried while another process holds the write lock (sqlite-busy.ts). */
  write: <T>(fn: () => T) => Promise<T>;
  /** Commit a batch: by default `commit()`; a store may wrap it (the vault store relaxes the fsync of an all-relaxed batch). */
  commit?: (batch: readonly Q[], commit: () => void) => void;
}

interface Queued<Q> {
  change: Q;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Q> {
  readonly #o: GroupCommitOptions<Q>;
  readonly #queue: Queued<Q>[] = [];
  /** Nested `db.transaction` = SAVEPOINT … RELEASE, rolled back alone if its change throws. */
  readonly #savepoint: (fn: () => unknown) => unknown;
  #scheduled = false;
  #flushing = false;
  #commits = 0;
  #changes = 0;

  constructor(o: GroupCommitOptions<Q>) {
    this.#o = o;
    this.#savepoint = o.db.transaction((fn: () => unknown) => fn());
  }

  /** Queue a change; resolves with what `run` returned once its batch has committed. */
  enqueue<T>(change: Q): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ change, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the I/O phase: every request parsed in this loop turn joins the batch.
        setImmediate(() => void this.#flush());
      }
    });
  }

  /** Changes committed so far and the commits (fsyncs) that wrote them. */
  get stats(): { commits: number; changes: number } {
    return { commits: this.#commits, changes: this.#changes };
  }

  /** Write (or fail) everything queued; for closing the database. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#flushing) {
      if (!this.#flushing) await this.#flush();
      else await new Promise((r) => setImmediate(r));
    }
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return; // the running flush picks up what was queued meanwhile
    this.#flushing = true;
    const { db, run, write, commit = (_b, c) => c() } = this.#o;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        const outcomes = new Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>(batch.length);
        const tx = db.transaction(() => {
          // A lone change needs no savepoint (two statements fewer): if it throws, the whole
          // transaction rolls back and the change is rejected with its own error below.
          if (batch.length === 1) {
            outcomes[0] = { ok: true, value: run(batch[0]!.change) };
            return;
          }
          batch.forEach((q, i) => {
            try {
              outcomes[i] = { ok: true, value: this.#savepoint(() => run(q.change)) };
            } catch (error) {
              outcomes[i] = { ok: false, error };
              // An error that ended the whole transaction (I/O, disk full) ends the batch: nothing commits.
              if (!db.inTransaction) throw error;
            }
          });
        });
        try {
          await write(() =>
            commit(
              batch.map((q) => q.change),
              () => tx.immediate(),
            ),
          );
        } catch (e) {
          for (const q of batch) q.reject(e); // nothing of this batch was committed
          continue;
        }
        this.#commits++;
        this.#changes += batch.length;
        batch.forEach((q, i) => {
          const o = outcomes[i]!;
          if (o.ok) q.resolve(o.value);
          else q.reject(o.error);
        });
      }
    } finally {
      this.#flushing = false;
      this.#scheduled = false;
      if (this.#queue.length > 0) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    }
  }
}
