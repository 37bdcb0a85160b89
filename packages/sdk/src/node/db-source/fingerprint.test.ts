import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { databaseFingerprint, snapshotDatabase } from "./index.ts";

function makeDb(path: string, mode: "wal" | "delete"): void {
  const db = new Database(path);
  db.pragma(`journal_mode = ${mode}`);
  db.exec("CREATE TABLE m(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO m(body) VALUES ('a'), ('b');");
  db.close();
}

for (const mode of ["wal", "delete"] as const) {
  test(`fingerprint (${mode}): our own copy keeps it; every commit, checkpoint and rewrite moves it`, async (t) => {
    const dir = tempDir(t);
    const path = join(dir, "msgstore.db");
    makeDb(path, mode);
    const a = databaseFingerprint(path);
    assert.match(a ?? "", /^[0-9a-f]{64}$/);
    await snapshotDatabase(path, dir);
    assert.equal(databaseFingerprint(path), a, "copying must not move it");

    // A writer that stays open (the app): each commit moves it, copies in between do not.
    const w = new Database(path);
    const seen = new Set([a]);
    for (let i = 0; i < 5; i++) {
      w.prepare("INSERT INTO m(body) VALUES (?)").run(`msg ${i}`);
      const f = databaseFingerprint(path);
      assert.ok(!seen.has(f), `commit ${i} did not move the fingerprint`);
      seen.add(f);
      await snapshotDatabase(path, dir);
      assert.equal(databaseFingerprint(path), f, "a copy under an open writer moved it");
    }
    // An update in place (same size, same page count).
    w.prepare("UPDATE m SET body = 'c' WHERE id = 1").run();
    const u = databaseFingerprint(path);
    assert.ok(!seen.has(u));
    seen.add(u);
    w.close(); // checkpoints (WAL mode)
    const c = databaseFingerprint(path);
    if (mode === "wal") assert.ok(!seen.has(c), "a checkpoint did not move it");
    seen.add(c);
    // The file replaced by another database of the same size.
    const other = join(dir, "other.db");
    makeDb(other, mode);
    copyFileSync(other, path);
    assert.ok(!seen.has(databaseFingerprint(path)), "a rewritten file kept it");
  });
}

test("fingerprint: a missing or short file has none; a hot journal moves it", (t) => {
  const dir = tempDir(t);
  assert.equal(databaseFingerprint(join(dir, "none.db")), undefined);
  writeFileSync(join(dir, "short.db"), "SQLite");
  assert.equal(databaseFingerprint(join(dir, "short.db")), undefined);
  const path = join(dir, "msgstore.db");
  makeDb(path, "delete");
  const a = databaseFingerprint(path);
  writeFileSync(`${path}-journal`, Buffer.alloc(512, 1));
  assert.notEqual(databaseFingerprint(path), a);
});
