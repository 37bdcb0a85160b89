/**
 * {@link snapshotDatabase} on a thread of its own. The copy costs ~0.2 s of CPU for the
 * bench corpus' 188 MB database — mostly the kernel's: SQLite's backup API reads and
 * writes one page per system call — and on this thread nothing else could run meanwhile.
 * On its own thread the copy runs beside this thread's other work (a day-after backup's
 * new media are chunked, sealed and packed meanwhile: docs/performance.md). It is the
 * same call with the same options, the same files and the same errors (rebuilt here from
 * the data the thread posts: DatabaseSourceError with its reason and its cause's code,
 * RangeError, and errno errors with their code).
 */
import { Worker } from "node:worker_threads";
import { DatabaseSourceError, type DatabaseSourceReason } from "./errors.ts";
import type { KeySchedule } from "@chatvault/format";
import type { DatabaseSnapshot, SnapshotOptions } from "./snapshot.ts";
import { afterWorkerStarted, youngGenerationRequested } from "../young-generation.ts";

/** What the thread is given (structured-cloned: no functions). */
export interface CopyRequest {
  dbPath: string;
  tmpDir: string;
  options: Omit<SnapshotOptions, "onProgress">;
  /** Post progress messages. */
  progress: boolean;
  /**
   * The chunk-ID key (a copy), when the thread is to compute page IDs after the copy
   * (`pageIds`): that key alone, not the root key — the thread needs nothing else, and
   * without the root key it never loads the key schedule (the format package's barrel).
   */
  chunkIdKey?: ArrayBuffer;
  /** The young generation's flag is to be set again at the thread's start (young-generation.ts). */
  youngGenerationSmall?: boolean;
}

/** What this thread sends the copy's thread once the copy is done. */
export type ThreadRequest = { op: "ids"; pages: number };

/** An error as data, to cross the thread boundary. */
interface CopyErrorData {
  name: string;
  message: string;
  reason?: DatabaseSourceReason;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  cause?: CopyErrorData;
}

/** A copy under way on its own thread. */
export interface SnapshotJob {
  /** The snapshot, as {@link snapshotDatabase} returns it, or its error. */
  readonly done: Promise<DatabaseSnapshot>;
  /**
   * Stop the copy (ends the thread; `done` then rejects unless it settled first). A copy
   * cut off this way may leave its partial file in the folder: the caller removes the
   * folder, as it does after every run.
   */
  cancel(): Promise<void>;
  /**
   * The chunk IDs (spec §8.3) of the copy's first `pages` pages, packed 32 bytes per page,
   * computed on the copy's thread while this one does other work. Only after `done`
   * resolved, once, and only for a job started with `chunkIdsWith`.
   */
  pageIds(pages: number): Promise<Uint8Array>;
}

/** Options of {@link snapshotDatabaseOnThread}: those of snapshotDatabase, and the key for `pageIds`. */
export interface SnapshotThreadOptions extends SnapshotOptions {
  /** Keep the thread after the copy to compute page IDs (`SnapshotJob.pageIds`) with this repository's keys (it is given the chunk-ID key only). */
  chunkIdsWith?: KeySchedule;
}

/**
 * The workspace runs TypeScript through tsx, whose loader each new thread must register
 * (the bootstrap does); installed, this file is compiled JavaScript beside the worker.
 */
const WORKER_ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("./snapshot-worker-bootstrap.mjs", import.meta.url)
  : new URL("./snapshot-worker.js", import.meta.url);

/**
 * Start copying the database at `dbPath` into `tmpDir` on a new thread; see
 * {@link snapshotDatabase} for what the copy is and its errors. `onProgress` is called on
 * this thread as the copy's progress messages arrive.
 */
export function snapshotDatabaseOnThread(dbPath: string, tmpDir: string, options: SnapshotThreadOptions = {}): SnapshotJob {
  const { onProgress, chunkIdsWith, ...rest } = options;
  const request: CopyRequest = {
    dbPath,
    tmpDir,
    options: rest,
    progress: onProgress !== undefined,
    ...(chunkIdsWith ? { chunkIdKey: chunkIdsWith.chunkId.unsafeBytes().slice().buffer } : {}),
    ...(youngGenerationRequested() ? { youngGenerationSmall: true } : {}),
  };
  const worker = new Worker(WORKER_ENTRY, { workerData: request });
  // V8 reset the young generation's growth flag while setting up its isolate (young-generation.ts).
  worker.once("online", afterWorkerStarted);
  /** Whoever waits on the thread now: the copy, then the page IDs. */
  let waiting: { resolve: (m: { snapshot?: DatabaseSnapshot; ids?: ArrayBuffer }) => void; reject: (e: Error) => void } | undefined;
  let ended: Error | undefined;
  const fail = (e: Error) => {
    ended ??= e;
    const w = waiting;
    waiting = undefined;
    w?.reject(e);
  };
  const next = () =>
    new Promise<{ snapshot?: DatabaseSnapshot; ids?: ArrayBuffer }>((resolve, reject) => {
      if (ended) reject(ended);
      else waiting = { resolve, reject };
    });
  const done = next().then((m) => {
    if (!m.snapshot) throw new DatabaseSourceError("io_error", `snapshot of ${dbPath} failed: the copy's thread answered out of turn`);
    return m.snapshot;
  });
  worker.on("message", (m: { progress?: [number, number]; snapshot?: DatabaseSnapshot; ids?: ArrayBuffer; error?: CopyErrorData }) => {
    if (m.progress) return onProgress?.(m.progress[0], m.progress[1]);
    const w = waiting;
    waiting = undefined;
    if (m.error) w?.reject(rebuildCopyError(m.error));
    else w?.resolve(m);
  });
  worker.on("error", (e) => fail(new DatabaseSourceError("io_error", `snapshot of ${dbPath} failed: ${e.message}`, { cause: e })));
  worker.on("exit", (code) => fail(new DatabaseSourceError("io_error", `snapshot of ${dbPath} stopped: its thread exited (code ${code})`)));
  // A copy nobody waits for any more (the backup failed elsewhere) must not surface as an unhandled rejection.
  done.catch(() => {});
  let asked = false;
  return {
    done,
    async cancel() {
      await worker.terminate();
    },
    async pageIds(pages) {
      if (!chunkIdsWith || asked) throw new TypeError("pageIds needs a job started with chunkIdsWith, and answers once");
      asked = true;
      await done;
      const answer = next();
      worker.postMessage({ op: "ids", pages } satisfies ThreadRequest);
      const { ids } = await answer;
      if (!ids || ids.byteLength !== pages * 32)
        throw new DatabaseSourceError("io_error", `page IDs of ${dbPath}: the copy's thread answered ${ids?.byteLength ?? "no"} bytes for ${pages} pages`);
      // Its work is done: the thread ends meanwhile (cancel waits for it), not before the IDs are used.
      void worker.terminate();
      return new Uint8Array(ids);
    },
  };
}

/** The error thrown in the thread, as data. */
export function describeCopyError(e: unknown, depth = 0): CopyErrorData {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const x = e as Error & { reason?: unknown; code?: unknown; errno?: unknown; syscall?: unknown; path?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(e instanceof DatabaseSourceError ? { reason: e.reason } : {}),
    ...(typeof x.code === "string" ? { code: x.code } : {}),
    ...(typeof x.errno === "number" ? { errno: x.errno } : {}),
    ...(typeof x.syscall === "string" ? { syscall: x.syscall } : {}),
    ...(typeof x.path === "string" ? { path: x.path } : {}),
    ...(e.cause !== undefined && depth < 2 ? { cause: describeCopyError(e.cause, depth + 1) } : {}),
  };
}

/** The thread's error again, as the caller of snapshotDatabase would have seen it. */
export function rebuildCopyError(d: CopyErrorData): Error {
  const cause = d.cause ? rebuildCopyError(d.cause) : undefined;
  if (d.name === "DatabaseSourceError" && d.reason) return new DatabaseSourceError(d.reason, d.message, cause ? { cause } : undefined);
  const e =
    d.name === "RangeError"
      ? new RangeError(d.message)
      : d.name === "TypeError"
        ? new TypeError(d.message)
        : new Error(d.message, cause ? { cause } : undefined);
  const fields: Record<string, unknown> = {};
  if (d.code !== undefined) fields.code = d.code;
  if (d.errno !== undefined) fields.errno = d.errno;
  if (d.syscall !== undefined) fields.syscall = d.syscall;
  if (d.path !== undefined) fields.path = d.path;
  return Object.assign(e, fields);
}
