/**
 * A worker's part buffers (workers/chunk-worker.ts): each sealed chunk is copied into the
 * buffer of the part being made as soon as it is sealed (`place`), and a part is posted as
 * that buffer (`take`).
 *
 * Before, a part kept every chunk's `Cipher.update` pieces (64 KiB each, node:crypto's
 * fresh malloc'd buffers) until the part was cut, ~1 MiB of sealing later, and copied them
 * then. Held across that many scavenges, the pieces were promoted to the old generation and
 * freed only by a full collection: dead, they piled up in the worker's malloc arena (a
 * ~45 MiB arena at the sampled peak, docs/performance.md "Full backup, round 5"). Copied at
 * once, they die young. The copy is the same one: one per sealed chunk, into the part.
 */
import type { SealedBytes } from "../../backup/packer.ts";
import type { TaskPart } from "../chunk-tasks.ts";
import { freePieces } from "../../backup/free-pieces.ts";

/** Room of a new part buffer: a part is cut past 1 MiB of sealed chunks (chunk-tasks.ts), plus its last chunk. */
export const PART_ROOM = 2 * 1024 * 1024;
/** One task runs on a worker at a time, with two parts out (unacknowledged) and one being laid out. */
const KEEP_SPARE = 3;

export class PartBuffers {
  /** Buffers the main thread gave back with its acknowledgement: the next parts are laid out in them. */
  readonly #spare: ArrayBuffer[] = [];
  /** The part being laid out: its buffer, and how far its chunks reach. */
  #current: Uint8Array | undefined;
  #used = 0;
  /** A chunk did not fit: it and the rest of this part keep their pieces, copied by `take`. */
  #overflowed = false;

  /** A buffer given back by the main thread. */
  giveBack(buf: ArrayBuffer): void {
    if (this.#spare.length < KEEP_SPARE) this.#spare.push(buf);
  }

  /**
   * The sealed chunk copied into the part being laid out, as a view of it; or the pieces
   * unchanged when they do not fit (`take` copies them).
   */
  place(pieces: SealedBytes, length: number): SealedBytes {
    if (this.#overflowed) return pieces;
    const buf = (this.#current ??= this.#fresh(PART_ROOM));
    if (this.#used + length > buf.length) {
      this.#overflowed = true;
      return pieces;
    }
    const at = this.#used;
    for (const p of pieces instanceof Uint8Array ? [pieces] : pieces) {
      buf.set(p, this.#used);
      this.#used += p.length;
    }
    if (!(pieces instanceof Uint8Array)) freePieces(pieces); // copied: their memory goes now (backup/free-pieces.ts)
    return buf.subarray(at, this.#used);
  }

  /**
   * The part's sealed chunks end to end in one buffer, to transfer; the next part is laid
   * out in another. Chunks `place` copied are where it put them; any others are copied now.
   */
  take(part: TaskPart): ArrayBuffer {
    const length = part.sealed.reduce((n, s) => n + s.length, 0);
    let out = this.#current;
    let o = this.#used;
    if (!out || length > out.length) {
      // A part larger than its buffer (a large last chunk): one buffer of its size, every chunk copied.
      if (out) this.giveBack(out.buffer as ArrayBuffer);
      out = this.#fresh(length);
      o = 0;
    }
    for (const s of part.sealed) {
      if (s.data instanceof Uint8Array && s.data.buffer === out.buffer) continue;
      for (const piece of s.data instanceof Uint8Array ? [s.data] : s.data) {
        out.set(piece, o);
        o += piece.length;
      }
      if (!(s.data instanceof Uint8Array)) freePieces(s.data);
    }
    this.#current = undefined;
    this.#used = 0;
    this.#overflowed = false;
    return out.buffer as ArrayBuffer;
  }

  /** A task begins: what an earlier one placed and never took (it failed, or was stopped) is dropped. */
  reset(): void {
    this.#used = 0;
    this.#overflowed = false;
  }

  #fresh(length: number): Uint8Array {
    const at = this.#spare.findIndex((b) => b.byteLength >= length);
    return new Uint8Array(at >= 0 ? this.#spare.splice(at, 1)[0]! : new ArrayBuffer(Math.max(length, PART_ROOM)));
  }
}
