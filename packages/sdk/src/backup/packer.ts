/**
 * Groups sealed chunks into packs and uploads them, a few at a time (spec §8.3, §8.7
 * write order: packs first). Memory stays bounded: at most `maxInFlight` packs are
 * held while uploading, plus the one being filled.
 */
import { type KeySchedule, concatBytes, toHex } from "@chatvault/format";
import type { Storage } from "@chatvault/storage";
import type { IndexEntry } from "../repo/chunk-index.ts";
import { packName } from "../repo/layout.ts";
import { type PackEntry, sealPackHeader } from "../repo/pack.ts";
import { putOnce } from "../repo/put.ts";

export class Packer {
  readonly #storage: Storage;
  readonly #keys: KeySchedule;
  readonly #repoId: string;
  readonly #target: number;
  readonly #maxInFlight: number;
  #blobs: Uint8Array[] = [];
  #entries: PackEntry[] = [];
  #size = 0;
  readonly #pendingIds = new Set<string>();
  readonly #inFlight: Promise<void>[] = [];
  /** Entries of every pack this packer finished uploading. */
  readonly written: IndexEntry[] = [];
  bytesUploaded = 0;
  packsUploaded = 0;

  constructor(storage: Storage, keys: KeySchedule, repoId: string, targetSize: number, maxInFlight = 3) {
    this.#storage = storage;
    this.#keys = keys;
    this.#repoId = repoId;
    this.#target = targetSize;
    this.#maxInFlight = maxInFlight;
  }

  /** True if a chunk with this ID was added in this backup (uploaded or not yet). */
  has(id: string): boolean {
    return this.#pendingIds.has(id);
  }

  async add(id: string, sealed: Uint8Array, rawLength: number, flags: number): Promise<void> {
    this.#entries.push({ id, offset: this.#size, length: sealed.length, rawLength, flags });
    this.#blobs.push(sealed);
    this.#size += sealed.length;
    this.#pendingIds.add(id);
    if (this.#size >= this.#target) await this.#finishPack();
  }

  /** Finish the open pack and wait for every upload. Throws the first upload error. */
  async flush(): Promise<void> {
    if (this.#entries.length > 0) await this.#finishPack();
    while (this.#inFlight.length > 0) await this.#inFlight.shift();
  }

  async #finishPack(): Promise<void> {
    const entries = this.#entries;
    const header = await sealPackHeader(this.#keys, this.#repoId, entries);
    const pack = concatBytes(...this.#blobs, header);
    this.#blobs = [];
    this.#entries = [];
    this.#size = 0;
    while (this.#inFlight.length >= this.#maxInFlight) await this.#inFlight.shift();
    const packId = await this.#keys.backend.sha256(pack);
    const hex = toHex(packId);
    const upload = putOnce(this.#storage, packName(packId), pack).then(() => {
      for (const e of entries) this.written.push({ ...e, pack: hex });
      this.bytesUploaded += pack.length;
      this.packsUploaded += 1;
    });
    // Surface errors at the next await, never as an unhandled rejection.
    upload.catch(() => {});
    this.#inFlight.push(upload);
  }
}
