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
