/**
 * A backup allocates mostly short-lived buffers (sealed chunks on their way into a pack).
 * V8 grows each isolate's young generation up to 16 MiB per semi-space when much survives
 * a scavenge (the index load), and keeps it: tens of MiB of resident heap, and fewer
 * scavenges, so dead buffers wait longer to be freed. Keeping the young generation at its
 * initial size (no growth) cut a full backup's peak RSS by ~30–40 MiB and a no-change
 * backup's by ~20 MiB at no measurable CPU cost (docs/performance.md, "Peak memory of
 * backups"). V8 reads this flag each time it would grow the young generation, so setting
 * it at run time takes effect, for this thread and the worker threads started after; bin.ts
 * sets it first thing for `backup`, since loading the CLI's modules already grows it.
 */
import { setFlagsFromString } from "node:v8";

export function keepYoungGenerationSmall(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}

/**
 * A restore's main thread makes per-chunk objects (the plan's requests, messages to its
 * worker) that live for a pack's download, so they survive scavenges and pile up in the
 * old generation until V8's first mark-compact, which its default limits put at ~60 MiB
 * of heap; its young generation grew to 2 × 16 MiB during the planning. With the young
 * generation kept small and `--optimize-for-size` (V8 consults it at each collection to
 * pick a lower growth of the heap's limits), the full corpus' peak RSS fell by ~25 MiB at
 * no measured CPU cost (docs/performance.md, "Peak memory, round 2"). Both are read at run
 * time, so setting them first thing in bin.ts works; they are process-wide, so the worker
 * threads a restore starts get them too.
 */
export function keepRestoreHeapSmall(): void {
  keepYoungGenerationSmall();
  setFlagsFromString("--optimize-for-size");
}
