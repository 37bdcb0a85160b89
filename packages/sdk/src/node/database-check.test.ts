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

test("restore: a snapshot whose database fails the integrity check is refused and nothing is moved into place, whether the check runs beside the media or after them", async (t) => {
  const { memoryHeadStore } = await import("../index.ts");
  const { BackupSession } = await import("../backup/session.ts");
  const { restore, nodeCompressor } = await import("./index.ts");
  const { newRepo } = await import("../../test/support.ts");
  const { existsSync, readdirSync } = await import("node:fs");
  const dir = tempDir(t);
  const good = join(dir, "chat.db");
  const db = new Database(good);
  db.exec("CREATE TABLE m(id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX mb ON m(body);");
  const ins = db.prepare("INSERT INTO m(body) VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) ins.run(`message ${i} `.repeat(5));
  })();
  db.close();
  const bytes = readFileSync(good);
  const pageSize = 4096;
  for (let o = bytes.length - pageSize * 3; o < bytes.length - pageSize * 2; o += 7) bytes[o] = bytes[o]! ^ 0x5a;
  for (const backgroundCheckAbove of [0, Number.MAX_SAFE_INTEGER]) {
    const { repo } = await newRepo(join(dir, `repo-${backgroundCheckAbove}`));
    const heads = memoryHeadStore();
    // A writer holding the key can store any bytes as the database: authentic, but not a sound database.
    const s = await BackupSession.begin(repo, heads, { compressor: nodeCompressor });
    const pages: Uint8Array[] = [];
    for (let o = 0; o < bytes.length; o += pageSize) pages.push(await s.store.store(bytes.subarray(o, o + pageSize), true));
    const media = await s.store.store(new TextEncoder().encode("a photo"), false);
    await s.commit({ name: "chat.db", pageSize, pageCount: pages.length, pages }, [{ path: "a.jpg", size: 7, mtimeMs: 0, chunks: [media] }], "test");
    const to = join(dir, `out-${backgroundCheckAbove}`);
    await assert.rejects(
      restore({ repo, heads, to, backgroundCheckAbove }),
      (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure" && /integrity_check|cannot be checked/.test(e.message),
    );
    assert.ok(!existsSync(join(to, "chat.db")) && !existsSync(join(to, "media")), "nothing moved into place");
    assert.deepEqual(existsSync(to) ? readdirSync(to) : [], [], "no staging folder left");
  }
  // The sound database restores with the check beside the media.
  const { repo } = await newRepo(join(dir, "repo-good"));
  const heads = memoryHeadStore();
  const { backup } = await import("./index.ts");
  await backup({ repo, heads, db: good, workers: 0 });
  await restore({ repo, heads, to: join(dir, "out-good"), backgroundCheckAbove: 0 });
  const r = new Database(join(dir, "out-good", "chat.db"), { readonly: true });
  assert.equal((r.prepare("SELECT count(*) AS n FROM m").get() as { n: number }).n, 3000);
  r.close();
});
