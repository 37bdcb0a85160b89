/**
 * The PostgreSQL store's connections: one `pg` pool per process, a query and a transaction
 * helper, and the mapping of connection-level failures to `StoreUnavailableError` (→ 503,
 * retryable; spec/vault-protocol.md §10.1). What the statements say lives elsewhere.
 */
import pg from "pg";
import { StoreUnavailableError } from "./vault-store.ts";

/** Relaxed: COMMIT does not wait for the WAL flush (lost only in a server crash; spec §10.1). One round trip. */
export const BEGIN_RELAXED = "BEGIN; SET LOCAL synchronous_commit = off";

/** Lost the race to create an account's row; the transaction is retried. */
export class CreateRace extends Error {}

export class PostgresPool {
  readonly #pool: pg.Pool;

  constructor(url: string, size: number) {
    this.#pool = new pg.Pool({ connectionString: url, max: size });
    // An idle client's error (e.g. the server restarted) must not crash the process.
    this.#pool.on("error", () => {});
  }

  /** One autocommitted statement. */
  async query(sql: string | pg.QueryConfig, params: unknown[] = []): Promise<pg.QueryResult> {
    try {
      return typeof sql === "string" ? await this.#pool.query(sql, params) : await this.#pool.query(sql);
    } catch (cause) {
      throw wrap(cause);
    }
  }

  /** `fn` in one transaction on one connection: committed if it returns, rolled back if it throws. */
  async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
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

  async end(): Promise<void> {
    await this.#pool.end();
  }
}

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
