/**
 * The write side of a backup: keyed chunk ID → dedup against the index and this
 * backup → compress if it pays → seal bound to the chunk ID → pack (spec §8.3).
 */
import { type KeySchedule, ObjectKind, chunkId, sealObject, toHex } from "@chatvault/format";
import type { ChunkIndex } from "../repo/chunk-index.ts";
import { CHUNK_COMPRESSED } from "../repo/chunk-index.ts";
import type { Compressor } from "./compressor.ts";
import type { Packer } from "./packer.ts";

export interface StoreResult {
  id: Uint8Array;
  /** Sealed bytes added to the repository for this chunk (0 if it was already there). */
  stored: number;
}

export class ChunkStore {
  readonly #keys: KeySchedule;
  readonly #index: ChunkIndex;
  readonly #packer: Packer;
  readonly #compressor: Compressor;
  chunksNew = 0;
  bytesStored = 0;

  constructor(keys: KeySchedule, index: ChunkIndex, packer: Packer, compressor: Compressor) {
    this.#keys = keys;
    this.#index = index;
    this.#packer = packer;
    this.#compressor = compressor;
  }

  has(id: string): boolean {
    return this.#index.has(id) || this.#packer.has(id);
  }

  async store(plain: Uint8Array, compressible: boolean): Promise<StoreResult> {
    const id = await chunkId(this.#keys, plain);
    const hex = toHex(id);
    if (this.has(hex)) return { id, stored: 0 };
    const packed = compressible ? this.#compressor.compress(plain) : null;
    const sealed = await sealObject(
      this.#keys.backend,
      this.#keys.chunkEncryption.unsafeBytes(),
      { kind: ObjectKind.chunk, id },
      packed ?? plain,
    );
    await this.#packer.add(hex, sealed, plain.length, packed ? CHUNK_COMPRESSED : 0);
    this.chunksNew += 1;
    this.bytesStored += sealed.length;
    return { id, stored: sealed.length };
  }
}
