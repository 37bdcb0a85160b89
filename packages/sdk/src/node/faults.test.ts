/**
 * Storage faults (spec/backup-format.md §8.7): with a fault-injecting storage, a backup either retries and
 * succeeds, or fails cleanly with the previous snapshot intact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withRetry, StorageUnavailableError, type Storage } from "@chatvault/storage";
import { withFaults, type FaultRule } from "@chatvault/storage/testing";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore, Repository } from "../index.ts";
import { backup, restore } from "./index.ts";
import { mutateDemoData } from "@chatvault/demo-data";
import { demo, newRepo, treeHashes } from "../../test/support.ts";

const fast = { attempts: 6, baseDelayMs: 1, maxDelayMs: 5 };

async function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 1500, 2);
  const { repo, root } = await newRepo(join(dir, "repo"), undefined, { packSize: 256 * 1024 });
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  await mutateDemoData({ dir: join(dir, "src"), messages: 50, mediaFiles: 2, seed: 5 });
  const open = async (rules: FaultRule[], retry = true) => {
    let s: Storage = withFaults(new FsStorage(join(dir, "repo")), { seed: 3, rules, sleep: async () => {} });
    if (retry) s = withRetry(s, fast);
    return Repository.open(s, root);
  };
  return { dir, src, heads, open };
}

test("transient errors on 30% of calls: retries, then the backup succeeds and restores", async (t) => {
  const { dir, src, heads, open } = await setup(t);
  const repo = await open([{ op: "*", rate: 0.3, fault: { kind: "unavailable" } }]);
  const r = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.equal(r.snapshot.sequence, 2);
  await restore({ repo, heads, to: join(dir, "out") });
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(src.mediaDir));
});

test("lost acknowledgements on every first put: retried puts find their own object and go on", async (t) => {
  const { src, heads, open } = await setup(t);
  const repo = await open([{ op: "put", calls: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], fault: { kind: "lostAck" } }]);
  const r = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.equal(r.snapshot.sequence, 2);
});

test("slow responses only slow the backup down", async (t) => {
  const { src, heads, open } = await setup(t);
  const repo = await open([{ op: "put", rate: 0.5, fault: { kind: "slow", ms: 50 } }]);
  assert.equal((await backup({ repo, heads, db: src.dbPath, media: src.mediaDir })).snapshot.sequence, 2);
});

for (const [name, rule] of [
  ["manifest upload keeps failing", { op: "put", prefix: "snapshots/", fault: { kind: "unavailable" } }],
  ["index upload times out", { op: "put", prefix: "index/", fault: { kind: "hang", ms: 10 } }],
  ["pack uploads fail", { op: "put", prefix: "packs/", fault: { kind: "unavailable" } }],
] as [string, FaultRule][]) {
  test(`${name}: the backup fails cleanly, the previous snapshot restores, the next backup works`, async (t) => {
    const { dir, src, heads, open } = await setup(t);
    const repo = await open([rule]);
    await assert.rejects(backup({ repo, heads, db: src.dbPath, media: src.mediaDir }), StorageUnavailableError);
    assert.equal((await heads.get())!.sequence, 1, "the head must not move");
    const healthy = await open([]);
    const r = await restore({ repo: healthy, heads, to: join(dir, "prev") });
    assert.equal(r.snapshot.sequence, 1);
    assert.equal((await backup({ repo: healthy, heads, db: src.dbPath, media: src.mediaDir })).snapshot.sequence, 2);
  });
}
