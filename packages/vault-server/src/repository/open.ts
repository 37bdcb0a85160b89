/** Open the configured repository (spec/vault-protocol.md §10). */
import type { DatabaseConfig } from "../config.ts";
import type { MigrateOptions, VaultRepository } from "./repository.ts";

export async function openRepository(db: DatabaseConfig): Promise<VaultRepository> {
  if (db.kind === "sqlite") {
    const { SqliteRepository } = await import("./sqlite.ts");
    return new SqliteRepository({ path: db.path, ...(db.synchronous ? { synchronous: db.synchronous } : {}) });
  }
  const { PostgresRepository } = await import("./postgres.ts");
  return new PostgresRepository({ url: db.url, ...(db.poolSize ? { poolSize: db.poolSize } : {}) });
}

/** Open the repository and create its schema (with the test clock's table only when `testClock`). */
export async function openMigratedRepository(db: DatabaseConfig, options: MigrateOptions = {}): Promise<VaultRepository> {
  const repo = await openRepository(db);
  try {
    await repo.migrate(options);
  } catch (e) {
    await repo.close().catch(() => {});
    throw e;
  }
  return repo;
}
