import { test } from "node:test";
import assert from "node:assert/strict";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { collectorOfCopiedPieces, freeCopiedPiecesAtOnce } from "./young-generation.ts";

/** Scavenges V8 reports while `fn` runs (a `gc` performance entry of the minor kind each). */
async function scavengesDuring(fn: () => void): Promise<number> {
  let n = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MINOR) n++;
  });
  obs.observe({ entryTypes: ["gc"] });
  fn();
  await new Promise((resolve) => setTimeout(resolve, 50)); // entries are delivered asynchronously
  obs.disconnect();
  return n;
}

// One file, one order: the collector is asked for before and after the CLI's request.
test("collectorOfCopiedPieces: none unless asked; then a scavenge per 2 MiB of copied pieces, none below", async () => {
  assert.equal(collectorOfCopiedPieces(), undefined);
  freeCopiedPiecesAtOnce();
  const copied = collectorOfCopiedPieces();
  // From Node 21 on `transfer` frees every piece at once: no collector is needed.
  if (typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === "function") return assert.equal(copied, undefined);
  assert.equal(typeof copied, "function");
  assert.equal(await scavengesDuring(() => copied!(1024 * 1024)), 0);
  assert.ok((await scavengesDuring(() => copied!(2 * 1024 * 1024))) >= 1);
  // No global `gc` left behind for later contexts.
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, "undefined");
});
