import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { repositoryConformance } from "./conformance.ts";
import { SqliteRepository } from "./sqlite.ts";

repositoryConformance("sqlite", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const repo = new SqliteRepository({ path });
  const sql = async (query: string, params: unknown[] = []) => {
    const db = new Database(path);
    try {
      const st = db.prepare(query);
      return st.reader ? (st.all(...params) as Array<Record<string, unknown>>) : (st.run(...params), []);
    } finally {
      db.close();
    }
  };
  return { repo, sql };
});
