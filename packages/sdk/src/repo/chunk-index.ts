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

const ID = 32;

/**
 * The chunk index in memory: chunk IDs as bytes in one buffer, locations in typed arrays,
 * and an open-addressing hash table keyed by the ID's first 4 bytes (IDs are HMAC
 * outputs, uniform; index objects are authenticated, so nobody else chooses them).
 * Loading an index of 70,000 chunks used to build 70,000 hex strings, location objects
 * and Map entries (most of a no-change backup's own CPU, docs/performance.md); now it
 * copies bytes. The hex API (`has`, `get`, `entries`) stays for callers that key by hex.
 */
export class ChunkIndex {
  #ids = new Uint8Array(1024 * ID);
  #pack = new Int32Array(1024);
  #offset = new Uint32Array(1024);
  #length = new Uint32Array(1024);
  #rawLength = new Uint32Array(1024);
  #flags = new Uint8Array(1024);
  #count = 0;
  /** Entry number + 1 per slot; 0 = empty. Capacity is a power of two, at most half full. */
  #slots = new Int32Array(2048);
  readonly #packNames: string[] = [];
  readonly #packNumbers = new Map<string, number>();
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
    return this.#count;
  }
  has(id: string): boolean {
    const b = idBytes(id);
    return b !== undefined && this.#find(b, 0) >= 0;
  }
  /** `has` for an ID as bytes (no hex string made). */
  hasId(id: Uint8Array): boolean {
    return id.length === ID && this.#find(id, 0) >= 0;
  }
  /** `hasId` for the 32 bytes at `at` of `ids` (packed IDs: no view made). */
  hasIdAt(ids: Uint8Array, at: number): boolean {
    if (!Number.isInteger(at) || at < 0 || at + ID > ids.length) throw new RangeError("at must leave 32 bytes of ids");
    return this.#find(ids, at) >= 0;
  }
  get(id: string): ChunkLocation | undefined {
    const b = idBytes(id);
    return b === undefined ? undefined : this.getId(b);
  }
  /** `get` for an ID as bytes. */
  getId(id: Uint8Array): ChunkLocation | undefined {
    const e = id.length === ID ? this.#find(id, 0) : -1;
    return e < 0 ? undefined : this.#location(e);
  }
  /** `getId` for the 32 bytes at `at` of `ids` (packed IDs: no view made). */
  getIdAt(ids: Uint8Array, at: number): ChunkLocation | undefined {
    if (!Number.isInteger(at) || at < 0 || at + ID > ids.length) throw new RangeError("at must leave 32 bytes of ids");
    const e = this.#find(ids, at);
    return e < 0 ? undefined : this.#location(e);
  }
  hasPack(pack: string): boolean {
    return this.#packNumbers.has(pack);
  }
  packs(): IterableIterator<string> {
    return this.#packNumbers.keys();
  }
  add(e: IndexEntry): void {
    this.#addEntry(fromHex(e.id), 0, this.#packNumber(e.pack), e.offset, e.length, e.rawLength, e.flags);
  }

  /**
   * Add every entry of one decoded index object (spec §8.4) without making an object per
   * entry; the same checks and errors as `decodeIndex`, and nothing is added unless the
   * whole object is valid.
   */
  addIndexObject(bytes: Uint8Array, name: string): void {
    const { packs, entries } = parseIndex(bytes, name);
    // Room for every entry at once: one allocation and one rehash instead of one per
    // doubling (the load runs once per backup, mostly before V8 has optimized it).
    this.#reserve(this.#count + entries.length / ENTRY_BYTES);
    // A pack is known once an entry names it (as `add` does), not for being in the table.
    const numbers = packs.map(() => -1);
    const view = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
    for (let o = 0; o < entries.length; o += ENTRY_BYTES) {
      const pi = view.getUint32(o + ID);
      if (numbers[pi]! < 0) numbers[pi] = this.#packNumber(packs[pi]!);
      const pack = numbers[pi]!;
      this.#addEntry(entries, o, pack, view.getUint32(o + ID + 4), view.getUint32(o + ID + 8), view.getUint32(o + ID + 12), entries[o + ID + 16]!);
    }
  }

  /** Forget every chunk whose pack `lost` names; returns how many were forgotten. */
  dropChunksIn(lost: (pack: string) => boolean): number {
    const gone = this.#packNames.map((p) => lost(p));
    if (!gone.includes(true)) return 0;
    let kept = 0;
    for (let e = 0; e < this.#count; e++) {
      if (gone[this.#pack[e]!]) continue;
      if (kept !== e) this.#move(e, kept);
      kept++;
    }
    const dropped = this.#count - kept;
    this.#count = kept;
    this.#rehash(this.#slots.length);
    return dropped;
  }
  entries(): IterableIterator<[string, ChunkLocation]> {
    return this.#entries();
  }
  /** Every chunk ID, as views into the index (do not modify). */
  chunkIds(): Uint8Array[] {
    const out: Uint8Array[] = new Array(this.#count);
    for (let e = 0; e < this.#count; e++) out[e] = this.#ids.subarray(e * ID, (e + 1) * ID);
    return out;
  }

  *#entries(): Generator<[string, ChunkLocation]> {
    for (let e = 0; e < this.#count; e++) yield [toHex(this.#ids.subarray(e * ID, (e + 1) * ID)), this.#location(e)];
  }

  #location(e: number): ChunkLocation {
    return {
      pack: this.#packNames[this.#pack[e]!]!,
      offset: this.#offset[e]!,
      length: this.#length[e]!,
      rawLength: this.#rawLength[e]!,
      flags: this.#flags[e]!,
    };
  }

  #packNumber(pack: string): number {
    let n = this.#packNumbers.get(pack);
    if (n === undefined) {
      n = this.#packNames.push(pack) - 1;
      this.#packNumbers.set(pack, n);
    }
    return n;
  }

  #home(id: Uint8Array, at: number): number {
    return ((id[at]! << 24) | (id[at + 1]! << 16) | (id[at + 2]! << 8) | id[at + 3]!) & (this.#slots.length - 1);
  }

  /** Entry number of the ID at `at` of `id` (32 bytes there), or -1. */
  #find(id: Uint8Array, at: number): number {
    const mask = this.#slots.length - 1;
    for (let slot = this.#home(id, at); ; slot = (slot + 1) & mask) {
      const s = this.#slots[slot]!;
      if (s === 0) return -1;
      if (this.#sameId(s - 1, id, at)) return s - 1;
    }
  }

  #sameId(e: number, id: Uint8Array, at: number): boolean {
    const ids = this.#ids;
    const o = e * ID;
    for (let i = 0; i < ID; i++) if (ids[o + i] !== id[at + i]) return false;
    return true;
  }

  #addEntry(src: Uint8Array, at: number, pack: number, offset: number, length: number, rawLength: number, flags: number): void {
    const mask = this.#slots.length - 1;
    let slot = this.#home(src, at);
    for (; ; slot = (slot + 1) & mask) {
      const s = this.#slots[slot]!;
      if (s === 0) break;
      const e = s - 1;
      if (!this.#sameId(e, src, at)) continue;
      // Listed twice: keep the first unless only the new one is in a pack storage holds.
      const isPresent = this.#isPresent;
      if (!(isPresent && !isPresent(this.#packNames[this.#pack[e]!]!) && isPresent(this.#packNames[pack]!))) return;
      this.#set(e, pack, offset, length, rawLength, flags);
      return;
    }
    if (this.#count === this.#pack.length) this.#grow();
    const e = this.#count++;
    const ids = this.#ids;
    for (let i = 0, o = e * ID; i < ID; i++) ids[o + i] = src[at + i]!;
    this.#set(e, pack, offset, length, rawLength, flags);
    if (this.#count * 2 > this.#slots.length) this.#rehash(this.#slots.length * 2);
    else this.#slots[slot] = e + 1;
  }

  #set(e: number, pack: number, offset: number, length: number, rawLength: number, flags: number): void {
    this.#pack[e] = pack;
    this.#offset[e] = offset;
    this.#length[e] = length;
    this.#rawLength[e] = rawLength;
    this.#flags[e] = flags;
  }

  #move(from: number, to: number): void {
    this.#ids.copyWithin(to * ID, from * ID, (from + 1) * ID);
    this.#set(to, this.#pack[from]!, this.#offset[from]!, this.#length[from]!, this.#rawLength[from]!, this.#flags[from]!);
  }

  /** Capacity for `entries` entries without growing or rehashing. */
  #reserve(entries: number): void {
    let n = this.#pack.length;
    while (n < entries) n *= 2;
    if (n > this.#pack.length) this.#grow(n);
    let slots = this.#slots.length;
    while (entries * 2 > slots) slots *= 2;
    if (slots > this.#slots.length) this.#rehash(slots);
  }

  #grow(n = this.#pack.length * 2): void {
    const ids = new Uint8Array(n * ID);
    ids.set(this.#ids);
    this.#ids = ids;
    const widen = <T extends Int32Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#pack = widen(this.#pack, (k) => new Int32Array(k));
    this.#offset = widen(this.#offset, (k) => new Uint32Array(k));
    this.#length = widen(this.#length, (k) => new Uint32Array(k));
    this.#rawLength = widen(this.#rawLength, (k) => new Uint32Array(k));
    this.#flags = widen(this.#flags, (k) => new Uint8Array(k));
  }

  #rehash(capacity: number): void {
    this.#slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let e = 0; e < this.#count; e++) {
      let slot = this.#home(this.#ids, e * ID);
      while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
      this.#slots[slot] = e + 1;
    }
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

/** A chunk ID's bytes from its hex; undefined for anything that is not 64 hex digits (never indexed). */
function idBytes(hex: string): Uint8Array | undefined {
  if (hex.length !== 2 * ID) return undefined;
  try {
    return fromHex(hex);
  } catch {
    return undefined;
  }
}

/** The pack IDs and the raw entry records of an index object, checked (spec §8.4). */
function parseIndex(bytes: Uint8Array, name: string): { packs: string[]; entries: Uint8Array } {
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
  const entries = r.bytes(n * ENTRY_BYTES);
  r.end();
  const view = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
  for (let i = 0; i < n; i++) {
    const pi = view.getUint32(i * ENTRY_BYTES + 32);
    if (pi >= packCount) throw new IntegrityError("bad_structure", `index entry ${i} names pack ${pi} of ${packCount}`, name);
    const flags = entries[i * ENTRY_BYTES + 48]!;
    if (!validFlags(flags, version)) throw new IntegrityError("bad_structure", `index entry ${i} has unknown flags (codec) ${flags}`, name);
  }
  return { packs, entries };
}

export function decodeIndex(bytes: Uint8Array, name: string): IndexEntry[] {
  const { packs, entries } = parseIndex(bytes, name);
  const view = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
  const out: IndexEntry[] = [];
  for (let o = 0; o < entries.length; o += ENTRY_BYTES) {
    out.push({
      id: toHex(entries.subarray(o, o + 32)),
      pack: packs[view.getUint32(o + 32)]!,
      offset: view.getUint32(o + 36),
      length: view.getUint32(o + 40),
      rawLength: view.getUint32(o + 44),
      flags: entries[o + 48]!,
    });
  }
  return out;
}
