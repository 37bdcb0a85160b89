/**
 * What a restore must fetch (spec §8.8): every file of a snapshot with its size, and for
 * every pack the chunks to read from it and where each chunk's plaintext goes. Checks
 * before anything is downloaded that every chunk is indexed and sizes add up; a media
 * file whose sizes do not add up is left out and reported, not fatal.
 */
import { IntegrityError, concatBytes, toHex, utf8 } from "@chatvault/format";
import type { ChunkLocation } from "../repo/chunk-index.ts";
import type { ChunkRequest } from "../repo/chunk-reader.ts";
import type { SnapshotManifest } from "../repo/manifest.ts";

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
 * Growable per-target columns: the chunk ID (the manifest's own bytes), where its
 * plaintext goes (file, offset), and where it is stored (pack number and the index
 * entry's fields), so the plan needs neither the index nor an object per chunk.
 */
class Targets {
  ids: Uint8Array[] = [];
  file = new Uint32Array(1024);
  offset = new Float64Array(1024);
  pack = new Uint32Array(1024);
  at = new Uint32Array(1024);
  length = new Uint32Array(1024);
  rawLength = new Uint32Array(1024);
  flags = new Uint8Array(1024);
  n = 0;
  push(id: Uint8Array, file: number, offset: number, pack: number, loc: ChunkLocation): void {
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
    this.ids.push(id);
    this.file[t] = file;
    this.offset[t] = offset;
    this.pack[t] = pack;
    this.at[t] = loc.offset;
    this.length[t] = loc.length;
    this.rawLength[t] = loc.rawLength;
    this.flags[t] = loc.flags;
  }
}

/**
 * Plan the restore of `m`: every file with its size, and for every pack where each chunk's
 * plaintext goes. Throws `IntegrityError` before anything is downloaded when a chunk is not
 * indexed or the database's pages are not all `pageSize` long. Holds a few typed columns
 * per page and media chunk, not objects (docs/performance.md, "Restore: write-behind").
 */
export function planRestore(m: SnapshotManifest, lookup: (id: string) => ChunkLocation | undefined): RestorePlan {
  const files: PlannedFile[] = [];
  const packNumbers = new Map<string, number>();
  const packs: string[] = [];
  const targets = new Targets();
  let bytes = 0;
  const locate = (id: Uint8Array): ChunkLocation => {
    const loc = lookup(toHex(id));
    if (!loc) throw new IntegrityError("missing_object", "a chunk of this snapshot is missing from the index", toHex(id));
    return loc;
  };
  const packBytes: number[] = [];
  const holdsDb: boolean[] = [];
  const want = (id: Uint8Array, loc: ChunkLocation, file: number, offset: number, isDb: boolean): void => {
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
    db.pages.forEach((id, i) => {
      const loc = locate(id);
      if (loc.rawLength !== db.pageSize) throw new IntegrityError("bad_structure", `database page ${i} has ${loc.rawLength} bytes, expected ${db.pageSize}`);
      want(id, loc, file, i * db.pageSize, true);
    });
    bytes += db.pageSize * db.pageCount;
  }
  const damaged: DamagedFile[] = [];
  const mediaFiles: number[] = [];
  for (const f of m.media) {
    // A file whose chunks do not add up to its size (written by a backup that read a file
    // while it changed) is left out and reported; it must not cost the database and the
    // other files (spec §8.8). A missing chunk is still fatal: that is an integrity problem.
    const locs = f.chunks.map(locate);
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
      const hex = toHex(targets.ids[t]!);
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
