/**
 * The in-memory (browser) backup and restore speak the same format as the Node ones:
 * what one writes, the other restores byte for byte.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { backupBytes, browserCompressor, memoryHeadStore, restoreToBytes, sqlitePageSize } from "../index.ts";
import { backup, restore, snapshotDatabase } from "../node/index.ts";
import { demo, fileHash, newRepo, treeHashes } from "../../test/support.ts";
import { createHash } from "node:crypto";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("node backup → in-memory restore, and in-memory backup → node restore", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 1500, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const copy = await snapshotDatabase(src.dbPath, dir);
  const got = await restoreToBytes({ repo, heads, compressor: browserCompressor });
  assert.equal(sha(got.database!.bytes), fileHash(copy.path));
  const want = treeHashes(src.mediaDir);
  assert.equal(got.media.length, want.size);
  for (const m of got.media) assert.equal(sha(m.bytes), want.get(m.path));

  // Now the other way round: the browser writes, Node restores.
  const bytes = new Uint8Array(readFileSync(copy.path));
  assert.equal(sqlitePageSize(bytes), copy.pageSize);
  const r = await backupBytes({
    repo,
    heads,
    compressor: browserCompressor,
    database: { name: "msgstore.db", bytes },
    media: [...got.media, { path: "new/photo.jpg", bytes: new Uint8Array(70000).fill(7), mtimeMs: 1700000000000 }],
  });
  assert.equal(r.snapshot.sequence, 2);
  assert.equal(r.stats.filesUnchanged, got.media.length, "media unchanged since the Node backup are reused");
  assert.equal(r.stats.filesNew, 1);
  const out = join(dir, "out");
  await restore({ repo, heads, to: out });
  assert.equal(fileHash(join(out, "msgstore.db")), fileHash(copy.path));
  assert.equal(treeHashes(join(out, "media")).get("new/photo.jpg"), sha(new Uint8Array(70000).fill(7)));
});

test("in-memory backup refuses bytes that are not a SQLite database", async (t) => {
  const dir = tempDir(t);
  const { repo } = await newRepo(join(dir, "repo"));
  await assert.rejects(
    backupBytes({ repo, heads: memoryHeadStore(), compressor: browserCompressor, database: { name: "x.db", bytes: new Uint8Array(8192) } }),
    {
      code: "source",
    },
  );
});
