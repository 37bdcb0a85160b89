/**
 * A read-only set of 32-byte chunk IDs in one (Shared)ArrayBuffer, so worker threads can
 * skip sealing chunks the repository already holds without asking this thread. Open
 * addressing, keyed by the first 4 bytes of the ID (IDs are HMAC outputs: uniform).
 * The all-zero ID marks an empty slot and is never stored (an HMAC output of all zeros
 * has probability 2^-256); `has` of it answers false, which only costs a redundant seal.
 */
const ID = 32;

export class ChunkIdSet {
  readonly buffer: ArrayBufferLike;
  readonly #slots: Uint8Array;
  readonly #view: DataView;
  readonly #mask: number;

  constructor(buffer: ArrayBufferLike) {
    this.buffer = buffer;
    this.#slots = new Uint8Array(buffer);
    this.#view = new DataView(buffer as ArrayBuffer);
    this.#mask = this.#slots.length / ID - 1;
  }

  /** Build a set of `ids`, in shared memory when the platform has it. */
  static build(ids: Uint8Array[]): ChunkIdSet {
    let capacity = 16;
    while (capacity < ids.length * 2) capacity *= 2;
    const bytes = capacity * ID;
    const buffer = typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const set = new ChunkIdSet(buffer);
    for (const id of ids) set.#insert(id);
    return set;
  }

  #insert(id: Uint8Array): void {
    if (id.length !== ID || isZero(id)) return;
    for (let slot = this.#home(id); ; slot = (slot + 1) & this.#mask) {
      const o = slot * ID;
      if (isZero(this.#slots.subarray(o, o + ID))) {
        this.#slots.set(id, o);
        return;
      }
      if (sameId(this.#slots, o, id)) return;
    }
  }

  #home(id: Uint8Array): number {
    return ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) & this.#mask;
  }

  has(id: Uint8Array): boolean {
    if (id.length !== ID) return false;
    for (let slot = this.#home(id); ; slot = (slot + 1) & this.#mask) {
      const o = slot * ID;
      if (this.#view.getUint32(o) === 0 && isZero(this.#slots.subarray(o, o + ID))) return false;
      if (sameId(this.#slots, o, id)) return true;
    }
  }
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function sameId(slots: Uint8Array, o: number, id: Uint8Array): boolean {
  for (let i = 0; i < ID; i++) if (slots[o + i] !== id[i]) return false;
  return true;
}

/**
 * A growing set of 32-byte chunk IDs on one thread: the chunks a backup claimed (backup/
 * chunk-store.ts). The IDs lie end to end in one buffer, a table of their positions beside
 * them: ~36 bytes an ID, where a `Set` of hex strings took ~130 on the heap (a 64-character
 * string, the set's slot) for every chunk of a full backup, ~47,000 on the bench corpus
 * (docs/performance.md, "Full backup, round 8").
 */
export class GrowingIdSet {
  #ids = new Uint8Array(64 * ID);
  #count = 0;
  /** Position + 1 of an ID in `#ids`, 0 = empty; open addressing, at most half full. */
  #table = new Int32Array(128);
  #hasZero = false;

  get size(): number {
    return this.#count + (this.#hasZero ? 1 : 0);
  }

  has(id: Uint8Array): boolean {
    if (id.length !== ID) return false;
    if (isZero(id)) return this.#hasZero;
    return this.#find(id) >= 0;
  }

  /** Adds `id`; false if it was there already. */
  add(id: Uint8Array): boolean {
    if (id.length !== ID) throw new RangeError("a chunk ID is 32 bytes");
    if (isZero(id)) {
      const had = this.#hasZero;
      this.#hasZero = true;
      return !had;
    }
    const slot = this.#find(id);
    if (slot >= 0) return false;
    if (this.#count * ID === this.#ids.length) {
      const grown = new Uint8Array(this.#ids.length * 2);
      grown.set(this.#ids);
      this.#ids = grown;
    }
    this.#ids.set(id, this.#count * ID);
    this.#count += 1;
    if (this.#count * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    else this.#table[~slot] = this.#count;
    return true;
  }

  /** The slot holding `id` (≥ 0), or the bitwise complement of the empty slot where it would go. */
  #find(id: Uint8Array): number {
    const mask = this.#table.length - 1;
    for (let slot = home(id) & mask; ; slot = (slot + 1) & mask) {
      const at = this.#table[slot]!;
      if (at === 0) return ~slot;
      if (sameId(this.#ids, (at - 1) * ID, id)) return slot;
    }
  }

  #rehash(size: number): void {
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.#count; i++) {
      let slot = home(this.#ids.subarray(i * ID, i * ID + 4)) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.#table = table;
  }
}

function home(id: Uint8Array): number {
  return ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
}
