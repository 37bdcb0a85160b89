/**
 * Groups sealed chunks into packs and uploads them, a few at a time (spec §8.3, §8.7
 * write order: packs first).
 *
 * Memory is bounded and reused: each sealed chunk is copied once, as it arrives, into the
 * buffer of the pack being filled (the pack is never assembled by a second copy), and a
 * buffer whose upload ended fills a later pack. At most `maxInFlight` packs are held
 * between being full and the end of their upload, plus the one being filled: a full pack
 * that finds every upload slot taken holds `add` until one ends. So a backup holds at most
 * `maxInFlight + 1` pack buffers, however large it is (`packBuffers` counts them).
 *
 * A storage may give a put's buffer back before the put ends (`PutOptions.onDataReleased`:
 * a local folder, once the bytes are written, before its fsyncs and the link): the buffer
 * then fills the next pack at once, and the slot it held is free, while that put finishes.
 * At most `FINISHING` such puts run past their release, so the puts awaited at the end
 * stay few; the memory bound is the same.
 *
 * `add` may be called by several producers at once: the open pack is taken synchronously
 * before any await, so a chunk always lands in exactly one pack and that pack's header.
 */
import { type KeySchedule, equalBytes, toHex } from "@chatvault/format";
import { type Storage, putBuffer } from "@chatvault/storage";
import type { IndexEntry } from "../repo/chunk-index.ts";
import { packName } from "../repo/layout.ts";
import { type PackEntry, sealPackHeader } from "../repo/pack.ts";
import { putOnce } from "../repo/put.ts";
import { WrittenEntries } from "./written-entries.ts";

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

/** Puts in flight when the storage gives no hint (`Storage.parallelPuts`): enough to hide a cloud's latency. */
const DEFAULT_IN_FLIGHT = 3;
/** Puts that released their buffer but have not ended (a local folder's fsyncs and link), at most, beyond `maxInFlight`. */
const FINISHING = 2;
/** Room past the target size in a new pack buffer: the last chunk and the header go there (a larger one starts the next pack). */
const SLACK = 1024 * 1024;
/** Bytes a sealed pack header of `n` entries takes, at most (repo/pack.ts: 45 per entry, the count, the seal's overhead, the trailer). */
const headerRoom = (n: number) => 4 + 45 * n + 64;

interface OpenPack {
  buf: Uint8Array;
  size: number;
  entries: PackEntry[];
}

export class Packer {
  readonly #storage: Storage;
  readonly #keys: KeySchedule;
  readonly #repoId: string;
  readonly #target: number;
  readonly #maxInFlight: number;
  #open: OpenPack | undefined;
  /** Buffers of packs whose upload ended, for the next packs. */
  readonly #free: Uint8Array[] = [];
  /** Packs taken from filling whose upload has not ended (being finished, waiting for a slot, or uploading). */
  #held = 0;
  /** Finishing is one pack at a time, in order: header, hash, a free upload slot, put. */
  #finishing: Promise<void> = Promise.resolve();
  /** Set while a full pack waits for an upload slot and no buffer is left: `add` waits on it. */
  #gate: Promise<void> | undefined;
  /** Every put not yet ended. */
  readonly #uploads = new Set<Promise<void>>();
  /** The puts still reading their buffer (an upload slot each): each promise settles when the buffer is given back. */
  readonly #holding = new Set<Promise<void>>();
  #failed = false;
  #error: unknown;
  /** Entries of every pack this packer finished uploading, packed (written-entries.ts). */
  readonly #written = new WrittenEntries();
  bytesUploaded = 0;
  packsUploaded = 0;
  /** Pack buffers this packer allocated (at most `maxInFlight + 1` unless a chunk outgrew one). */
  packBuffers = 0;
  hasher: PackHasher;

  /**
   * @param maxInFlight packs held between full and uploaded (default: the storage's
   *   `parallelPuts` hint, else 3). One is enough for a local disk: its puts queue on one
   *   device anyway, and each pack held is a pack-size buffer.
   */
  constructor(storage: Storage, keys: KeySchedule, repoId: string, targetSize: number, maxInFlight?: number) {
    this.#storage = storage;
    this.#keys = keys;
    this.#repoId = repoId;
    this.#target = targetSize;
    this.#maxInFlight = maxInFlight ?? storage.parallelPuts ?? DEFAULT_IN_FLIGHT;
    if (!Number.isSafeInteger(this.#maxInFlight) || this.#maxInFlight < 1) throw new RangeError("maxInFlight must be an integer ≥ 1");
    this.hasher = async (data) => ({ hash: await keys.backend.sha256(data), data });
  }

  /** Entries of every pack this packer finished uploading, in upload order (made on each call). */
  get written(): IndexEntry[] {
    return this.#written.entries();
  }

  /** How many entries `written` holds. */
  get writtenCount(): number {
    return this.#written.length;
  }

  /** Packs held between full and uploaded at most (the bound on memory, with the one being filled). */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  async add(id: string, sealed: SealedBytes, rawLength: number, flags: number): Promise<void> {
    const length = sealedLength(sealed);
    for (;;) {
      while (this.#gate) await this.#gate;
      this.#throwIfFailed();
      const filling = this.#open;
      // A chunk that would outgrow the buffer (media chunks reach 8 MiB) starts the next
      // pack instead: growing it cost a copy of the pack and left a larger buffer held
      // for every later pack. Its header still fits in the slack.
      if (!filling || filling.entries.length === 0 || filling.size + length + headerRoom(filling.entries.length + 1) <= filling.buf.length) break;
      await this.#handOff();
    }
    const open = (this.#open ??= { buf: this.#buffer(length), size: 0, entries: [] });
    if (open.size + length > open.buf.length) open.buf = grown(open.buf, open.size, open.size + length);
    open.entries.push({ id, offset: open.size, length, rawLength, flags });
    if (sealed instanceof Uint8Array) open.buf.set(sealed, open.size);
    else {
      let o = open.size;
      for (const p of sealed) {
        open.buf.set(p, o);
        o += p.length;
      }
    }
    open.size += length;
    if (open.size >= this.#target) await this.#handOff();
  }

  /** Finish the open pack and wait for every upload. Throws the first error of a pack. */
  async flush(): Promise<void> {
    while (this.#gate) await this.#gate.catch(() => {});
    if (this.#open && this.#open.entries.length > 0) await this.#handOff().catch(() => {});
    await this.settle();
    this.#throwIfFailed();
  }

  /** Wait for every pack being finished or uploaded to end, succeeded or failed (the caller is giving up). */
  async settle(): Promise<void> {
    await this.#finishing.catch(() => {});
    while (this.#uploads.size > 0) await Promise.allSettled(this.#uploads);
  }

  /** Take the open pack and queue it for finishing; wait until it has started uploading. */
  async #handOff(): Promise<void> {
    const pack = this.#open!;
    this.#open = undefined;
    this.#held += 1;
    // A pack that failed to finish does not stop the next one's turn (its error is recorded).
    const started = this.#finishing.catch(() => {}).then(() => this.#finish(pack));
    this.#finishing = started;
    // Every buffer is taken (maxInFlight held, this one among them past the bound): no new
    // pack may start filling until an upload ends and this one takes its slot.
    if (this.#held > this.#maxInFlight) {
      const gate = started.catch(() => {});
      this.#gate = gate;
      void gate.then(() => {
        if (this.#gate === gate) this.#gate = undefined;
      });
    }
    await started;
  }

  /** Seal the header behind the chunks, hash, wait for an upload slot, start the put. */
  async #finish(pack: OpenPack): Promise<void> {
    try {
      this.#throwIfFailed();
      const header = await sealPackHeader(this.#keys, this.#repoId, pack.entries);
      if (pack.size + header.length > pack.buf.length) pack.buf = grown(pack.buf, pack.size, pack.size + header.length);
      pack.buf.set(header, pack.size);
      const length = pack.size + header.length;
      // Hashed before waiting for a slot: while the put before it is still writing, not
      // after it ended. With one put in flight (a local disk) the disk otherwise sat idle
      // for each pack's hash, ~5 ms per 8 MiB (docs/performance.md, "Full backup, round 2").
      const { hash, data } = await this.hasher(pack.buf.subarray(0, length));
      while (this.#holding.size >= this.#maxInFlight || this.#uploads.size >= this.#maxInFlight + FINISHING) {
        await Promise.race([...this.#holding, ...this.#uploads]);
      }
      this.#throwIfFailed();
      // A hasher that moved the bytes to a worker and back returns the same memory in a new view.
      const buffer = data.byteOffset === 0 && data.buffer.byteLength >= pack.buf.length ? new Uint8Array(data.buffer) : pack.buf;
      const hex = toHex(hash);
      // The buffer is free when the storage says it no longer reads it, or when the put
      // ends (storage contract), whichever comes first; once.
      let settleHeld!: () => void;
      const held = new Promise<void>((resolve) => (settleHeld = resolve));
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        this.#holding.delete(held);
        this.#release(buffer);
        settleHeld();
      };
      this.#holding.add(held);
      const backend = this.#keys.backend;
      const upload: Promise<void> = putOnce(this.#storage, packName(hash), data, {
        onDataReleased: release,
        // A pack is named by its bytes' SHA-256: one found under its name is ours if it hashes
        // to it (our bytes may be a later pack's by then).
        sameContent: async (existing) => equalBytes(await backend.sha256(existing), hash),
      })
        .then(
          () => {
            this.#written.addPack(hex, pack.entries);
            this.bytesUploaded += data.length;
            this.packsUploaded += 1;
          },
          (e: unknown) => this.#fail(e),
        )
        .finally(() => {
          this.#uploads.delete(upload);
          release();
        });
      this.#uploads.add(upload);
    } catch (e) {
      this.#fail(e);
      this.#release(pack.buf);
      throw e;
    }
  }

  #buffer(first: number): Uint8Array {
    const b = this.#free.pop();
    if (b && b.length >= first) return b;
    this.packBuffers += b ? 0 : 1;
    // Memory the storage can write in place (put-buffer.ts): a local folder's O_DIRECT
    // write then needs no staging copy of the pack.
    return putBuffer(Math.max(this.#target + SLACK, first));
  }

  #release(buf: Uint8Array): void {
    this.#held -= 1;
    this.#free.push(buf);
  }

  #fail(e: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#error = e;
  }

  #throwIfFailed(): void {
    if (this.#failed) throw this.#error;
  }
}

/** A larger buffer holding the first `used` bytes of `buf`: room for `needed` bytes, with room to spare. */
function grown(buf: Uint8Array, used: number, needed: number): Uint8Array {
  const out = putBuffer(Math.max(needed, Math.ceil(buf.length * 1.5)));
  out.set(buf.subarray(0, used));
  return out;
}
