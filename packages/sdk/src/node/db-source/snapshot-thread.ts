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
import type { DatabaseSnapshot, SnapshotOptions } from "./snapshot.ts";

/** What the thread is given (structured-cloned: no functions). */
export interface CopyRequest {
  dbPath: string;
  tmpDir: string;
  options: Omit<SnapshotOptions, "onProgress">;
  /** Post progress messages. */
  progress: boolean;
}

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
export function snapshotDatabaseOnThread(dbPath: string, tmpDir: string, options: SnapshotOptions = {}): SnapshotJob {
  const { onProgress, ...rest } = options;
  const request: CopyRequest = { dbPath, tmpDir, options: rest, progress: onProgress !== undefined };
  const worker = new Worker(WORKER_ENTRY, { workerData: request });
  let settled = false;
  const done = new Promise<DatabaseSnapshot>((resolve, reject) => {
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
    };
    worker.on("message", (m: { progress?: [number, number]; snapshot?: DatabaseSnapshot; error?: CopyErrorData }) => {
      if (m.progress) onProgress?.(m.progress[0], m.progress[1]);
      else if (m.snapshot) settle(() => resolve(m.snapshot!));
      else if (m.error) settle(() => reject(rebuildCopyError(m.error!)));
    });
    worker.on("error", (e) => settle(() => reject(new DatabaseSourceError("io_error", `snapshot of ${dbPath} failed: ${e.message}`, { cause: e }))));
    worker.on("exit", (code) => settle(() => reject(new DatabaseSourceError("io_error", `snapshot of ${dbPath} stopped: its thread exited (code ${code})`))));
  });
  // A copy nobody waits for any more (the backup failed elsewhere) must not surface as an unhandled rejection.
  done.catch(() => {});
  return {
    done,
    async cancel() {
      await worker.terminate();
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
