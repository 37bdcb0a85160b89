/**
 * One backup (spec §8.7): snapshot the live database with SQLite's backup API, store
 * its pages, walk and chunk the media, then write packs → index → manifest → head.
 * A crash at any point leaves every earlier snapshot whole; the next backup reuses the
 * packs this one already uploaded.
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Chunker, ObjectKind, concatBytes, gearTable, platformRandom, sealStream, toHex } from "@chatvault/format";
import { ChunkStore } from "../backup/chunk-store.ts";
import type { Compressor } from "../backup/compressor.ts";
import { looksCompressible } from "../backup/compressor.ts";
import { Packer } from "../backup/packer.ts";
import { CancelledError, SourceError } from "../errors.ts";
import { type ProgressListener, ProgressTracker } from "../progress.ts";
import { type ChunkIndex, type IndexEntry, encodeIndex } from "../repo/chunk-index.ts";
import type { HeadStore } from "../repo/head.ts";
import { indexName, snapshotName } from "../repo/layout.ts";
import { type DatabaseEntry, type MediaEntry, type SnapshotManifest, encodeManifest } from "../repo/manifest.ts";
import { readPackHeader } from "../repo/pack.ts";
import { putOnce } from "../repo/put.ts";
import { type Repository, manifestContextId } from "../repo/repository.ts";
import { DatabaseSourceError, readPages, snapshotDatabase } from "./db-source/index.ts";
import { type ChunkBatcher, OrderedBatches, serialBatcher, workerBatcher } from "./chunk-pool.ts";
import { walkMedia } from "./media-walk.ts";
import { zlibCompressor } from "./zlib-compressor.ts";

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

export interface BackupResult {
  snapshot: { sequence: number; digest: string; name: string };
  stats: SnapshotManifest["stats"];
  packsUploaded: number;
  bytesUploaded: number;
  skipped: string[];
}

const READ_BLOCK = 1024 * 1024;

export async function backup(opts: BackupOptions): Promise<BackupResult> {
  const { repo, heads } = opts;
  if (!opts.db && !opts.media) throw new SourceError("nothing to back up: give a database, a media folder, or both");
  const check = () => {
    if (opts.signal?.aborted) throw new CancelledError();
  };
  const progress = new ProgressTracker("backup", opts.onProgress);
  progress.setPhase("reading repository");
  const parent = await repo.resolveSnapshot(heads);
  const head = await heads.get();
  const index = await repo.loadIndex();
  const recovered = await recoverOrphanPacks(repo, index);
  check();

  const packer = new Packer(repo.storage, repo.keys, repo.repoId, repo.config.packSize);
  const store = new ChunkStore(repo.keys, index, packer, opts.compressor ?? zlibCompressor);
  const stats = { filesNew: 0, filesChanged: 0, filesUnchanged: 0, bytesRead: 0, bytesStored: 0, chunksNew: 0 };
  const tmp = await mkdtemp(join(opts.tmpDir ?? tmpdir(), "chatvault-backup-"));
  let batcher: ChunkBatcher | undefined;
  try {
    const media = opts.media ? await walkMedia(opts.media) : { files: [], skipped: [] };
    const snap = opts.db ? await snapshotDatabase(opts.db, tmp).catch((e: unknown) => {
      if (e instanceof DatabaseSourceError) throw new SourceError(e.message, e);
      throw e;
    }) : undefined;
    progress.bytesTotal = (snap?.bytes ?? 0) + media.files.reduce((n, f) => n + f.size, 0);
    progress.filesTotal = (snap ? 1 : 0) + media.files.length;
    const workers = opts.workers ?? (progress.bytesTotal > 16 * 1024 * 1024 ? availableParallelism() : 0);
    batcher = workers > 0 && !opts.compressor ? workerBatcher(store, repo.rootKey, workers) : serialBatcher(store);
    const batches = new OrderedBatches(batcher, 2 * Math.max(1, workers));
    let submitted = 0;
    const submit = async (buf: Uint8Array, bounds: number[], compressible: boolean) => {
      await batches.submit(buf, bounds, compressible);
      submitted += bounds.length;
    };

    let dbRange: [number, number] | undefined;
    if (snap) {
      progress.setPhase("database");
      let block: ArrayBufferLike | undefined;
      const flush = async () => {
        if (!block) return;
        const buf = new Uint8Array(block);
        await submit(buf, Array.from({ length: buf.length / snap.pageSize }, (_, i) => (i + 1) * snap.pageSize), true);
        progress.advance(buf.length);
        check();
      };
      dbRange = [submitted, 0];
      // readPages gives each block its own buffer, pages are views into it: batch by block.
      for await (const page of readPages(snap.path, snap.pageSize)) {
        if (page.data.buffer !== block) {
          await flush();
          block = page.data.buffer;
        }
      }
      await flush();
      dbRange[1] = submitted;
      stats.bytesRead += snap.bytes;
      progress.advance(0, 1);
    }

    progress.setPhase("media");
    const previous = new Map((parent?.manifest.media ?? []).map((m) => [m.path, m]));
    const gear = gearTable(repo.keys);
    const mediaEntries: { entry: MediaEntry; range?: [number, number] }[] = [];
    for (const f of media.files) {
      check();
      const prev = previous.get(f.path);
      // The size+mtime cache never beats the index: reuse only if every chunk is still there.
      if (prev && prev.size === f.size && prev.mtimeMs === f.mtimeMs && prev.chunks.every((c) => store.has(toHex(c)))) {
        mediaEntries.push({ entry: { ...prev } });
        stats.filesUnchanged++;
        progress.advance(f.size, 1);
        continue;
      }
      if (prev) stats.filesChanged++;
      else stats.filesNew++;
      const start = submitted;
      await chunkFile(f.absolute, f.size, new Chunker(gear, repo.config.chunker), (buf, bounds) => submit(buf, bounds, looksCompressible(f.path)), progress, check);
      stats.bytesRead += f.size;
      mediaEntries.push({ entry: { path: f.path, size: f.size, mtimeMs: f.mtimeMs, chunks: [] }, range: [start, submitted] });
      progress.advance(0, 1);
    }
    const ids = await batches.drain();
    const database: DatabaseEntry | null = snap && dbRange
      ? { name: basename(opts.db!), pageSize: snap.pageSize, pageCount: snap.pageCount, pages: ids.slice(dbRange[0], dbRange[1]) }
      : null;
    const mediaList = mediaEntries.map(({ entry, range }) => (range ? { ...entry, chunks: ids.slice(range[0], range[1]) } : entry));

    progress.setPhase("uploading");
    await packer.flush(); // 1. packs
    check();
    const newEntries: IndexEntry[] = [...recovered, ...packer.written];
    if (newEntries.length > 0) {
      const name = indexName(platformRandom(16)); // 2. index
      const sealed = await sealStream(repo.keys.backend, repo.keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.index, id: name }, encodeIndex(newEntries));
      await putOnce(repo.storage, name, sealed);
    }
    stats.chunksNew = store.chunksNew;
    stats.bytesStored = store.bytesStored;
    const sequence = Math.max(parent?.ref.sequence ?? 0, head?.sequence ?? 0) + 1;
    const manifest: SnapshotManifest = {
      version: 1, repoId: repo.repoId, sequence,
      parent: parent ? { sequence: parent.ref.sequence, digest: parent.ref.digest } : null,
      time: new Date().toISOString(), host: opts.host ?? hostname(), database, media: mediaList, stats,
    };
    const ctx = { kind: ObjectKind.snapshot, id: manifestContextId(repo.repoId, sequence) };
    const sealed = await sealStream(repo.keys.backend, repo.keys.metadataEncryption.unsafeBytes(), ctx, encodeManifest(manifest));
    const digest = toHex(await repo.keys.backend.sha256(sealed));
    const name = snapshotName(sequence, digest);
    check();
    await putOnce(repo.storage, name, sealed); // 3. manifest
    await heads.advance({ sequence, digest }); // 4. head
    progress.setPhase("done");
    return {
      snapshot: { sequence, digest, name }, stats, packsUploaded: packer.packsUploaded,
      bytesUploaded: packer.bytesUploaded, skipped: media.skipped,
    };
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

/**
 * Packs in storage that no index lists were uploaded by a backup that did not finish.
 * Read their (authenticated) headers and reuse their chunks; this backup's index then
 * lists them, so the work is not lost.
 */
async function recoverOrphanPacks(repo: Repository, index: ChunkIndex): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for (const [pack] of await repo.listPacks()) {
    if (index.hasPack(pack)) continue;
    try {
      const entries = await readPackHeader(repo.storage, repo.keys, repo.repoId, pack);
      for (const e of entries) index.add(e);
      out.push(...entries);
    } catch {
      // An unreadable orphan is ignored: nothing references it, prune will remove it.
    }
  }
  return out;
}
