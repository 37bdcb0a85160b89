/**
 * The read side: fetch sealed chunks from packs with few ranged reads, then open,
 * inflate and check each against its keyed ID (spec §8.3). Every byte a restore writes
 * has passed AES-GCM authentication and the chunk-ID check.
 */
import { IntegrityError, ObjectKind, chunkId, equalBytes, fromHex, openObject } from "@chatvault/format";
import { ObjectNotFoundError, type Storage, readInto } from "@chatvault/storage";
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
/** The piece size of index objects and listing ranges on a storage without `getInto` (a cloud: a request each): few requests, memory still bounded. */
export const REMOTE_READ_PIECE = MAX_RANGE;

/** One ranged read of a pack and the chunks it covers, in pack order. */
export interface PackRange<T> {
  start: number;
  end: number;
  requests: ChunkRequest<T>[];
}

/** What opening a chunk needs: the repository's keys (a worker thread has them without a Repository). */
export type ChunkKeys = Pick<Repository, "keys">;

export async function openChunk(repo: ChunkKeys, compressor: Compressor, id: string, loc: ChunkLocation, sealed: Uint8Array): Promise<Uint8Array> {
  const idBytes = fromHex(id);
  const payload = await openObject(repo.keys.backend, repo.keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id: idBytes }, sealed);
  const codec = chunkCodec(loc.flags);
  const plain = codec ? compressor.decompress(payload, loc.rawLength, codec) : payload;
  if (plain.length !== loc.rawLength) throw new IntegrityError("bad_structure", "chunk length differs from the index", id);
  if (!equalBytes(await chunkId(repo.keys, plain), idBytes)) throw new IntegrityError("id_mismatch", "chunk content does not match its ID", id);
  return plain;
}

/**
 * The ranged reads that fetch `requests` of one pack: sorted by offset, chunks closer
 * than `MERGE_GAP` merged into one read of at most `maxRange` bytes (a single chunk may
 * be longer), and (for a caller that holds a range's plaintext at once) at most `maxRaw`
 * plaintext bytes per read.
 */
export function packRanges<T>(requests: ChunkRequest<T>[], maxRaw = Infinity, maxRange = MAX_RANGE): PackRange<T>[] {
  const sorted = [...requests].sort((a, b) => a.loc.offset - b.loc.offset);
  const out: PackRange<T>[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!.loc.offset;
    let end = start + sorted[i]!.loc.length;
    let raw = sorted[i]!.loc.rawLength;
    let j = i + 1;
    while (j < sorted.length) {
      const r = sorted[j]!.loc;
      if (r.offset > end + MERGE_GAP || r.offset + r.length - start > maxRange || raw + r.rawLength > maxRaw) break;
      end = Math.max(end, r.offset + r.length);
      raw += r.rawLength;
      j++;
    }
    out.push({ start, end, requests: sorted.slice(i, j) });
    i = j;
  }
  return out;
}

/** Read one range of a pack; a missing pack is an integrity problem of the repository (spec §8.3). */
export async function readPackRange(storage: Storage, name: string, range: PackRange<unknown>): Promise<Uint8Array> {
  try {
    return await storage.get(name, { offset: range.start, length: range.end - range.start });
  } catch (e) {
    if (e instanceof ObjectNotFoundError) throw new IntegrityError("missing_object", "pack is missing from storage", name);
    throw e;
  }
}

/**
 * Read one range of a pack into `into` (its first bytes) where the storage reads in place,
 * else into a fresh buffer (`readInto`): the result is the range either way, and the caller
 * tells which by its buffer. `into` must hold the range.
 */
export async function readPackRangeInto(storage: Storage, name: string, range: PackRange<unknown>, into: Uint8Array): Promise<Uint8Array> {
  try {
    return await readInto(storage, name, { offset: range.start, length: range.end - range.start }, into);
  } catch (e) {
    if (e instanceof ObjectNotFoundError) throw new IntegrityError("missing_object", "pack is missing from storage", name);
    throw e;
  }
}

/**
 * Open, inflate and ID-check every chunk of one range read from pack `name` (file name,
 * for messages), handing each plaintext to `sink` in pack order. An integrity failure
 * names the chunk and the pack that held the bad bytes. The same code runs on this
 * thread and on a restore worker (workers/restore-worker.ts), so both fail alike.
 */
export async function openPackRange<T>(
  repo: ChunkKeys,
  compressor: Compressor,
  name: string,
  range: PackRange<T>,
  bytes: Uint8Array,
  sink: (req: ChunkRequest<T>, plain: Uint8Array) => Promise<void> | void,
): Promise<void> {
  for (const req of range.requests) {
    const off = req.loc.offset - range.start;
    if (off + req.loc.length > bytes.length) throw new IntegrityError("truncated", "pack is shorter than its index says", name);
    let plain: Uint8Array;
    try {
      plain = await openChunk(repo, compressor, req.id, req.loc, bytes.subarray(off, off + req.loc.length));
    } catch (e) {
      // Say which pack held the bad bytes: that is the object to look at in storage.
      if (e instanceof IntegrityError)
        throw new IntegrityError(e.reason, `${e.message.replace(/ \(object [0-9a-f]+\)$/, "")}: chunk ${req.id.slice(0, 16)}… in pack`, name);
      throw e;
    }
    await sink(req, plain);
  }
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
  const name = packName(fromHex(pack));
  for (const range of packRanges(requests)) {
    await openPackRange(repo, compressor, name, range, await readPackRange(repo.storage, name, range), sink);
  }
}
