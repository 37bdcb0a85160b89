/**
 * Filesystem storage (`@chatvault/storage/fs`): objects are files under a root folder; the
 * name `packs/ab/cd` is the file `<root>/packs/ab/cd`. Node only.
 *
 * Put protocol (create-only and atomic, see `put`): write a temp file beside the target,
 * fsync it, hard-link it to the final name, remove the temp name, fsync the directory.
 */
import { link, lstat, mkdir, readFile, rm, stat, unlink } from "node:fs/promises";
import { type Dirent, lstatSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InvalidObjectNameError, ObjectExistsError, ObjectNotFoundError, StorageError } from "../errors.ts";
import { checkListPrefix, checkObjectName, checkRange, isValidObjectName } from "../names.ts";
import { checkInto } from "../read-into.ts";
import type { GetRange, ObjectInfo, PutOptions, Storage } from "../types.ts";
import { type DirectWriteState, TEMP_MARK, errno, fsyncDir, mapFsError, readRange, tempPathFor, writeNewFile } from "./files.ts";
import { directWritesAvailable } from "./direct-write.ts";

/** Options of `FsStorage`. */
export interface FsStorageOptions {
  /** fsync files and directories so a put that returned survives a power cut (default true). */
  fsync?: boolean;
  /** Permission bits of new object files (default 0o600: ciphertext, but still nobody else's business). */
  fileMode?: number;
  /** `open()` removes temp files older than this, left by crashed writers (default 1 hour). */
  staleTempAgeMs?: number;
}

/** Errno codes meaning "no object at this path". */
const MISSING = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);
const HOUR_MS = 60 * 60 * 1000;

/**
 * Longest stretch a listing or the temp-file sweep keeps the event loop to itself: they
 * read folders with synchronous calls (see `#walk`) and yield between folders after this.
 */
const YIELD_MS = 10;

/** A clock for the walks: `due()` once {@link YIELD_MS} passed since the last `breathe()`. */
function pacer(): { due: () => boolean; breathe: () => Promise<void> } {
  let since = performance.now();
  return {
    due: () => performance.now() - since >= YIELD_MS,
    breathe: async () => {
      await new Promise((r) => setImmediate(r));
      since = performance.now();
    },
  };
}

/**
 * Whether a directory entry is a folder. Some filesystems (older XFS, some network ones)
 * report no entry type; then ask lstat. Symlinked folders are not walked (no loops).
 */
function isFolder(entry: Dirent, path: string): boolean {
  if (entry.isDirectory()) return true;
  if (entry.isFile() || entry.isSymbolicLink()) return false;
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A `Storage` in a local folder. Limits: the folder must support hard links (any POSIX
 * filesystem, NTFS); it cannot hold both `a` and `a/b` (a file cannot also be a folder);
 * folders emptied by `delete` stay.
 */
export class FsStorage implements Storage {
  readonly location: string;
  /** One put at a time is enough for a disk (the writer's packs queue on one device). */
  readonly parallelPuts = 1;
  readonly root: string;
  readonly #sync: boolean;
  readonly #mode: number;
  readonly #staleTempAgeMs: number;
  /** Large puts are written around the page cache until this folder's filesystem refuses it (fs/direct-write.ts). */
  readonly #direct: DirectWriteState = { direct: directWritesAvailable() };

  /** No I/O: the root is created by the first put. Prefer `FsStorage.open`, which also cleans up after crashes. */
  constructor(root: string, options: FsStorageOptions = {}) {
    this.root = resolve(root);
    this.location = this.root;
    this.#sync = options.fsync ?? true;
    this.#mode = options.fileMode ?? 0o600;
    this.#staleTempAgeMs = options.staleTempAgeMs ?? HOUR_MS;
  }

  /**
   * Opens (and with `create`, the default, creates) the folder, and removes stale temp
   * files left by writers that crashed. With `create: false` a missing folder throws
   * `StorageError` code `storage_missing` — use it when an unmounted drive must not be
   * mistaken for an empty backup.
   */
  static async open(root: string, options: FsStorageOptions & { create?: boolean } = {}): Promise<FsStorage> {
    const storage = new FsStorage(root, options);
    if (options.create ?? true) {
      await mkdir(storage.root, { recursive: true });
    } else {
      const st = await stat(storage.root).catch(() => undefined);
      if (!st?.isDirectory()) throw new StorageError("storage_missing", `storage folder does not exist: ${storage.root}`);
    }
    await storage.cleanupTemp();
    return storage;
  }

  #path(name: string): string {
    // Safe: checkObjectName allows no "..", ".", empty segment or separator other than "/".
    return join(this.root, ...name.split("/"));
  }

  /**
   * Create-only and atomic. `link(temp, final)` fails with EEXIST if `final` exists, in one
   * atomic step, and never replaces it; `rename` would silently overwrite, and writing the
   * final name directly (`wx`) would let readers — and a crash — see a partial object.
   * The temp file is fsynced before the link, so the name never points at unwritten data.
   */
  async put(name: string, data: Uint8Array, options?: PutOptions): Promise<void> {
    checkObjectName(name);
    const path = this.#path(name);
    const dir = dirname(path);
    await this.#makeParents(name, dir);
    const temp = tempPathFor(path);
    try {
      // `data` is released once written, before the fsync and the link (PutOptions): a
      // backup's packer fills its next pack in this buffer meanwhile (docs/performance.md,
      // "Full backup, round 10").
      await writeNewFile(temp, data, this.#mode, this.#sync, this.#direct, options?.onDataReleased).catch((error: unknown) => {
        throw mapFsError(error, `put ${name}`);
      });
      await link(temp, path).catch(async (error: unknown) => {
        const code = errno(error);
        if (code === "EEXIST") throw await this.#takenError(name, path, error);
        if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP") {
          throw new StorageError("unsupported_filesystem", `cannot hard-link in ${this.root}; the filesystem adapter needs hard links`, { cause: error });
        }
        throw mapFsError(error, `put ${name}`);
      });
    } finally {
      // The final name (if linked) keeps the data; a crash before this line leaves a
      // temp file that list ignores and cleanupTemp removes.
      await rm(temp, { force: true }).catch(() => {});
    }
    if (this.#sync)
      await fsyncDir(dir).catch((error: unknown) => {
        throw mapFsError(error, `put ${name}`);
      });
  }

  /** mkdir -p the object's folder, fsyncing each parent that gained an entry. */
  async #makeParents(name: string, dir: string): Promise<void> {
    let first: string | undefined;
    try {
      first = await mkdir(dir, { recursive: true });
    } catch (error) {
      if (errno(error) === "EEXIST" || errno(error) === "ENOTDIR") {
        throw new InvalidObjectNameError(`cannot store ${name}: a folder on its path is an object (the filesystem adapter cannot hold both "a" and "a/b")`);
      }
      throw mapFsError(error, `put ${name}`);
    }
    if (first === undefined || !this.#sync) return;
    for (let d = dir; ; d = dirname(d)) {
      await fsyncDir(dirname(d));
      if (d === first) break;
    }
  }

  async #takenError(name: string, path: string, cause: unknown): Promise<Error> {
    const st = await lstat(path).catch(() => undefined);
    if (st?.isDirectory()) {
      return new InvalidObjectNameError(`cannot store ${name}: it is a folder of other objects (the filesystem adapter cannot hold both "a" and "a/b")`);
    }
    return new ObjectExistsError(name, { cause });
  }

  async get(name: string, range?: GetRange): Promise<Uint8Array> {
    checkObjectName(name);
    if (range) checkRange(range);
    const path = this.#path(name);
    try {
      if (range) {
        const bytes = await readRange(path, range.offset, range.length);
        if (!bytes) throw new ObjectNotFoundError(name);
        return bytes;
      }
      const buf = await readFile(path);
      // A plain Uint8Array, not a Buffer: Buffer#slice shares memory, Uint8Array#slice copies.
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    } catch (error) {
      if (MISSING.has(errno(error) ?? "")) throw new ObjectNotFoundError(name, { cause: error });
      throw mapFsError(error, `get ${name}`);
    }
  }

  /** A ranged `get` read straight into `into` (types.ts): no buffer of its own. */
  async getInto(name: string, range: GetRange, into: Uint8Array): Promise<Uint8Array> {
    checkObjectName(name);
    checkInto(range, into);
    const path = this.#path(name);
    try {
      const bytes = await readRange(path, range.offset, range.length, into);
      if (!bytes) throw new ObjectNotFoundError(name);
      return bytes;
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw error;
      if (MISSING.has(errno(error) ?? "")) throw new ObjectNotFoundError(name, { cause: error });
      throw mapFsError(error, `get ${name}`);
    }
  }

  async stat(name: string): Promise<ObjectInfo> {
    checkObjectName(name);
    const st = await stat(this.#path(name)).catch((error: unknown) => {
      if (MISSING.has(errno(error) ?? "")) return undefined;
      throw mapFsError(error, `stat ${name}`);
    });
    if (!st?.isFile()) throw new ObjectNotFoundError(name);
    return { name, size: st.size };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkListPrefix(prefix);
    // Start in the deepest folder the prefix names in full; filter the rest by name.
    const cut = prefix.lastIndexOf("/");
    yield* this.#walk(cut < 0 ? "" : prefix.slice(0, cut), prefix);
  }

  /**
   * One folder's objects, then its subfolders', depth first. Each folder is read with one
   * synchronous `readdir` and a synchronous `stat` per object: a local folder answers
   * those in microseconds, while each asynchronous call is a round trip through libuv's
   * thread pool and the event loop — a no-change backup lists ~110 `packs/` folders and
   * ~140 packs, and those trips were ~10 ms of CPU and more of wall time on a busy machine
   * (docs/performance.md). The walk yields to the event loop between folders every
   * {@link YIELD_MS} ms, and the caller's own awaits between objects come on top.
   */
  async *#walk(rel: string, prefix: string, pace = pacer()): AsyncGenerator<ObjectInfo> {
    if (pace.due()) await pace.breathe();
    const { objects, folders } = this.#readFolder(rel, prefix);
    yield* objects;
    for (const f of folders) yield* this.#walk(f, prefix, pace);
  }

  /** The objects directly in folder `rel` that match `prefix`, and its subfolders that may hold more. */
  #readFolder(rel: string, prefix: string): { objects: ObjectInfo[]; folders: string[] } {
    let entries: Dirent[];
    try {
      entries = readdirSync(rel ? this.#path(rel) : this.root, { withFileTypes: true });
    } catch (error) {
      if (MISSING.has(errno(error) ?? "")) return { objects: [], folders: [] };
      throw mapFsError(error, `list ${prefix}`);
    }
    const folders: string[] = [];
    const objects: ObjectInfo[] = [];
    for (const entry of entries) {
      // Skips temp files (their names hold "~") and anything else no put could have made.
      if (!isValidObjectName(entry.name)) continue;
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      const path = this.#path(name);
      if (isFolder(entry, path)) {
        if (`${name}/`.startsWith(prefix) || prefix.startsWith(`${name}/`)) folders.push(name);
      } else if (name.startsWith(prefix)) {
        // Deleted between readdir and stat: it is simply not there any more.
        let st;
        try {
          st = statSync(path);
        } catch {
          continue;
        }
        if (st.isFile()) objects.push({ name, size: st.size });
      }
    }
    return { objects, folders };
  }

  /** Idempotent. A folder is not an object, so "deleting" one is a no-op too. */
  async delete(name: string): Promise<void> {
    checkObjectName(name);
    try {
      await unlink(this.#path(name));
    } catch (error) {
      if (MISSING.has(errno(error) ?? "")) return;
      // macOS says EPERM for unlink(folder); a folder is not an object.
      if (errno(error) === "EPERM" && (await lstat(this.#path(name)).catch(() => undefined))?.isDirectory()) return;
      throw mapFsError(error, `delete ${name}`);
    }
  }

  /**
   * Removes temp files older than `olderThanMs` (default: the `staleTempAgeMs` option),
   * left by writers that crashed between creating and unlinking them. Younger ones may
   * belong to a put still running in another process, so they stay. Returns how many went.
   */
  async cleanupTemp(olderThanMs = this.#staleTempAgeMs): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    const pace = pacer();
    // Synchronous reads, a folder at a time, yielding now and then (see #walk): this runs
    // when a command first touches the repository, before anything else it does there.
    const visit = async (dirPath: string): Promise<void> => {
      if (pace.due()) await pace.breathe();
      let entries: Dirent[];
      try {
        entries = readdirSync(dirPath, { withFileTypes: true });
      } catch {
        return;
      }
      const folders: string[] = [];
      for (const entry of entries) {
        if (entry.isDirectory()) {
          if (isValidObjectName(entry.name)) folders.push(join(dirPath, entry.name));
        } else if (entry.isFile() && entry.name.includes(TEMP_MARK)) {
          const path = join(dirPath, entry.name);
          try {
            if (lstatSync(path).mtimeMs > cutoff) continue;
            unlinkSync(path);
            removed++;
          } catch {
            // Gone already (another sweep, or its put finished), or not ours to remove.
          }
        }
      }
      for (const folder of folders) await visit(folder);
    };
    await visit(this.root);
    return removed;
  }
}
