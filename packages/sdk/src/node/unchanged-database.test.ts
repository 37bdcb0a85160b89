import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore } from "../index.ts";
import { backup, restore, snapshotDatabase } from "./index.ts";
import { demo, fileHash, newRepo } from "../../test/support.ts";

// spec §8.5.2: a database whose fingerprint did not move is not copied again.

test("no-change backup reuses the parent's page list without copying; a commit is copied again; both restore exactly", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 2000, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const first = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const dbBytes = (await snapshotDatabase(src.dbPath, dir)).bytes;
  assert.ok(first.stats.bytesRead >= dbBytes);
  const first1 = (await repo.resolveSnapshot(heads))!.manifest.database!;
  assert.match(first1.source ?? "", /^[0-9a-f]{64}$/);

  const same = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  assert.equal(same.stats.bytesRead, 0, "neither the database nor the media was read");
  assert.equal(same.bytesUploaded, 0);
  const second = (await repo.resolveSnapshot(heads))!.manifest.database!;
  assert.deepEqual(second, first1);

  // The app writes: the next backup copies, and restores the new content.
  const w = new Database(src.dbPath);
  w.prepare("UPDATE messages SET text = 'edited' WHERE id = 1").run();
  w.close();
  const changed = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  assert.ok(changed.stats.bytesRead >= dbBytes, "the changed database was copied");
  const out = join(dir, "out");
  await restore({ repo, heads, to: out });
  assert.equal(fileHash(join(out, "msgstore.db")), fileHash((await snapshotDatabase(src.dbPath, dir)).path));
  const r = new Database(join(out, "msgstore.db"), { readonly: true });
  assert.equal((r.prepare("SELECT text FROM messages WHERE id = 1").get() as { text: string }).text, "edited");
  r.close();
  // The reused snapshot (2) restores the original database.
  const out2 = join(dir, "out2");
  await restore({ repo, heads, to: out2, snapshot: "2" });
  const r2 = new Database(join(out2, "msgstore.db"), { readonly: true });
  assert.notEqual((r2.prepare("SELECT text FROM messages WHERE id = 1").get() as { text: string }).text, "edited");
  r2.close();
});

test("an unchanged database whose pages sat in a lost pack is copied again (never deduplicated against a hole)", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 2000, 0);
  const { repo } = await newRepo(join(dir, "repo"), undefined, { packSize: 64 * 1024 });
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, workers: 0 });
  const packDirs = readdirSync(join(dir, "repo", "packs"));
  const victimDir = join(dir, "repo", "packs", packDirs[0]!);
  rmSync(join(victimDir, readdirSync(victimDir)[0]!));
  const healed = await backup({ repo, heads, db: src.dbPath, workers: 0 });
  assert.ok(healed.stats.bytesRead > 0, "the database was read again");
  assert.ok(healed.stats.chunksNew > 0, "the lost pages were stored again");
  const out = join(dir, "out");
  await restore({ repo, heads, to: out });
  assert.equal(fileHash(join(out, "msgstore.db")), fileHash((await snapshotDatabase(src.dbPath, dir)).path));
});
