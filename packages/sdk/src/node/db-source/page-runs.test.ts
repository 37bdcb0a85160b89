/**
 * forEachPage hands each asked page its own bytes, in order, across runs and the 1 MiB
 * limit of one read, and rejects what is not a page list of the copy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { generateDemoData } from "@chatvault/demo-data";
import { tempDir } from "@chatvault/testkit";
import { forEachPage } from "./page-runs.ts";
import { DatabaseSourceError, snapshotDatabase } from "./index.ts";

test("every asked page gets its bytes, in order, whatever the runs", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: join(dir, "src"), messages: 20000, mediaMiB: 0, seed: 4 });
  const copy = await snapshotDatabase(demo.dbPath, dir);
  assert.ok(copy.pageCount > 600, "runs longer than one 1 MiB read fit");
  const bytes = readFileSync(copy.path);
  const last = copy.pageCount - 1;
  // Single pages, a run of three, a run longer than 256 pages (two reads), the last page.
  const asked = [0, 2, 7, 8, 9, 20, ...Array.from({ length: 300 }, (_, i) => 40 + i), last];
  const seen: number[] = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    // `each` never returns to the event loop itself: forEachPage must.
    await forEachPage(copy, asked, async (p, page) => {
      seen.push(p);
      assert.deepEqual(page, new Uint8Array(bytes.subarray(p * copy.pageSize, (p + 1) * copy.pageSize)), `page ${p}`);
    });
  } finally {
    clearInterval(timer);
  }
  assert.deepEqual(seen, asked);
  assert.ok(ticks > 0, "timers ran while the pages were handed out");
  await forEachPage(copy, [], async () => assert.fail("no page asked"));
  for (const bad of [[3, 2], [5, 5], [-1], [copy.pageCount], [1.5]]) {
    await assert.rejects(
      forEachPage(copy, bad, async () => {}),
      RangeError,
      JSON.stringify(bad),
    );
  }
  truncateSync(copy.path, copy.pageSize * 10);
  await assert.rejects(
    forEachPage(copy, [3, last], async () => {}),
    (e: unknown) => e instanceof DatabaseSourceError && e.reason === "inconsistent",
  );
});
