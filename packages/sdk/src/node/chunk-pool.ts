/**
 * Runs chunk tasks on worker threads, one task per worker at a time; this thread keeps
 * what must be ordered or shared — dedup decisions, packing, pack hashes and uploads —
 * and takes tasks beside the workers (split-runner.ts). `inlineRunner` runs tasks on
 * this thread, alone for small backups.
 */
import { Worker } from "node:worker_threads";
import type { ChunkerParams, RootKey } from "@chatvault/format";
import type { ChunkIdSet } from "../backup/id-set.ts";
import { type ChunkTask, MediaReadError, type TaskContext, type TaskPart, runChunkTask } from "./chunk-tasks.ts";
import type { PostedPart } from "./workers/chunk-worker.ts";
import { afterWorkerStarted, youngGenerationRequested } from "./young-generation.ts";

export interface TaskRunner {
  /**
   * Run `task`; `onPart` is awaited for each part before the task goes on. A part's sealed
   * bytes are the runner's again once `onPart` has ended (a worker refills the buffer):
   * copy them, do not keep them. Its `ids` may be kept.
   */
  run(task: ChunkTask, onPart: (part: TaskPart) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export function inlineRunner(ctx: TaskContext): TaskRunner {
  return {
    run: (task, onPart) => runChunkTask(ctx, task, onPart),
    async close() {},
  };
}

/**
 * Installed, this file is compiled JavaScript beside `workers/chunk-worker.js`. In the
 * workspace it is TypeScript run by tsx, whose loader must be registered in each new
 * thread: the bootstrap does that, then imports chunk-worker.ts.
 */
const WORKER_ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("./workers/chunk-worker-bootstrap.mjs", import.meta.url)
  : new URL("./workers/chunk-worker.js", import.meta.url);

type Handler = (m: Record<string, unknown>) => void;

class PoolWorker {
  readonly worker: Worker;
  readonly #handlers = new Map<number, { onMessage: Handler; fail: (e: Error) => void }>();
  /** Tasks posted to this worker and not ended. */
  running = 0;

  constructor(root: RootKey, chunker: ChunkerParams, known: ChunkIdSet) {
    this.worker = new Worker(WORKER_ENTRY, {
      workerData: { root: root.unsafeBytes().slice().buffer, chunker, known: known.buffer, youngGenerationSmall: youngGenerationRequested() },
    });
    // V8 reset the young generation's growth flag while setting up its isolate (young-generation.ts):
    // set again once it runs (every young generation grows meanwhile: its first part comes
    // only after its first megabyte is sealed), and at its first answer (under tsx it
    // starts a module loader's thread, another isolate, while loading).
    this.worker.once("online", afterWorkerStarted);
    this.worker.once("message", afterWorkerStarted);
    this.worker.on("message", (m: Record<string, unknown>) => this.#handlers.get(m.seq as number)?.onMessage(m));
    this.worker.on("error", (e) => this.#failAll(e));
    this.worker.on("exit", (code) => this.#failAll(new Error(`chunk worker exited with code ${code}`)));
  }

  #failAll(e: Error): void {
    for (const h of this.#handlers.values()) h.fail(e);
    this.#handlers.clear();
  }

  /** Post a request; `onMessage` sees every answer until it calls `finish`. */
  request(
    seq: number,
    msg: Record<string, unknown>,
    transfer: ArrayBuffer[],
    onMessage: (m: Record<string, unknown>, finish: (e?: Error) => void) => void,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (e?: Error) => {
        this.#handlers.delete(seq);
        if (e) reject(e);
        else resolve();
      };
      this.#handlers.set(seq, {
        onMessage: (m) => (typeof m.error === "string" ? finish(workerError(m)) : onMessage(m, finish)),
        fail: reject,
      });
      this.worker.postMessage({ ...msg, seq }, transfer);
    });
  }
}

/** The error a worker reported, rebuilt: a media read failure keeps its type and errno. */
function workerError(m: Record<string, unknown>): Error {
  if (typeof m.mediaRead === "string") return new MediaReadError(String(m.error), m.mediaRead || undefined);
  return new Error(`chunk worker: ${String(m.error)}`);
}

function unpack(p: PostedPart): TaskPart {
  const ids = new Uint8Array(p.ids);
  const sealed = new Uint8Array(p.sealed);
  const out: TaskPart = { ids: [], sealed: [], bytesRead: p.bytesRead };
  for (let o = 0; o < ids.length; o += 32) out.ids.push(ids.subarray(o, o + 32));
  let o = 0;
  p.index.forEach((index, k) => {
    out.sealed.push({ index, data: sealed.subarray(o, o + p.lengths[k]!), length: p.lengths[k]!, rawLength: p.rawLengths[k]!, flags: p.flags[k]! });
    o += p.lengths[k]!;
  });
  return out;
}

/**
 * Tasks posted to a worker at once: it runs one, the next waits in its queue
 * (workers/chunk-worker.ts). With one, the worker sat idle from the end of each task until
 * this thread — busy with its own chunk task, packing and hashing — got round to its
 * "done" message and posted the next: once per media file, ~1,000 times in a full backup.
 * Queued, not run side by side: two tasks at once held two chunkers' and two tasks' parts
 * and raised the peak RSS by ~30 MiB (docs/performance.md, "Full backup, round 2").
 */
export const TASKS_PER_WORKER = 2;

/** `n` worker threads holding up to `perWorker` tasks each (one running); further tasks wait for a slot. */
export function workerRunner(root: RootKey, chunker: ChunkerParams, known: ChunkIdSet, n: number, perWorker = TASKS_PER_WORKER): TaskRunner {
  if (!Number.isSafeInteger(perWorker) || perWorker < 1) throw new RangeError("perWorker must be an integer ≥ 1");
  const workers = Array.from({ length: Math.max(1, n) }, () => new PoolWorker(root, chunker, known));
  const waiting: ((w: PoolWorker) => void)[] = [];
  let seq = 0;
  const acquire = (): Promise<PoolWorker> => {
    // The least loaded worker, so n workers each get a task before any gets a second.
    let free: PoolWorker | undefined;
    for (const w of workers) if (w.running < perWorker && (!free || w.running < free.running)) free = w;
    if (free) {
      free.running += 1;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (w: PoolWorker) => {
    const next = waiting.shift();
    if (next) next(w);
    else w.running -= 1;
  };
  return {
    async run(task, onPart) {
      const w = await acquire();
      const s = ++seq;
      // A worker posts up to two parts ahead of their acks: they are taken one after the
      // other, in order (the caller collects IDs in order), and the task ends after the last.
      let parts: Promise<void> = Promise.resolve();
      let failed = false;
      try {
        await w.request(s, { op: "task", task }, [], (m, finish) => {
          if (m.done) {
            void parts.then(() => finish());
            return;
          }
          const posted = m.part as PostedPart;
          parts = parts.then(async () => {
            // Once this task failed here, its parts are not stored; each is still answered
            // (with `stop`), so the worker ends the task instead of waiting for an ack, and a
            // task queued behind it there can start — and end — too.
            const stop = () => w.worker.postMessage({ op: "ack", seq: s, sealed: posted.sealed, stop: true }, [posted.sealed]);
            if (failed) return stop();
            try {
              await onPart(unpack(posted));
            } catch (e) {
              failed = true;
              finish(e instanceof Error ? e : new Error(String(e)));
              return stop();
            }
            // Every sealed chunk of the part is in a pack now (the store copies it before
            // `onPart` ends; the IDs are another buffer): the worker fills the buffer again.
            w.worker.postMessage({ op: "ack", seq: s, sealed: posted.sealed }, [posted.sealed]);
          });
        });
      } finally {
        release(w);
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
