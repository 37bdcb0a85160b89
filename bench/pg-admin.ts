/**
 * The bench's PostgreSQL administration connection: the vault rows (vault.ts) and the store
 * probe (vault-store-probe.ts) each create a throwaway database through it and drop it after.
 */
import pg from "pg";

/** Where the bench's vault rows find PostgreSQL (`CHATVAULT_BENCH_PG_URL`). */
export const PG_ADMIN_URL = process.env.CHATVAULT_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** One statement on its own connection (CREATE / DROP DATABASE cannot run in a pool's transaction). */
export async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
