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
 * Growable per-target columns: where its plaintext goes (file, offset) and where it is
 * stored (pack number and the index entry's fields), so the plan needs neither the index
 * nor an object per chunk. The chunk IDs stay packed: the database's pages are targets
 * `0 .. pageCount` and read from the manifest's own packed page list (no view per page:
 * 45,829 on the bench corpus, ten times that at xl); each media chunk's ID is copied, 32
 * bytes, into one growing buffer.
 */
class Targets {
  /** The database's page IDs (32 bytes each): the IDs of targets 0 .. dbCount. */
  readonly db: Uint8Array;
  readonly dbCount: number;
  /** The IDs of targets dbCount .. n, 32 bytes each. */
  media: Uint8Array = new Uint8Array(1024 * ID);
  file = new Uint32Array(1024);
  offset = new Float64Array(1024);
  pack = new Uint32Array(1024);
  at = new Uint32Array(1024);
  length = new Uint32Array(1024);
  rawLength = new Uint32Array(1024);
  flags = new Uint8Array(1024);
  n = 0;
  constructor(db: Uint8Array) {
    this.db = db;
    this.dbCount = db.length / ID;
  }
  /** Target `t`'s ID, a view (made per request, not kept). */
  id(t: number): Uint8Array {
    return t < this.dbCount ? this.db.subarray(t * ID, (t + 1) * ID) : this.media.subarray((t - this.dbCount) * ID, (t - this.dbCount + 1) * ID);
  }
  /** Add target `n`: a database page (its ID is page `n`'s) or, with `id`, a media chunk. */
  push(id: Uint8Array | undefined, file: number, offset: number, pack: number, loc: ChunkLocation): void {
    if (this.n === this.file.length) {
      const k = this.n * 2;
      const grow = <A extends Uint8Array | Uint32Array | Float64Array>(a: A, b: A): A => (b.set(a), b);
      this.file = grow(this.file, new Uint32Array(k));
      this.offset = grow(this.offset, new Float64Array(k));
      this.pack = grow(this.pack, new Uint32Array(k));
      this.at = grow(this.at, new Uint32Array(k));
      this.length = grow(this.length, new Uint32Array(k));
      this.rawLength = grow(this.rawLength, new Uint32Array(k));
      this.flags = grow(this.flags, new Uint8Array(k));
    }
    const t = this.n++;
    if (t >= this.dbCount) {
      if (!id) throw new TypeError("a media target needs its ID");
      const o = (t - this.dbCount) * ID;
      if (o + ID > this.media.length) this.media = grow2(this.media);
      this.media.set(id, o);
    }
    this.file[t] = file;
    this.offset[t] = offset;
    this.pack[t] = pack;
    this.at[t] = loc.offset;
    this.length[t] = loc.length;
    this.rawLength[t] = loc.rawLength;
    this.flags[t] = loc.flags;
  }
}

function grow2(a: Uint8Array): Uint8Array {
  const b = new Uint8Array(a.length * 2);
  b.set(a);
  return b;
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
  const targets = new Targets(dbIds);
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
  const want = (id: Uint8Array | undefined, loc: ChunkLocation, file: number, offset: number, isDb: boolean): void => {
    let p = packNumbers.get(loc.pack);
    if (p === undefined) {
      p = packs.push(loc.pack) - 1;
      packNumbers.set(loc.pack, p);
      packBytes.push(0);
      holdsDb.push(false);
    }
    targets.push(id, file, offset, p, loc);
    packBytes[p]! += loc.rawLength;
    if (isDb) holdsDb[p] = true;
  };
  if (m.database) {
    const db = m.database;
    const file = files.push({ rel: restoredDatabaseName(db.name), size: db.pageSize * db.pageCount }) - 1;
    for (let i = 0; i < db.pageCount; i++) {
      const loc = locate(dbIds, i * ID);
      if (loc.rawLength !== db.pageSize) throw new IntegrityError("bad_structure", `database page ${i} has ${loc.rawLength} bytes, expected ${db.pageSize}`);
      want(undefined, loc, file, i * db.pageSize, true);
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
      want(id, locs[k]!, file, offset, false);
      offset += locs[k]!.rawLength;
    });
    bytes += f.size;
  }

  // Targets grouped by pack (a counting sort: `byPack[start[p] .. start[p + 1])` are pack p's, in plan order).
  const n = targets.n;
  const start = new Uint32Array(packs.length + 1);
  for (let t = 0; t < n; t++) start[targets.pack[t]! + 1]!++;
  for (let p = 0; p < packs.length; p++) start[p + 1]! += start[p]!;
  const byPack = new Uint32Array(n);
  const fill = start.slice(0, packs.length);
  for (let t = 0; t < n; t++) byPack[fill[targets.pack[t]!]!++] = t;
  const requests = (p: number): ChunkRequest<Target>[] => {
    const out = new Map<string, ChunkRequest<Target>>();
    for (let k = start[p]!; k < start[p + 1]!; k++) {
      const t = byPack[k]!;
      const hex = toHex(targets.id(t));
      let r = out.get(hex);
      if (!r) {
        const loc = { pack: packs[p]!, offset: targets.at[t]!, length: targets.length[t]!, rawLength: targets.rawLength[t]!, flags: targets.flags[t]! };
        r = { id: hex, loc, targets: [] };
        out.set(hex, r);
      }
      r.targets.push({ file: targets.file[t]!, offset: targets.offset[t]! });
    }
    return [...out.values()];
  };
  return {
    files,
    packs,
    requests,
    packBytes: (p) => packBytes[p]!,
    holdsDatabase: (p) => holdsDb[p]!,
    bytes,
    damaged,
    mediaFiles,
  };
}
