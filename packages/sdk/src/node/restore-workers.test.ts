/**
 * Restore with its chunks opened on worker threads (restore-download.ts, restore-pool.ts;
 * spec/backup-format.md §8.8): the same files as on one thread, the same typed error for
 * a tampered chunk with nothing moved into place, a clear error and no staging folder
 * left when a worker dies, and stored fixtures of earlier versions still restore.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { IntegrityError, fromHex, parseKey, toHex } from "@chatvault/format";
import type { Storage } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { layout, memoryHeadStore, Repository } from "../index.ts";
import { backup, restore } from "./index.ts";
import { PARALLEL_ABOVE, defaultRestoreWorkers } from "./restore-download.ts";
import { SLOT_BYTES, WorkerStoppedError, useRestoreWorkerEntry } from "./restore-pool.ts";
import { demo, fileHash, newRepo, treeHashes } from "../../test/support.ts";

const FIXTURE_V2 = new URL("../../test/fixtures/repo-v2/", import.meta.url).pathname;
const CRASHING_WORKER = new URL("../../test/crashing-restore-worker.mjs", import.meta.url);

async function backedUp(t: Parameters<typeof tempDir>[0], messages = 2000, mediaMiB = 3) {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), messages, mediaMiB);
  const { repo, root } = await newRepo(join(dir, "repo"), undefined, { packSize: 512 * 1024 });
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  return { dir, src, repo, root, heads };
}

/** Everything directly under `dir` (nothing: no file moved into place, no staging folder left). */
const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

test("restore on worker threads writes the same files as on this thread, whatever the number of workers and ranges in flight", async (t) => {
  const { dir, repo, heads } = await backedUp(t);
  await restore({ repo, heads, to: join(dir, "inline"), workers: 0 });
  const want = treeHashes(join(dir, "inline"));
  for (const [workers, concurrency] of [
    [1, 1],
    [2, 4],
    [3, 2],
  ] as const) {
    const out = join(dir, `w${workers}-c${concurrency}`);
    const progress: number[] = [];
    const r = await restore({ repo, heads, to: out, workers, concurrency, onProgress: (e) => progress.push(e.bytesDone) });
    assert.deepEqual(treeHashes(out), want, `workers ${workers}, concurrency ${concurrency}`);
    assert.equal(progress.at(-1), r.bytes, "progress reaches every restored byte");
    assert.deepEqual(
      entries(out).filter((n) => n.startsWith(".chatvault-restore-")),
      [],
      "no staging folder left",
    );
  }
});

test("restore on workers reads its pack ranges into the pool's few shared slots, not a fresh buffer per range", async (t) => {
  const { dir, repo, root, heads } = await backedUp(t, 2000, 8);
  await restore({ repo, heads, to: join(dir, "inline"), workers: 0 });
  const fs = new FsStorage(join(dir, "repo"));
  let ranged = 0;
  let fresh = 0;
  const spied: Storage = {
    location: fs.location,
    put: (n, d) => fs.put(n, d),
    get: (n, r) => {
      if (r && n.startsWith("data/")) ranged++;
      return fs.get(n, r);
    },
    getInto: (n, r, into) => {
      // A reused buffer still holds the sealed bytes of an earlier range; a new one is zeros.
      if (!into.some((b) => b !== 0)) fresh++;
      return fs.getInto(n, r, into);
    },
    stat: (n) => fs.stat(n),
    list: (p) => fs.list(p),
    delete: (n) => fs.delete(n),
  };
  const reads: number[] = [];
  const wrapped: Storage = { ...spied, getInto: (n, r, into) => (reads.push(r.length), spied.getInto!(n, r, into)) };
  const out = join(dir, "workers");
  await restore({ repo: await Repository.open(wrapped, root), heads, to: out, workers: 1 });
  assert.deepEqual(treeHashes(out), treeHashes(join(dir, "inline")));
  assert.equal(ranged, 0, "no pack range read into a buffer of the storage's own");
  assert.ok(reads.length >= 8, `ranges read in place: ${reads.length}`);
  assert.ok(fresh <= 4, `${fresh} new buffers for ${reads.length} ranges`);
});

test("chunks longer than a slot: the slots grow and are shared again, and every file restores as on this thread", async (t) => {
  const dir = tempDir(t);
  const media = join(dir, "media");
  mkdirSync(media);
  // Chunks of 2.5–4 MiB (over the slots' 2 MiB), random so that they stay that long sealed
  // too; the first file's one chunk is shorter, so the first slot is made at 2 MiB and grows.
  for (const [name, mib] of [
    ["a.bin", 1],
    ["b.bin", 5],
    ["c.bin", 7],
  ] as const)
    writeFileSync(join(media, name), randomBytes(mib * 1024 * 1024));
  const { repo } = await newRepo(join(dir, "repo"), undefined, {
    packSize: 4 * 1024 * 1024,
    chunker: { min: 2.5 * 1024 * 1024, avg: 4 * 1024 * 1024, max: 4 * 1024 * 1024 },
  });
  const heads = memoryHeadStore();
  await backup({ repo, heads, media, workers: 0 });
  const index = await repo.loadIndex();
  const m = await repo.readSnapshot((await repo.listSnapshots()).at(-1)!);
  const longest = Math.max(...m.media.flatMap((f) => f.chunks.map((id) => index.get(toHex(id))!.rawLength)));
  assert.ok(longest > SLOT_BYTES, `a chunk of ${longest} bytes, over the ${SLOT_BYTES} of a slot`);
  await restore({ repo, heads, to: join(dir, "inline"), workers: 0 });
  for (const [workers, concurrency] of [
    [1, 1],
    [2, 2],
  ] as const) {
    const out = join(dir, `w${workers}-c${concurrency}`);
    await restore({ repo, heads, to: out, workers, concurrency });
    assert.deepEqual(treeHashes(out), treeHashes(join(dir, "inline")), `workers ${workers}, concurrency ${concurrency}`);
    assert.deepEqual(treeHashes(join(out, "media")), treeHashes(media), "the media as backed up");
  }
});

test("a tampered chunk opened on a worker: the same IntegrityError as on this thread, and nothing moved into place", async (t) => {
  const { dir, repo, root, heads } = await backedUp(t);
  const index = await repo.loadIndex();
  const m = await repo.readSnapshot((await repo.listSnapshots()).at(-1)!);
  // A media chunk and a database page: both kinds of range go through the workers.
  for (const [what, id] of [
    ["media chunk", m.media.find((f) => f.chunks.length > 0)!.chunks.at(-1)!],
    ["database page", m.database!.pages[7]!],
  ] as const) {
    const loc = index.get(toHex(id))!;
    const copy = join(dir, `repo-${what.replace(" ", "-")}`);
    cpSync(join(dir, "repo"), copy, { recursive: true });
    const pack = join(copy, layout.packName(fromHex(loc.pack)));
    const b = readFileSync(pack);
    b[loc.offset + (loc.length >> 1)]! ^= 0x10;
    writeFileSync(pack, b);
    const tampered = await Repository.open(new FsStorage(copy), root);
    const errors: unknown[] = [];
    for (const workers of [0, 2]) {
      const out = join(dir, `out-${what.replace(" ", "-")}-${workers}`);
      const e = await restore({ repo: tampered, heads, to: out, workers }).then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(e instanceof IntegrityError && e.reason === "auth_failed", `${what}, workers ${workers}: ${String(e)}`);
      assert.match(e.message, new RegExp(`chunk ${toHex(id).slice(0, 16)}… in pack`));
      assert.deepEqual(entries(out), [], `${what}, workers ${workers}: nothing may be left at the destination`);
      errors.push(e);
    }
    const [one, many] = errors as IntegrityError[];
    assert.deepEqual([many!.reason, many!.objectId, many!.message], [one!.reason, one!.objectId, one!.message], `${what}: same error on both paths`);
  }
});

test("a restore worker that dies: a clear error, the staging folder removed, an existing destination untouched", async (t) => {
  const { dir, repo, heads } = await backedUp(t, 1000, 1);
  await restore({ repo, heads, to: join(dir, "out"), workers: 0 });
  const before = treeHashes(join(dir, "out"));
  useRestoreWorkerEntry(CRASHING_WORKER);
  t.after(() => useRestoreWorkerEntry(undefined));
  // Into a fresh folder: it is removed again.
  const e = await restore({ repo, heads, to: join(dir, "fresh"), workers: 2 }).then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.ok(e instanceof WorkerStoppedError, String(e));
  assert.match(e.message, /restore worker thread stopped \(exit code 7\); nothing was moved into place/);
  assert.equal(existsSync(join(dir, "fresh")), false);
  // Over an earlier restore (overwrite): it stays as it was, and no staging folder is left beside it.
  await assert.rejects(restore({ repo, heads, to: join(dir, "out"), workers: 1, overwrite: true }), WorkerStoppedError);
  assert.deepEqual(treeHashes(join(dir, "out")), before);
  assert.deepEqual(
    entries(join(dir, "out")).filter((n) => n.startsWith(".chatvault-restore-")),
    [],
  );
});

test("a spec version 2 repository (stored fixture) restores on worker threads as on this thread", async (t) => {
  const dir = tempDir(t);
  cpSync(join(FIXTURE_V2, "repo"), join(dir, "repo"), { recursive: true });
  const repo = await Repository.open(new FsStorage(join(dir, "repo")), parseKey(readFileSync(join(FIXTURE_V2, "key.txt"), "utf8")));
  const heads = memoryHeadStore();
  await restore({ repo, heads, to: join(dir, "inline"), workers: 0 });
  await restore({ repo, heads, to: join(dir, "workers"), workers: 2 });
  assert.deepEqual(treeHashes(join(dir, "workers")), treeHashes(join(dir, "inline")));
  assert.equal(fileHash(join(dir, "workers", "chat.db")), fileHash(join(dir, "inline", "chat.db")));
  assert.equal(readFileSync(join(dir, "workers", "media", "photos", "a.txt"), "utf8"), "media file A\n");
});

test("default workers: none up to 64 MiB, then one per core but one, and never none", () => {
  assert.equal(defaultRestoreWorkers(PARALLEL_ABOVE), 0);
  assert.equal(defaultRestoreWorkers(PARALLEL_ABOVE + 1), Math.max(1, availableParallelism() - 1));
});
