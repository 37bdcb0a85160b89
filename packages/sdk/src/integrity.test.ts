/**
 * Repository-level robustness (spec §8.6, §8.7, §8.9, §8.11): the lock keeps prune and a
 * second backup away from a running backup, a fork is a recoverable state (not a false
 * rollback alarm), verify checks what restore checks, and a lost pack is healed by the
 * next backup. Races are staged with a gate in storage, not with sleeps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IntegrityError } from "@chatvault/format";
import type { Storage } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { LockLostError, RepositoryLockedError } from "./errors.ts";
import { BackupSession } from "./backup/session.ts";
import { authenticatedHeadStore, memoryHeadStore } from "./repo/head.ts";
import { RepositoryLock, breakLocks } from "./repo/lock.ts";
import { PACKS_PREFIX } from "./repo/layout.ts";
import { Repository } from "./repo/repository.ts";
import { prune } from "./prune.ts";
import { verify } from "./verify.ts";
import { backup, restore, nodeCompressor } from "./node/index.ts";
import { demo, newRepo, treeHashes } from "../test/support.ts";

/** A storage whose first put under `prefix` waits for `open()`; `reached` resolves when it is waiting. */
function gate(inner: Storage, prefix: string) {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const waiting = new Promise<void>((r) => (reached = r));
  let first = true;
  const storage: Storage = {
    location: inner.location,
    async put(n, d) {
      if (first && n.startsWith(prefix)) {
        first = false;
        reached();
        await opened;
      }
      return inner.put(n, d);
    },
    get: (n, r) => inner.get(n, r),
    stat: (n) => inner.stat(n),
    list: (p) => inner.list(p),
    delete: (n) => inner.delete(n),
  };
  return { storage, open, waiting };
}

test("prune and a second backup are refused while a backup runs; the backup then completes and restores", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 1);
  const { storage, root } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const g = gate(storage, PACKS_PREFIX);
  const repo = await Repository.open(g.storage, root);
  const running = backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  await g.waiting; // the backup is uploading its first pack
  const other = await Repository.open(storage, root);
  await assert.rejects(prune(other, heads, { last: 1 }), (e: unknown) => e instanceof RepositoryLockedError && /locked by backup/.test(e.message));
  await assert.rejects(backup({ repo: other, heads, db: src.dbPath, workers: 0 }), RepositoryLockedError);
  g.open();
  const r = await running;
  assert.equal(r.snapshot.sequence, 1);
  await restore({ repo: other, heads, to: join(dir, "out") });
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(src.mediaDir));
  assert.deepEqual((await prune(other, heads, { last: 1 })).forgotten, [], "prune runs once the backup is done");
});

test("a backup whose lock was broken stops before writing its snapshot", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 200, 1);
  const { storage, root } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const g = gate(storage, PACKS_PREFIX);
  const running = backup({ repo: await Repository.open(g.storage, root), heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  await g.waiting;
  const repo = await Repository.open(storage, root);
  assert.equal((await breakLocks(repo, { all: true })).length, 1);
  g.open();
  await assert.rejects(running, LockLostError);
  assert.deepEqual(await repo.listSnapshots(), [], "no snapshot was committed");
  assert.equal(heads.current, undefined);
});

/** Two clients that did not see each other (e.g. a synced folder) both write #2: merge their repositories. */
async function forkedRepository(dir: string) {
  const src = await demo(join(dir, "src"), 300, 1);
  const { root } = await newRepo(join(dir, "a"));
  const headA = memoryHeadStore();
  const repoA = await Repository.open(new FsStorage(join(dir, "a")), root);
  await backup({ repo: repoA, heads: headA, db: src.dbPath, media: src.mediaDir, workers: 0 });
  cpSync(join(dir, "a"), join(dir, "b"), { recursive: true });
  const headB = memoryHeadStore(headA.current);
  const a2 = await backup({ repo: repoA, heads: headA, db: src.dbPath, media: src.mediaDir, workers: 0, host: "a" });
  writeFileSync(join(dir, "src", "media", "only-in-b.txt"), "b");
  const repoB = await Repository.open(new FsStorage(join(dir, "b")), root);
  const b2 = await backup({ repo: repoB, heads: headB, db: src.dbPath, media: src.mediaDir, workers: 0, host: "b" });
  cpSync(join(dir, "b"), join(dir, "a"), { recursive: true, force: false, errorOnExist: false });
  return { src, root, repo: repoA, headA, headB, a2, b2 };
}

test("a fork (two snapshots #2) is resolved by the head, never reported as a rollback; prune forgets the other", async (t) => {
  const dir = tempDir(t);
  const { src, repo, headA, headB, a2, b2 } = await forkedRepository(dir);
  assert.deepEqual(
    (await repo.listSnapshots()).map((r) => r.sequence),
    [1, 2, 2],
  );
  const seenByA = await repo.resolveSnapshot(headA);
  assert.equal(seenByA?.ref.digest, a2.snapshot.digest);
  assert.deepEqual(
    seenByA?.conflicts.map((c) => c.digest),
    [b2.snapshot.digest],
  );
  assert.equal((await repo.resolveSnapshot(headB))?.ref.digest, b2.snapshot.digest, "each client keeps its own");
  const none = await repo.resolveSnapshot(memoryHeadStore()); // a reader that knows no head
  assert.ok(none && [a2.snapshot.digest, b2.snapshot.digest].includes(none.ref.digest), "without a head: one of them, no error");
  const report = await verify({ repo, heads: headA, compressor: nodeCompressor });
  assert.deepEqual(report.problems, []);
  assert.equal(report.warnings.length, 1, "verify mentions the fork");
  await restore({ repo, heads: headA, to: join(dir, "out-b"), snapshot: b2.snapshot.digest.slice(0, 12) });
  const next = await backup({ repo, heads: headA, db: src.dbPath, media: src.mediaDir, workers: 0 });
  assert.equal(next.snapshot.sequence, 3);
  const pr = await prune(repo, headA, { last: 10 });
  assert.deepEqual(pr.forgotten, [2], "the snapshot off the chain goes");
  assert.deepEqual((await repo.listSnapshots()).map((r) => r.digest).includes(b2.snapshot.digest), false);
  assert.deepEqual((await repo.listSnapshots()).map((r) => r.digest).includes(a2.snapshot.digest), true);
  await assert.rejects(
    repo.resolveSnapshot(memoryHeadStore({ sequence: 3, digest: "0".repeat(64) })),
    (e: unknown) => e instanceof IntegrityError && e.reason === "rollback",
    "a head naming no snapshot is still a rollback",
  );
});

test("verify checks freshness like restore: rolled back, emptied, tampered head record", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  let record: string | undefined;
  const heads = authenticatedHeadStore(repo.keys, repo.repoId, { read: async () => record, write: async (s) => void (record = s) }, "local record");
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  cpSync(join(dir, "repo"), join(dir, "old"), { recursive: true });
  writeFileSync(join(src.mediaDir, "new.txt"), "new");
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  assert.deepEqual((await verify({ repo, heads, compressor: nodeCompressor })).problems, [], "clean before tampering");

  // Roll snapshots/ and index/ back to the first backup's.
  for (const sub of ["snapshots", "index"]) {
    rmSync(join(dir, "repo", sub), { recursive: true });
    cpSync(join(dir, "old", sub), join(dir, "repo", sub), { recursive: true });
  }
  const rolled = await verify({ repo, heads, compressor: nodeCompressor });
  assert.ok(
    rolled.problems.some((p) => /rolled back/.test(p.problem)),
    JSON.stringify(rolled.problems),
  );

  rmSync(join(dir, "repo", "snapshots"), { recursive: true });
  const emptied = await verify({ repo, heads, compressor: nodeCompressor });
  assert.equal(emptied.snapshots, 0);
  assert.ok(
    emptied.problems.some((p) => /missing from storage/.test(p.problem)),
    "0 snapshots with a head is not OK",
  );

  record = record!.replace(/"sequence":2/, '"sequence":1');
  const forged = await verify({ repo, heads, compressor: nodeCompressor });
  assert.ok(
    forged.problems.some((p) => /head record was modified/.test(p.problem)),
    JSON.stringify(forged.problems),
  );
});

test("verify: every file's chunks must add up to its recorded size", async (t) => {
  const dir = tempDir(t);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const s = await BackupSession.begin(repo, heads, { compressor: nodeCompressor });
  const chunk = await s.store.store(new TextEncoder().encode("hello"), false);
  await s.commit(
    null,
    [
      { path: "a.txt", size: 5, mtimeMs: 0, chunks: [chunk] },
      { path: "grew.txt", size: 9, mtimeMs: 0, chunks: [chunk] },
    ],
    "test",
  );
  const r = await verify({ repo, heads, compressor: nodeCompressor });
  assert.deepEqual(
    r.problems.map((p) => p.problem),
    ["media file grew.txt: its chunks hold 5 bytes, the manifest says 9"],
  );
});

test("a pack lost on the storage side is healed by the next backup: every snapshot restores, verify is clean", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 2);
  const { repo } = await newRepo(join(dir, "repo"), undefined, { packSize: 256 * 1024 });
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const packDirs = readdirSync(join(dir, "repo", "packs"));
  const victimDir = join(dir, "repo", "packs", packDirs[0]!);
  const victim = readdirSync(victimDir)[0]!;
  rmSync(join(victimDir, victim));
  const broken = await verify({ repo, heads, compressor: nodeCompressor });
  assert.ok(
    broken.problems.some((p) => /missing from storage/.test(p.problem)),
    "verify sees the hole",
  );

  const healed = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  assert.ok(healed.stats.chunksNew > 0, "the lost chunks were stored again");
  for (const seq of ["1", "2"]) {
    const to = join(dir, `out-${seq}`);
    await restore({ repo, heads, to, snapshot: seq });
    assert.deepEqual(treeHashes(join(to, "media")), treeHashes(src.mediaDir), `snapshot ${seq}`);
  }
  const report = await verify({ repo, heads, compressor: nodeCompressor });
  assert.deepEqual(report.problems, []);
  assert.equal(report.packsChecked, report.packsTotal);
});

test("restore and verify are refused while a prune holds the repository; both still run on storage that refuses lock objects", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 200, 1);
  const { storage, repo, root } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const pruning = await RepositoryLock.acquire(repo, "exclusive", { operation: "prune", autoRenew: false });
  await assert.rejects(restore({ repo, heads, to: join(dir, "out") }), /locked by prune/);
  await assert.rejects(verify({ repo, heads, compressor: nodeCompressor }), RepositoryLockedError);
  await pruning.release();
  // Read-only credentials: every put fails; reading must still work.
  const readOnly: Storage = {
    location: storage.location,
    put: async () => {
      throw Object.assign(new Error("AccessDenied"), { code: "EACCES" });
    },
    get: (n, r) => storage.get(n, r),
    stat: (n) => storage.stat(n),
    list: (p) => storage.list(p),
    delete: (n) => storage.delete(n),
  };
  const ro = await Repository.open(readOnly, root);
  await restore({ repo: ro, heads, to: join(dir, "out") });
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(src.mediaDir));
  assert.deepEqual((await verify({ repo: ro, heads, compressor: nodeCompressor })).problems, []);
});
