/**
 * One backup on Node (spec §8.7): snapshot the live database with SQLite's backup API,
 * store its pages, walk and chunk the media, then commit packs → index → manifest →
 * head (backup/session.ts). A crash at any point leaves every earlier snapshot whole;
 * the next backup reuses the packs this one already uploaded.
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Chunker, concatBytes, gearTable } from "@chatvault/format";
import { type ChunkBatcher, OrderedBatches, serialBatcher } from "../backup/batches.ts";
import type { Compressor } from "../backup/compressor.ts";
import { looksCompressible } from "../backup/compressor.ts";
import { type BackupResult, BackupSession } from "../backup/session.ts";
import { SourceError } from "../errors.ts";
import type { ProgressListener, ProgressTracker } from "../progress.ts";
import type { HeadStore } from "../repo/head.ts";
import type { DatabaseEntry, MediaEntry } from "../repo/manifest.ts";
import type { Repository } from "../repo/repository.ts";
import { workerBatcher } from "./chunk-pool.ts";
import { DatabaseSourceError, readPages, snapshotDatabase } from "./db-source/index.ts";
import { walkMedia } from "./media-walk.ts";
import { zlibCompressor } from "./zlib-compressor.ts";

export type { BackupResult } from "../backup/session.ts";

export interface BackupOptions {
  repo: Repository;
  heads: HeadStore;
  /** The live chat database (SQLite). */
  db?: string;
  /** The media folder. */
  media?: string;
  compressor?: Compressor;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Where the database copy is made (default: the OS temp dir). */
  tmpDir?: string;
  host?: string;
  /** Worker threads for IDs and sealing; 0 = all on this thread. Default: one per core, for backups over 16 MiB. */
  workers?: number;
}

const READ_BLOCK = 1024 * 1024;

export async function backup(opts: BackupOptions): Promise<BackupResult> {
  const { repo } = opts;
  if (!opts.db && !opts.media) throw new SourceError("nothing to back up: give a database, a media folder, or both");
  const session = await BackupSession.begin(repo, opts.heads, {
    compressor: opts.compressor ?? zlibCompressor, onProgress: opts.onProgress, signal: opts.signal,
  });
  const { progress, stats } = session;
  const tmp = await mkdtemp(join(opts.tmpDir ?? tmpdir(), "chatvault-backup-"));
  let batcher: ChunkBatcher | undefined;
  try {
    const media = opts.media ? await walkMedia(opts.media) : { files: [], skipped: [] };
    const snap = opts.db ? await snapshotDatabase(opts.db, tmp).catch((e: unknown) => {
      throw e instanceof DatabaseSourceError ? new SourceError(e.message, e) : e;
    }) : undefined;
    progress.bytesTotal = (snap?.bytes ?? 0) + media.files.reduce((n, f) => n + f.size, 0);
    progress.filesTotal = (snap ? 1 : 0) + media.files.length;
    const workers = opts.workers ?? (progress.bytesTotal > 16 * 1024 * 1024 ? availableParallelism() : 0);
    // A custom compressor cannot travel to worker threads: it keeps the work here.
    batcher = workers > 0 && !opts.compressor ? workerBatcher(session.store, repo.rootKey, workers) : serialBatcher(session.store);
    const batches = new OrderedBatches(batcher, 2 * Math.max(1, workers));

    let dbRange: [number, number] | undefined;
    if (snap) {
      progress.setPhase("database");
      const start = batches.submitted;
      let block: ArrayBufferLike | undefined;
      const flush = async () => {
        if (!block) return;
        const buf = new Uint8Array(block);
        await batches.submit(buf, Array.from({ length: buf.length / snap.pageSize }, (_, i) => (i + 1) * snap.pageSize), true);
        progress.advance(buf.length);
        session.check();
      };
      // readPages gives each block its own buffer and pages are views into it: batch by block.
      for await (const page of readPages(snap.path, snap.pageSize)) {
        if (page.data.buffer !== block) {
          await flush();
          block = page.data.buffer;
        }
      }
      await flush();
      dbRange = [start, batches.submitted];
      stats.bytesRead += snap.bytes;
      progress.advance(0, 1);
    }

    progress.setPhase("media");
    const gear = gearTable(repo.keys);
    const entries: { entry: MediaEntry; range?: [number, number] }[] = [];
    for (const f of media.files) {
      session.check();
      const unchanged = session.unchangedMedia(f.path, f.size, f.mtimeMs);
      if (unchanged) {
        entries.push({ entry: unchanged });
        stats.filesUnchanged++;
        progress.advance(f.size, 1);
        continue;
      }
      if (session.isKnownMedia(f.path)) stats.filesChanged++;
      else stats.filesNew++;
      const start = batches.submitted;
      const compressible = looksCompressible(f.path);
      await chunkFile(f.absolute, f.size, new Chunker(gear, repo.config.chunker), (buf, bounds) => batches.submit(buf, bounds, compressible), progress, () => session.check());
      stats.bytesRead += f.size;
      entries.push({ entry: { path: f.path, size: f.size, mtimeMs: f.mtimeMs, chunks: [] }, range: [start, batches.submitted] });
      progress.advance(0, 1);
    }
    const ids = await batches.drain();
    const database: DatabaseEntry | null = snap && dbRange
      ? { name: basename(opts.db!), pageSize: snap.pageSize, pageCount: snap.pageCount, pages: ids.slice(dbRange[0], dbRange[1]) }
      : null;
    const mediaList = entries.map(({ entry, range }) => (range ? { ...entry, chunks: ids.slice(range[0], range[1]) } : entry));
    return await session.commit(database, mediaList, opts.host ?? hostname(), media.skipped);
  } finally {
    await batcher?.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Read a file in 1 MiB blocks, cut it with the keyed chunker, submit each block's chunks as one batch. */
async function chunkFile(
  path: string, size: number, chunker: Chunker, submit: (buf: Uint8Array, bounds: number[]) => Promise<void>,
  progress: ProgressTracker, check: () => void,
): Promise<void> {
  const fh = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
    throw new SourceError(`cannot read ${path}: ${e.code ?? "error"}`, e);
  });
  const batch = async (cs: Uint8Array[]) => {
    if (cs.length === 0) return;
    const bounds: number[] = [];
    let n = 0;
    for (const c of cs) bounds.push((n += c.length));
    await submit(concatBytes(...cs), bounds);
  };
  try {
    for (;;) {
      const buf = new Uint8Array(Math.min(READ_BLOCK, Math.max(size, 1)));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      await batch(chunker.push(buf.subarray(0, bytesRead)));
      progress.advance(bytesRead);
      check();
    }
    await batch(chunker.finish());
  } finally {
    await fh.close();
  }
}
