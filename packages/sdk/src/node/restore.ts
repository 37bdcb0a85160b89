/**
 * Restore (spec §8.8): resolve the snapshot (checked against the head), check that
 * every chunk is indexed, write everything into a staging folder inside the
 * destination, authenticate every chunk, fsync, check the database, and only then move
 * the results into place. On any error the staging folder is removed (and the
 * destination folder, if this restore created it): nothing half-written is left at the
 * destination. A media file whose recorded size disagrees with its chunks is left out and
 * reported in `damaged`; the database and the other files are still restored.
 */
// The node:crypto backend, whichever SDK entry brought this module in (node-crypto.ts).
import "./node-crypto.ts";
import { existsSync } from "node:fs";
import { constants } from "node:fs";
import { access, mkdir, open, rename, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Compressor } from "../backup/compressor.ts";
import { RestoreTargetExistsError } from "../errors.ts";
import { type ProgressListener, ProgressTracker } from "../progress.ts";
import type { HeadStore } from "../repo/head.ts";
import type { Repository } from "../repo/repository.ts";
import { type LockOptions, withReaderLock } from "../repo/lock.ts";
import { type DamagedFile, type PlannedFile, restoredDatabaseName } from "../restore/plan.ts";
import { prepareRestore, recordRestoredHead } from "../restore/prepare.ts";
import { localFileError } from "./local-errors.ts";
import { nodeLockHolder } from "./lock-holder.ts";
import { downloadInto } from "./restore-download.ts";
import { makeRunDir } from "./work-dir.ts";

export interface RestoreOptions {
  repo: Repository;
  heads: HeadStore;
  /** Destination folder: the database lands at `to/<name>`, media under `to/media/`. */
  to: string;
  /** "latest" (default), a sequence number, or a digest prefix. */
  snapshot?: string;
  /** Replace an existing database / media folder at the destination. */
  overwrite?: boolean;
  compressor?: Compressor;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Pack downloads (on this thread, default 4) or ranged reads (with workers, default 2) in flight. */
  concurrency?: number;
  /**
   * Worker threads that open chunks (AES-GCM, inflate, ID check) while this thread reads
   * and writes; 0: all on this thread. Default: one per core but one (at least one) when
   * more than 64 MiB are restored. A custom `compressor` keeps the work on this thread.
   */
  workers?: number;
  /** Repository lock settings (default: this host and process). */
  lock?: LockOptions;
  /**
   * Media bytes still to restore after the database above which its integrity check runs
   * on a worker thread beside them (default 128 MiB; 0: always). Never skips the check.
   */
  backgroundCheckAbove?: number;
}

export interface RestoreResult {
  snapshot: { sequence: number; digest: string; time: string };
  database: string | null;
  /** Media files restored. */
  mediaFiles: number;
  bytes: number;
  /** Media files of the snapshot left out because their data does not match their record; the rest is restored. */
  damaged: DamagedFile[];
}

/**
 * Restore under a shared repository lock, so no prune deletes packs under it (spec §8.11).
 *
 * Once everything is in place, a device-local head (`heads.local`: key and passkey mode)
 * that is behind the restored latest snapshot is advanced to it, so this machine catches
 * a later rollback (spec §8.6; never moved back, and not for an older snapshot restored
 * by name). If the head store fails to read or write, this rejects with its error — the
 * restored files stay in place (they are complete and authenticated) — and running the
 * restore again with `overwrite` once the store works records the head.
 */
export async function restore(opts: RestoreOptions): Promise<RestoreResult> {
  return withReaderLock(opts.repo, { ...nodeLockHolder("restore"), ...opts.lock }, async () => {
    const r = await restoreLocked(opts);
    await recordRestoredHead(opts.heads, opts.snapshot, r.snapshot);
    return r;
  });
}

async function restoreLocked(opts: RestoreOptions): Promise<RestoreResult> {
  const { to } = opts;
  const progress = new ProgressTracker("restore", opts.onProgress);
  // Before anything is downloaded (a version 2 manifest's listing is, spec §8.5.3).
  await checkDestination(to);
  const { resolved, plan } = await prepareRestore(opts.repo, opts.heads, opts.snapshot, progress);
  const m = resolved.manifest;
  const dbName = m.database ? restoredDatabaseName(m.database.name) : null;
  const dbTarget = dbName ? join(to, dbName) : null;
  const restoredMedia = plan.files.length - (dbName ? 1 : 0);
  if (!opts.overwrite) {
    if (dbTarget && existsSync(dbTarget)) throw new RestoreTargetExistsError(dbTarget);
    if (restoredMedia > 0 && existsSync(join(to, "media"))) throw new RestoreTargetExistsError(join(to, "media"));
  }

  // A destination this restore created is removed again if the restore fails.
  let created: string | undefined;
  let staging: string | undefined;
  let moved = false;
  let folders: Promise<void> | undefined;
  try {
    created = await mkdir(to, { recursive: true });
    // The staging folder holds plaintext: 0700, files 0600, named so that the next restore
    // here removes it if this one is killed (work-dir.ts).
    staging = await makeRunDir(to, ".chatvault-restore-");
    const staged = stagedPaths(staging, plan.files);
    // The media's folders are made while the database's pages (in the staging folder
    // itself) are downloaded; a file in them is opened only once they are all made.
    folders = makeFolders(staged.folders);
    folders.catch(() => {}); // awaited by every media file's first open, and below
    progress.setPhase("downloading");
    // Each file is created (0600) by its first write, gets its mtime after its last, and is
    // fsynced once complete (staged-files.ts), all before this returns.
    const dbCheck = await downloadInto(staged.paths, plan, dbName ? join(staging, dbName) : null, progress, { ...opts, foldersMade: folders });
    if (dbCheck) {
      progress.setPhase("checking database");
      await dbCheck;
    }
    progress.setPhase("moving into place");
    await moveIntoPlace(
      staging,
      to,
      [dbName ?? undefined, restoredMedia > 0 ? "media" : undefined].filter((x): x is string => !!x),
    );
    moved = true;
    progress.setPhase("done");
    return {
      snapshot: { sequence: resolved.ref.sequence, digest: resolved.ref.digest, time: m.time },
      database: dbTarget,
      mediaFiles: restoredMedia,
      bytes: plan.bytes,
      damaged: plan.damaged,
    };
  } catch (e) {
    throw localFileError(e, "destination", to);
  } finally {
    // No mkdir may still be running in the folder about to be removed.
    await folders?.catch(() => {});
    if (staging) await rm(staging, { recursive: true, force: true });
    if (!moved && created) await removeEmptyUpTo(to, created);
  }
}

/**
 * The staging paths of the planned files, and the folders they need (inside the 0700
 * staging folder). The files themselves are created by their first write (staged-files.ts):
 * creating ~1,000 media files up front, one after the other, cost a thread-pool round trip
 * each for the open, the truncate and the close before the first byte was downloaded.
 */
function stagedPaths(staging: string, files: PlannedFile[]): { paths: (string | Buffer)[]; folders: (string | Buffer)[] } {
  const paths = files.map((f) => (f.relBytes ? Buffer.concat([Buffer.from(`${staging}/`), f.relBytes]) : join(staging, f.rel)));
  const folders = new Map<string, string | Buffer>();
  for (const p of paths) {
    const d = parentOf(p);
    folders.set(typeof d === "string" ? d : `b:${d.toString("hex")}`, d);
  }
  return { paths, folders: [...folders.values()] };
}

/**
 * Make `folders`, one after the other (a parent before its children: `recursive`). Made
 * before the first download, the full corpus' 278 folders took 0.15–0.26 s of wall at a
 * load of 2–7, synchronously or not (the file system's, not the thread pool's): beside the
 * database's download they cost none (docs/performance.md, "Restore, round 10").
 */
async function makeFolders(folders: (string | Buffer)[]): Promise<void> {
  for (const d of folders) await mkdir(d, { recursive: true });
}

/** The parent folder of a path given as a string or as bytes. */
function parentOf(p: string | Buffer): string | Buffer {
  return typeof p === "string" ? dirname(p) : p.subarray(0, p.lastIndexOf(0x2f));
}

/**
 * Before anything is downloaded: the destination must be a folder (or creatable) and
 * writable. Says "read-only" or "is a file" with the path, instead of the errno of a
 * later mkdir.
 */
async function checkDestination(to: string): Promise<void> {
  let at = to;
  for (;;) {
    const st = await stat(at).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw localFileError(e, "destination", to);
    });
    if (st) {
      if (!st.isDirectory()) {
        const code = at === to ? "EEXIST" : "ENOTDIR";
        throw localFileError(Object.assign(new Error(code), { code }), "destination", to);
      }
      break;
    }
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  await access(at, constants.W_OK).catch((e: unknown) => {
    throw localFileError(e, "destination", to);
  });
}

/** rmdir `to` and its parents up to `top` (the first folder this restore made), while they are empty. */
async function removeEmptyUpTo(to: string, top: string): Promise<void> {
  for (let d = to; ; d = dirname(d)) {
    if (
      !(await rmdir(d).then(
        () => true,
        () => false,
      ))
    )
      return;
    if (d === top || dirname(d) === d) return;
  }
}

/** Rename each staged top-level entry into `to`; what it replaces is moved aside first and removed after. */
async function moveIntoPlace(staging: string, to: string, names: string[]): Promise<void> {
  const aside = join(staging, ".replaced");
  await mkdir(aside);
  for (const name of names) {
    if (existsSync(join(to, name))) await rename(join(to, name), join(aside, name));
    await rename(join(staging, name), join(to, name));
  }
  const dir = await open(to, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
