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
 * The chunk index in memory: one buffer of entry records laid out as in index objects
 * (ID, pack number, offset, length, raw length, flags: {@link ENTRY_BYTES} each, the pack
 * number replaced by this index's own in `#pack`), and an open-addressing hash table
 * keyed by the ID's first 4 bytes (IDs are HMAC outputs, uniform; index objects are
 * authenticated, so nobody else chooses them). An index object's records are copied in
 * with one `set` and then only hashed: loading runs once per backup, mostly before V8
 * has optimized it, and a per-entry copy of the ID and its four fields was a fifth of it
 * (docs/performance.md). Loading an index of 70,000 chunks used to build 70,000 hex
 * strings, location objects and Map entries; the hex API (`has`, `get`, `entries`) stays
 * for callers that key by hex.
 */
export class ChunkIndex {
  #records = new Uint8Array(1024 * ENTRY_BYTES);
  #view = new DataView(this.#records.buffer);
  /** This index's pack number per entry; its length is the records' capacity. */
  #pack = new Int32Array(1024);
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
    const id = fromHex(e.id);
    if (id.length !== ID) throw new RangeError("a chunk ID is 32 bytes");
    const pack = this.#packNumber(e.pack);
    if (this.#count === this.#pack.length) this.#grow();
    const at = this.#count * ENTRY_BYTES;
    this.#records.set(id, at);
    const view = this.#view;
    view.setUint32(at + ID + 4, e.offset);
    view.setUint32(at + ID + 8, e.length);
    view.setUint32(at + ID + 12, e.rawLength);
    view.setUint8(at + ID + 16, e.flags);
    this.#insertNext(pack);
  }

  /**
   * Add every entry of one decoded index object (spec §8.4) without making an object per
   * entry; the same checks and errors as `decodeIndex`, and nothing is added unless the
   * whole object is valid.
   */
  addIndexObject(bytes: Uint8Array, name: string): void {
    const w = this.indexObjectWriter(name, bytes.length);
    w.push(bytes);
    w.finish();
  }

  /**
   * Add one index object (spec §8.4) whose plaintext arrives in pieces, as a stream opener
   * releases it (Repository.loadIndex): its entry records are copied straight into this
   * index's records as they come, so neither the object's whole plaintext nor a copy of it
   * is ever held (49 bytes per chunk each; docs/performance.md). `finish`
   * checks the object as `addIndexObject` does and only then adds its entries: nothing is
   * added unless the whole object is valid (a stream is authenticated only at its end).
   * `maxBytes` bounds the plaintext (at most the sealed object's size): counts that claim more are
   * refused before anything is reserved, so a count read from the object can never ask for more memory than that. No other change to this index may come between
   * the writer's first `push` and its `finish`.
   */
  indexObjectWriter(name: string, maxBytes: number): { push(piece: Uint8Array): void; finish(): void } {
    const what = `index ${name}`;
    const head: Uint8Array[] = [];
    let headLength = 0;
    let header: { version: number; packs: string[]; count: number } | undefined;
    let seen = 0; // plaintext bytes pushed
    let written = 0; // entry bytes copied after the last entry
    let extra = 0; // bytes after the last entry record
    const first = this.#count;
    /** The header's length, once its first 9 bytes are in `h` (magic ‖ version ‖ u32 packCount ‖ packId[32]×packCount ‖ u32 entryCount). */
    const headerLength = (h: Uint8Array): number | undefined => (h.length < 9 ? undefined : 9 + new DataView(h.buffer, h.byteOffset).getUint32(5) * 32 + 4);
    const joined = (): Uint8Array => {
      if (head.length > 1) {
        const all = new Uint8Array(headLength);
        let o = 0;
        for (const p of head) {
          all.set(p, o);
          o += p.length;
        }
        head.splice(0, head.length, all);
      }
      return head[0] ?? new Uint8Array(0);
    };
    /** Magic and version, from the first 5 bytes. */
    const checkStart = (h: Uint8Array): number => {
      const r = new BinaryReader(h, what);
      const magic = r.bytes(4);
      if (magic[0] !== MAGIC[0] || magic[1] !== MAGIC[1] || magic[2] !== MAGIC[2] || magic[3] !== MAGIC[3]) {
        throw new IntegrityError("bad_magic", "not a chatvault index", name);
      }
      const version = r.u8();
      if (version !== 1 && version !== 2) throw new IntegrityError("unsupported_version", `index version ${version} is not supported`, name);
      return version;
    };
    const readHeader = (h: Uint8Array): { version: number; packs: string[]; count: number } => {
      const version = checkStart(h);
      const r = new BinaryReader(h, what);
      r.bytes(5);
      const packCount = r.u32();
      const packs: string[] = [];
      for (let i = 0; i < packCount; i++) packs.push(toHex(r.bytes(32)));
      const count = r.u32();
      if (h.length + count * ENTRY_BYTES > maxBytes) throw new IntegrityError("bad_structure", `${what} claims ${count} records but is too short`);
      return { version, packs, count };
    };
    const take = (piece: Uint8Array): void => {
      const want = header!.count * ENTRY_BYTES - written;
      const n = Math.min(want, piece.length);
      if (n > 0) {
        this.#records.set(piece.subarray(0, n), first * ENTRY_BYTES + written);
        written += n;
      }
      extra += piece.length - n;
    };
    return {
      push: (piece: Uint8Array): void => {
        seen += piece.length;
        if (seen > maxBytes) throw new IntegrityError("bad_structure", `${what} is longer than its object`);
        if (header) return take(piece);
        // The header may span pieces: only then are its bytes copied (a piece is not kept).
        let h = piece;
        if (headLength > 0) {
          head.push(piece);
          headLength += piece.length;
          h = joined();
        }
        const need = headerLength(h);
        // A wrong magic or version, or more pack IDs than the object holds, fails now, not after the whole object is queued.
        if (need !== undefined) {
          checkStart(h);
          if (need > maxBytes) throw new IntegrityError("bad_structure", `${what} claims ${(need - 13) / 32} records but is too short`);
        }
        if (need === undefined || h.length < need) {
          if (headLength === 0) {
            head.push(piece.slice());
            headLength = piece.length;
          }
          return;
        }
        header = readHeader(h.subarray(0, need));
        // Room for every entry at once: one allocation and one rehash instead of one per
        // doubling. The records go in after the last entry, where nothing reads them until
        // each is inserted.
        this.#reserve(this.#count + header.count);
        head.length = 0;
        headLength = 0;
        take(h.subarray(need));
      },
      finish: (): void => {
        if (!header) {
          // Too short for its header: the whole object is what was pushed, and the reader says where it is cut.
          readHeader(joined());
          throw new IntegrityError("bad_structure", `${what} is cut short`);
        }
        const { version, packs, count: n } = header;
        if (written < n * ENTRY_BYTES) throw new IntegrityError("bad_structure", `${what} claims ${n} records but is too short`);
        if (extra !== 0) throw new IntegrityError("trailing_data", `${what} has ${extra} unexpected trailing bytes`);
        const records = this.#records;
        const view = this.#view;
        const base = first * ENTRY_BYTES;
        for (let i = 0; i < n; i++) {
          const pi = view.getUint32(base + i * ENTRY_BYTES + ID);
          if (pi >= packs.length) throw new IntegrityError("bad_structure", `index entry ${i} names pack ${pi} of ${packs.length}`, name);
          const flags = records[base + i * ENTRY_BYTES + 48]!;
          if (!validFlags(flags, version)) throw new IntegrityError("bad_structure", `index entry ${i} has unknown flags (codec) ${flags}`, name);
        }
        if (this.#count !== first) throw new Error("the chunk index changed while an index object was being added");
        // One dropped as a duplicate lets the later ones move down.
        // A pack is known once an entry names it (as `add` does), not for being in the table.
        const numbers = packs.map(() => -1);
        for (let r = first; r < first + n; r++) {
          const w = this.#count;
          if (r !== w) records.copyWithin(w * ENTRY_BYTES, r * ENTRY_BYTES, (r + 1) * ENTRY_BYTES);
          const pi = view.getUint32(w * ENTRY_BYTES + ID);
          let pack = numbers[pi]!;
          if (pack < 0) pack = numbers[pi] = this.#packNumber(packs[pi]!);
          this.#insertNext(pack);
        }
      },
    };
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
    for (let e = 0; e < this.#count; e++) out[e] = this.#records.subarray(e * ENTRY_BYTES, e * ENTRY_BYTES + ID);
    return out;
  }

  *#entries(): Generator<[string, ChunkLocation]> {
    for (let e = 0; e < this.#count; e++) yield [toHex(this.#records.subarray(e * ENTRY_BYTES, e * ENTRY_BYTES + ID)), this.#location(e)];
  }

  #location(e: number): ChunkLocation {
    const at = e * ENTRY_BYTES + ID;
    const view = this.#view;
    return {
      pack: this.#packNames[this.#pack[e]!]!,
      offset: view.getUint32(at + 4),
      length: view.getUint32(at + 8),
      rawLength: view.getUint32(at + 12),
      flags: this.#records[at + 16]!,
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
    const records = this.#records;
    const o = e * ENTRY_BYTES;
    for (let i = 0; i < ID; i++) if (records[o + i] !== id[at + i]) return false;
    return true;
  }

  /**
   * Make the record just after the last entry (its bytes in place, capacity reserved)
   * an entry of `pack` — or, when its ID is already an entry, drop it: the first entry
   * is kept unless only the new one is in a pack storage holds, then it takes the new
   * location.
   */
  #insertNext(pack: number): void {
    const records = this.#records;
    const at = this.#count * ENTRY_BYTES;
    const mask = this.#slots.length - 1;
    let slot = this.#home(records, at);
    for (; ; slot = (slot + 1) & mask) {
      const s = this.#slots[slot]!;
      if (s === 0) break;
      const e = s - 1;
      if (!this.#sameId(e, records, at)) continue;
      const isPresent = this.#isPresent;
      if (isPresent && !isPresent(this.#packNames[this.#pack[e]!]!) && isPresent(this.#packNames[pack]!)) {
        records.copyWithin(e * ENTRY_BYTES + ID, at + ID, at + ENTRY_BYTES);
        this.#pack[e] = pack;
      }
      return;
    }
    const e = this.#count++;
    this.#pack[e] = pack;
    if (this.#count * 2 > this.#slots.length) this.#rehash(this.#slots.length * 2);
    else this.#slots[slot] = e + 1;
  }

  #move(from: number, to: number): void {
    this.#records.copyWithin(to * ENTRY_BYTES, from * ENTRY_BYTES, (from + 1) * ENTRY_BYTES);
    this.#pack[to] = this.#pack[from]!;
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
    const records = new Uint8Array(n * ENTRY_BYTES);
    records.set(this.#records.subarray(0, this.#count * ENTRY_BYTES));
    this.#records = records;
    this.#view = new DataView(records.buffer);
    const pack = new Int32Array(n);
    pack.set(this.#pack.subarray(0, this.#count));
    this.#pack = pack;
  }

  #rehash(capacity: number): void {
    this.#slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let e = 0; e < this.#count; e++) {
      let slot = this.#home(this.#records, e * ENTRY_BYTES);
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
