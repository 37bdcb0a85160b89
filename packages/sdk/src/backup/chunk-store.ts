/**
 * The write side of a backup: keyed chunk ID → dedup against the index and this
 * backup → compress if it pays → seal bound to the chunk ID → pack (spec §8.3).
 * `store` does it all on this thread; the worker pool (node/chunk-pool.ts) computes IDs
 * and seals on other threads and uses `claim` + `addSealed` for the rest.
 */
import { type KeySchedule, ObjectKind, chunkId, fromHex, sealObjectParts, toHex } from "@chatvault/format";
import type { ChunkIndex } from "../repo/chunk-index.ts";
import { codecFlags } from "../repo/chunk-index.ts";
import type { Compressor } from "./compressor.ts";
import { freePieces } from "./free-pieces.ts";
import { GrowingIdSet } from "./id-set.ts";
import { type Packer, type SealedBytes, sealedLength } from "./packer.ts";

/**
 * Compress if it pays, then seal bound to the chunk ID (spec §8.3). One place for both
 * the single-chunk path and the worker tasks. The sealed chunk comes as pieces: every
 * caller copies it into a pack (or a worker's part) next, and that is its one copy.
 */
export async function sealChunk(
  keys: KeySchedule,
  compressor: Compressor,
  id: Uint8Array,
  plain: Uint8Array,
  compressible: boolean,
): Promise<{ data: Uint8Array[]; length: number; flags: number }> {
  const packed = compressible ? compressor.compress(plain) : null;
  const data = await sealObjectParts(keys.backend, keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id }, packed?.bytes ?? plain);
  return { data, length: sealedLength(data), flags: codecFlags(packed?.codec ?? null) };
}

export class ChunkStore {
  readonly keys: KeySchedule;
  readonly #index: ChunkIndex;
  readonly #packer: Packer;
  readonly #compressor: Compressor;
  /** IDs claimed by this backup (their sealed bytes may not have reached the packer yet): packed, id-set.ts. */
  readonly #claimed = new GrowingIdSet();
  #chunksNew = 0;
  #bytesStored = 0;

  constructor(keys: KeySchedule, index: ChunkIndex, packer: Packer, compressor: Compressor) {
    this.keys = keys;
    this.#index = index;
    this.#packer = packer;
    this.#compressor = compressor;
  }

  /** Chunks this backup stored (not deduplicated). */
  get chunksNew(): number {
    return this.#chunksNew;
  }

  /** Sealed bytes of those chunks. */
  get bytesStored(): number {
    return this.#bytesStored;
  }

  has(id: string): boolean {
    return this.#index.has(id) || (this.#claimed.size > 0 && this.#claimed.has(fromHex(id)));
  }

  /** `has` for an ID as bytes. */
  hasId(id: Uint8Array): boolean {
    return this.#index.hasId(id) || this.#claimed.has(id);
  }

  /** True if the chunk is new: the caller must then seal it and `addSealed` it. */
  claim(id: string): boolean {
    return this.claimId(fromHex(id));
  }

  /** `claim` for an ID as bytes. */
  claimId(id: Uint8Array): boolean {
    if (this.#index.hasId(id)) return false;
    return this.#claimed.add(id);
  }

  async addSealed(id: string, sealed: SealedBytes, rawLength: number, flags: number): Promise<void> {
    const length = sealedLength(sealed); // before `add`: the caller may free the pieces once copied
    await this.#packer.add(id, sealed, rawLength, flags);
    this.#chunksNew += 1;
    this.#bytesStored += length;
  }

  /** Store one chunk on this thread; returns its ID. */
  async store(plain: Uint8Array, compressible: boolean): Promise<Uint8Array> {
    const id = await chunkId(this.keys, plain);
    const hex = toHex(id);
    if (!this.claim(hex)) return id;
    const { data, flags } = await sealChunk(this.keys, this.#compressor, id, plain, compressible);
    await this.addSealed(hex, data, plain.length, flags);
    freePieces(data); // copied into a pack
    return id;
  }
}
