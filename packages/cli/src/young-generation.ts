/**
 * Heap settings for the commands whose garbage is short-lived, set first thing in bin.ts
 * (loading the CLI's modules already grows the heap). The young generation's flag is the
 * SDK's (`@chatvault/sdk/node/young-generation`): its worker pools set it again after each
 * worker's start, since V8 resets it for every new isolate.
 */
import { setFlagsFromString } from "node:v8";
import { keepYoungGenerationSmall } from "@chatvault/sdk/node/young-generation";

export { keepYoungGenerationSmall };

/**
 * A restore's main thread makes per-chunk objects (the plan's requests, messages to its
 * worker) that live for a pack's download, so they survive scavenges and pile up in the
 * old generation until V8's first mark-compact, which its default limits put at ~60 MiB
 * of heap; its young generation grew to 2 × 16 MiB during the planning. With the young
 * generation kept small and `--optimize-for-size` (V8 consults it at each collection to
 * pick a lower growth of the heap's limits), the full corpus' peak RSS fell by ~25 MiB at
 * no measured CPU cost (docs/performance.md, "Peak memory, round 2"). Both are read at run
 * time and are process-wide, so the worker threads a restore starts get them too (the young
 * generation's after each worker's first answer: young-generation.ts in the SDK).
 */
export function keepRestoreHeapSmall(): void {
  keepYoungGenerationSmall();
  setFlagsFromString("--optimize-for-size");
}
