/**
 * One backup on Node (spec §8.7): snapshot the live database with SQLite's backup API,
 * store its pages, walk and chunk the media, then commit packs → index → manifest →
 * head (backup/session.ts). The chunking, IDs and sealing run as tasks on worker
 * threads and on this thread (chunk-tasks.ts, split-runner.ts); this thread also decides
 * dedup, packs and uploads. A crash at any
 * point leaves every earlier snapshot whole; the next backup reuses the packs this one
 * already uploaded.
 */
// The node:crypto backend, whichever SDK entry brought this module in (node-crypto.ts).
import "./node-crypto.ts";
import { rm } from "node:fs/promises";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { basename } from "node:path";
import { gearTable, toHex } from "@chatvault/format";
import type { Compressor } from "../backup/compressor.ts";
import { looksCompressible } from "../backup/compressor.ts";
import { sealChunk } from "../backup/chunk-store.ts";
import { freePieces } from "../backup/free-pieces.ts";
import { sealedLength } from "../backup/packer.ts";
import { type BackupResult, BackupSession } from "../backup/session.ts";
import { runBounded } from "../concurrency.ts";
import { SourceError } from "../errors.ts";
import type { ProgressListener } from "../progress.ts";
import type { HeadStore } from "../repo/head.ts";
import { type DatabaseEntry, type MediaEntry, databaseEntryFromPacked } from "../repo/manifest.ts";
import type { LockOptions } from "../repo/lock.ts";
import type { Repository } from "../repo/repository.ts";
import type { TaskRunner } from "./chunk-pool.ts";
import type { ChunkTask, TaskPart } from "./chunk-tasks.ts";
import type { SnapshotJob } from "./db-source/snapshot-thread.ts";
import { type DatabaseSnapshot, snapshotDatabase, snapshotSizeEstimate } from "./db-source/snapshot.ts";
import { type ReadingMachinery, readingMachinery } from "./reading-machinery.ts";
import { DatabaseSourceError } from "./db-source/errors.ts";
import { databaseFingerprint } from "./db-source/fingerprint.ts";
import { readCopyHint, writeCopyHint } from "./db-source/copy-hint.ts";
import { nodeLockHolder } from "./lock-holder.ts";
import { describeErrno, errnoOf, localFileError } from "./local-errors.ts";
import { walkMedia } from "./media-walk.ts";
import { ExcludeRules } from "../select/exclude.ts";
import { makeRunDir, privateTempRoot, sweepDeadRuns } from "./work-dir.ts";
import { nodeCompressor } from "./zlib-compressor.ts";
import { beforeSealing, collectorOfCopiedPieces } from "./young-generation.ts";

export type { BackupResult, SkippedFile } from "../backup/session.ts";

export interface BackupOptions {
  repo: Repository;
  heads: HeadStore;
  /** The live chat database (SQLite). */
  db?: string;
  /** The media folder. */
  media?: string;
  /** Glob patterns of media paths to leave out (select/exclude.ts). */
  exclude?: readonly string[];
  compressor?: Compressor;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Where the database copy is made (default: `chatvault-<uid>`, 0700, in the OS temp dir). */
  tmpDir?: string;
  host?: string;
  /**
   * Worker threads; this thread takes tasks beside them. 0 = all on this thread. Default:
   * one per core but one when there is much new data, else 0.
   */
  workers?: number;
  /** Repository lock settings (default: this host and process, spec §8.11). */
  lock?: LockOptions;
}

/**
 * The share of a backup's bytes this thread chunks itself when workers run. Its own work —
 * packing, hashing the packs, uploads, dedup — is about as much again as a quarter of the
 * chunk tasks, so at this share it and one worker end together. Measured on the full
 * corpus, CPU seconds of this thread / the worker: share 1 (any free slot, as before)
 * 3.8–3.9 / 1.5, share 0 1.7 / 3.2–3.3, 0.25 2.3–2.4 / 2.3–2.4; its heap also gets fewer
 * collections the fewer chunks it seals (docs/performance.md). Measured again with the
 * database copied on its thread and the worker's next task queued: at 0.25 the worker ran
 * 1.27–1.35× this thread's CPU, at 0.3 1.04–1.21× ("Full backup, round 2").
 */
const HERE_SHARE = 0.3;
/** Database pages go to the workers in regions of this size. */
const REGION = 4 * 1024 * 1024;
/** New media bytes from which the database copy runs on its own thread, beside their chunking (~20 ms of work: more than the thread costs to start). */
const OVERLAP_MEDIA = 8 * 1024 * 1024;
/**
 * The share of a database's pages whose IDs the copy's thread computes after the copy
 * (the rest: this thread, which also seals the changed pages of both parts). At one half,
 * this thread's part ended 80–200 ms after the copy thread's, which took 370–420 ms (3 runs
 * on the loaded machine, docs/performance.md, round 5).
 */
const THREAD_SHARE = 0.6;

export async function backup(opts: BackupOptions): Promise<BackupResult> {
  const { repo } = opts;
  if (!opts.db && !opts.media) throw new SourceError("nothing to back up: give a database, a media folder, or both");
  const compressor = opts.compressor ?? nodeCompressor;
  const exclude = opts.exclude?.length ? new ExcludeRules(opts.exclude) : undefined; // a bad pattern fails before anything starts
  // The database copy is plaintext: a private folder (0700, file 0600) whose name lets the
  // next run remove what a killed one left (work-dir.ts; SECURITY.md).
  const tmpParent = opts.tmpDir ?? tmpdir();
  let tmp: string;
  let tempRoot: string | undefined;
  try {
    tempRoot = opts.tmpDir ? undefined : await privateTempRoot(tmpParent);
    tmp = await makeRunDir(opts.tmpDir ?? tempRoot!, "chatvault-backup-");
  } catch (e) {
    throw localFileError(e, "temp", tmpParent);
  }
  if (!opts.tmpDir) await sweepDeadRuns(tmpParent, "chatvault-backup-"); // copies of older versions
  let runner: TaskRunner | undefined;
  let memoryTmp: string | undefined;
  let copy: SnapshotJob | undefined;
  let opened: BackupSession | undefined; // for the end, whatever happens
  let removingCopy: Promise<void> | undefined; // the copy's file, once its pages are read
  let loading: Promise<ReadingMachinery> | undefined;
  const machinery = () => (loading ??= readingMachinery());
  try {
    // Taken before the copy, so a commit during the copy moves it (spec §8.5.2).
    const fingerprint = opts.db ? databaseFingerprint(opts.db) : undefined;
    const dbEstimate = opts.db ? snapshotSizeEstimate(opts.db) : 0;
    const copyFailed = (e: unknown) => {
      throw databaseError(e, opts.db!, tmp);
    };
    // The copy needs no durability: on a memory file system with room for it, its fsyncs
    // cost nothing; if that fills up meanwhile, the copy is made again in `tmp`
    // (db-source/memory-dir.ts). An explicit `tmpDir` is used as given.
    const copyPlace = async () => {
      if (!opts.tmpDir) memoryTmp ??= await (await machinery()).memoryRunDir(dbEstimate);
      return { dir: memoryTmp ?? tmp, options: memoryTmp ? { fallbackDir: tmp } : {} };
    };
    // The copy may run on its own thread (db-source/snapshot-thread.ts), beside this
    // thread's work instead of before it; the database's pages are read once it is done.
    // After a parent (most pages known), that thread then computes the IDs of the first
    // pages while this one reads and hashes the rest (THREAD_SHARE).
    const onThread = async () => {
      const { dir, options } = await copyPlace();
      return (await machinery()).snapshotDatabaseOnThread(opts.db!, dir, { ...options, chunkIdsWith: repo.keys });
    };
    // A database that changed since this machine's last backup of it (db-source/copy-hint.ts)
    // is copied at once, beside the repository reading; the parent decides below whether
    // the copy is needed at all (a copy that is not is stopped).
    const hint = tempRoot && opts.db && dbEstimate >= 2 * REGION ? await readCopyHint(tempRoot, repo.repoId, opts.db) : fingerprint;
    if (opts.db && (fingerprint === undefined || hint !== fingerprint) && dbEstimate >= 2 * REGION) copy = await onThread();
    const session = await BackupSession.begin(repo, opts.heads, {
      compressor,
      onProgress: opts.onProgress,
      signal: opts.signal,
      lock: { ...nodeLockHolder("backup", opts.host ?? hostname()), ...opts.lock },
    });
    opened = session;
    const { progress, store } = session;
    const sameDatabase = opts.db ? session.unchangedDatabase(basename(opts.db), fingerprint) : undefined;
    const copyNeeded = opts.db !== undefined && !sameDatabase;
    if (!copyNeeded && copy) {
      await copy.cancel(); // the parent has this database: the early copy was not needed
      copy = undefined;
    }
    // Splitting the page IDs with the copy's thread pays for its start on its own for a
    // database of two regions or more, so it starts now, before the media walk. Otherwise
    // it pays only with new media to chunk and seal meanwhile (below).
    if (copyNeeded && !copy && session.parent && dbEstimate >= 2 * REGION) copy = await onThread();
    const media = opts.media ? await walkMedia(opts.media, exclude) : { files: [], skipped: [] };
    // After the walk, as before: a copy started on its thread above is under way meanwhile.
    progress.setPhase("copying database");
    const files = media.files.map((f) => ({ f, unchanged: session.unchangedMedia(f) }));
    const changedMedia = files.reduce((n, { f, unchanged }) => (unchanged ? n : n + f.size), 0);
    if (copyNeeded && !copy && changedMedia >= OVERLAP_MEDIA) copy = await onThread();
    let snap: DatabaseSnapshot | undefined;
    if (copyNeeded && !copy) {
      const { dir, options } = await copyPlace();
      snap = await snapshotDatabase(opts.db!, dir, options).catch(copyFailed);
    }
    // The copy's size until it is known: the file and its WAL (corrected when the copy ends).
    const dbBytes = snap?.bytes ?? (copy ? dbEstimate : 0);
    progress.bytesTotal = dbBytes + media.files.reduce((n, f) => n + f.size, 0);
    progress.filesTotal = (opts.db ? 1 : 0) + media.files.length;
    // Worker threads pay off when much is new: a first backup, or many new media bytes.
    // After a parent, most database pages are known (hashing them is cheap) and starting
    // workers plus sharing the ID set costs more than it saves (measured: no-change and
    // day-after backups run ~30% faster on this thread).
    // A copy on its thread after a parent never gives its pages to the task runners: both
    // threads hash them (db-source/page-ids.ts) and this one seals the few that are new, so
    // they are no work for a worker. Counting them as such started a worker and its share of
    // the known IDs for every day after of a history past ~500 MB (dbBytes / 8 > 64 MiB
    // with the day's media), the memory step above the full corpus (docs/performance.md).
    const dbTaskBytes = !copyNeeded ? 0 : !session.parent ? dbBytes : copy ? 0 : dbBytes / 8;
    const newWork = changedMedia + dbTaskBytes;
    const workers = opts.workers ?? (newWork > 64 * 1024 * 1024 ? Math.max(1, availableParallelism() - 1) : 0);
    // Nothing to read (the parent's database, no changed media file): no task runs, so
    // neither the task runners nor the copy's code are loaded (readingMachinery).
    const reading = copyNeeded || files.some(({ unchanged }) => !unchanged) ? await machinery() : undefined;
    const need = (): ReadingMachinery => {
      if (!reading) throw new Error("a backup read a source without its reading machinery");
      return reading;
    };
    // A custom compressor cannot travel to worker threads: it keeps the work here.
    const onWorkers = reading !== undefined && workers > 0 && !opts.compressor;
    const workerSlots = onWorkers ? workers * reading.TASKS_PER_WORKER : 0;
    let collectCopied: ((bytes: number) => void) | undefined;
    if (reading) {
      // Sealed pieces freed as they are copied, if the CLI asked (young-generation.ts): only
      // with workers, i.e. much new data. A day-after backup (this thread alone) freed
      // ~12 MiB of its peak that way but paid ~0.05 CPU-s, 8 of 8 pairs (docs/performance.md,
      // "Full backup, round 8"); a full backup's CPU fell. On this thread alone a scavenge
      // every 2 MiB of copied pieces frees them instead: ~16 MiB of a day-after's peak, no
      // CPU measured ("Backup peak memory, round 9").
      if (onWorkers) beforeSealing();
      else collectCopied = collectorOfCopiedPieces();
      // This thread takes tasks beside the workers (split-runner.ts), its share (HERE_SHARE):
      // the rest of a core's worth of work needs no isolate of its own.
      const here = reading.inlineRunner({
        keys: repo.keys,
        gear: gearTable(repo.keys),
        chunker: repo.config.chunker,
        known: { has: (id) => store.hasId(id) },
        compressor,
        // Beside workers its reads stay on this thread too; alone (the day after) they go
        // through fs/promises as before (chunk-tasks.ts, `syncReads`).
        syncReads: onWorkers,
      });
      runner = onWorkers
        ? reading.splitRunner(reading.workerRunner(repo.rootKey, repo.config.chunker, session.knownChunks(), workers), workerSlots, here, 1, HERE_SHARE)
        : here;
    }
    /** Pieces of a sealed chunk this thread made, copied into a pack or not needed: freed now, or by the next scavenge. */
    const copiedPieces = (pieces: readonly Uint8Array[]) => {
      freePieces(pieces);
      collectCopied?.(sealedLength(pieces));
    };
    const tasks: TaskRunner = runner ?? { run: async () => void need(), close: async () => {} };

    /**
     * Run one task; collect its chunk IDs in order and store the chunks that are new.
     * `bytes`: how much it read. With `into`, the IDs are copied into that packed list
     * (32 bytes each) from byte `at` on, and `ids` stays empty.
     */
    const run = async (task: ChunkTask, into?: { packed: Uint8Array; at: number }): Promise<{ ids: Uint8Array[]; bytes: number; count: number }> => {
      const ids: Uint8Array[] = [];
      let bytes = 0;
      let at = into?.at ?? 0;
      let count = 0;
      await tasks.run(task, async (part: TaskPart) => {
        session.check();
        for (const s of part.sealed) {
          const id = part.ids[s.index]!;
          // Another task may have stored the same chunk meanwhile: claim decides.
          if (store.claimId(id)) await store.addSealed(toHex(id), s.data, s.rawLength, s.flags);
          // This thread's own tasks hand over their pieces (a worker's part is one buffer,
          // given back with the ack): copied into a pack, or not needed, they go now.
          if (!(s.data instanceof Uint8Array)) copiedPieces(s.data);
        }
        if (into) {
          for (const id of part.ids) {
            into.packed.set(id, at);
            at += 32;
          }
        } else ids.push(...part.ids);
        count += part.ids.length;
        bytes += part.bytesRead;
        progress.advance(part.bytesRead);
      });
      return { ids, bytes, count };
    };
    const jobs: (() => Promise<void>)[] = [];

    /**
     * All page IDs packed, 32 bytes per page in page order: computed by db-source/page-ids.ts
     * after a parent, or copied in by the page tasks. One buffer instead of a view per page
     * (46,000 on the bench corpus, held by this thread's heap to the commit, whose listing
     * encodes the packed IDs as they are: repo/manifest.ts).
     */
    let dbPacked: Uint8Array | undefined;
    const pagesPerRegion = (s: DatabaseSnapshot) => Math.max(1, Math.floor(REGION / s.pageSize));
    /** The copy's pages, in regions, as jobs; each region's IDs land in `dbPacked` at its pages' place. */
    const pageJobs = (s: DatabaseSnapshot): (() => Promise<void>)[] => {
      const packed = new Uint8Array(s.pageCount * 32);
      const out: (() => Promise<void>)[] = [];
      dbPacked = packed;
      const perRegion = pagesPerRegion(s) * s.pageSize;
      for (let offset = 0; offset < s.bytes; offset += perRegion) {
        const length = Math.min(perRegion, s.bytes - offset);
        out.push(async () => {
          const at = (offset / s.pageSize) * 32;
          const { count } = await run({ kind: "pages", path: s.path, offset, length, pageSize: s.pageSize }, { packed, at });
          // One ID per page (the listing holds pageCount × 32 bytes): a short region would leave zeros.
          if (count * s.pageSize !== length) throw new Error(`database pages ${offset / s.pageSize}…: ${count} chunk IDs for ${length / s.pageSize} pages`);
        });
      }
      session.databaseRead(s.bytes);
      return out;
    };
    const lanes = (onWorkers ? workerSlots + 1 : 1) + 1;
    if (snap) jobs.push(...pageJobs(snap));
    else if (copy) {
      const running = copy;
      // First in line: it waits for the copy while the media jobs behind it take the other lanes.
      jobs.push(async () => {
        const s = await running.done.catch(copyFailed);
        snap = s;
        progress.bytesTotal += s.bytes - dbBytes;
        // Whole regions for the copy's thread (none without a parent: it was not asked to).
        const split = session.parent ? Math.floor((s.pageCount * THREAD_SHARE) / pagesPerRegion(s)) * pagesPerRegion(s) : 0;
        if (split === 0) {
          // The thread has nothing more to do (it would only wait for a page-ID request):
          // it ends now, not at the backup's end, so its isolate and its SQLite's memory
          // are not held through the chunking and the commit (docs/performance.md, "Full
          // backup, round 7"). `done` has settled, so this stops nothing.
          void running.cancel();
          return void (await runBounded(pageJobs(s), lanes));
        }
        const head = running.pageIds(split);
        head.catch(() => {}); // awaited below, unless the pages here fail first
        // This thread's part by the same loop (db-source/page-ids.ts): IDs first, then only
        // the pages the repository lacks go through the page tasks.
        session.databaseRead(s.bytes);
        const all = new Uint8Array(s.pageCount * 32);
        const { copyPageIds, pageIdsUnder } = need();
        all.set(await copyPageIds(s, split, s.pageCount, pageIdsUnder(repo.keys.chunkId.unsafeBytes())), split * 32);
        await storeUnknownPages(s, all, split, s.pageCount);
        all.set(await head.catch(copyFailed), 0);
        await storeUnknownPages(s, all, 0, split);
        dbPacked = all;
      });
    }
    /**
     * Pages `first` up to `until` by their IDs in `packed` (all pages' IDs, 32 bytes each:
     * the copy's thread's or this one's): a known chunk is taken as it is. The others are
     * read again from the copy (db-source/page-runs.ts: one read per run of them), their
     * IDs computed again from the bytes stored (spec §8.3), and sealed and stored as a page
     * task does — here: a task per run of unknown pages cost three thread-pool round trips
     * each, for ~500 runs in the bench's day after (docs/performance.md, round 5).
     */
    const storeUnknownPages = async (s: DatabaseSnapshot, packed: Uint8Array, first: number, until: number): Promise<void> => {
      session.check();
      const unknown: number[] = [];
      for (let p = first; p < until; p++) if (!store.hasId(packed.subarray(p * 32, (p + 1) * 32))) unknown.push(p);
      const { forEachPage, pageIdsUnder } = need();
      const pageId = pageIdsUnder(repo.keys.chunkId.unsafeBytes());
      await forEachPage(s, unknown, async (p, page) => {
        session.check();
        const id = pageId(page);
        packed.set(id, p * 32);
        // Another task may have stored the same chunk meanwhile: claim decides.
        if (!store.claimId(id)) return;
        const hex = toHex(id);
        // Sealed into new buffers before the next page is read into this one (forEachPage).
        const sealed = await sealChunk(repo.keys, compressor, id, page, true);
        await store.addSealed(hex, sealed.data, page.length, sealed.flags);
        copiedPieces(sealed.data); // copied into a pack
      });
      progress.advance((until - first) * s.pageSize);
    };

    const entries: (MediaEntry | undefined)[] = [];
    const skipped = [...media.skipped];
    const changedWhileReading: string[] = [];
    for (const { f, unchanged } of files) {
      if (unchanged) {
        entries.push(session.keepUnchanged(unchanged));
        continue;
      }
      const at = entries.push(undefined) - 1;
      jobs.push(async () => {
        let read: { ids: Uint8Array[]; bytes: number; count: number };
        try {
          read = await run({ kind: "file", path: f.absolute, compressible: looksCompressible(f.path), size: f.size });
        } catch (e) {
          // One file that cannot be read is skipped, never the whole backup (docs/cli.md).
          if (!(e instanceof need().MediaReadError)) throw e;
          const gone = e.errno === "ENOENT" || e.errno === "ENOTDIR";
          skipped.push({ path: f.path, reason: gone ? "vanished" : "unreadable", detail: describeErrno({ code: e.errno }) });
          progress.advance(0, 1);
          return;
        }
        // The size is what was read and chunked, not what the walk saw: a file that grew
        // or shrank meanwhile is stored as read, consistent with its chunks (spec §8.5).
        if (read.bytes !== f.size) changedWhileReading.push(f.path);
        entries[at] = session.mediaRead(f, read.bytes, read.ids);
        progress.advance(0, 1);
      });
    }
    progress.setPhase(snap || copy ? "database and media" : "media");
    // Every slot busy plus one task queued behind them, so no slot waits for this thread to hand over the next.
    await runBounded(jobs, lanes);
    // Every task has run: the chunk workers go now, not after the commit, so their isolates
    // and malloc arenas are not held while the listing, the index and the manifest are
    // made (the commit was a backup's peak RSS; docs/performance.md, "Full backup, round 8").
    const ran = runner;
    runner = undefined;
    await ran?.close();
    // Every page of the copy is now read (known, or sealed and in a pack buffer): the copy
    // goes now, on the thread pool, while the commit below writes and syncs. Removing the
    // bench's 188 MB copy from a tmpfs is ~40 ms of the kernel's time, which was on the
    // critical path after the commit (docs/performance.md, round 6). The plaintext copy also
    // lives less long.
    if (snap) removingCopy = rm(snap.path, { force: true });
    const dbFields = snap
      ? { name: basename(opts.db!), pageSize: snap.pageSize, pageCount: snap.pageCount, ...(fingerprint ? { source: fingerprint } : {}) }
      : undefined;
    const database: DatabaseEntry | null = sameDatabase ?? (dbFields && dbPacked ? databaseEntryFromPacked(dbFields, dbPacked) : null);
    if (opts.db) progress.advance(0, 1);
    const stored = entries.filter((e): e is MediaEntry => e !== undefined);
    skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const result = await session.commit(database, stored, opts.host ?? hostname(), { skipped, changedWhileReading });
    if (tempRoot && opts.db && hint !== fingerprint) await writeCopyHint(tempRoot, repo.repoId, opts.db, fingerprint);
    return result;
  } finally {
    // Let uploads already started end (or fail) before returning: a caller that exits the
    // process right after must not cut a put in half.
    await opened?.settle();
    await opened?.end();
    await runner?.close();
    await copy?.cancel(); // a copy still running (the backup failed elsewhere) ends before its folder goes
    await removingCopy?.catch(() => {}); // its folder goes below, whatever happened to this removal
    await rm(tmp, { recursive: true, force: true });
    if (memoryTmp) await rm(memoryTmp, { recursive: true, force: true });
  }
}

/** A database that cannot be copied: the user's path (`SourceError`), or the temp folder (disk full there). */
function databaseError(e: unknown, db: string, tmp: string): unknown {
  if (!(e instanceof DatabaseSourceError)) return localFileError(e, "temp", tmp);
  const cause = e.cause as { code?: unknown } | undefined;
  if (cause?.code === "SQLITE_FULL") return localFileError(Object.assign(new Error("full"), { code: "ENOSPC" }), "temp", tmp);
  if (e.reason === "not_found" && errnoOf(cause) && errnoOf(cause) !== "ENOENT") return localFileError(cause, "source", db, "the database");
  return new SourceError(e.message, e);
}
