/**
 * Where each chunk lives (spec §8.4). In memory: a map from chunk ID to its pack and
 * byte range. On storage: index objects, each listing the chunks of the packs that one
 * backup (or prune) wrote, STREAM-sealed under the metadata key.
 *
 *   index plaintext = "CVIX" ‖ 0x01 ‖ u32 packCount ‖ packId[32]×packCount
 *                     ‖ u32 entryCount ‖ entry×entryCount
 *   entry           = chunkId[32] ‖ u32 packIndex ‖ u32 offset ‖ u32 length ‖ u32 rawLength ‖ u8 flags
 */
import { IntegrityError, toHex, fromHex } from "@chatvault/format";
import { BinaryReader, BinaryWriter } from "./binary.ts";

/** Chunk payload flags (spec §8.3). */
export const CHUNK_COMPRESSED = 1;

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
  w.bytes(Uint8Array.from(MAGIC)).u8(1).u32(packs.length);
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
  if (version !== 1) throw new IntegrityError("unsupported_version", `index version ${version} is not supported`, name);
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
    if (e.flags & ~CHUNK_COMPRESSED) throw new IntegrityError("bad_structure", `index entry ${i} has unknown flags`, name);
    out.push(e);
  }
  r.end();
  return out;
}
