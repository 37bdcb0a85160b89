/** The realm store conformance suite on SQLite and on PostgreSQL (CI=true requires PostgreSQL). */
import { join } from "node:path";
import { needService, tempDir } from "@chatvault/testkit";
import { createTestDatabase, postgresAvailable } from "../test-vault.ts";
import { PostgresRealmStore } from "./postgres-store.ts";
import { SqliteRealmStore } from "./sqlite-store.ts";
import { realmStoreConformance } from "./store-conformance.ts";

realmStoreConformance("sqlite", async (t) => new SqliteRealmStore(join(tempDir(t), "vault.db")));
realmStoreConformance("postgres", async (t) => {
  if (!needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return null;
  return new PostgresRealmStore(await createTestDatabase(t));
});
