import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { generateRootKey, IntegrityError, WrongKeyError } from "@chatvault/format";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore, Repository } from "../index.ts";
import { backup, restore, snapshotDatabase } from "./index.ts";
import { mutateDemoData } from "@chatvault/demo-data";
import { demo, fileHash, newRepo, treeHashes } from "../../test/support.ts";

test("round trip: database and every media file come back byte-identical", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"));
  const { repo, root, storage } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const r = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 2 });
  assert.equal(r.snapshot.sequence, 1);
  assert.equal(r.stats.filesNew, src.mediaFiles);
  assert.ok(r.bytesUploaded > 0);

  // Restore on a "new machine": only the storage and the key.
  const again = await Repository.open(storage, root);
  const out = join(dir, "out");
  const res = await restore({ repo: again, heads, to: out });
  assert.equal(res.snapshot.sequence, 1);
  const want = treeHashes(src.mediaDir);
  const got = treeHashes(join(out, "media"));
  assert.deepEqual(got, want);
  // The DB equals a fresh backup-API copy of the source, byte for byte, and is sound.
  const copy = await snapshotDatabase(src.dbPath, dir);
  assert.equal(fileHash(join(out, "msgstore.db")), fileHash(copy.path));
  const db = new Database(join(out, "msgstore.db"), { readonly: true });
  assert.equal((db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check, "ok");
  assert.equal((db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n, 3000);
  db.close();
  assert.deepEqual(readdirSync(out).sort(), ["media", "msgstore.db"]);
});

test("incremental: a day later uploads about what changed; no-change uploads nothing", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 20000, 4);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const first = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const none = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.equal(none.stats.chunksNew, 0);
  assert.equal(none.bytesUploaded, 0);
  assert.equal(none.stats.filesUnchanged, src.mediaFiles);

  const before = await snapshotDatabase(src.dbPath, dir);
  const change = await mutateDemoData({ dir: join(dir, "src"), messages: 200, mediaFiles: 2, seed: 2 });
  const after = await snapshotDatabase(src.dbPath, dir);
  const changedPageBytes = changedPages(before.path, after.path, before.pageSize) * before.pageSize;
  const newMediaBytes = change.mediaBytes;
  const inc = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 2 });
  assert.equal(inc.stats.filesNew, 2);
  const minimum = changedPageBytes + newMediaBytes;
  t.diagnostic(`full ${first.bytesUploaded} B; incremental ${inc.bytesUploaded} B for ${changedPageBytes} B of changed pages + ${newMediaBytes} B new media`);
  assert.ok(inc.bytesUploaded <= 2 * minimum + 64 * 1024, `uploaded ${inc.bytesUploaded} > 2 × ${minimum} + 64 KiB`);
});

test("wrong key fails as wrong key, never as corrupted", async (t) => {
  const dir = tempDir(t);
  const { storage } = await newRepo(join(dir, "repo"));
  await assert.rejects(Repository.open(storage, generateRootKey()), WrongKeyError);
});

test("restore never overwrites an existing database without being asked", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 500, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const out = join(dir, "src"); // restoring over the source itself
  const before = fileHash(src.dbPath);
  await assert.rejects(restore({ repo, heads, to: out }), { code: "target_exists" });
  assert.equal(fileHash(src.dbPath), before);
  assert.ok(!readdirSync(out).some((n) => n.startsWith(".chatvault-restore-")));
  await restore({ repo, heads, to: out, overwrite: true });
  assert.ok(existsSync(join(out, "msgstore.db")));
});

test("rollback: storage offering an older snapshot than the head is refused", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 500, 1);
  const { repo, storage } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  await mutateDemoData({ dir: join(dir, "src"), messages: 10, mediaFiles: 0, seed: 3 });
  const second = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  await storage.delete(second.snapshot.name);
  const out = join(dir, "out");
  await assert.rejects(restore({ repo, heads, to: out }), (e: unknown) => e instanceof IntegrityError && e.reason === "rollback");
  assert.ok(!existsSync(join(out, "msgstore.db")));
  // Asking for the older snapshot explicitly is allowed.
  const r = await restore({ repo, heads, to: out, snapshot: "1" });
  assert.equal(r.snapshot.sequence, 1);
});

function changedPages(a: string, b: string, pageSize: number): number {
  const fa = readFileSync(a);
  const fb = readFileSync(b);
  let n = 0;
  const pages = Math.max(fa.length, fb.length) / pageSize;
  for (let i = 0; i < pages; i++) {
    if (!fa.subarray(i * pageSize, (i + 1) * pageSize).equals(fb.subarray(i * pageSize, (i + 1) * pageSize))) n++;
  }
  return n;
}

test("worker threads and the single-threaded path write the same chunks", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 1000, 2);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const a = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 2 });
  const b = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  assert.ok(a.stats.chunksNew > 0);
  assert.equal(b.stats.chunksNew, 0, "every chunk the workers wrote is found again by the serial path");
});

test("restore across many small packs, one and several downloads at a time: byte-identical", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 3000, 3);
  const { repo } = await newRepo(join(dir, "repo"), undefined, { packSize: 64 * 1024 });
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const copy = await snapshotDatabase(src.dbPath, dir);
  for (const concurrency of [1, 4]) {
    const out = join(dir, `out-${concurrency}`);
    await restore({ repo, heads, to: out, concurrency });
    assert.equal(fileHash(join(out, "msgstore.db")), fileHash(copy.path), `database, concurrency ${concurrency}`);
    assert.deepEqual(treeHashes(join(out, "media")), treeHashes(src.mediaDir), `media, concurrency ${concurrency}`);
  }
});
