/**
 * What a restore must fetch (spec §8.8): every file of a snapshot with its size, and for
 * every pack the chunks to read from it and where each chunk's plaintext goes. Checks
 * before anything is downloaded that every chunk is indexed and sizes add up; a media
 * file whose sizes do not add up is left out and reported, not fatal.
 */
import { IntegrityError, concatBytes, toHex, utf8 } from "@chatvault/format";
import type { ChunkIndex, ChunkLocation } from "../repo/chunk-index.ts";
import type { ChunkRequest } from "../repo/chunk-reader.ts";
import { type DatabaseEntry, type SnapshotManifest, packedPages } from "../repo/manifest.ts";

const ID = 32;

export interface PlannedFile {
  /** Path relative to the restore root: the database name, or `media/<path>`. */
  rel: string;
  /** `rel` as bytes, for a media file with a raw path (spec §8.5.1): write it under these. */
  relBytes?: Uint8Array;
  size: number;
  mtimeMs?: number;
}

/** A media file of the snapshot that restore leaves out, and why; everything else is restored. */
export interface DamagedFile {
  path: string;
  reason: "size_mismatch";
  detail: string;
}

/** A database named like the media folder is restored beside it as `media.db` (docs/cli.md). */
export function restoredDatabaseName(name: string): string {
  return name === "media" ? "media.db" : name;
}

export interface Target {
  /** Index into `files`. */
  file: number;
  offset: number;
}

export interface RestorePlan {
  files: PlannedFile[];
  /** Hex IDs of the packs to read, in the order the plan first needs them. */
  packs: string[];
  /**
   * The chunks to read from `packs[p]`, each once with every place its plaintext goes, in
   * the order the snapshot lists them. Made on demand: a restore holds the requests of the
   * packs it is reading, not the whole snapshot's (60,708 objects for the full corpus).
   */
  requests(p: number): ChunkRequest<Target>[];
  /** Plaintext bytes pack `p` gives (a chunk used twice counts twice). */
  packBytes(p: number): number;
  /** Whether pack `p` holds a page of the database (file 0 when the snapshot has one). */
  holdsDatabase(p: number): boolean;
  bytes: number;
  /** Media files left out (their index in `m.media` has no planned file). */
  damaged: DamagedFile[];
  /** For each media entry of the manifest, its index in `files`, or -1 when damaged. */
  mediaFiles: number[];
}

/**
 * Where planRestore finds each chunk: the index itself (looked up from the manifest's
 * packed bytes, no hex string or view per chunk), or a function of the hex ID.
 */
export type ChunkLookup = ((id: string) => ChunkLocation | undefined) | Pick<ChunkIndex, "getIdAt">;

/**
 * Per-target columns: where it is stored (pack number and the index entry's fields) and,
 * for a media chunk, where its plaintext goes (file, offset, length), so the plan needs
 * neither the index nor an object per chunk. A database page's place follows from its
 * number (page i at i × pageSize), so pages take 13 bytes each. The chunk IDs stay
 * packed: the pages are targets `0 .. pageCount`, their IDs read from the manifest's own
 * packed page list (no view per page: 45,829 on the bench corpus, ten times that at xl);
 * each media chunk's ID is copied, 32 bytes, into one buffer.
 */
class Targets {
  /** The database's page IDs (32 bytes each): the IDs of targets 0 .. dbCount. */
  readonly db: Uint8Array;
  readonly dbCount: number;
  readonly pageSize: number;
  /** Per media target (t − dbCount): its ID (32 bytes), file, offset in it and plaintext length. */
  readonly media: Uint8Array;
  readonly file: Uint32Array;
  readonly offset: Float64Array;
  readonly mediaRawLength: Uint32Array;
  /** Per target: the pack number, the sealed chunk's offset and length in it, its flags. */
  readonly pack: Uint32Array;
  readonly at: Uint32Array;
  readonly length: Uint32Array;
  readonly flags: Uint8Array;
  n = 0;
  /**
   * Columns for `dbIds.length / 32` pages and at most `mediaChunks` media chunks, sized
   * once (no doubling: at 600,000 targets that left up to 40% unused).
   */
  constructor(dbIds: Uint8Array, pageSize: number, mediaChunks: number) {
    this.db = dbIds;
    this.dbCount = dbIds.length / ID;
    this.pageSize = pageSize;
    const all = this.dbCount + mediaChunks;
    this.media = new Uint8Array(mediaChunks * ID);
    this.file = new Uint32Array(mediaChunks);
    this.offset = new Float64Array(mediaChunks);
    this.mediaRawLength = new Uint32Array(mediaChunks);
    this.pack = new Uint32Array(all);
    this.at = new Uint32Array(all);
    this.length = new Uint32Array(all);
    this.flags = new Uint8Array(all);
  }
  /** Target `t`'s ID, a view (made per request, not kept). */
  id(t: number): Uint8Array {
    const m = t - this.dbCount;
    return m < 0 ? this.db.subarray(t * ID, (t + 1) * ID) : this.media.subarray(m * ID, (m + 1) * ID);
  }
  /** Where target `t`'s plaintext goes: page t of the database (file `dbFile`), or the media target's file and offset. */
  target(t: number, dbFile: number): Target {
    const m = t - this.dbCount;
    return m < 0 ? { file: dbFile, offset: t * this.pageSize } : { file: this.file[m]!, offset: this.offset[m]! };
  }
  rawLength(t: number): number {
    const m = t - this.dbCount;
    return m < 0 ? this.pageSize : this.mediaRawLength[m]!;
  }
  /** Add the next database page (its ID is already in `db`; it goes at n × pageSize). */
  pushPage(pack: number, loc: ChunkLocation): void {
    if (this.n >= this.dbCount) throw new RangeError("every page is planned already");
    this.#stored(this.n++, pack, loc);
  }
  /** Add a media chunk, after every page. */
  pushMedia(id: Uint8Array, file: number, offset: number, pack: number, loc: ChunkLocation): void {
    const m = this.n - this.dbCount;
    if (m < 0 || m >= this.file.length) throw new RangeError("media chunks come after the pages, as many as counted");
    this.media.set(id, m * ID);
    this.file[m] = file;
    this.offset[m] = offset;
    this.mediaRawLength[m] = loc.rawLength;
    this.#stored(this.n++, pack, loc);
  }
  #stored(t: number, pack: number, loc: ChunkLocation): void {
    this.pack[t] = pack;
    this.at[t] = loc.offset;
    this.length[t] = loc.length;
    this.flags[t] = loc.flags;
  }
}

/** The database's page IDs packed, 32 bytes each: the manifest's own buffer when its `pages` were never unpacked. */
function packedPageIds(db: DatabaseEntry): Uint8Array {
  const packed = packedPages(db);
  if (packed) return packed;
  const out = new Uint8Array(db.pages.length * ID);
  db.pages.forEach((id, i) => out.set(id, i * ID));
  return out;
}

/**
 * Plan the restore of `m`: every file with its size, and for every pack where each chunk's
 * plaintext goes. Throws `IntegrityError` before anything is downloaded when a chunk is not
 * indexed or the database's pages are not all `pageSize` long. Holds a few typed columns
 * per page and media chunk, not objects (docs/performance.md, "Restore: write-behind").
 */
export function planRestore(m: SnapshotManifest, lookup: ChunkLookup): RestorePlan {
  const files: PlannedFile[] = [];
  const packNumbers = new Map<string, number>();
  const packs: string[] = [];
  const dbIds = m.database ? packedPageIds(m.database) : new Uint8Array(0);
  if (m.database && dbIds.length !== m.database.pageCount * ID) throw new IntegrityError("bad_structure", "database page list does not match its page count");
  const mediaChunks = m.media.reduce((n, f) => n + f.chunks.length, 0);
  const targets = new Targets(dbIds, m.database?.pageSize ?? 0, mediaChunks);
  let bytes = 0;
  const find: (ids: Uint8Array, at: number) => ChunkLocation | undefined =
    typeof lookup === "function" ? (ids, at) => lookup(toHex(ids.subarray(at, at + ID))) : (ids, at) => lookup.getIdAt(ids, at);
  const locate = (ids: Uint8Array, at: number): ChunkLocation => {
    const loc = find(ids, at);
    if (!loc) throw new IntegrityError("missing_object", "a chunk of this snapshot is missing from the index", toHex(ids.subarray(at, at + ID)));
    return loc;
  };
  const packBytes: number[] = [];
  const holdsDb: boolean[] = [];
  const packOf = (loc: ChunkLocation, isDb: boolean): number => {
    let p = packNumbers.get(loc.pack);
    if (p === undefined) {
      p = packs.push(loc.pack) - 1;
      packNumbers.set(loc.pack, p);
      packBytes.push(0);
      holdsDb.push(false);
    }
    packBytes[p]! += loc.rawLength;
    if (isDb) holdsDb[p] = true;
    return p;
  };
  let dbFile = -1;
  if (m.database) {
    const db = m.database;
    dbFile = files.push({ rel: restoredDatabaseName(db.name), size: db.pageSize * db.pageCount }) - 1;
    for (let i = 0; i < db.pageCount; i++) {
      const loc = locate(dbIds, i * ID);
      if (loc.rawLength !== db.pageSize) throw new IntegrityError("bad_structure", `database page ${i} has ${loc.rawLength} bytes, expected ${db.pageSize}`);
      targets.pushPage(packOf(loc, true), loc);
    }
    bytes += db.pageSize * db.pageCount;
  }
  const damaged: DamagedFile[] = [];
  const mediaFiles: number[] = [];
  for (const f of m.media) {
    // A file whose chunks do not add up to its size (written by a backup that read a file
    // while it changed) is left out and reported; it must not cost the database and the
    // other files (spec §8.8). A missing chunk is still fatal: that is an integrity problem.
    const locs = f.chunks.map((id) => locate(id, 0));
    const sum = locs.reduce((n, l) => n + l.rawLength, 0);
    if (sum !== f.size) {
      damaged.push({ path: f.path, reason: "size_mismatch", detail: `its chunks add up to ${sum} bytes, the backup recorded ${f.size}` });
      mediaFiles.push(-1);
      continue;
    }
    const relBytes = f.rawPath ? concatBytes(utf8("media/"), f.rawPath) : undefined;
    const file = files.push({ rel: `media/${f.path}`, ...(relBytes ? { relBytes } : {}), size: f.size, mtimeMs: f.mtimeMs }) - 1;
    mediaFiles.push(file);
    let offset = 0;
    f.chunks.forEach((id, k) => {
      targets.pushMedia(id, file, offset, packOf(locs[k]!, false), locs[k]!);
      offset += locs[k]!.rawLength;
    });
    bytes += f.size;
  }

  // The plan's functions are made apart from this function's closures: V8 keeps one
  // context per function for all of them, so a function made here would keep `lookup` —
  // the whole index, ~30 MB at xl — alive for the whole download.
  const requests = requestsByPack(targets, packs, dbFile);
  return {
    files,
    packs,
    requests,
    packBytes: valueAt(packBytes),
    holdsDatabase: valueAt(holdsDb),
    bytes,
    damaged,
    mediaFiles,
  };
}

/** `RestorePlan.requests` over `targets`: each pack's chunks once, with every place each goes. */
function requestsByPack(targets: Targets, packs: string[], dbFile: number): (p: number) => ChunkRequest<Target>[] {
  // Targets grouped by pack (a counting sort: `byPack[start[p] .. start[p + 1])` are pack p's, in plan order).
  const n = targets.n;
  const start = new Uint32Array(packs.length + 1);
  for (let t = 0; t < n; t++) start[targets.pack[t]! + 1]!++;
  for (let p = 0; p < packs.length; p++) start[p + 1]! += start[p]!;
  const byPack = new Uint32Array(n);
  const fill = start.slice(0, packs.length);
  for (let t = 0; t < n; t++) byPack[fill[targets.pack[t]!]!++] = t;
  return (p: number): ChunkRequest<Target>[] => {
    const out = new Map<string, ChunkRequest<Target>>();
    for (let k = start[p]!; k < start[p + 1]!; k++) {
      const t = byPack[k]!;
      const hex = toHex(targets.id(t));
      let r = out.get(hex);
      if (!r) {
        const loc = { pack: packs[p]!, offset: targets.at[t]!, length: targets.length[t]!, rawLength: targets.rawLength(t), flags: targets.flags[t]! };
        r = { id: hex, loc, targets: [] };
        out.set(hex, r);
      }
      r.targets.push(targets.target(t, dbFile));
    }
    return [...out.values()];
  };
}

/** `(p) => values[p]`, made outside planRestore's context (see there). */
function valueAt<T>(values: T[]): (p: number) => T {
  return (p) => values[p]!;
}
