/**
 * The collector restore uses after its planning and before its database check
 * (restore-download.ts): "major" must be a full mark-compact, "minor" a scavenge. On
 * Node 20, `gc({ type: "major" })` ran a scavenge, so the restore's "major" collections
 * left the old generation as it was.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PerformanceObserver, constants, type PerformanceEntry } from "node:perf_hooks";
import { exposedGc } from "./heap-collection.ts";

/** The kinds of the collections `run` caused (perf_hooks' gc entries arrive after it). */
async function kindsOf(run: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) if (e.detail?.kind !== undefined) kinds.push(e.detail.kind);
  });
  obs.observe({ entryTypes: ["gc"] });
  run();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return kinds;
}

test('exposedGc: "major" runs a full mark-compact, "minor" a scavenge', async () => {
  const collect = exposedGc();
  assert.ok(collect, "V8 accepted --expose-gc");
  const major = await kindsOf(() => collect("major"));
  assert.ok(major.includes(constants.NODE_PERFORMANCE_GC_MAJOR), `major: kinds ${major.join(", ")}`);
  const minor = await kindsOf(() => collect("minor"));
  assert.ok(minor.includes(constants.NODE_PERFORMANCE_GC_MINOR) && !minor.includes(constants.NODE_PERFORMANCE_GC_MAJOR), `minor: kinds ${minor.join(", ")}`);
  assert.equal((globalThis as { gc?: unknown }).gc, undefined, "no global gc left behind");
});
