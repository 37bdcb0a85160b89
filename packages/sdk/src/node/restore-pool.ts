/**
 * Worker threads that open a restore's chunks (workers/restore-worker.ts), so AES-GCM,
 * inflate and the chunk-ID check (spec §8.3) run on every core while this thread reads
 * packs and writes files. Each range is read into a slot — one `SharedArrayBuffer` per
 * range in flight, made once and shared once with each worker — and its plaintexts come
 * back in the same buffer, laid over the sealed bytes already opened (restore-open.ts):
 * only small messages cross between the threads, and no buffer is copied, moved or
 * collected per range. A worker that stops (crash, out of memory) fails every range it
 * held with `WorkerStoppedError`.
 */
import { Worker } from "node:worker_threads";
import { IntegrityError, type RootKey } from "@chatvault/format";
import type { PackRange } from "../repo/chunk-reader.ts";
import { ANSWER_BYTES, META_FIELDS, type OpenAnswer, type OpenRequest, type SlotRequest } from "./workers/restore-messages.ts";
import { sealedOffset } from "./restore-open.ts";
import { afterWorkerStarted, beforeSealing } from "./young-generation.ts";

/** A restore worker stopped before it answered: the restore fails, nothing is moved into place. */
export class WorkerStoppedError extends Error {
  constructor(detail: string) {
    super(`restore worker thread stopped (${detail}); nothing was moved into place — run the restore again`);
    this.name = "WorkerStoppedError";
  }
}

/**
 * Installed, this file is compiled JavaScript beside `workers/restore-worker.js`. In the
 * workspace it is TypeScript run by tsx, whose loader must be registered in each new
 * thread: the bootstrap does that (as for the backup's chunk workers, chunk-pool.ts).
 */
const WORKER_ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("./workers/restore-worker-bootstrap.mjs", import.meta.url)
  : new URL("./workers/restore-worker.js", import.meta.url);

let entryOverride: URL | undefined;
/** Tests only: start workers from another module (one that crashes, to test that path). */
export function useRestoreWorkerEntry(entry: URL | undefined): void {
  entryOverride = entry;
}

/** Young-generation size of a restore worker (see the constructor). */
const YOUNG_GENERATION_MB = 2;

/**
 * The buffer one range in flight uses: the sealed bytes are read into `sealed` (a view of
 * it from the range's `sealedOffset`), the worker opens them into its first bytes. Held by
 * one range at a time, from `RestorePool.slot` to `release`.
 */
export interface RangeSlot {
  /** Read the sealed range into this (its first `end - start` bytes), then hand the slot to `open`. */
  readonly sealed: Uint8Array;
  /** Give the slot back once the range's plaintexts are written; its buffer is unusable afterwards. */
  release(): void;
}

/** `n` rounded up to whole MiB. */
function roundUp(n: number): number {
  return Math.ceil(n / 1048576) * 1048576;
}

class Slot implements RangeSlot {
  readonly index: number;
  buf: Uint8Array;
  /** Where the current range's sealed bytes start in `buf`. */
  sealedAt = 0;
  sealed: Uint8Array;
  /** Workers that hold this slot's current buffer. */
  readonly sharedWith = new Set<RestoreWorker>();
  busy = false;
  constructor(index: number, bytes: number) {
    this.index = index;
    this.buf = new Uint8Array(new SharedArrayBuffer(roundUp(bytes)));
    this.sealed = this.buf;
  }
  /**
   * Take a range of `sealedBytes` read in from `sealedAt`, making room for it if it needs
   * more than the buffer holds (a chunk longer than the usual range): a new buffer, rounded
   * up to whole MiB and kept, shared again. Grown to each range's exact size, the full
   * corpus' slots were replaced 7 times, and the dead ones held this thread's malloc heap
   * ~13 MiB higher until a collection.
   */
  fit(sealedAt: number, sealedBytes: number, plainBytes: number): void {
    const bytes = Math.max(sealedAt + sealedBytes, plainBytes);
    if (this.buf.length < bytes) {
      this.buf = new Uint8Array(new SharedArrayBuffer(roundUp(bytes)));
      this.sharedWith.clear();
    }
    this.sealedAt = sealedAt;
    this.sealed = this.buf.subarray(sealedAt, sealedAt + sealedBytes);
  }
  release(): void {
    this.busy = false;
  }
}

/** The plaintexts of one range: a view of its slot, valid until the slot is released. */
export interface OpenedRange {
  plain: Uint8Array;
}

interface Pending {
  resolve: (length: number) => void;
  reject: (e: Error) => void;
}

class RestoreWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  #stopped: Error | undefined;

  constructor(root: RootKey) {
    this.worker = new Worker(entryOverride ?? WORKER_ENTRY, {
      workerData: { root: root.unsafeBytes().slice().buffer },
      // A small young generation: each range leaves megabytes of short-lived chunk buffers,
      // freed at the next scavenge; the default lets ~40 MiB more pile up per worker (measured).
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    // V8 reset the young generation's growth flag while setting up its isolate (young-generation.ts).
    this.worker.once("message", afterWorkerStarted);
    this.worker.on("message", (m: OpenAnswer) => {
      const p = this.pending.get(m.seq);
      if (!p) return;
      this.pending.delete(m.seq);
      if ("length" in m) p.resolve(m.length);
      else p.reject(answerError(m));
    });
    this.worker.on("error", (e) => this.#stop(new WorkerStoppedError(e.message)));
    this.worker.on("exit", (code) => this.#stop(new WorkerStoppedError(`exit code ${code}`)));
  }

  #stop(e: Error): void {
    this.#stopped ??= e;
    for (const p of this.pending.values()) p.reject(this.#stopped);
    this.pending.clear();
  }

  /** Open a range already in `slot`, sharing the slot's buffers first if this worker does not hold them yet. */
  post(slot: Slot, m: OpenRequest, transfer: ArrayBuffer[]): Promise<number> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (!slot.sharedWith.has(this)) {
      // A SharedArrayBuffer in a message is shared, not copied; sent before the request, so it arrives first.
      this.worker.postMessage({
        op: "slot",
        slot: slot.index,
        buf: slot.buf.buffer as SharedArrayBuffer,
      } satisfies SlotRequest);
      slot.sharedWith.add(this);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(m.seq, { resolve, reject });
      this.worker.postMessage(m, transfer);
    });
  }
}

/** The error a worker reported, rebuilt: an integrity failure keeps its reason, object and words. */
function answerError(m: Extract<OpenAnswer, { error: string }>): Error {
  if (m.reason) {
    const e = new IntegrityError(m.reason, "", m.objectId);
    e.message = m.error;
    return e;
  }
  return new Error(`restore worker: ${m.error}`);
}

/** Size of a slot's buffer (a range holds at most this much, bar one larger chunk). */
export const SLOT_BYTES = ANSWER_BYTES;

export class RestorePool {
  readonly #workers: RestoreWorker[];
  readonly #slots: Slot[] = [];
  #seq = 0;

  constructor(root: RootKey, n: number) {
    // When the CLI asked for it (freeCopiedPiecesAtOnce), the workers' contexts get
    // `ArrayBuffer.prototype.transfer`, and `openObjectInto` frees each 64 KiB piece
    // node:crypto returns as soon as it is copied into the slot: ~6 MiB less peak RSS on
    // the full corpus (docs/performance.md, "Restore, round 7").
    beforeSealing();
    this.#workers = Array.from({ length: Math.max(1, n) }, () => new RestoreWorker(root));
  }

  /**
   * A free slot with room for `range`: one a released range left (a restore reads every
   * range into the same few buffers, as many as it has ranges in flight), else a new one.
   * A fresh buffer per 2 MiB range grew this thread's malloc heap by ~35 MiB on the full
   * corpus (docs/performance.md, "Restore, round 3").
   */
  slot(range: PackRange<unknown>): RangeSlot {
    const sealedBytes = range.end - range.start;
    const plainBytes = range.requests.reduce((n, r) => n + r.loc.rawLength, 0);
    const sealedAt = sealedOffset(range.requests, range.start, range.end);
    let s = this.#slots.find((x) => !x.busy);
    if (!s) {
      s = new Slot(this.#slots.length, Math.max(sealedAt + sealedBytes, plainBytes, SLOT_BYTES));
      this.#slots.push(s);
    }
    s.fit(sealedAt, sealedBytes, plainBytes);
    s.busy = true;
    return s;
  }

  /**
   * Open every chunk of `range`, read from pack `name` as `bytes`: a view of `slot.sealed`
   * from its first byte, or (a storage that read into its own buffer) bytes copied into it.
   * Resolves with their plaintexts end to end, in `range.requests` order, from the slot's
   * first byte (over the sealed bytes: `slot.sealed` no longer holds them);
   * rejects with the `IntegrityError` the one-thread path would throw, or
   * `WorkerStoppedError`.
   */
  async open(name: string, range: PackRange<unknown>, slot: RangeSlot, bytes: Uint8Array): Promise<OpenedRange> {
    const s = slot as Slot;
    if (bytes.buffer !== s.sealed.buffer || bytes.byteOffset !== s.sealed.byteOffset) s.sealed.set(bytes);
    const n = range.requests.length;
    const ids: string[] = [];
    const meta = new Uint32Array(n * META_FIELDS);
    range.requests.forEach((r, k) => {
      ids.push(r.id);
      meta.set([r.loc.offset, r.loc.length, r.loc.rawLength, r.loc.flags], k * META_FIELDS);
    });
    // The worker with the fewest ranges waiting (a queued range keeps it busy between messages).
    const w = this.#workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const m: OpenRequest = {
      op: "open",
      seq: ++this.#seq,
      slot: s.index,
      name,
      start: range.start,
      end: range.end,
      sealedAt: s.sealedAt,
      bytesLength: bytes.length,
      ids,
      meta: meta.buffer,
    };
    const length = await w.post(s, m, [meta.buffer]);
    return { plain: s.buf.subarray(0, length) };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}
