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
import { access, mkdir, open, rename, rm, rmdir, stat, utimes, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { IntegrityError } from "@chatvault/format";
import type { Compressor } from "../backup/compressor.ts";
import { CancelledError, RestoreTargetExistsError } from "../errors.ts";
import { type ProgressListener, ProgressTracker } from "../progress.ts";
import { readPackChunks } from "../repo/chunk-reader.ts";
import type { HeadStore } from "../repo/head.ts";
import type { Repository } from "../repo/repository.ts";
import { type LockOptions, withReaderLock } from "../repo/lock.ts";
import { type DamagedFile, planRestore, restoredDatabaseName } from "../restore/plan.ts";
import { startDatabaseCheck } from "./database-check.ts";
import { localFileError } from "./local-errors.ts";
import { nodeLockHolder } from "./lock-holder.ts";
import { makeRunDir } from "./work-dir.ts";
import { zlibCompressor } from "./zlib-compressor.ts";

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
  /** Pack downloads in parallel. */
  concurrency?: number;
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

/** Media bytes still to restore after the database above which its check runs on a worker thread. */
const CONCURRENT_CHECK_BYTES = 128 * 1024 * 1024;

/** Restore under a shared repository lock, so no prune deletes packs under it (spec §8.11). */
export async function restore(opts: RestoreOptions): Promise<RestoreResult> {
  return withReaderLock(opts.repo, { ...nodeLockHolder("restore"), ...opts.lock }, () => restoreLocked(opts));
}

async function restoreLocked(opts: RestoreOptions): Promise<RestoreResult> {
  const { repo, to } = opts;
  const progress = new ProgressTracker("restore", opts.onProgress);
  // Before anything is downloaded (a version 2 manifest's listing is, spec §8.5.3).
  await checkDestination(to);
  progress.setPhase("reading repository");
  const index = await repo.loadIndex();
  const resolved = await repo.resolveSnapshot(opts.heads, opts.snapshot, { index });
  if (!resolved) throw new IntegrityError("missing_object", "the repository holds no snapshot yet");
  const m = resolved.manifest;
  const dbName = m.database ? restoredDatabaseName(m.database.name) : null;
  const dbTarget = dbName ? join(to, dbName) : null;
  const mediaTarget = join(to, "media");
  const { byPack, files, bytes, damaged } = planRestore(m, (id) => index.get(id));
  const restoredMedia = files.length - (dbName ? 1 : 0);
  if (!opts.overwrite) {
    if (dbTarget && existsSync(dbTarget)) throw new RestoreTargetExistsError(dbTarget);
    if (restoredMedia > 0 && existsSync(mediaTarget)) throw new RestoreTargetExistsError(mediaTarget);
  }
  progress.bytesTotal = bytes;
  progress.filesTotal = files.length;

  // A destination this restore created is removed again if the restore fails.
  let created: string | undefined;
  let staging: string | undefined;
  let moved = false;
  try {
    created = await mkdir(to, { recursive: true });
    // The staging folder holds plaintext: 0700, files 0600, named so that the next restore
    // here removes it if this one is killed (work-dir.ts).
    staging = await makeRunDir(to, ".chatvault-restore-");
    const stage = staging;
    const paths = files.map((f) => (f.relBytes ? Buffer.concat([Buffer.from(`${stage}/`), f.relBytes]) : join(stage, f.rel)));
    for (let i = 0; i < files.length; i++) {
      await mkdir(parentOf(paths[i]!), { recursive: true });
      const fh = await open(paths[i]!, "wx", 0o600);
      await fh.truncate(files[i]!.size);
      await fh.close();
    }
    progress.setPhase("downloading");
    const handles = new HandleCache(paths);
    let dbCheck: Promise<void> | undefined;
    try {
      // Packs holding database pages first: once they are written, the database is
      // complete and its integrity check runs beside the media downloads (spec §8.8).
      const all = [...byPack.entries()];
      const holdsDb = ([, reqs]: (typeof all)[number]) => dbName !== null && reqs.some((r) => r.targets.some((t) => t.file === 0));
      const phases = [all.filter(holdsDb), all.filter((p) => !holdsDb(p))];
      let packs = phases[0]!;
      let failed = false;
      const worker = async () => {
        try {
          const out = new CoalescingWriter(handles);
          for (let next = packs.shift(); next && !failed; next = packs.shift()) {
            if (opts.signal?.aborted) throw new CancelledError();
            await readPackChunks(repo, opts.compressor ?? zlibCompressor, next[0], next[1], async (req, plain) => {
              for (const t of req.targets) await out.write(t.file, t.offset, plain);
              progress.advance(plain.length * req.targets.length);
            });
            await out.flush();
          }
        } catch (e) {
          failed = true; // stop the other workers at their next pack
          throw e;
        }
      };
      for (const [i, phase] of phases.entries()) {
        packs = phase;
        // Wait for every worker to stop before closing handles; then report the first error.
        const settled = await Promise.allSettled(Array.from({ length: opts.concurrency ?? 4 }, worker));
        const firstError = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (firstError) throw firstError.reason;
        if (i === 0 && dbName) {
          // Worth a worker thread only when much media is still to come (measured: +25 MiB RSS).
          const mediaLeft = phases[1]!.reduce((n, [, reqs]) => n + reqs.reduce((k, r) => k + r.loc.rawLength * r.targets.length, 0), 0);
          const above = opts.backgroundCheckAbove ?? CONCURRENT_CHECK_BYTES;
          dbCheck = startDatabaseCheck(join(staging, dbName), { concurrent: above === 0 || mediaLeft > above });
          dbCheck.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
        }
      }
      progress.setPhase("syncing");
      for (let i = 0; i < files.length; i++) await handles.use(i, (fh) => fh.sync());
    } finally {
      await handles.closeAll();
    }
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      // Seconds as a number, not a Date: a Date keeps whole milliseconds, and a restored
      // file whose mtime is off by a fraction of one would look changed to the next backup.
      if (f.mtimeMs !== undefined) await utimes(paths[i]!, Date.now() / 1000, f.mtimeMs / 1000);
    }
    if (dbCheck) {
      progress.setPhase("checking database");
      await dbCheck;
    }
    progress.setPhase("moving into place");
    await moveIntoPlace(staging, to, [dbName ?? undefined, restoredMedia > 0 ? "media" : undefined].filter((x): x is string => !!x));
    moved = true;
    progress.setPhase("done");
    return {
      snapshot: { sequence: resolved.ref.sequence, digest: resolved.ref.digest, time: m.time },
      database: dbTarget, mediaFiles: restoredMedia, bytes, damaged,
    };
  } catch (e) {
    throw localFileError(e, "destination", to);
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
    if (!moved && created) await removeEmptyUpTo(to, created);
  }
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
    if (!(await rmdir(d).then(() => true, () => false))) return;
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

/**
 * Chunks of a pack mostly land back to back in one file (database pages in order, the
 * pieces of a media file in order): gather such runs and write each with one `writev`
 * instead of one write per 4 KiB page.
 */
class CoalescingWriter {
  readonly #handles: HandleCache;
  #file = -1;
  #start = 0;
  #end = 0;
  #parts: Uint8Array[] = [];
  static readonly MAX_RUN = 4 * 1024 * 1024;

  constructor(handles: HandleCache) {
    this.#handles = handles;
  }

  async write(file: number, offset: number, data: Uint8Array): Promise<void> {
    if (file !== this.#file || offset !== this.#end || this.#end - this.#start >= CoalescingWriter.MAX_RUN) {
      await this.flush();
      this.#file = file;
      this.#start = this.#end = offset;
    }
    this.#parts.push(data);
    this.#end += data.length;
  }

  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const parts = this.#parts;
    const position = this.#start;
    const total = this.#end - this.#start;
    // The next run starts where this one ends (a later write may continue it).
    this.#parts = [];
    this.#start = this.#end;
    await this.#handles.use(this.#file, async (fh) => {
      const done = (await fh.writev(parts, position)).bytesWritten;
      if (done < total) {
        // writev may write less than asked: finish the rest.
        const rest = Buffer.concat(parts).subarray(done);
        for (let o = 0; o < rest.length; ) {
          const n = (await fh.write(rest, o, rest.length - o, position + done + o)).bytesWritten;
          if (n <= 0) throw new Error("restore: write made no progress");
          o += n;
        }
      }
    });
  }
}

/**
 * Open file handles on demand, keeping at most `max` open (media folders hold many
 * files). A handle is closed only when nobody is using it; each is fsynced before close.
 */
class HandleCache {
  readonly #paths: (string | Buffer)[];
  readonly #open = new Map<number, { h: Promise<FileHandle>; users: number }>();
  readonly #max: number;
  constructor(paths: (string | Buffer)[], max = 64) {
    this.#paths = paths;
    this.#max = max;
  }
  async use<T>(i: number, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    let e = this.#open.get(i);
    if (e) this.#open.delete(i); // refresh LRU position
    else {
      await this.#evict();
      // Another caller may have opened it while we waited.
      e = this.#open.get(i) ?? { h: open(this.#paths[i]!, "r+"), users: 0 };
      this.#open.delete(i);
    }
    this.#open.set(i, e);
    e.users++;
    try {
      return await fn(await e.h);
    } finally {
      e.users--;
    }
  }
  async #evict(): Promise<void> {
    if (this.#open.size < this.#max) return;
    for (const [i, e] of this.#open) {
      if (e.users > 0) continue;
      this.#open.delete(i);
      const fh = await e.h;
      await fh.sync();
      await fh.close();
      return;
    }
  }
  async closeAll(): Promise<void> {
    for (const e of this.#open.values()) await (await e.h).close().catch(() => {});
    this.#open.clear();
  }
}
