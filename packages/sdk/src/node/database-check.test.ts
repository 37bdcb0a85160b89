import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { IntegrityError } from "@chatvault/format";
import { tempDir } from "@chatvault/testkit";
import { checkDatabase, startDatabaseCheck } from "./database-check.ts";

const badStructure = (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure";

test("the concurrent database check (worker thread) passes a sound database and refuses a damaged one or a non-database, like the check on this thread", async (t) => {
  const dir = tempDir(t);
  const good = join(dir, "good.db");
  const db = new Database(good);
  db.pragma("page_size = 4096");
  db.exec("CREATE TABLE m(id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX mb ON m(body);");
  const ins = db.prepare("INSERT INTO m(body) VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) ins.run(`message ${i} `.repeat(5));
  })();
  db.close();
  await startDatabaseCheck(good);
  checkDatabase(good);

  // Damage an index page (not the header): SQLite opens it, integrity_check says what is wrong.
  const bytes = readFileSync(good);
  const damaged = join(dir, "damaged.db");
  for (let o = bytes.length - 4096 * 3; o < bytes.length - 4096 * 2; o += 7) bytes[o] = bytes[o]! ^ 0x5a;
  writeFileSync(damaged, bytes);
  await assert.rejects(startDatabaseCheck(damaged), badStructure);
  assert.throws(() => checkDatabase(damaged), badStructure);

  const notDb = join(dir, "not.db");
  writeFileSync(notDb, Buffer.alloc(8192, 7));
  await assert.rejects(startDatabaseCheck(notDb), badStructure);
});
