/**
 * Where each chunk lives (spec §8.4). In memory: a map from chunk ID to its pack and
 * byte range. On storage: index objects, each listing the chunks of the packs that one
 * backup (or prune) wrote, STREAM-sealed under the metadata key.
 *
 *   index plaintext = "CVIX" ‖ version ‖ u32 packCount ‖ packId[32]×packCount
 *                     ‖ u32 entryCount ‖ entry×entryCount
 *   entry           = chunkId[32] ‖ u32 packIndex ‖ u32 offset ‖ u32 length ‖ u32 rawLength ‖ u8 flags
 */
import { IntegrityError, toHex, fromHex } from "@chatvault/format";
import type { ChunkCodec } from "../backup/compressor.ts";
import { BinaryReader, BinaryWriter } from "./binary.ts";

/** Chunk payload flags (spec §8.3): bit 0 = DEFLATE, bit 1 = LZ4 (since spec v5); at most one. */
export const CHUNK_DEFLATE = 1;
export const CHUNK_LZ4 = 2;
/** Any codec: the payload is compressed. */
export const CHUNK_COMPRESSED = CHUNK_DEFLATE | CHUNK_LZ4;

/** Index version written since spec v5 (§8.4); version 1 entries may only name DEFLATE. */
const INDEX_VERSION = 2;

/** The codec a chunk's flags name, or null for a stored (uncompressed) payload. */
export function chunkCodec(flags: number): ChunkCodec | null {
  if (flags === 0) return null;
  if (flags === CHUNK_DEFLATE) return "deflate";
  if (flags === CHUNK_LZ4) return "lz4";
  throw new IntegrityError("bad_structure", `unknown chunk flags (codec) ${flags}`);
}

/** The flags of a payload written with `codec` (null: stored as it is). */
export function codecFlags(codec: ChunkCodec | null): number {
  return codec === null ? 0 : codec === "deflate" ? CHUNK_DEFLATE : CHUNK_LZ4;
}

/**
 * Is `flags` a valid entry of an index of `version` (or a pack header, which has the
 * version-2 rules)? Spec §8.3: no bit but 0 and 1, never both; version 1 knows bit 0 only.
 */
export function validFlags(flags: number, version = INDEX_VERSION): boolean {
  return flags === 0 || flags === CHUNK_DEFLATE || (flags === CHUNK_LZ4 && version >= 2);
}

export interface ChunkLocation {
  /** Pack ID, hex. */
  pack: string;
  /** Offset of the sealed chunk in the pack. */
  offset: number;
  /** Length of the sealed chunk. */
  length: number;
  /** Length of the chunk's plaintext (after decompression). */
  rawLength: number;
  flags: number;
}

export interface IndexEntry extends ChunkLocation {
  id: string;
}

const MAGIC = [0x43, 0x56, 0x49, 0x58]; // "CVIX"
const ENTRY_BYTES = 32 + 4 * 4 + 1;

export class ChunkIndex {
  readonly #map = new Map<string, ChunkLocation>();
  readonly #packs = new Set<string>();
  readonly #isPresent: ((pack: string) => boolean) | undefined;

  /**
   * `isPresent` says which packs storage still holds: a chunk listed in several packs
   * (re-uploaded after its first pack was lost, spec §8.7) is then located in one that
   * exists. Without it the first entry seen wins.
   */
  constructor(isPresent?: (pack: string) => boolean) {
    this.#isPresent = isPresent;
  }

  get size(): number {
    return this.#map.size;
  }
  has(id: string): boolean {
    return this.#map.has(id);
  }
  get(id: string): ChunkLocation | undefined {
    return this.#map.get(id);
  }
  hasPack(pack: string): boolean {
    return this.#packs.has(pack);
  }
  packs(): IterableIterator<string> {
    return this.#packs.values();
  }
  add(e: IndexEntry): void {
    this.#packs.add(e.pack);
    const had = this.#map.get(e.id);
    if (had && !(this.#isPresent && !this.#isPresent(had.pack) && this.#isPresent(e.pack))) return;
    this.#map.set(e.id, { pack: e.pack, offset: e.offset, length: e.length, rawLength: e.rawLength, flags: e.flags });
  }
  /** Forget every chunk whose pack `lost` names; returns how many were forgotten. */
  dropChunksIn(lost: (pack: string) => boolean): number {
    let n = 0;
    for (const [id, loc] of this.#map) {
      if (lost(loc.pack)) {
        this.#map.delete(id);
        n++;
      }
    }
    return n;
  }
  entries(): IterableIterator<[string, ChunkLocation]> {
    return this.#map.entries();
  }
}

export function encodeIndex(entries: IndexEntry[]): Uint8Array {
  const packs = [...new Set(entries.map((e) => e.pack))];
  const packPos = new Map(packs.map((p, i) => [p, i]));
  const w = new BinaryWriter(16 + packs.length * 32 + entries.length * ENTRY_BYTES);
  w.bytes(Uint8Array.from(MAGIC)).u8(INDEX_VERSION).u32(packs.length);
  for (const p of packs) w.bytes(fromHex(p));
  w.u32(entries.length);
  for (const e of entries) {
    w.bytes(fromHex(e.id)).u32(packPos.get(e.pack)!).u32(e.offset).u32(e.length).u32(e.rawLength).u8(e.flags);
  }
  return w.finish();
}

export function decodeIndex(bytes: Uint8Array, name: string): IndexEntry[] {
  const r = new BinaryReader(bytes, `index ${name}`);
  const magic = r.bytes(4);
  if (magic[0] !== MAGIC[0] || magic[1] !== MAGIC[1] || magic[2] !== MAGIC[2] || magic[3] !== MAGIC[3]) {
    throw new IntegrityError("bad_magic", "not a chatvault index", name);
  }
  const version = r.u8();
  if (version !== 1 && version !== 2) throw new IntegrityError("unsupported_version", `index version ${version} is not supported`, name);
  const packCount = r.count(32);
  const packs: string[] = [];
  for (let i = 0; i < packCount; i++) packs.push(toHex(r.bytes(32)));
  const n = r.count(ENTRY_BYTES);
  const out: IndexEntry[] = [];
  for (let i = 0; i < n; i++) {
    const id = toHex(r.bytes(32));
    const pi = r.u32();
    const pack = packs[pi];
    if (pack === undefined) throw new IntegrityError("bad_structure", `index entry ${i} names pack ${pi} of ${packCount}`, name);
    const e = { id, pack, offset: r.u32(), length: r.u32(), rawLength: r.u32(), flags: r.u8() };
    if (!validFlags(e.flags, version)) throw new IntegrityError("bad_structure", `index entry ${i} has unknown flags (codec) ${e.flags}`, name);
    out.push(e);
  }
  r.end();
  return out;
}
