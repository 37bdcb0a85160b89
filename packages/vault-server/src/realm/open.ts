/** Open the realm store on the vault's configured database and create the realm tables. */
import type { DatabaseConfig } from "../config.ts";
import type { RealmStore } from "./store.ts";

export async function openRealmStore(db: DatabaseConfig): Promise<RealmStore> {
  let store: RealmStore;
  if (db.kind === "sqlite") {
    const { SqliteRealmStore } = await import("./sqlite-store.ts");
    store = new SqliteRealmStore(db.path);
  } else {
    const { PostgresRealmStore } = await import("./postgres-store.ts");
    store = new PostgresRealmStore(db.url, db.poolSize);
  }
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
  return store;
}
