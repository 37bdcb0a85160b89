/**
 * The restored database's `PRAGMA integrity_check` (spec §8.8), never skipped: run on a
 * worker thread while the media are still being downloaded and written, so restore
 * does not wait for it at the end. If a worker cannot be started (an embedding without
 * worker threads), it runs here instead.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { sqlite } from "./sqlite.ts";
import { IntegrityError } from "@chatvault/format";
import { afterWorkerStarted } from "./young-generation.ts";

/** Check on this thread; throws `IntegrityError` `bad_structure` unless SQLite says "ok". */
export function checkDatabase(path: string): void {
  let rows: { integrity_check: string }[];
  try {
    const db = new (sqlite())(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma(`cache_size = ${CHECK_CACHE_SIZE}`);
      rows = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    } finally {
      db.close();
    }
  } catch (e) {
    // SQLite refused to open or read it at all: the restored file is not a sound database.
    throw new IntegrityError("bad_structure", `restored database cannot be checked: ${e instanceof Error ? e.message : String(e)}`);
  }
  judge(rows);
}

function judge(rows: { integrity_check: string }[]): void {
  if (rows.length !== 1 || rows[0]!.integrity_check !== "ok") {
    throw new IntegrityError("bad_structure", `restored database fails PRAGMA integrity_check: ${rows[0]?.integrity_check ?? "no result"}`);
  }
}

/**
 * The check's page cache, in SQLite's units (negative: KiB). better-sqlite3 builds SQLite
 * with a 16 MiB default, which the check filled: the full corpus' 188 MB database checked
 * in the same CPU time (±2%) with 1 MiB (or 256 KiB), and 16 MiB less resident memory
 * (docs/performance.md, "Peak memory, round 2"). The pages come from the file just
 * written, still in the kernel's page cache.
 */
const CHECK_CACHE_SIZE = -1024;

// Plain CommonJS evaluated by the worker: no loader, no bundling step needed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
try {
  const Database = require(workerData.module);
  const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  try {
    db.pragma("cache_size = " + workerData.cacheSize);
    parentPort.postMessage({ rows: db.prepare("PRAGMA integrity_check").all() });
  } finally {
    db.close();
  }
} catch (e) {
  parentPort.postMessage({ error: String((e && e.message) || e) });
}`;

/**
 * Start the check of a completely written database file; the promise settles when it
 * is done (rejects with `IntegrityError` like `checkDatabase`). The caller MUST await it
 * before moving the database into place.
 */
export function startDatabaseCheck(path: string, opts: { concurrent: boolean } = { concurrent: true }): Promise<void> {
  // Sequential when little is left to overlap with: a worker's isolate costs ~25 MiB.
  if (!opts.concurrent) return Promise.resolve().then(() => checkDatabase(path));
  let module: string;
  let worker: Worker;
  try {
    module = createRequire(import.meta.url).resolve("better-sqlite3");
    // A small heap: the worker holds one SQLite connection and at most 100 result rows.
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, path, cacheSize: CHECK_CACHE_SIZE },
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
    });
  } catch {
    return Promise.resolve().then(() => checkDatabase(path));
  }
  // Its one answer comes at the end: set the flag again as soon as its isolate is up (young-generation.ts).
  worker.once("online", afterWorkerStarted);
  return new Promise<void>((resolve, reject) => {
    let answered = false;
    worker.once("message", (m: { rows?: { integrity_check: string }[]; error?: string }) => {
      answered = true;
      void worker.terminate();
      if (m.rows) {
        try {
          judge(m.rows);
          resolve();
        } catch (e) {
          reject(e);
        }
        return;
      }
      // SQLite refused to open or read it at all: the restored file is not a sound database.
      reject(new IntegrityError("bad_structure", `restored database cannot be checked: ${m.error ?? "unknown error"}`));
    });
    worker.once("error", () => {
      // The worker itself failed (not SQLite): check here rather than not at all.
      if (!answered) {
        answered = true;
        try {
          checkDatabase(path);
          resolve();
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}
