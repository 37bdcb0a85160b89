/**
 * Copies a live SQLite database with SQLite's online backup API (DESIGN §5): the copy
 * has the source's page layout, so pages that did not change are byte-identical between
 * two backups and dedup finds them. Reading the file directly under a writer could tear
 * pages and would miss whatever still sits in the -wal file.
 */
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { basename, join } from "node:path";
import type Database from "better-sqlite3";
import { sqlite } from "../sqlite.ts";
import { describeErrno } from "../errno-words.ts";
import { DatabaseSourceError } from "./errors.ts";

/** A self-contained copy of a database (rollback-journal mode, no -wal beside it). */
export interface DatabaseSnapshot {
  /** The copy, inside the `tmpDir` given; the caller deletes it when done. */
  path: string;
  pageSize: number;
  pageCount: number;
  /** File size: `pageSize * pageCount`. */
  bytes: number;
}

/** Options of {@link snapshotDatabase}. */
export interface SnapshotOptions {
  /** Give up (error `busy`) after this long; default 10 minutes. */
  timeoutMs?: number;
  /** Pages copied per event-loop turn; default 4096 (16 MiB at 4 KiB pages). */
  pagesPerStep?: number;
  /** Called after every step with pages copied so far and the total. */
  onProgress?: (copiedPages: number, totalPages: number) => void;
  /**
   * Where to copy instead when `tmpDir` runs out of space during the copy (ENOSPC,
   * SQLITE_FULL): `tmpDir` is then a memory file system that was tried first
   * (memory-dir.ts), this the usual temp folder. The failed copy is removed first.
   */
  fallbackDir?: string;
}

const MAGIC = "SQLite format 3\0";
/** The source connection's page cache during the copy, KiB (see copyPages). */
const SOURCE_CACHE_KIB = 256;

/**
 * Snapshots the database at `dbPath` into a new file in `tmpDir`.
 *
 * Consistency under a concurrent writer in another process: `sqlite3_backup_step`
 * normally takes and drops a read lock per step, and when another connection commits
 * between two steps the backup starts over — with a busy app it may never finish
 * (measured against the live writer of @chatvault/demo-data: a plain `db.backup()` restarted ~7,800 times in 3 s
 * and never completed).
 * Instead we open a read transaction on the source first (`BEGIN` + a read) and keep it
 * for the whole copy. Every step then reads the same snapshot (WAL: our read mark; rollback
 * mode: our SHARED lock), SQLite sees no change and never restarts, and the copy is the
 * database as of one commit. The steps stay small so the event loop keeps running. In WAL
 * mode (what chat apps use) the writer is not blocked at all; its checkpoints just cannot
 * pass our read mark until we finish. In rollback-journal mode writers wait for us
 * (their busy timeout), as with any reader.
 *
 * @throws {DatabaseSourceError} `not_found`, `not_a_database`, `busy` (retryable), `inconsistent`, `io_error`
 */
export async function snapshotDatabase(dbPath: string, tmpDir: string, options: SnapshotOptions = {}): Promise<DatabaseSnapshot> {
  try {
    return await snapshotInto(dbPath, tmpDir, options);
  } catch (error) {
    if (options.fallbackDir === undefined || !outOfSpace(error)) throw error;
    return await snapshotInto(dbPath, options.fallbackDir, options);
  }
}

/**
 * Bytes a copy of the database at `dbPath` may need: the file plus its -wal (whose frames
 * may add pages). An estimate for choosing a folder, not a limit.
 */
export function snapshotSizeEstimate(dbPath: string): number {
  let bytes = 0;
  for (const p of [dbPath, `${dbPath}-wal`]) {
    try {
      bytes += statSync(p).size;
    } catch {
      // Absent: nothing to add (a missing database fails later, with its own error).
    }
  }
  return bytes;
}

/** The folder the copy went to filled up (the copy failed cleanly and was removed). */
function outOfSpace(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  const cause = (e as { cause?: { code?: unknown } }).cause;
  return code === "ENOSPC" || code === "SQLITE_FULL" || (e instanceof DatabaseSourceError && (cause?.code === "SQLITE_FULL" || cause?.code === "ENOSPC"));
}

async function snapshotInto(dbPath: string, tmpDir: string, options: SnapshotOptions): Promise<DatabaseSnapshot> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const pagesPerStep = options.pagesPerStep ?? 4096;
  if (!Number.isInteger(pagesPerStep) || pagesPerStep < 1) throw new RangeError("pagesPerStep must be a positive integer");
  checkHeader(dbPath);

  const dest = join(tmpDir, `${basename(dbPath)}.${randomUUID()}.snapshot`);
  // Create it empty and exclusively: a fresh destination makes the copy deterministic
  // (the backup sets the copy's schema cookie to the destination's old one + 1).
  // 0600: the copy is the plaintext chat history (SQLite gives its journal the same mode).
  closeSync(openSync(dest, "wx", 0o600));
  try {
    const sourcePages = await copyPages(dbPath, dest, timeoutMs, pagesPerStep, options.onProgress);
    return finishCopy(dest, sourcePages);
  } catch (error) {
    for (const p of [dest, `${dest}-journal`, `${dest}-wal`, `${dest}-shm`]) rmSync(p, { force: true });
    throw error;
  }
}

function checkHeader(dbPath: string): void {
  let fd: number;
  try {
    fd = openSync(dbPath, "r");
  } catch (cause) {
    throw new DatabaseSourceError("not_found", `cannot open database ${dbPath}: ${describeErrno(cause)}`, { cause });
  }
  const head = Buffer.alloc(100);
  let n: number;
  try {
    n = readSync(fd, head, 0, 100, 0);
  } catch (cause) {
    throw new DatabaseSourceError("not_found", `cannot read database ${dbPath}: ${describeErrno(cause)}`, { cause });
  } finally {
    closeSync(fd);
  }
  if (n < 100 || head.toString("latin1", 0, 16) !== MAGIC) {
    throw new DatabaseSourceError("not_a_database", `${dbPath} is not a SQLite database (no "SQLite format 3" header)`);
  }
}

async function copyPages(dbPath: string, dest: string, timeoutMs: number, pagesPerStep: number, onProgress: SnapshotOptions["onProgress"]): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let src: Database.Database;
  try {
    // Read-only: we never write the app's database. The busy timeout covers the moment a
    // rollback-mode writer holds its exclusive lock; WAL readers are not blocked.
    src = new (sqlite())(dbPath, { readonly: true, fileMustExist: true, timeout: Math.min(timeoutMs, 30_000) });
  } catch (cause) {
    throw sqliteFailure(dbPath, cause);
  }
  try {
    let pageCount: number;
    try {
      // The copy reads each page once: a page cache is of no use to it. better-sqlite3's
      // SQLite defaults to 16 MB per connection (SQLITE_DEFAULT_CACHE_SIZE=-16000), which
      // the copy filled and kept to its end: 16 MiB of a day-after backup's peak RSS, for
      // nothing (docs/performance.md, round 6). 256 KiB holds what a read transaction and
      // one backup step need.
      src.pragma(`cache_size = -${SOURCE_CACHE_KIB}`);
      src.exec("BEGIN");
      // The first read starts the read transaction that pins our snapshot until COMMIT.
      src.prepare("SELECT count(*) FROM sqlite_schema").pluck().get();
      pageCount = src.pragma("page_count", { simple: true }) as number;
    } catch (cause) {
      throw sqliteFailure(dbPath, cause);
    }
    await src
      .backup(dest, {
        progress: ({ totalPages, remainingPages }) => {
          onProgress?.(totalPages - remainingPages, totalPages);
          if (performance.now() > deadline) {
            throw new DatabaseSourceError("busy", `snapshot of ${dbPath} did not finish within ${timeoutMs} ms`);
          }
          return pagesPerStep;
        },
      })
      .catch((cause: unknown) => {
        throw cause instanceof DatabaseSourceError ? cause : sqliteFailure(dbPath, cause);
      });
    onProgress?.(pageCount, pageCount);
    src.exec("COMMIT");
    return pageCount;
  } finally {
    src.close();
  }
}

/**
 * Makes the copy self-contained and checks it. The backup copies page 1 verbatim, so a
 * WAL source gives a copy whose header says WAL (file format bytes 18–19 = 2), and the
 * next open would create a -wal beside it. Switching it to DELETE rewrites only page 1's
 * header (those two bytes, the change counter and the SQLite version), deterministically,
 * so two snapshots of an unchanged database stay identical page for page.
 */
function finishCopy(dest: string, sourcePages: number): DatabaseSnapshot {
  const copy = new (sqlite())(dest, { fileMustExist: true });
  let pageSize: number;
  let pageCount: number;
  try {
    if (copy.pragma("journal_mode", { simple: true }) !== "delete") copy.pragma("journal_mode = DELETE");
    pageSize = copy.pragma("page_size", { simple: true }) as number;
    pageCount = copy.pragma("page_count", { simple: true }) as number;
  } finally {
    copy.close();
  }
  for (const side of [`${dest}-wal`, `${dest}-shm`, `${dest}-journal`]) {
    if (existsSync(side)) throw new DatabaseSourceError("inconsistent", `snapshot left ${side} behind`);
  }
  const bytes = statSync(dest).size;
  if (pageCount !== sourcePages || bytes !== pageSize * pageCount) {
    throw new DatabaseSourceError("inconsistent", `snapshot has ${pageCount} pages of ${pageSize} bytes (${bytes} bytes), source had ${sourcePages} pages`);
  }
  return { path: dest, pageSize, pageCount, bytes };
}

function sqliteFailure(dbPath: string, cause: unknown): DatabaseSourceError {
  const code = (cause as { code?: unknown }).code;
  const message = (cause as Error).message ?? String(cause);
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
    return new DatabaseSourceError("not_a_database", `${dbPath} is not a usable SQLite database: ${message}`, { cause });
  }
  if (typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))) {
    return new DatabaseSourceError("busy", `${dbPath} is locked by another connection: ${message}`, { cause });
  }
  if (typeof code === "string" && code.startsWith("SQLITE_CANTOPEN")) {
    return new DatabaseSourceError("not_found", `cannot open database ${dbPath}: ${message}`, { cause });
  }
  return new DatabaseSourceError("io_error", `snapshot of ${dbPath} failed: ${message}`, { cause });
}
