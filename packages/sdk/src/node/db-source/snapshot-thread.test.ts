/**
 * The copy on its own thread (snapshot-thread.ts) is snapshotDatabase: the same bytes,
 * the same errors (rebuilt across the thread boundary), progress on this thread; and a
 * backup that copies on a thread (new media ≥ 8 MiB) restores what it read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { KeySchedule, chunkId, generateRootKey } from "@chatvault/format";
import { StorageUnavailableError } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { withFaults } from "@chatvault/storage/testing";
import { tempDir } from "@chatvault/testkit";
import { generateDemoData, mutateDemoData } from "@chatvault/demo-data";
import { memoryHeadStore, Repository } from "../../index.ts";
import { backup, restore } from "../index.ts";
import { fileHash, newRepo, treeHashes } from "../../../test/support.ts";
import { DatabaseSourceError, snapshotDatabase, snapshotDatabaseOnThread } from "./index.ts";
import { describeCopyError, rebuildCopyError } from "./snapshot-thread.ts";

test("a copy made on a thread is the copy snapshotDatabase makes, with progress on this thread", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: join(dir, "src"), messages: 3000, mediaMiB: 0, seed: 1 });
  const direct = await snapshotDatabase(demo.dbPath, dir);
  const seen: [number, number][] = [];
  const job = snapshotDatabaseOnThread(demo.dbPath, dir, { pagesPerStep: 16, onProgress: (c, n) => seen.push([c, n]) });
  const threaded = await job.done;
  await job.cancel(); // after the end: nothing to stop
  assert.notEqual(threaded.path, direct.path);
  assert.deepEqual({ ...threaded, path: "" }, { ...direct, path: "" });
  assert.ok(readFileSync(threaded.path).equals(readFileSync(direct.path)), "byte for byte");
  assert.ok(seen.length > 1);
  assert.deepEqual(seen.at(-1), [direct.pageCount, direct.pageCount]);
});

test("a thread's copy fails with the errors snapshotDatabase throws", async (t) => {
  const dir = tempDir(t);
  const missing = snapshotDatabaseOnThread(join(dir, "nope.db"), dir).done;
  await assert.rejects(missing, (e: unknown) => e instanceof DatabaseSourceError && e.reason === "not_found" && e.retryable === false);
  writeFileSync(join(dir, "text.db"), "not a database at all, just some text that is long enough to fill a header; ".repeat(3));
  await assert.rejects(
    snapshotDatabaseOnThread(join(dir, "text.db"), dir).done,
    (e: unknown) => e instanceof DatabaseSourceError && e.reason === "not_a_database",
  );
  const demo = await generateDemoData({ outDir: join(dir, "src"), messages: 100, mediaMiB: 0, seed: 2 });
  await assert.rejects(snapshotDatabaseOnThread(demo.dbPath, dir, { pagesPerStep: 0 }).done, RangeError);
  // Only the failed copies' files are gone: nothing of them is left in the folder.
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith(".snapshot")),
    [],
  );
});

test("errors cross the thread as data and come back with their class, reason and codes", () => {
  const cause = Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
  const e = rebuildCopyError(describeCopyError(new DatabaseSourceError("io_error", "snapshot of x failed", { cause })));
  assert.ok(e instanceof DatabaseSourceError);
  assert.equal(e.reason, "io_error");
  assert.equal((e.cause as { code?: string }).code, "SQLITE_FULL");
  const errno = rebuildCopyError(
    describeCopyError(Object.assign(new Error("ENOSPC: no space left"), { code: "ENOSPC", errno: -28, syscall: "open", path: "/t" })),
  );
  assert.deepEqual([errno.message, (errno as { code?: string }).code, (errno as { errno?: number }).errno], ["ENOSPC: no space left", "ENOSPC", -28]);
  assert.ok(rebuildCopyError(describeCopyError("odd")) instanceof Error);
});

test("the copy's thread computes the chunk IDs this thread computes, page for page", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: join(dir, "src"), messages: 3000, mediaMiB: 0, seed: 6 });
  const keys = await KeySchedule.derive(generateRootKey());
  const job = snapshotDatabaseOnThread(demo.dbPath, dir, { chunkIdsWith: keys });
  await assert.rejects(snapshotDatabaseOnThread(demo.dbPath, dir).pageIds(1), TypeError, "only a job started with chunkIdsWith");
  const s = await job.done;
  const pages = s.pageCount - 3;
  const ids = await job.pageIds(pages);
  await assert.rejects(job.pageIds(1), TypeError, "answers once");
  const bytes = readFileSync(s.path);
  assert.equal(ids.length, pages * 32);
  for (let i = 0; i < pages; i++) {
    const want = await chunkId(keys, bytes.subarray(i * s.pageSize, (i + 1) * s.pageSize));
    assert.deepEqual(ids.subarray(i * 32, (i + 1) * 32), want, `page ${i}`);
  }
  const tooMany = snapshotDatabaseOnThread(demo.dbPath, dir, { chunkIdsWith: keys });
  await assert.rejects(
    tooMany.done.then(() => tooMany.pageIds(s.pageCount + 1)),
    RangeError,
  );
  await tooMany.cancel();
});

test("cancel ends a copy under way; its promise settles", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: join(dir, "src"), messages: 20000, mediaMiB: 0, seed: 3 });
  const job = snapshotDatabaseOnThread(demo.dbPath, dir, { pagesPerStep: 1 });
  await job.cancel();
  await job.done.then(
    () => {},
    (e: unknown) => assert.ok(e instanceof DatabaseSourceError),
  );
});

function rows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT count(*) FROM messages").pluck().get() as number;
  } finally {
    db.close();
  }
}

test("backups that copy the database on a thread (≥ 8 MiB of new media) restore what they read", async (t) => {
  const dir = tempDir(t);
  // Over 2 regions of 4 MiB, so the day after's copy thread hashes the first of them.
  const src = await generateDemoData({ outDir: join(dir, "src"), messages: 50000, mediaMiB: 10, seed: 4 });
  assert.ok(statSync(src.dbPath).size > 8.5 * 1024 * 1024);
  const { repo, root, storage } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const first = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.equal(first.stats.filesNew, src.mediaFiles);
  // The day after: the database changed and 9 MiB of new media (the copy runs beside them).
  const change = await mutateDemoData({ dir: join(dir, "src"), messages: 300, mediaFiles: 1, seed: 5 });
  writeFileSync(join(src.mediaDir, "big.bin"), randomBytes(9 * 1024 * 1024));
  const day = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.equal(day.stats.filesNew, 2);
  // Only what changed was stored: the new media and a few pages, not the database again.
  const newMedia = 9 * 1024 * 1024 + change.mediaBytes;
  t.diagnostic(`uploaded ${day.bytesUploaded} B for ${newMedia} B of new media; database ${statSync(src.dbPath).size} B`);
  assert.ok(day.bytesUploaded < newMedia + 1024 * 1024, `uploaded ${day.bytesUploaded}`);
  const check = async (out: string) => {
    await restore({ repo: await Repository.open(storage, root), heads, to: out });
    assert.deepEqual(treeHashes(join(out, "media")), treeHashes(src.mediaDir));
    const copy = await snapshotDatabase(src.dbPath, dir);
    assert.equal(fileHash(join(out, "msgstore.db")), fileHash(copy.path));
    assert.equal(rows(join(out, "msgstore.db")), rows(src.dbPath));
  };
  await check(join(dir, "out"));
  // A day with messages only: the database (two regions or more) still copies and half-hashes on the thread.
  await mutateDemoData({ dir: join(dir, "src"), messages: 200, mediaFiles: 0, seed: 6 });
  const quiet = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.equal(quiet.stats.filesNew + quiet.stats.filesChanged, 0);
  assert.ok(quiet.bytesUploaded < 1024 * 1024, `uploaded ${quiet.bytesUploaded}`);
  await check(join(dir, "out2"));
});

test("a backup that copies on a thread and fails elsewhere leaves no copy behind (and its thread ends)", async (t) => {
  const dir = tempDir(t);
  const src = await generateDemoData({ outDir: join(dir, "src"), messages: 20000, mediaMiB: 0, seed: 7 });
  const { root } = await newRepo(join(dir, "repo"));
  // Every pack upload fails: the first full pack of the new media ends the backup, with the copy done or not.
  const storage = withFaults(new FsStorage(join(dir, "repo")), {
    seed: 1,
    rules: [{ op: "put", prefix: "packs/", fault: { kind: "unavailable" } }],
    sleep: async () => {},
  });
  const repo = await Repository.open(storage, root);
  writeFileSync(join(src.mediaDir, "big.bin"), randomBytes(12 * 1024 * 1024));
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  await assert.rejects(backup({ repo, heads: memoryHeadStore(), db: src.dbPath, media: src.mediaDir, tmpDir: tmp }), StorageUnavailableError);
  assert.deepEqual(readdirSync(tmp), [], "the run folder and the copy in it are gone");
});
