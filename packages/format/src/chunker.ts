/**
 * Content-defined chunker (spec §7): FastCDC (Xia et al., 2016/2020) with normalized
 * chunking, over a 32-bit gear hash whose table comes from the root key, so chunk
 * boundaries do not fingerprint content for anyone without the key.
 *
 * Streaming: `push(bytes)` returns the chunks completed so far, `finish()` the rest.
 * Output depends only on the key, the parameters and the byte sequence — never on how
 * the input was split into pushes — so Node and browsers cut identically.
 */

export interface ChunkerParams {
  /** Smallest chunk, except the very last one. */
  min: number;
  /** Target average; a power of two. */
  avg: number;
  /** Largest chunk. */
  max: number;
}

/** Defaults for media files: 16 KiB / 64 KiB / 256 KiB. */
export const DEFAULT_CHUNKER_PARAMS: ChunkerParams = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };
/** Fixed parameters for cutting snapshot manifest listings (spec §8.5.3), whatever the repository's media parameters. */
export const LISTING_CHUNKER_PARAMS: ChunkerParams = { min: 2 * 1024, avg: 8 * 1024, max: 32 * 1024 };

export function validateChunkerParams(p: ChunkerParams): void {
  const { min, avg, max } = p;
  for (const [k, v] of Object.entries(p)) {
    if (!Number.isInteger(v) || v < 64 || v > 64 * 1024 * 1024) throw new RangeError(`chunker ${k} must be an integer in 64..64Mi, got ${v}`);
  }
  if ((avg & (avg - 1)) !== 0) throw new RangeError(`chunker avg must be a power of two, got ${avg}`);
  if (!(min <= avg && avg <= max)) throw new RangeError(`chunker needs min <= avg <= max, got ${min}/${avg}/${max}`);
  if (Math.log2(avg) + 2 > 31) throw new RangeError("chunker avg too large for a 32-bit gear hash");
}

/** Mask of the `bits` highest bits of a 32-bit word (high bits depend on the most bytes). */
function topMask(bits: number): number {
  return bits >= 32 ? -1 : (0xffffffff << (32 - bits)) | 0;
}

export interface ChunkerOptions {
  /**
   * Keep the bytes held back between pushes in two buffers of the chunker's own, reused
   * (taking turns), instead of a fresh copy of them and of every chunk that continues them.
   * Such a chunk is then a view into one of those buffers, valid only until the next
   * `push` or `finish`: for a caller that consumes each push's chunks (hashes and seals
   * them, which copies) before it pushes again. A backup reading 1 MiB blocks cut into
   * ~1 MiB chunks made two allocations and two copies of almost every chunk this way
   * (docs/performance.md). The chunks are the same bytes either way; after `finish` the
   * chunker (and its buffers) may cut the next stream.
   */
  reuseBuffers?: boolean;
}

export class Chunker {
  readonly #gear: Int32Array;
  readonly #min: number;
  readonly #avg: number;
  readonly #max: number;
  readonly #maskS: number;
  readonly #maskL: number;
  #pending: Uint8Array[] = [];
  #len = 0; // bytes of the current chunk seen so far
  #hash = 0;
  /** With `reuseBuffers`: the two buffers, the one that holds back bytes now, and how many it holds. */
  readonly #held: [Uint8Array, Uint8Array] | undefined;
  #turn = 0;
  #heldLen = 0;

  constructor(gear: Uint32Array, params: ChunkerParams = DEFAULT_CHUNKER_PARAMS, options: ChunkerOptions = {}) {
    if (gear.length !== 256) throw new RangeError("gear table must have 256 entries");
    validateChunkerParams(params);
    this.#gear = new Int32Array(gear.buffer.slice(gear.byteOffset, gear.byteOffset + 1024));
    this.#min = params.min;
    this.#avg = params.avg;
    this.#max = params.max;
    const bits = Math.round(Math.log2(params.avg));
    // Normalized chunking, level 2: harder to cut before avg, easier after.
    this.#maskS = topMask(bits + 2);
    this.#maskL = topMask(Math.max(1, bits - 2));
    this.#held = options.reuseBuffers ? [new Uint8Array(0), new Uint8Array(0)] : undefined;
  }

  /** Append `bytes` to the held-back bytes in this turn's buffer (grown, up to `max`, as needed). */
  #hold(bytes: Uint8Array): void {
    const held = this.#held!;
    const needed = this.#heldLen + bytes.length;
    let buf = held[this.#turn]!;
    if (buf.length < needed) {
      const grown = new Uint8Array(Math.max(needed, Math.min(this.#max, 2 * buf.length)));
      grown.set(buf.subarray(0, this.#heldLen));
      buf = held[this.#turn] = grown;
    }
    buf.set(bytes, this.#heldLen);
    this.#heldLen = needed;
  }

  /**
   * Feed bytes; returns the chunks they complete. A returned chunk may be a view into
   * `data` — consume it before you overwrite `data`. Bytes held back are copied (with
   * `reuseBuffers`, into the chunker's buffers: see {@link ChunkerOptions}).
   */
  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < data.length) {
      const cut = this.#scan(data, off);
      if (cut < 0) {
        if (this.#held) this.#hold(data.subarray(off));
        else this.#pending.push(data.slice(off));
        break;
      }
      out.push(this.#emit(data.subarray(off, cut)));
      off = cut;
    }
    return out;
  }

  /** The final chunk (possibly shorter than min), or nothing if no bytes are pending. */
  finish(): Uint8Array[] {
    if (this.#len === 0) return [];
    return [this.#emit(new Uint8Array(0))];
  }

  #emit(tail: Uint8Array): Uint8Array {
    let chunk: Uint8Array;
    if (this.#held && this.#heldLen > 0) {
      // The held bytes and the tail, in this turn's buffer; the next bytes held go to the
      // other one, so this chunk stays whole until the caller's next push.
      this.#hold(tail);
      chunk = this.#held[this.#turn]!.subarray(0, this.#heldLen);
      this.#turn ^= 1;
      this.#heldLen = 0;
    } else if (this.#pending.length === 0) chunk = tail;
    else {
      chunk = new Uint8Array(this.#len + tail.length);
      let o = 0;
      for (const p of this.#pending) {
        chunk.set(p, o);
        o += p.length;
      }
      chunk.set(tail, o);
    }
    this.#pending = [];
    this.#len = 0;
    this.#hash = 0;
    return chunk;
  }

  /** Returns the index in `data` where the current chunk ends, or -1 if it continues past `data`. */
  #scan(data: Uint8Array, off: number): number {
    const gear = this.#gear;
    const n = data.length;
    // Position within the current chunk of data[i] is base + (i - off).
    const base = this.#len - off;
    let i = off;
    // FastCDC skips the first `min` bytes of a chunk without hashing them.
    if (base + i < this.#min) i = Math.min(n, this.#min - base);
    let h = this.#hash;
    // Both loops take four bytes a step, each byte hashed and tested as in the one-byte loop
    // after them (so the cuts are the same): ~15% less CPU per byte than one byte a step,
    // the scan being ~0.85 CPU-s of a full backup of the bench corpus (docs/performance.md,
    // "Full backup, round 9").
    const maskS = this.#maskS;
    const avgEnd = Math.min(n, this.#avg - base);
    for (const end4 = avgEnd - 3; i < end4; i += 4) {
      h = ((h << 1) + gear[data[i]!]!) | 0;
      if ((h & maskS) === 0) return i + 1;
      h = ((h << 1) + gear[data[i + 1]!]!) | 0;
      if ((h & maskS) === 0) return i + 2;
      h = ((h << 1) + gear[data[i + 2]!]!) | 0;
      if ((h & maskS) === 0) return i + 3;
      h = ((h << 1) + gear[data[i + 3]!]!) | 0;
      if ((h & maskS) === 0) return i + 4;
    }
    for (; i < avgEnd; i++) {
      h = ((h << 1) + gear[data[i]!]!) | 0;
      if ((h & maskS) === 0) return i + 1;
    }
    const maskL = this.#maskL;
    const maxEnd = Math.min(n, this.#max - base);
    for (const end4 = maxEnd - 3; i < end4; i += 4) {
      h = ((h << 1) + gear[data[i]!]!) | 0;
      if ((h & maskL) === 0) return i + 1;
      h = ((h << 1) + gear[data[i + 1]!]!) | 0;
      if ((h & maskL) === 0) return i + 2;
      h = ((h << 1) + gear[data[i + 2]!]!) | 0;
      if ((h & maskL) === 0) return i + 3;
      h = ((h << 1) + gear[data[i + 3]!]!) | 0;
      if ((h & maskL) === 0) return i + 4;
    }
    for (; i < maxEnd; i++) {
      h = ((h << 1) + gear[data[i]!]!) | 0;
      if ((h & maskL) === 0) return i + 1;
    }
    if (base + i >= this.#max) return i;
    this.#len = base + n;
    this.#hash = h;
    return -1;
  }
}
