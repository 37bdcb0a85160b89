/**
 * Worker threads that open a restore's chunks (workers/restore-worker.ts), so AES-GCM,
 * inflate and the chunk-ID check (spec §8.3) run on every core while this thread reads
 * packs and writes files. Each ranged read is transferred to a worker and its plaintexts
 * come back in one transferred buffer: no copy of a big buffer between threads. A worker
 * that stops (crash, out of memory) fails every range it held with `WorkerStoppedError`.
 */
import { Worker } from "node:worker_threads";
import { IntegrityError, type RootKey } from "@chatvault/format";
import type { PackRange } from "../repo/chunk-reader.ts";
import { ANSWER_BYTES, META_FIELDS, type OpenAnswer, type OpenRequest, type RecycleRequest } from "./workers/restore-messages.ts";
import { afterWorkerStarted } from "./young-generation.ts";

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

/** Plaintexts of one range, in a buffer to hand back with `recycle` once they are written. */
export interface OpenedRange {
  plain: Uint8Array;
  /** Give the buffer back to its worker for reuse; `plain` is unusable afterwards. */
  recycle(): void;
}

interface Pending {
  resolve: (r: OpenedRange) => void;
  reject: (e: Error) => void;
}

class RestoreWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  #stopped: Error | undefined;

  constructor(root: RootKey, onSealed: (b: ArrayBuffer) => void) {
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
      if ("plain" in m) {
        // The sealed range's buffer, transferred back whole: this thread alone holds it now.
        onSealed(m.sealed);
        p.resolve({ plain: new Uint8Array(m.plain, 0, m.length), recycle: () => this.recycle(m.plain) });
      } else p.reject(answerError(m));
    });
    this.worker.on("error", (e) => this.#stop(new WorkerStoppedError(e.message)));
    this.worker.on("exit", (code) => this.#stop(new WorkerStoppedError(`exit code ${code}`)));
  }

  #stop(e: Error): void {
    this.#stopped ??= e;
    for (const p of this.pending.values()) p.reject(this.#stopped);
    this.pending.clear();
  }

  recycle(buf: ArrayBuffer): void {
    if (!this.#stopped) this.worker.postMessage({ op: "recycle", buf } satisfies RecycleRequest, [buf]);
  }

  post(m: OpenRequest, transfer: ArrayBuffer[]): Promise<OpenedRange> {
    if (this.#stopped) return Promise.reject(this.#stopped);
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

/**
 * An ArrayBuffer that may be transferred whose first `view.length` bytes are `view`'s: its
 * own when it spans all of it, or when it is one of `ours` (a sealed buffer this pool
 * handed out: nothing else views it) and the view starts it; else a copy.
 */
function transferable(view: Uint8Array, ours: WeakSet<ArrayBufferLike>): ArrayBuffer {
  if (view.byteOffset === 0 && view.buffer instanceof ArrayBuffer && (view.byteLength === view.buffer.byteLength || ours.has(view.buffer))) return view.buffer;
  return view.slice().buffer;
}

/** Size of the buffers sealed ranges are read into (a range holds at most this much, bar one larger chunk). */
export const SEALED_BYTES = ANSWER_BYTES;
/** Sealed buffers kept for reuse: the ranges in flight, and one being read. */
const MAX_SPARE_SEALED = 4;

export class RestorePool {
  readonly #workers: RestoreWorker[];
  #seq = 0;
  readonly #spareSealed: Uint8Array[] = [];
  readonly #ours = new WeakSet<ArrayBufferLike>();

  constructor(root: RootKey, n: number) {
    this.#workers = Array.from({ length: Math.max(1, n) }, () => new RestoreWorker(root, (b) => this.sparedSealed(new Uint8Array(b))));
  }

  /**
   * A buffer of at least `size` bytes to read a sealed range into and hand to `open`: one
   * a worker gave back, or a new one. A restore then reads every range into the same few
   * buffers: a fresh one per 2 MiB range grew this thread's malloc heap by ~35 MiB on
   * the full corpus (each freed on the worker, long after; docs/performance.md).
   */
  sealedBuffer(size: number): Uint8Array {
    const at = this.#spareSealed.findIndex((b) => b.length >= size);
    const b = at >= 0 ? this.#spareSealed.splice(at, 1)[0]! : new Uint8Array(Math.max(size, SEALED_BYTES));
    this.#ours.add(b.buffer);
    return b;
  }

  /** Keep `b` (nothing else may view it) for a later `sealedBuffer`; small ones and those past the few kept are dropped. */
  sparedSealed(b: Uint8Array): void {
    if (b.byteOffset !== 0 || b.length < SEALED_BYTES || this.#spareSealed.length >= MAX_SPARE_SEALED) return;
    this.#spareSealed.push(b);
  }

  /**
   * Open every chunk of `range`, read from pack `name` as `bytes` (which the caller owns
   * and hands over: detached once posted; a worker gives its buffer back for `sealedBuffer`).
   * Resolves with their plaintexts end to end, in `range.requests` order; rejects with the `IntegrityError` the one-thread path
   * would throw, or `WorkerStoppedError`.
   */
  open(name: string, range: PackRange<unknown>, bytes: Uint8Array): Promise<OpenedRange> {
    const n = range.requests.length;
    const ids: string[] = [];
    const meta = new Uint32Array(n * META_FIELDS);
    range.requests.forEach((r, k) => {
      ids.push(r.id);
      meta.set([r.loc.offset, r.loc.length, r.loc.rawLength, r.loc.flags], k * META_FIELDS);
    });
    // The worker with the fewest ranges waiting (a queued range keeps it busy between messages).
    const w = this.#workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const buf = transferable(bytes, this.#ours);
    return w.post({ op: "open", seq: ++this.#seq, name, start: range.start, end: range.end, bytes: buf, bytesLength: bytes.length, ids, meta: meta.buffer }, [
      buf,
      meta.buffer,
    ]);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}
