/**
 * One backup's bookkeeping, the same on every platform (spec §8.7): take the
 * repository's append lock (spec §8.11: one backup at a time, never under a prune), load
 * the parent snapshot (checked against the head), the index and any orphan packs of an
 * interrupted backup; then, once the sources are stored, commit in the one safe order:
 * packs → index → manifest → head. Chunks whose pack storage lost are not deduplicated
 * against: this backup stores them again from the source (heals the repository).
 * Callers MUST call `end()` when they stop early (commit releases the lock itself).
 */
import { IntegrityError, ObjectKind, platformRandom, sealStream, toHex } from "@chatvault/format";
import { CancelledError } from "../errors.ts";
import { type ProgressListener, ProgressTracker } from "../progress.ts";
import { type ChunkIndex, type IndexEntry, encodeIndex } from "../repo/chunk-index.ts";
import type { Head, HeadStore } from "../repo/head.ts";
import { indexName, snapshotName } from "../repo/layout.ts";
import {
  type DatabaseEntry,
  type ManifestListing,
  type MediaEntry,
  type SnapshotManifest,
  type SnapshotStats,
  copyDatabaseEntry,
  encodeListing,
  encodeManifest,
  packedPages,
  samePageList,
} from "../repo/manifest.ts";
import { cutListing } from "../repo/listing.ts";
import { readPackHeader } from "../repo/pack.ts";
import { putOnce } from "../repo/put.ts";
import { type LockOptions, RepositoryLock } from "../repo/lock.ts";
import { type Repository, type SnapshotRef, manifestContextId } from "../repo/repository.ts";
import { ChunkStore } from "./chunk-store.ts";
import type { Compressor } from "./compressor.ts";
import { ChunkIdSet } from "./id-set.ts";
import { Packer } from "./packer.ts";

/** A media file a backup did not take, and why (docs/cli.md, "Files a backup skips"). */
export interface SkippedFile {
  /** Path relative to the media folder (display form for names that are not UTF-8). */
  path: string;
  /** `unreadable`: no permission or a read error; `vanished`: deleted while the backup ran; `symlink`, `not_a_file`: not a regular file. */
  reason: "unreadable" | "vanished" | "symlink" | "not_a_file";
  /** Plain-words cause ("permission denied"), when there is one. */
  detail?: string;
}

export interface BackupResult {
  snapshot: { sequence: number; digest: string; name: string };
  stats: SnapshotStats;
  packsUploaded: number;
  bytesUploaded: number;
  skipped: SkippedFile[];
  /** Media files whose size changed between the walk and the read: stored as read (the next backup takes them again). */
  changedWhileReading: string[];
}

/** A media file as a backup source sees it: where it is, how big, when it was last changed. */
export interface MediaSource {
  path: string;
  /** The name's exact bytes when it is not UTF-8 (spec §8.5.1). */
  rawPath?: Uint8Array | undefined;
  size: number;
  mtimeMs: number;
}

/** The key of a media entry across snapshots: its raw bytes when it has them (NUL cannot be in a path, so keys never collide). */
export function mediaKey(e: { path: string; rawPath?: Uint8Array | undefined }): string {
  return e.rawPath ? `\0${toHex(e.rawPath)}` : e.path;
}

/** The snapshot a backup builds on. */
export interface ParentSnapshot {
  readonly ref: SnapshotRef;
  readonly manifest: SnapshotManifest;
}

/**
 * The session decides what each source file is (unchanged since the parent, changed,
 * new) and keeps the snapshot's stats; the platform code (Node, in memory) only reads
 * bytes and reports what it read.
 */
export class BackupSession {
  readonly repo: Repository;
  /** Where chunks go: dedup, seal, pack (chunk-store.ts). */
  readonly store: ChunkStore;
  readonly progress: ProgressTracker;
  readonly #heads: HeadStore;
  readonly #parent: ParentSnapshot | undefined;
  readonly #head: Head | undefined;
  readonly #stats: SnapshotStats = { filesNew: 0, filesChanged: 0, filesUnchanged: 0, bytesRead: 0, bytesStored: 0, chunksNew: 0 };
  readonly #packer: Packer;
  readonly #recovered: IndexEntry[];
  readonly #signal: AbortSignal | undefined;
  readonly #previousMedia: Map<string, MediaEntry>;
  readonly #index: ChunkIndex;
  readonly #lock: RepositoryLock;
  /** Chunks the index lists in packs that storage no longer holds (re-stored by this backup). */
  readonly chunksInLostPacks: number;

  private constructor(init: {
    repo: Repository;
    heads: HeadStore;
    parent: ParentSnapshot | undefined;
    head: Head | undefined;
    index: ChunkIndex;
    recovered: IndexEntry[];
    compressor: Compressor;
    progress: ProgressTracker;
    signal: AbortSignal | undefined;
    lock: RepositoryLock;
    chunksInLostPacks: number;
  }) {
    this.#lock = init.lock;
    this.chunksInLostPacks = init.chunksInLostPacks;
    this.repo = init.repo;
    this.#heads = init.heads;
    this.#parent = init.parent;
    this.#head = init.head;
    this.progress = init.progress;
    this.#recovered = init.recovered;
    this.#signal = init.signal;
    this.#index = init.index;
    this.#packer = new Packer(init.repo.storage, init.repo.keys, init.repo.repoId, init.repo.config.packSize);
    this.store = new ChunkStore(init.repo.keys, init.index, this.#packer, init.compressor);
    this.#previousMedia = new Map((init.parent?.manifest.media ?? []).map((m) => [mediaKey(m), m]));
  }

  static async begin(
    repo: Repository,
    heads: HeadStore,
    opts: { compressor: Compressor; onProgress?: ProgressListener; signal?: AbortSignal; lock?: LockOptions },
  ): Promise<BackupSession> {
    const progress = new ProgressTracker("backup", opts.onProgress);
    progress.setPhase("locking repository");
    // Lock before reading anything: what we read must not change under us (spec §8.11).
    const lock = await RepositoryLock.acquire(repo, "append", { operation: "backup", ...opts.lock });
    try {
      progress.setPhase("reading repository");
      // One listing of packs per backup: enough to notice every pack storage lost.
      const present = await repo.listPacks();
      const index = await repo.loadIndex(present);
      const chunksInLostPacks = index.dropChunksIn((p) => !present.has(p));
      const recovered = await recoverOrphanPacks(repo, index, present);
      const parent = await resolveParent(repo, heads, index);
      const head = await heads.get();
      const s = new BackupSession({
        repo,
        heads,
        parent,
        head,
        index,
        recovered,
        compressor: opts.compressor,
        progress,
        signal: opts.signal,
        lock,
        chunksInLostPacks,
      });
      s.check();
      return s;
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** The snapshot this backup builds on (the latest, checked against the head), if any. */
  get parent(): ParentSnapshot | undefined {
    return this.#parent;
  }

  /** The snapshot's stats so far (a copy). */
  get stats(): Readonly<SnapshotStats> {
    return { ...this.#stats, chunksNew: this.store.chunksNew, bytesStored: this.store.bytesStored };
  }

  /** Release the repository lock (idempotent). Call it when the backup stops before `commit`. */
  async end(): Promise<void> {
    await this.#lock.release();
  }

  /** Every chunk ID the repository already holds, as a set worker threads can share. */
  knownChunks(): ChunkIdSet {
    return ChunkIdSet.build(this.#index.chunkIds());
  }

  /** Wait until no pack upload is in flight (after a failure: their errors are dropped, the failure is what counts). */
  async settle(): Promise<void> {
    await this.#packer.settle();
  }

  check(): void {
    if (this.#signal?.aborted) throw new CancelledError();
  }

  /**
   * The parent's entry for this file if it can be reused as is: same size and mtime, and
   * every chunk still indexed (the cache never beats a missing chunk). Only looks: a
   * backup that takes it calls `keepUnchanged`.
   */
  unchangedMedia(file: MediaSource): MediaEntry | undefined {
    const prev = this.#previousMedia.get(mediaKey(file));
    if (prev && prev.size === file.size && sameMtime(prev.mtimeMs, file.mtimeMs) && prev.chunks.every((c) => this.store.hasId(c))) return { ...prev };
    return undefined;
  }

  /** Take the parent's entry for an unchanged file (from `unchangedMedia`): counted unchanged, its bytes done. */
  keepUnchanged(entry: MediaEntry): MediaEntry {
    this.#stats.filesUnchanged++;
    this.progress.advance(entry.size, 1);
    return entry;
  }

  /**
   * A file the backup read and chunked: its entry, counted changed (the parent has a file
   * under this name) or new. `size` is what was read, which is what the chunks hold even if
   * the file changed meanwhile (spec §8.5).
   */
  mediaRead(file: Omit<MediaSource, "size">, size: number, chunks: Uint8Array[]): MediaEntry {
    if (this.#previousMedia.has(mediaKey(file))) this.#stats.filesChanged++;
    else this.#stats.filesNew++;
    this.#stats.bytesRead += size;
    return { path: file.path, ...(file.rawPath ? { rawPath: file.rawPath } : {}), size, mtimeMs: file.mtimeMs, chunks };
  }

  /** The database's bytes, read from a copy of it (not counted when the parent's entry is reused). */
  databaseRead(bytes: number): void {
    this.#stats.bytesRead += bytes;
  }

  /**
   * The parent's database entry if the source provably did not change since it was
   * taken (same fingerprint, spec §8.5.2) and every page is still stored in a pack that
   * storage lists (lost packs are healed from the source, §8.7).
   */
  unchangedDatabase(name: string, fingerprint: string | undefined): DatabaseEntry | undefined {
    const prev = this.#parent?.manifest.database;
    if (!fingerprint || !prev || prev.source !== fingerprint || prev.name !== name) return undefined;
    // The parent's page list as decoded, packed: checked without making a view per page.
    const packed = packedPages(prev);
    if (packed) {
      for (let o = 0; o < packed.length; o += 32) {
        if (!this.#index.hasIdAt(packed, o) && !this.store.hasId(packed.subarray(o, o + 32))) return undefined;
      }
    } else if (!prev.pages.every((p) => this.store.hasId(p))) return undefined;
    return copyDatabaseEntry(prev);
  }

  /**
   * The parent's listing, when this snapshot's file lists are exactly the parent's: the
   * database entry is the parent's (`unchangedDatabase`) or both have none, and the media
   * list holds the parent's entries (`unchangedMedia`), all of them, in the parent's
   * order. The entries are compared by their fields and their chunk lists by identity
   * (a reused entry shares the parent's list), so equal here means the listing would
   * encode to what the parent's listing decoded to. Its chunks must still be stored in
   * packs storage lists (the parent's listing may have been unreadable, §8.7).
   */
  #parentListingFor(database: DatabaseEntry | null, media: MediaEntry[]): ManifestListing | undefined {
    const parent = this.#parent?.manifest;
    if (!parent?.listing) return undefined;
    const pdb = parent.database;
    if (database === null ? pdb !== null : pdb === null || !sameDatabaseEntry(database, pdb)) return undefined;
    if (media.length !== parent.media.length || !media.every((m, i) => sameMediaEntry(m, parent.media[i]!))) return undefined;
    if (!parent.listing.chunks.every((c) => this.store.hasId(c))) return undefined;
    return { length: parent.listing.length, chunks: parent.listing.chunks };
  }

  /** Commit: packs → index → manifest → head. Nothing before the head moves what restore sees as "latest" past the head. */
  async commit(
    database: DatabaseEntry | null,
    media: MediaEntry[],
    host: string,
    notes: Pick<BackupResult, "skipped" | "changedWhileReading"> = { skipped: [], changedWhileReading: [] },
  ): Promise<BackupResult> {
    const { repo } = this;
    this.progress.setPhase("uploading");
    // The file lists go into listing chunks, packed like any chunk (spec §8.5.3): what did
    // not change since the parent is already stored. Not compressed, so reading them needs
    // no compressor (readers still inflate a chunk flagged compressed).
    // A backup whose every entry is the parent's reuses the parent's listing as it is
    // (spec §8.5.3): the same bytes re-encoded would cut into the same, stored chunks.
    let listing = this.#parentListingFor(database, media);
    if (!listing) {
      const listingBytes = encodeListing(database, media);
      const fresh = { length: listingBytes.length, chunks: [] as Uint8Array[] };
      for (const piece of cutListing(repo.keys, listingBytes)) fresh.chunks.push(await this.store.store(piece, false));
      listing = fresh;
    }
    await this.#packer.flush();
    this.check();
    const newEntries = [...this.#recovered, ...this.#packer.written];
    const keys = repo.keys;
    if (newEntries.length > 0) {
      const name = indexName(platformRandom(16));
      await putOnce(
        repo.storage,
        name,
        await sealStream(keys.backend, keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.index, id: name }, encodeIndex(newEntries)),
      );
    }
    const stats = this.stats;
    const parent = this.#parent;
    const sequence = Math.max(parent?.ref.sequence ?? 0, this.#head?.sequence ?? 0) + 1;
    const manifest: SnapshotManifest = {
      version: 2,
      repoId: repo.repoId,
      sequence,
      parent: parent ? { sequence: parent.ref.sequence, digest: parent.ref.digest } : null,
      time: new Date().toISOString(),
      host,
      database,
      media,
      stats,
      listing,
    };
    const ctx = { kind: ObjectKind.snapshot, id: manifestContextId(repo.repoId, sequence) };
    const sealed = await sealStream(keys.backend, keys.metadataEncryption.unsafeBytes(), ctx, encodeManifest(manifest));
    const digest = toHex(await keys.backend.sha256(sealed));
    const name = snapshotName(sequence, digest);
    this.check();
    // The lease must still hold when the snapshot appears: otherwise another backup may
    // have taken over and would fork the history (spec §8.11).
    await this.#lock.assertHeld();
    await putOnce(repo.storage, name, sealed);
    await this.#heads.advance({ sequence, digest });
    await this.end();
    this.progress.setPhase("done");
    return { snapshot: { sequence, digest, name }, stats, packsUploaded: this.#packer.packsUploaded, bytesUploaded: this.#packer.bytesUploaded, ...notes };
  }
}

/** The same entry, field for field, with the very same page list (reused from the parent, not rebuilt). */
function sameDatabaseEntry(a: DatabaseEntry, b: DatabaseEntry): boolean {
  return samePageList(a, b) && a.name === b.name && a.pageSize === b.pageSize && a.pageCount === b.pageCount && a.source === b.source && sameKeys(a, b);
}

/** The same entry, field for field, with the very same chunk list and raw path. */
function sameMediaEntry(a: MediaEntry, b: MediaEntry): boolean {
  return a.chunks === b.chunks && a.path === b.path && a.rawPath === b.rawPath && a.size === b.size && a.mtimeMs === b.mtimeMs && sameKeys(a, b);
}

/** Same field names: an entry with a field more would encode differently. */
function sameKeys(a: object, b: object): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/**
 * mtimes are kept as float milliseconds; setting one (utimes takes float seconds) and
 * reading it back moves it by up to ~0.5 µs at today's dates. Closer than 1 µs is the
 * same time: a restored file then counts as unchanged, and no real edit is that close.
 */
export function sameMtime(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.001;
}

/**
 * The snapshot to build on. If its file list cannot be read because chunks of it sat in
 * a pack storage lost, the backup still chains to it but reuses nothing from it: every
 * file is read again and deduplicated by chunk ID (spec §8.7, lost packs).
 */
async function resolveParent(repo: Repository, heads: HeadStore, index: ChunkIndex): Promise<ParentSnapshot | undefined> {
  try {
    return await repo.resolveSnapshot(heads, undefined, { index });
  } catch (e) {
    if (!(e instanceof IntegrityError) || e.reason !== "missing_object") throw e;
    return await repo.resolveSnapshot(heads, undefined, { listing: false });
  }
}

/**
 * Packs in storage that no index lists were uploaded by a backup that did not finish.
 * Read their (authenticated) headers and reuse their chunks; this backup's index then
 * lists them, so the work is not lost.
 */
async function recoverOrphanPacks(repo: Repository, index: ChunkIndex, present: Map<string, number>): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for (const [pack] of present) {
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
