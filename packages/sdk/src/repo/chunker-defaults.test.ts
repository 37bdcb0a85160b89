/**
 * New repositories record the media chunker parameters of NEW_REPOSITORY_CHUNKER in their
 * config (spec §7.1); a repository created earlier keeps the parameters its config
 * records, so its media are cut as before and what it stores keeps deduplicating.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseKey } from "@chatvault/format";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore } from "../index.ts";
import { backup, restore } from "../node/index.ts";
import { NEW_REPOSITORY_CHUNKER, Repository } from "./repository.ts";
import { newRepo, treeHashes } from "../../test/support.ts";

const FIXTURE = new URL("../../test/fixtures/repo-v2/", import.meta.url).pathname;

/** A media folder with one incompressible 3 MiB file (deterministic). */
function mediaFolder(dir: string): string {
  const media = join(dir, "media");
  mkdirSync(media, { recursive: true });
  const b = Buffer.alloc(3 * 1024 * 1024);
  let x = 0x9e3779b9;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 255;
  }
  writeFileSync(join(media, "VID-1.mp4"), b);
  return media;
}

test("a new repository records 512 KiB / 1 MiB / 8 MiB and cuts media with them", async (t) => {
  const dir = tempDir(t);
  const { repo } = await newRepo(join(dir, "repo"));
  assert.deepEqual(repo.config.chunker, NEW_REPOSITORY_CHUNKER);
  assert.deepEqual(NEW_REPOSITORY_CHUNKER, { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 });
  const reopened = await Repository.open(repo.storage, repo.rootKey);
  assert.deepEqual(reopened.config.chunker, NEW_REPOSITORY_CHUNKER);
  const heads = memoryHeadStore();
  const media = mediaFolder(dir);
  await backup({ repo, heads, media, workers: 0 });
  const m = (await repo.resolveSnapshot(heads))!.manifest;
  // 3 MiB at avg 1 MiB, min 512 KiB: between 1 and 6 chunks (16 / 64 / 256 KiB would give ≥ 12).
  assert.ok(m.media[0]!.chunks.length >= 1 && m.media[0]!.chunks.length <= 6, `${m.media[0]!.chunks.length} chunks`);
  await restore({ repo, heads, to: join(dir, "out") });
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(media));
});

test("a repository created with 16 / 64 / 256 KiB (fixture) keeps them: its config is not rewritten, new media are cut as before", async (t) => {
  const dir = tempDir(t);
  cpSync(join(FIXTURE, "repo"), join(dir, "repo"), { recursive: true });
  const configBefore = readFileSync(join(dir, "repo", "config"));
  const root = parseKey(readFileSync(join(FIXTURE, "key.txt"), "utf8"));
  const repo = await Repository.open(new FsStorage(join(dir, "repo")), root);
  assert.deepEqual(repo.config.chunker, { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 });
  const heads = memoryHeadStore();
  const media = mediaFolder(dir);
  for (const workers of [0, 1]) {
    // A changed file each time, so that both backups cut it (the second on a worker thread).
    const file = join(media, "VID-1.mp4");
    const bytes = readFileSync(file);
    bytes[0] = workers + 1;
    writeFileSync(file, bytes);
    const r = await backup({ repo, heads, media, workers });
    assert.equal(r.stats.filesUnchanged, 0);
    const m = (await repo.resolveSnapshot(heads))!.manifest;
    const chunks = m.media[0]!.chunks.length;
    // 3 MiB at max 256 KiB: at least 12 chunks, on this thread and on worker threads alike.
    assert.ok(chunks >= 12, `${chunks} chunks`);
  }
  assert.deepEqual(readFileSync(join(dir, "repo", "config")), configBefore);
  await restore({ repo, heads, to: join(dir, "out") });
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(media));
});
