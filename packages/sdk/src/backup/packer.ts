/**
 * Groups sealed chunks into packs and uploads them, a few at a time (spec §8.3, §8.7
 * write order: packs first). Memory stays bounded: at most `maxInFlight` packs are
 * held while uploading, plus the one being filled. `add` may be called by several
 * producers at once: the open pack is swapped out synchronously before any await, so a
 * chunk always lands in exactly one pack and that pack's header.
 */
import { type KeySchedule, concatBytes, toHex } from "@chatvault/format";
import type { Storage } from "@chatvault/storage";
import type { IndexEntry } from "../repo/chunk-index.ts";
import { packName } from "../repo/layout.ts";
import { type PackEntry, sealPackHeader } from "../repo/pack.ts";
import { putOnce } from "../repo/put.ts";

/**
 * A sealed chunk as one buffer, or as pieces laid end to end (`sealObjectParts`): the
 * pieces are copied straight into the pack, so the ciphertext is copied once.
 */
export type SealedBytes = Uint8Array | readonly Uint8Array[];

export function sealedLength(sealed: SealedBytes): number {
  if (sealed instanceof Uint8Array) return sealed.length;
  let n = 0;
  for (const p of sealed) n += p.length;
  return n;
}

/** SHA-256 of a pack; may move the bytes elsewhere and back (a worker thread), hence the returned data. */
export type PackHasher = (data: Uint8Array) => Promise<{ hash: Uint8Array; data: Uint8Array }>;

export class Packer {
  readonly #storage: Storage;
  readonly #keys: KeySchedule;
  readonly #repoId: string;
  readonly #target: number;
  readonly #maxInFlight: number;
  #blobs: Uint8Array[] = [];
  #entries: PackEntry[] = [];
  #size = 0;
  readonly #inFlight: Promise<void>[] = [];
  /** Entries of every pack this packer finished uploading. */
  readonly written: IndexEntry[] = [];
  bytesUploaded = 0;
  packsUploaded = 0;
  hasher: PackHasher;

  constructor(storage: Storage, keys: KeySchedule, repoId: string, targetSize: number, maxInFlight = 3) {
    this.#storage = storage;
    this.#keys = keys;
    this.#repoId = repoId;
    this.#target = targetSize;
    this.#maxInFlight = maxInFlight;
    this.hasher = async (data) => ({ hash: await keys.backend.sha256(data), data });
  }

  async add(id: string, sealed: SealedBytes, rawLength: number, flags: number): Promise<void> {
    const length = sealedLength(sealed);
    this.#entries.push({ id, offset: this.#size, length, rawLength, flags });
    if (sealed instanceof Uint8Array) this.#blobs.push(sealed);
    else this.#blobs.push(...sealed);
    this.#size += length;
    if (this.#size >= this.#target) await this.#finishPack(this.#takeOpenPack());
  }

  /** Finish the open pack and wait for every upload. Throws the first upload error. */
  async flush(): Promise<void> {
    if (this.#entries.length > 0) await this.#finishPack(this.#takeOpenPack());
    while (this.#inFlight.length > 0) await this.#inFlight.shift();
  }

  /** Wait for every upload in flight to end, succeeded or failed (the caller is giving up). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
  }

  #takeOpenPack(): { entries: PackEntry[]; blobs: Uint8Array[] } {
    const open = { entries: this.#entries, blobs: this.#blobs };
    this.#entries = [];
    this.#blobs = [];
    this.#size = 0;
    return open;
  }

  async #finishPack({ entries, blobs }: { entries: PackEntry[]; blobs: Uint8Array[] }): Promise<void> {
    const header = await sealPackHeader(this.#keys, this.#repoId, entries);
    while (this.#inFlight.length >= this.#maxInFlight) await this.#inFlight.shift();
    const { hash, data: pack } = await this.hasher(concatBytes(...blobs, header));
    const hex = toHex(hash);
    const upload = putOnce(this.#storage, packName(hash), pack).then(() => {
      for (const e of entries) this.written.push({ ...e, pack: hex });
      this.bytesUploaded += pack.length;
      this.packsUploaded += 1;
    });
    // Surface errors at the next await, never as an unhandled rejection.
    upload.catch(() => {});
    this.#inFlight.push(upload);
  }
}
