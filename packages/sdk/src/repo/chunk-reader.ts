/**
 * The read side: fetch sealed chunks from packs with few ranged reads, then open,
 * inflate and check each against its keyed ID (spec §8.3). Every byte a restore writes
 * has passed AES-GCM authentication and the chunk-ID check.
 */
import { IntegrityError, ObjectKind, chunkId, equalBytes, fromHex, openObject } from "@chatvault/format";
import { ObjectNotFoundError } from "@chatvault/storage";
import type { Compressor } from "../backup/compressor.ts";
import { type ChunkLocation, chunkCodec } from "./chunk-index.ts";
import { packName } from "./layout.ts";
import type { Repository } from "./repository.ts";

export interface ChunkRequest<T> {
  id: string;
  loc: ChunkLocation;
  /** Caller's data, handed back with the plaintext (e.g. where to write it). */
  targets: T[];
}

/** Reads closer than this are merged into one ranged GET. */
const MERGE_GAP = 256 * 1024;
const MAX_RANGE = 8 * 1024 * 1024;

export async function openChunk(repo: Repository, compressor: Compressor, id: string, loc: ChunkLocation, sealed: Uint8Array): Promise<Uint8Array> {
  const idBytes = fromHex(id);
  const payload = await openObject(repo.keys.backend, repo.keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id: idBytes }, sealed);
  const codec = chunkCodec(loc.flags);
  const plain = codec ? compressor.decompress(payload, loc.rawLength, codec) : payload;
  if (plain.length !== loc.rawLength) throw new IntegrityError("bad_structure", "chunk length differs from the index", id);
  if (!equalBytes(await chunkId(repo.keys, plain), idBytes)) throw new IntegrityError("id_mismatch", "chunk content does not match its ID", id);
  return plain;
}

/**
 * Read every requested chunk of one pack, merging nearby ranges, and hand each
 * plaintext to `sink` in pack order.
 */
export async function readPackChunks<T>(
  repo: Repository,
  compressor: Compressor,
  pack: string,
  requests: ChunkRequest<T>[],
  sink: (req: ChunkRequest<T>, plain: Uint8Array) => Promise<void>,
): Promise<void> {
  const sorted = [...requests].sort((a, b) => a.loc.offset - b.loc.offset);
  const name = packName(fromHex(pack));
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!.loc.offset;
    let end = start + sorted[i]!.loc.length;
    let j = i + 1;
    while (j < sorted.length) {
      const r = sorted[j]!.loc;
      if (r.offset > end + MERGE_GAP || r.offset + r.length - start > MAX_RANGE) break;
      end = Math.max(end, r.offset + r.length);
      j++;
    }
    let range: Uint8Array;
    try {
      range = await repo.storage.get(name, { offset: start, length: end - start });
    } catch (e) {
      if (e instanceof ObjectNotFoundError) throw new IntegrityError("missing_object", "pack is missing from storage", name);
      throw e;
    }
    for (; i < j; i++) {
      const req = sorted[i]!;
      const off = req.loc.offset - start;
      if (off + req.loc.length > range.length) throw new IntegrityError("truncated", "pack is shorter than its index says", name);
      let plain: Uint8Array;
      try {
        plain = await openChunk(repo, compressor, req.id, req.loc, range.subarray(off, off + req.loc.length));
      } catch (e) {
        // Say which pack held the bad bytes: that is the object to look at in storage.
        if (e instanceof IntegrityError)
          throw new IntegrityError(e.reason, `${e.message.replace(/ \(object [0-9a-f]+\)$/, "")}: chunk ${req.id.slice(0, 16)}… in pack`, name);
        throw e;
      }
      await sink(req, plain);
    }
  }
}
