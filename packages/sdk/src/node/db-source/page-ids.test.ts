/**
 * copyPageIds gives each page the chunk ID the page tasks give it (spec §8.3), for any run
 * of pages, across its 1 MiB reads.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KeySchedule, chunkId, generateRootKey } from "@chatvault/format";
import { generateDemoData } from "@chatvault/demo-data";
import { tempDir } from "@chatvault/testkit";
import { copyPageIds, pageIdsUnder } from "./page-ids.ts";
import { snapshotDatabase } from "./index.ts";

test("the IDs of a run of pages are the pages' chunk IDs, in order", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: join(dir, "src"), messages: 20000, mediaMiB: 0, seed: 2 });
  const copy = await snapshotDatabase(demo.dbPath, dir);
  assert.ok(copy.pageCount > 300, "more than one 1 MiB read");
  const keys = await KeySchedule.derive(generateRootKey());
  const bytes = readFileSync(copy.path);
  for (const [from, to] of [
    [0, copy.pageCount],
    [3, 260],
    [copy.pageCount - 1, copy.pageCount],
    [5, 5],
  ] as const) {
    const ids = await copyPageIds(copy, from, to, (p) => chunkId(keys, p));
    assert.equal(ids.length, (to - from) * 32);
    for (let p = from; p < to; p++) {
      const want = await chunkId(keys, bytes.subarray(p * copy.pageSize, (p + 1) * copy.pageSize));
      assert.deepEqual(ids.subarray((p - from) * 32, (p - from + 1) * 32), want, `page ${p}`);
    }
  }
  await assert.rejects(
    copyPageIds(copy, 0, copy.pageCount + 1, (p) => chunkId(keys, p)),
    RangeError,
  );
  await assert.rejects(
    copyPageIds(copy, 4, 3, (p) => chunkId(keys, p)),
    RangeError,
  );
});

test("pageIdsUnder the chunk-ID key gives every page its chunkId, and the loop lets timers run between blocks", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: join(dir, "src"), messages: 20000, mediaMiB: 0, seed: 3 });
  const copy = await snapshotDatabase(demo.dbPath, dir);
  assert.ok(copy.pageCount > 600, "more than two 1 MiB reads");
  const keys = await KeySchedule.derive(generateRootKey());
  const pageId = pageIdsUnder(keys.chunkId.unsafeBytes());
  const bytes = readFileSync(copy.path);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  let ids: Uint8Array;
  try {
    ids = await copyPageIds(copy, 0, copy.pageCount, pageId);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, "the event loop ran while the pages were hashed");
  for (let p = 0; p < copy.pageCount; p++) {
    const page = bytes.subarray(p * copy.pageSize, (p + 1) * copy.pageSize);
    assert.deepEqual(ids.subarray(p * 32, (p + 1) * 32), await chunkId(keys, page), `page ${p}`);
  }
  assert.throws(() => pageIdsUnder(new Uint8Array(16)), RangeError);
});
