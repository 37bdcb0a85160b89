/**
 * What a restore must fetch (spec §8.8): every file of a snapshot with its size, and for
 * every pack the chunks to read from it and where each chunk's plaintext goes. Checks
 * before anything is downloaded that every chunk is indexed and sizes add up.
 */
import { IntegrityError, toHex } from "@chatvault/format";
import type { ChunkLocation } from "../repo/chunk-index.ts";
import type { ChunkRequest } from "../repo/chunk-reader.ts";
import type { SnapshotManifest } from "../repo/manifest.ts";

export interface PlannedFile {
  /** Path relative to the restore root: the database name, or `media/<path>`. */
  rel: string;
  size: number;
  mtimeMs?: number;
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
    const file = files.push({ rel: db.name, size: db.pageSize * db.pageCount }) - 1;
    db.pages.forEach((id, i) => {
      const n = want(id, { file, offset: i * db.pageSize });
      if (n !== db.pageSize) throw new IntegrityError("bad_structure", `database page ${i} has ${n} bytes, expected ${db.pageSize}`);
    });
    bytes += db.pageSize * db.pageCount;
  }
  for (const f of m.media) {
    const file = files.push({ rel: `media/${f.path}`, size: f.size, mtimeMs: f.mtimeMs }) - 1;
    let offset = 0;
    for (const id of f.chunks) offset += want(id, { file, offset });
    if (offset !== f.size) throw new IntegrityError("bad_structure", `chunks of ${f.path} add up to ${offset} bytes, expected ${f.size}`);
    bytes += f.size;
  }
  return { files, byPack, bytes };
}
