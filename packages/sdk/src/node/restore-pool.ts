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
import { META_FIELDS, type OpenAnswer, type OpenRequest, type RecycleRequest } from "./workers/restore-messages.ts";

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

  constructor(root: RootKey) {
    this.worker = new Worker(entryOverride ?? WORKER_ENTRY, {
      workerData: { root: root.unsafeBytes().slice().buffer },
      // A small young generation: each range leaves megabytes of short-lived chunk buffers,
      // freed at the next scavenge; the default lets ~40 MiB more pile up per worker (measured).
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    this.worker.on("message", (m: OpenAnswer) => {
      const p = this.pending.get(m.seq);
      if (!p) return;
      this.pending.delete(m.seq);
      if ("plain" in m) p.resolve({ plain: new Uint8Array(m.plain, 0, m.length), recycle: () => this.recycle(m.plain) });
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

/** The bytes of `view` as an ArrayBuffer that may be transferred: its own when it spans all of it, else a copy. */
function transferable(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  return view.slice().buffer;
}

export class RestorePool {
  readonly #workers: RestoreWorker[];
  #seq = 0;

  constructor(root: RootKey, n: number) {
    this.#workers = Array.from({ length: Math.max(1, n) }, () => new RestoreWorker(root));
  }

  /**
   * Open every chunk of `range`, read from pack `name` as `bytes` (which the caller owns
   * and hands over: it is detached once posted). Resolves with their plaintexts end to
   * end, in `range.requests` order; rejects with the `IntegrityError` the one-thread path
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
    const buf = transferable(bytes);
    return w.post({ op: "open", seq: ++this.#seq, name, start: range.start, end: range.end, bytes: buf, ids, meta: meta.buffer }, [buf, meta.buffer]);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}
