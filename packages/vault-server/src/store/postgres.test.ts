import pg from "pg";
import { needService } from "@chatvault/testkit";
import { createTestDatabase, postgresAvailable } from "../test-vault.ts";
import { storeConformance } from "./conformance.ts";
import { PostgresVaultStore } from "./postgres.ts";

storeConformance("postgres", async (t) => {
  if (!needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return null;
  const url = await createTestDatabase(t);
  const store = new PostgresVaultStore({ url, poolSize: 20 });
  const sql = async (query: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      let i = 0;
      return (
        await c.query(
          query.replace(/\?/g, () => `$${++i}`),
          params,
        )
      ).rows as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  };
  return { store, sql };
});
