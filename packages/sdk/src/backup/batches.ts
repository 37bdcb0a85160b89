/**
 * Batches of chunks through the write side. A batch is chunks laid end to end in one
 * buffer; `bounds[i]` is where chunk i ends. The serial batcher does the work on this
 * thread; Node's worker batcher (node/chunk-pool.ts) on other threads.
 */
import type { ChunkStore } from "./chunk-store.ts";

export interface ChunkBatcher {
  /**
   * Store the chunks laid end to end in `buf`; resolves to their IDs in order. Takes
   * ownership of `buf`'s memory: do not touch it afterwards.
   */
  submit(buf: Uint8Array, bounds: number[], compressible: boolean): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

export function splitBatch(buf: Uint8Array, bounds: number[]): Uint8Array[] {
  return bounds.map((end, i) => buf.subarray(i === 0 ? 0 : bounds[i - 1]!, end));
}

/** Everything on this thread (small backups, tests, browsers). */
export function serialBatcher(store: ChunkStore): ChunkBatcher {
  return {
    async submit(buf, bounds, compressible) {
      const ids: Uint8Array[] = [];
      for (const c of splitBatch(buf, bounds)) ids.push(await store.store(c, compressible));
      return ids;
    },
    async close() {},
  };
}

/** Keeps up to `depth` batches in flight and collects their IDs in submission order. */
export class OrderedBatches {
  readonly #batcher: ChunkBatcher;
  readonly #depth: number;
  readonly #inFlight: Promise<Uint8Array[]>[] = [];
  readonly #ids: Uint8Array[] = [];
  /** Chunks submitted so far: callers note it before and after a file to find its IDs. */
  submitted = 0;

  constructor(batcher: ChunkBatcher, depth = 4) {
    this.#batcher = batcher;
    this.#depth = depth;
  }

  async submit(buf: Uint8Array, bounds: number[], compressible: boolean): Promise<void> {
    if (bounds.length === 0) return;
    const p = this.#batcher.submit(buf, bounds, compressible);
    p.catch(() => {}); // surfaced by the await below or by drain()
    this.#inFlight.push(p);
    this.submitted += bounds.length;
    while (this.#inFlight.length >= this.#depth) this.#ids.push(...(await this.#inFlight.shift()!));
  }

  /** Wait for every batch; returns all IDs in submission order. */
  async drain(): Promise<Uint8Array[]> {
    while (this.#inFlight.length > 0) this.#ids.push(...(await this.#inFlight.shift()!));
    return this.#ids;
  }
}
