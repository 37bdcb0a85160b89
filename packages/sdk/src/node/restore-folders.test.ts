/**
 * The media's folders made beside the database's download (restore.ts, restore-download.ts
 * `foldersMade`): the database is opened without waiting for them, no other file is opened
 * before they exist, and a failure to make them fails the download with its error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore } from "../index.ts";
import { ProgressTracker } from "../progress.ts";
import { restoredDatabaseName } from "../restore/plan.ts";
import { prepareRestore } from "../restore/prepare.ts";
import { backup, restore } from "./index.ts";
import { downloadInto } from "./restore-download.ts";
import { demo, newRepo, treeHashes } from "../../test/support.ts";

async function planned(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 1500, 2);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const { resolved, plan } = await prepareRestore(repo, heads, undefined, new ProgressTracker("restore"));
  const staging = join(dir, "staging");
  mkdirSync(staging);
  const db = join(staging, restoredDatabaseName(resolved.manifest.database!.name));
  const paths = plan.files.map((f) => join(staging, f.rel));
  assert.ok(
    paths.some((p) => p !== db && !existsSync(join(p, ".."))),
    "media files in folders not made yet",
  );
  return { dir, repo, heads, plan, staging, db, paths };
}

/** Resolves with true once `path` exists (polled), or with false after `ms` (a pack may hold a media chunk before the database's pages). */
function appears(path: string, ms = 1000): Promise<boolean> {
  const until = Date.now() + ms;
  return new Promise((resolve) => {
    const look = () => {
      if (existsSync(path)) resolve(true);
      else if (Date.now() > until) resolve(false);
      else setTimeout(look, 5);
    };
    look();
  });
}

for (const workers of [0, 1]) {
  test(`workers ${workers}: no media file is opened before the folders are made, every file complete`, async (t) => {
    const { repo, plan, db, paths } = await planned(t);
    const media = paths.filter((p) => p !== db);
    let mediaBefore = -1;
    let dbBefore = false;
    // The folders are made once the database file exists (or after a second).
    const folders = appears(db).then((seen) => {
      dbBefore = seen;
      mediaBefore = media.filter((p) => existsSync(p)).length;
      for (const p of media) mkdirSync(join(p, ".."), { recursive: true });
    });
    const check = await downloadInto(paths, plan, db, new ProgressTracker("restore"), { repo, workers, foldersMade: folders });
    await check;
    assert.equal(mediaBefore, 0, "no media file before its folder's promise resolved");
    // Whether the database got there first is not asserted: this small repository's packs
    // mix media chunks with its pages, and the order of their writes varies (dbBefore).
    void dbBefore;
    for (const p of paths) assert.ok(existsSync(p), p);
  });
}

test("folders that cannot be made: the download fails with that error, and no media file is written", async (t) => {
  const { repo, plan, db, paths, staging } = await planned(t);
  const refused = Object.assign(new Error("EACCES: permission denied, mkdir"), { code: "EACCES" });
  const foldersMade = Promise.reject(refused);
  foldersMade.catch(() => {}); // as restore.ts does: awaited by the first media file's open
  const e = await downloadInto(paths, plan, db, new ProgressTracker("restore"), { repo, workers: 1, foldersMade }).then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.equal(e, refused);
  assert.deepEqual(
    readdirSync(staging).filter((n) => join(staging, n) !== db),
    [],
    "no media file (nor folder) in the staging folder",
  );
});

test("restore makes the media's folders beside the database's download: the same tree as before", async (t) => {
  const { dir, repo, heads } = await planned(t);
  for (const workers of [0, 1]) {
    const out = join(dir, `out-${workers}`);
    await restore({ repo, heads, to: out, workers });
    assert.deepEqual(treeHashes(join(out, "media")), treeHashes(join(dir, "src", "media")), `workers ${workers}`);
  }
});
