/**
 * A first backup of a database large enough to be copied on its own thread (two 4 MiB
 * regions or more, with new media chunked meanwhile): the copy's thread ends once the copy
 * is done (no parent, so no page IDs are asked of it), and the pages' IDs go straight into
 * one packed list (node/backup.ts). The restore gives the same database, page for page.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore } from "../index.ts";
import { backup, restore, snapshotDatabase } from "./index.ts";
import { fileHash, newRepo, treeHashes } from "../../test/support.ts";

test("a first backup of a database copied on its thread restores it page for page, with and without a worker", async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, "src", "msgstore.db");
  const mediaDir = join(dir, "src", "media");
  mkdirSync(mediaDir, { recursive: true });
  const src = new Database(dbPath);
  src.pragma("journal_mode = WAL");
  src.exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)");
  const insert = src.prepare("INSERT INTO blobs (b) VALUES (?)");
  for (let i = 0; i < 12; i++) insert.run(randomBytes(1024 * 1024));
  src.close();
  // Over 8 MiB of new media: the copy runs on its thread beside their chunking.
  writeFileSync(join(mediaDir, "video.mp4"), randomBytes(9 * 1024 * 1024));
  const want = await snapshotDatabase(dbPath, dir);
  assert.ok(want.bytes >= 12 * 1024 * 1024);

  for (const workers of [0, 1]) {
    const { repo } = await newRepo(join(dir, `repo-${workers}`));
    const heads = memoryHeadStore();
    const r = await backup({ repo, heads, db: dbPath, media: mediaDir, workers });
    assert.equal(r.snapshot.sequence, 1);
    const out = join(dir, `out-${workers}`);
    await restore({ repo, heads, to: out });
    assert.equal(fileHash(join(out, "msgstore.db")), fileHash(want.path), `database, workers ${workers}`);
    assert.deepEqual(treeHashes(join(out, "media")), treeHashes(mediaDir), `media, workers ${workers}`);
    const db = new Database(join(out, "msgstore.db"), { readonly: true });
    assert.equal((db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check, "ok");
    assert.equal((db.prepare("SELECT count(*) AS n FROM blobs").get() as { n: number }).n, 12);
    db.close();
  }
});
