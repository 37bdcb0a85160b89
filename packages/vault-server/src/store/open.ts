/** Open the configured store (spec/vault-protocol.md §10). */
import type { DatabaseConfig } from "../config.ts";
import type { MigrateOptions, VaultStore } from "./vault-store.ts";

export async function openVaultStore(db: DatabaseConfig): Promise<VaultStore> {
  if (db.kind === "sqlite") {
    const { SqliteVaultStore } = await import("./sqlite.ts");
    return new SqliteVaultStore({ path: db.path, ...(db.synchronous ? { synchronous: db.synchronous } : {}) });
  }
  const { PostgresVaultStore } = await import("./postgres.ts");
  return new PostgresVaultStore({ url: db.url, ...(db.poolSize ? { poolSize: db.poolSize } : {}) });
}

/** Open the store and create its schema (with the test clock's table only when `testClock`). */
export async function openMigratedVaultStore(db: DatabaseConfig, options: MigrateOptions = {}): Promise<VaultStore> {
  const store = await openVaultStore(db);
  try {
    await store.migrate(options);
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
  return store;
}
