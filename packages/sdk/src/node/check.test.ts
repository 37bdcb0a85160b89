import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { IntegrityError } from "@chatvault/format";
import { tempDir } from "@chatvault/testkit";
import { layout, memoryHeadStore } from "../index.ts";
import { backup } from "./index.ts";
import { checkRestorable } from "./check.ts";
import { demo, newRepo, treeHashes } from "../../test/support.ts";

async function backedUp(dir: string) {
  const src = await demo(join(dir, "src"), 500, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  return { src, repo, heads };
}

test("check: a good backup is restorable; the scratch folder is private while it runs and gone after", async (t) => {
  const dir = tempDir(t);
  const { src, repo, heads } = await backedUp(dir);
  const scratchParent = join(dir, "tmp");
  mkdirSync(scratchParent);
  const before = treeHashes(join(dir, "src"));
  const seen: { name: string; mode: number }[] = [];
  const r = await checkRestorable({
    repo,
    heads,
    scratchParent,
    now: () => new Date("2026-12-01T10:00:00Z"),
    onProgress: () => {
      for (const name of readdirSync(scratchParent)) seen.push({ name, mode: statSync(join(scratchParent, name)).mode & 0o777 });
    },
  });
  assert.equal(r.snapshot.sequence, 1);
  assert.equal(r.checkedAt, "2026-12-01T10:00:00.000Z");
  assert.equal(r.database, true);
  assert.equal(r.mediaFiles, src.mediaFiles);
  assert.ok(r.bytes > 0);
  assert.ok(seen.length > 0, "the scratch folder existed while the check ran");
  for (const s of seen) {
    assert.match(s.name, /^chatvault-check-/);
    assert.equal(s.mode, 0o700);
  }
  assert.deepEqual(readdirSync(scratchParent), [], "scratch folder removed");
  assert.deepEqual(treeHashes(join(dir, "src")), before, "the user's folders are untouched");
});

test("check: a corrupted pack fails with an integrity error, and the scratch folder is removed", async (t) => {
  const dir = tempDir(t);
  const { repo, heads } = await backedUp(dir);
  const packsDir = join(dir, "repo", layout.PACKS_PREFIX);
  const sub = readdirSync(packsDir)[0]!;
  const pack = join(packsDir, sub, readdirSync(join(packsDir, sub))[0]!);
  const b = readFileSync(pack);
  b[b.length >> 1] = b[b.length >> 1]! ^ 0x40;
  writeFileSync(pack, b);
  const scratchParent = tempDir(t, "chatvault-check-parent-");
  await assert.rejects(checkRestorable({ repo, heads, scratchParent }), (e: unknown) => e instanceof IntegrityError);
  assert.deepEqual(readdirSync(scratchParent), []);
});

test("check: an aborted check stops and leaves no scratch folder", async (t) => {
  const dir = tempDir(t);
  const { repo, heads } = await backedUp(dir);
  const scratchParent = tempDir(t, "chatvault-check-parent-");
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(checkRestorable({ repo, heads, scratchParent, signal: ac.signal }), { code: "cancelled" });
  assert.deepEqual(readdirSync(scratchParent), []);
});

test("check: from the moment its scratch folder exists until it is gone, an exit hook removes it (a second Ctrl-C quits at once)", async (t) => {
  const dir = tempDir(t);
  const { repo, heads } = await backedUp(dir);
  const scratchParent = tempDir(t, "chatvault-check-parent-");
  const hooks = process.listenerCount("exit");
  // The call runs synchronously up to its first await: the folder and its hook come together,
  // with no turn of the event loop (where a signal's handler could exit) between them.
  const running = checkRestorable({ repo, heads, scratchParent });
  assert.equal(readdirSync(scratchParent).length, 1, "the scratch folder exists as soon as the call returns");
  assert.equal(process.listenerCount("exit"), hooks + 1, "and its exit hook is already registered");
  await running;
  assert.deepEqual(readdirSync(scratchParent), []);
  assert.equal(process.listenerCount("exit"), hooks, "the hook goes once the folder is gone");
});

test("check: an authentic backup of a database that fails PRAGMA integrity_check is not restorable", async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, "broken.db");
  const db = new Database(dbPath);
  db.pragma("page_size = 4096");
  db.exec("CREATE TABLE m (id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX m_body ON m(body);");
  const insert = db.prepare("INSERT INTO m (body) VALUES (?)");
  for (let i = 0; i < 2000; i++) insert.run(`message ${i} ${"x".repeat(i % 50)}`);
  db.close();
  // Damage the index's b-tree pages: still a SQLite file, but integrity_check reports it.
  const bytes = readFileSync(dbPath);
  for (let page = 3; page * 4096 < bytes.length; page += 2) bytes.fill(0x55, page * 4096 + 200, page * 4096 + 400);
  writeFileSync(dbPath, bytes);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: dbPath, workers: 0 });
  const scratchParent = tempDir(t, "chatvault-check-parent-");
  await assert.rejects(
    checkRestorable({ repo, heads, scratchParent }),
    (e: unknown) => e instanceof IntegrityError && /PRAGMA integrity_check/.test(e.message),
  );
  assert.deepEqual(readdirSync(scratchParent), []);
});
