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
  byPack: Map<string, ChunkRequest<Target>[]>;
  bytes: number;
  /** Media files left out (their index in `m.media` has no planned file). */
  damaged: DamagedFile[];
  /** For each media entry of the manifest, its index in `files`, or -1 when damaged. */
  mediaFiles: number[];
}

export function planRestore(m: SnapshotManifest, lookup: (id: string) => ChunkLocation | undefined): RestorePlan {
  const files: PlannedFile[] = [];
  const byPack = new Map<string, ChunkRequest<Target>[]>();
  const reqs = new Map<string, ChunkRequest<Target>>();
  let bytes = 0;
  const want = (id: Uint8Array, target: Target): number => {
    const hex = toHex(id);
    let r = reqs.get(hex);
    if (!r) {
      const loc = lookup(hex);
      if (!loc) throw new IntegrityError("missing_object", "a chunk of this snapshot is missing from the index", hex);
      r = { id: hex, loc, targets: [] };
      reqs.set(hex, r);
      const list = byPack.get(loc.pack) ?? [];
      list.push(r);
      byPack.set(loc.pack, list);
    }
    r.targets.push(target);
    return r.loc.rawLength;
  };
  if (m.database) {
    const db = m.database;
    const file = files.push({ rel: restoredDatabaseName(db.name), size: db.pageSize * db.pageCount }) - 1;
    db.pages.forEach((id, i) => {
      const n = want(id, { file, offset: i * db.pageSize });
      if (n !== db.pageSize) throw new IntegrityError("bad_structure", `database page ${i} has ${n} bytes, expected ${db.pageSize}`);
    });
    bytes += db.pageSize * db.pageCount;
  }
  const damaged: DamagedFile[] = [];
  const mediaFiles: number[] = [];
  for (const f of m.media) {
    // A file whose chunks do not add up to its size (written by a backup that read a file
    // while it changed) is left out and reported; it must not cost the database and the
    // other files (spec §8.8). A missing chunk is still fatal: that is an integrity problem.
    let sum = 0;
    for (const id of f.chunks) {
      const loc = lookup(toHex(id));
      if (!loc) throw new IntegrityError("missing_object", "a chunk of this snapshot is missing from the index", toHex(id));
      sum += loc.rawLength;
    }
    if (sum !== f.size) {
      damaged.push({ path: f.path, reason: "size_mismatch", detail: `its chunks add up to ${sum} bytes, the backup recorded ${f.size}` });
      mediaFiles.push(-1);
      continue;
    }
    const relBytes = f.rawPath ? concatBytes(utf8("media/"), f.rawPath) : undefined;
    const file = files.push({ rel: `media/${f.path}`, ...(relBytes ? { relBytes } : {}), size: f.size, mtimeMs: f.mtimeMs }) - 1;
    mediaFiles.push(file);
    let offset = 0;
    for (const id of f.chunks) offset += want(id, { file, offset });
    bytes += f.size;
  }
  return { files, byPack, bytes, damaged, mediaFiles };
}
