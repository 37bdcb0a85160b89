/**
 * A backup's and a restore's garbage is short-lived (sealed chunks on their way into a
 * pack, ranges on their way to disk). V8 grows an isolate's young generation up to 16 MiB
 * per semi-space when much survives a scavenge, and keeps it: tens of MiB of resident heap,
 * and fewer scavenges, so dead buffers wait longer to be freed. Keeping it at its initial
 * size (`--semi-space-growth-factor=1`, read each time V8 would grow it) cut a full
 * backup's peak RSS by ~30–40 MiB at no measured CPU cost (docs/performance.md, "Peak
 * memory of backups", "Full backup, round 4").
 *
 * The flag is process-wide, and V8 puts it back to 2 whenever it sets up a new isolate's
 * heap (a factor below 2 is clamped there), so every worker thread started undoes it: the
 * pools and the database check call `afterWorkerStarted` once a worker has answered.
 * The SDK never sets the flag on its own: the CLI asks for it (bin.ts, first thing for
 * `backup` and `restore`); an embedding app's flags stay its own.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { freesPieces, useTransfer } from "../backup/free-pieces.ts";
import { exposedGc } from "./heap-collection.ts";

const FLAG = "--semi-space-growth-factor=1";
let requested = false;

/** Keep every isolate's young generation at its initial size for the rest of this process. */
export function keepYoungGenerationSmall(): void {
  requested = true;
  setFlagsFromString(FLAG);
}

/** Whether the CLI asked: then a worker this process starts is told so (`youngGenerationSmall` in its data, `atWorkerStart`). */
export function youngGenerationRequested(): boolean {
  return requested;
}

/**
 * Called first thing by a worker thread of a backup: its own isolate's set-up put the flag
 * back a moment ago, and the thread that started it learns of its start only when its
 * event loop gets round to it — meanwhile every young generation of the process may grow
 * (this thread's had doubled to 2 × 4 MiB in one backup out of two, measured).
 */
export function atWorkerStart(data: unknown): void {
  if ((data as { youngGenerationSmall?: unknown } | null)?.youngGenerationSmall === true) setFlagsFromString(FLAG);
}

/**
 * Call once a worker thread this process started has answered (its isolate and any
 * thread it started while loading, a module loader's under tsx, are set up by then).
 * Does nothing unless `keepYoungGenerationSmall` was called.
 */
export function afterWorkerStarted(): void {
  if (requested) setFlagsFromString(FLAG);
}

let piecesRequested = false;

/**
 * Let `freePieces` (backup/free-pieces.ts) free sealed chunks' pieces the moment they are
 * copied, on this thread and on every worker started after it takes effect. Node 20's V8
 * has `ArrayBuffer.prototype.transfer` behind a flag that it reads when it makes a
 * context: set at run time, the flag reaches every later context (each worker's, and a
 * `vm` context on this thread, whose `transfer` works on this realm's buffers too), not
 * this thread's own. From Node 21 on the method is there and this only reads it.
 * Process-wide like the young generation's flag, so the CLI asks for it (the SDK never
 * sets it); it takes effect when a backup starts chunk workers (`beforeSealing`): a backup
 * with little new data runs on one thread, where freeing its few pieces cost more CPU than
 * it saved (docs/performance.md, "Full backup, round 8").
 */
export function freeCopiedPiecesAtOnce(): void {
  piecesRequested = true;
}

/** Called by a backup before it starts its chunk workers: see `freeCopiedPiecesAtOnce`. */
export function beforeSealing(): void {
  if (!piecesRequested || freesPieces()) return;
  setFlagsFromString("--harmony-rab-gsab-transfer");
  const t: unknown = runInNewContext("ArrayBuffer.prototype.transfer");
  if (typeof t === "function") useTransfer(t as Parameters<typeof useTransfer>[0]);
}

/**
 * Bytes of sealed pieces copied between two scavenges of a backup on this thread alone. The
 * day after of the bench corpus (~35 MB sealed here): peak RSS 137.4 MiB with none, 128.5
 * at 8 MiB, 121.1 at 2 MiB, CPU the same (docs/performance.md, "Backup peak memory, round 9").
 */
const COLLECT_EVERY = 2 * 1024 * 1024;

/**
 * For a backup that seals on this thread alone (no chunk workers, so `beforeSealing` was
 * not called and `freePieces` frees nothing on Node 20): a function to call with the bytes
 * of each sealed chunk's pieces once they are copied, which runs a scavenge every
 * `COLLECT_EVERY` bytes. Those pieces are young and dead by then, and a scavenge frees
 * their memory; V8 alone ran none for tens of MiB of them (a thread that seals allocates
 * few heap objects per MiB), so they piled up in this thread's malloc heap. Undefined
 * unless the CLI asked (`freeCopiedPiecesAtOnce`), when pieces are freed at once anyway,
 * or if V8 refuses the collector's flag.
 */
export function collectorOfCopiedPieces(): ((bytes: number) => void) | undefined {
  if (!piecesRequested || freesPieces()) return undefined;
  const gc = exposedGc();
  if (!gc) return undefined;
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < COLLECT_EVERY) return;
    since = 0;
    gc("minor");
  };
}
