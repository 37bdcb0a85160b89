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
