/**
 * The copy note (copy-hint.ts) only schedules the copy: a stale or missing note never
 * changes what a backup stores, and a copy started on its word that the parent does not
 * need is stopped and leaves nothing behind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDemoData, mutateDemoData } from "@chatvault/demo-data";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore, Repository } from "../../index.ts";
import { backup, restore } from "../index.ts";
import { fileHash, newRepo } from "../../../test/support.ts";
import { readCopyHint, writeCopyHint } from "./copy-hint.ts";
import { databaseFingerprint, snapshotDatabase } from "./index.ts";
import { memoryTempBase } from "./memory-dir.ts";
import { privateTempRoot } from "../work-dir.ts";

const FP = "ab".repeat(32);

test("a note is kept per repository and database, 0600, and only a fingerprint is read back", async (t) => {
  const dir = tempDir(t);
  assert.equal(await readCopyHint(dir, "repo-1", "/a/msgstore.db"), undefined);
  await writeCopyHint(dir, "repo-1", "/a/msgstore.db", FP);
  assert.equal(await readCopyHint(dir, "repo-1", "/a/msgstore.db"), FP);
  assert.equal(await readCopyHint(dir, "repo-2", "/a/msgstore.db"), undefined, "another repository");
  assert.equal(await readCopyHint(dir, "repo-1", "/b/msgstore.db"), undefined, "another database");
  const [name] = readdirSync(dir);
  assert.equal(statSync(join(dir, name!)).mode & 0o777, 0o600);
  writeFileSync(join(dir, name!), "not a fingerprint");
  assert.equal(await readCopyHint(dir, "repo-1", "/a/msgstore.db"), undefined);
  await writeCopyHint(dir, "repo-1", "/a/msgstore.db", undefined);
  assert.deepEqual(readdirSync(dir), []);
  // A folder that cannot take the note: no error (the next backup only copies early).
  await writeCopyHint(join(dir, "missing"), "repo-1", "/a/msgstore.db", FP);
});

test("a stale note starts a copy the parent does not need: it is stopped, nothing is read or left, and backups restore exactly", async (t) => {
  const dir = tempDir(t);
  // Two regions of 4 MiB or more: the size from which the copy starts before the repository is read.
  const src = await generateDemoData({ outDir: join(dir, "src"), messages: 50000, mediaMiB: 1, seed: 8 });
  assert.ok(statSync(src.dbPath).size > 8.5 * 1024 * 1024);
  const { repo, root, storage } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const root0 = await privateTempRoot(tmpdir());
  const noteOf = async () => readCopyHint(root0, repo.repoId, src.dbPath);
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const noted = await noteOf();
  assert.match(noted ?? "", /^[0-9a-f]{64}$/, "the first backup noted its database");
  const parentDb = (await repo.resolveSnapshot(heads))!.manifest.database!;
  assert.equal(parentDb.source, noted);

  // The note lost (a cleaned temp folder): the copy starts early and is stopped.
  await writeCopyHint(root0, repo.repoId, src.dbPath, undefined);
  const same = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.equal(same.stats.bytesRead, 0, "nothing read: the parent's entry was taken");
  assert.equal(same.bytesUploaded, 0);
  assert.deepEqual((await repo.resolveSnapshot(heads))!.manifest.database, parentDb);
  assert.equal(await noteOf(), noted, "noted again");
  const mine = `chatvault-backup-${process.pid}-`;
  const shm = await memoryTempBase(0);
  for (const d of [root0, ...(shm ? [await privateTempRoot(shm)] : [])]) {
    assert.deepEqual(
      readdirSync(d).filter((n) => n.startsWith(mine)),
      [],
      `no run folder of this process left in ${d}`,
    );
  }

  // A note that says "unchanged" for a changed database: the copy starts after the
  // repository is read, as without notes, and the backup stores the change.
  await mutateDemoData({ dir: join(dir, "src"), messages: 300, mediaFiles: 0, seed: 9 });
  const now = databaseFingerprint(src.dbPath)!;
  await writeCopyHint(root0, repo.repoId, src.dbPath, now);
  const day = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.ok(day.stats.bytesRead > 0);
  const out = join(dir, "out");
  await restore({ repo: await Repository.open(storage, root), heads, to: out });
  assert.equal(fileHash(join(out, "msgstore.db")), fileHash((await snapshotDatabase(src.dbPath, dir)).path));
  assert.equal((await repo.resolveSnapshot(heads))!.manifest.database!.source, now);
  assert.equal(await noteOf(), now);
  rmSync(out, { recursive: true, force: true });
  assert.ok(!existsSync(out));
  await writeCopyHint(root0, repo.repoId, src.dbPath, undefined); // this test's note goes with its repository
});
