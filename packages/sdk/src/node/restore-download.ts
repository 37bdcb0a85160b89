/**
 * The download part of a Node restore (spec §8.8): read every needed range of every pack,
 * authenticate, inflate and ID-check every chunk (spec §8.3), write each plaintext where
 * the plan puts it in the staging folder, then fsync every file once. Ranges holding
 * database pages go first: once they are written the database is complete, and its
 * integrity check starts beside the media.
 *
 * Small restores open chunks on this thread. Larger ones open them on worker threads
 * (restore-pool.ts): this thread reads ranges ahead (a fixed number in flight, which
 * bounds memory), hands each to a worker, and writes what comes back, so reading,
 * opening and writing overlap on every core.
 */
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { fromHex } from "@chatvault/format";
import type { Compressor } from "../backup/compressor.ts";
import { runBounded } from "../concurrency.ts";
import { CancelledError } from "../errors.ts";
import type { ProgressTracker } from "../progress.ts";
import { packRanges, readPackChunks, readPackRangeInto } from "../repo/chunk-reader.ts";
import { packName } from "../repo/layout.ts";
import type { Repository } from "../repo/repository.ts";
import type { RestorePlan } from "../restore/plan.ts";
import { startDatabaseCheck } from "./database-check.ts";
import { exposedGc } from "./heap-collection.ts";
import { RestorePool } from "./restore-pool.ts";
import { ANSWER_BYTES } from "./workers/restore-messages.ts";
import { CoalescingWriter, HandleCache } from "./staged-files.ts";
import { nodeCompressor, zlibCompressor } from "./zlib-compressor.ts";

export interface DownloadOptions {
  repo: Repository;
  compressor?: Compressor | undefined;
  signal?: AbortSignal | undefined;
  /** Packs (one thread, default 4) or ranges (workers, default 2) in flight. */
  concurrency?: number | undefined;
  /** Worker threads opening chunks; 0: this thread. Default: one per core but one (at least one) above `PARALLEL_ABOVE` bytes. */
  workers?: number | undefined;
  /** Media bytes after the database above which its check runs on a worker thread (default 128 MiB; 0: always). */
  backgroundCheckAbove?: number | undefined;
  /**
   * Resolves once the folders of every file but the database (`stagedDb`, whose folder
   * exists) are made: each other file's first open waits for it, and fails with its error.
   */
  foldersMade?: Promise<void> | undefined;
}

/**
 * Restored bytes above which chunks are opened on worker threads. Below, starting them
 * (~50 ms of CPU and ~15 MiB each) costs about what they save: measured on 9, 26, 65 and
 * 118 MB restores, two workers cost ~0.1 s more CPU at every size and saved wall time at
 * 65 MB and (in the CLI runs) 118 MB, not below (docs/performance.md, "Restore on worker
 * threads").
 */
export const PARALLEL_ABOVE = 64 * 1024 * 1024;
/** Media bytes still to restore after the database above which its check runs on a worker thread. */
const CONCURRENT_CHECK_BYTES = 128 * 1024 * 1024;
/**
 * Sealed and plaintext bytes of one range opened on a worker (both in one slot's buffer of
 * `ANSWER_BYTES`, the plaintexts over the sealed bytes: restore-open.ts). With
 * `concurrency` ranges in flight this bounds the buffers a restore holds, whatever the
 * repository's size: 2 × 2 MiB by default (a range of one larger chunk grows its slot).
 */
const RANGE_BYTES = ANSWER_BYTES;

/**
 * Ranges in flight with workers: one being opened on a worker while this thread writes the
 * other's plaintexts and reads the next. Four held ~16 MiB more of sealed and answer
 * buffers (and the worker's arena grew with them) for no measured CPU gain on two cores
 * (docs/performance.md, "Peak memory, round 2").
 */
const RANGES_IN_FLIGHT = 2;

/**
 * How many worker threads a restore of `bytes` uses by default: above `PARALLEL_ABOVE`,
 * one per core but one, as for backup's chunk workers. The other core is this thread's
 * reads, writes and fsyncs (libuv's threads) and the database check; on two cores one
 * worker opened the full corpus' chunks with 1.7 CPU-s against 2.0 for two, and the
 * second isolate and its buffers cost ~40 MiB (docs/performance.md, "Restore: write-behind").
 */
export function defaultRestoreWorkers(bytes: number): number {
  return bytes > PARALLEL_ABOVE ? Math.max(1, availableParallelism() - 1) : 0;
}

/**
 * Download, authenticate and write every chunk of `plan` into `paths`, then fsync every
 * file. Returns the database check (undefined without a database) for the caller to
 * await; every handle is closed, every worker stopped and no read or write is still
 * running when this returns or throws.
 */
export async function downloadInto(
  paths: (string | Buffer)[],
  plan: RestorePlan,
  stagedDb: string | null,
  progress: ProgressTracker,
  opts: DownloadOptions,
): Promise<Promise<void> | undefined> {
  // A custom compressor cannot travel to worker threads: it keeps the work here.
  const custom = opts.compressor !== undefined && opts.compressor !== nodeCompressor && opts.compressor !== zlibCompressor;
  const workers = custom ? 0 : Math.max(0, opts.workers ?? defaultRestoreWorkers(plan.bytes));
  // The index and the planning's garbage (promoted during the planning) go before the
  // download's buffers come: one mark-compact, ~9 ms of CPU on the full corpus, ~6 MiB
  // less peak RSS (docs/performance.md, "Peak memory, round 2"). Before the workers start,
  // so none of them sees the flag that exposes `gc` for a moment.
  const collect = exposedGc();
  collect?.("major");
  const packs = packOrder(plan, stagedDb !== null);
  const folders = opts.foldersMade;
  const handles = new HandleCache(
    paths,
    plan.files,
    folders && {
      open: async (p, flags, mode) => {
        if (p !== stagedDb) await folders;
        return open(p, flags, mode);
      },
    },
  );
  const pool = workers > 0 ? new RestorePool(opts.repo.rootKey, workers) : undefined;
  const limit = Math.max(1, opts.concurrency ?? (pool ? RANGES_IN_FLIGHT : 4));
  const holdsDb = (p: number) => stagedDb !== null && plan.holdsDatabase(p);
  let dbPacksLeft = packs.filter(holdsDb).length;
  let dbCheck: Promise<void> | undefined;
  const startCheck = () => {
    if (!stagedDb) return;
    // The database's packs left their chunk requests behind (promoted, each lived through a
    // pack's ranges): collected before the check's thread and its page cache add theirs to
    // the peak, one mark-compact (docs/performance.md, "Restore, round 5").
    collect?.("major");
    // Worth a worker thread only when much media is still to come (measured: +25 MiB RSS).
    const mediaLeft = packs.reduce((n, p) => (holdsDb(p) ? n : n + plan.packBytes(p)), 0);
    const above = opts.backgroundCheckAbove ?? CONCURRENT_CHECK_BYTES;
    dbCheck = startDatabaseCheck(stagedDb, { concurrent: above === 0 || mediaLeft > above });
    dbCheck.catch(() => {}); // awaited by the caller; a failure must not go unhandled meanwhile
  };
  const compressor = opts.compressor ?? nodeCompressor;
  // One job per pack; its chunk requests exist only while it runs (restore/plan.ts).
  const run = (p: number) => async () => {
    if (opts.signal?.aborted) throw new CancelledError();
    const pack = plan.packs[p]!;
    const requests = plan.requests(p);
    const out = new CoalescingWriter(handles);
    if (pool) {
      // Ranges of at most RANGE_BYTES, one at a time per pack: `concurrency` packs in flight bound the buffers.
      const name = packName(fromHex(pack));
      for (const range of packRanges(requests, RANGE_BYTES, RANGE_BYTES)) {
        if (opts.signal?.aborted) throw new CancelledError();
        // Into one of the pool's few shared slots (restore-pool.ts), not a fresh buffer per range.
        const slot = pool.slot(range);
        const sealed = await readPackRangeInto(opts.repo.storage, name, range, slot.sealed);
        const opened = await pool.open(name, range, slot, sealed);
        let o = 0;
        let bytes = 0;
        for (const req of range.requests) {
          const plain = opened.plain.subarray(o, o + req.loc.rawLength);
          o += req.loc.rawLength;
          for (const t of req.targets) await out.write(t.file, t.offset, plain);
          bytes += plain.length * req.targets.length;
        }
        await out.flush();
        slot.release(); // written: the next range may be read into it
        progress.advance(bytes);
      }
    } else {
      await readPackChunks(opts.repo, compressor, pack, requests, async (req, plain) => {
        for (const t of req.targets) await out.write(t.file, t.offset, plain);
        progress.advance(plain.length * req.targets.length);
      });
      await out.flush();
    }
    if (holdsDb(p) && --dbPacksLeft === 0) startCheck();
  };
  try {
    if (dbPacksLeft === 0) startCheck(); // a database of no pages: nothing to wait for
    await runBounded(packs.map(run), limit);
    progress.setPhase("syncing");
    await handles.syncAll();
  } finally {
    // A handle whose open failed (its folder could not be made) makes closeAll throw: the
    // workers are stopped all the same, or they would keep the process alive.
    try {
      await handles.closeAll();
    } finally {
      await pool?.close();
    }
  }
  return dbCheck;
}

/** The packs of a restore, those holding database pages first (spec §8.8), each group in plan order. */
function packOrder(plan: RestorePlan, hasDb: boolean): number[] {
  const all = plan.packs.map((_, p) => p);
  if (!hasDb) return all;
  return [...all.filter((p) => plan.holdsDatabase(p)), ...all.filter((p) => !plan.holdsDatabase(p))];
}
