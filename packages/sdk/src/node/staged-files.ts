/**
 * The files a Node restore writes into its staging folder (spec §8.8): each created (0600)
 * when it is first opened, handles opened on demand and bounded in number, writes of
 * consecutive chunks gathered into one `writev`, and every file fsynced once it is
 * complete, in the background, while later chunks are still being opened and written.
 *
 * Why in the background: the kernel starts writing dirty pages back only past
 * `dirty_background_ratio` (10% of the memory: gigabytes here), so a restore that
 * fsyncs at the end leaves the disk idle while it downloads and then waits for all of
 * its bytes at once. Syncing each file as soon as its last byte is written keeps the disk
 * busy from the first file on; the restore still renames nothing into place before every
 * file is synced after its last write (`syncAll`).
 */
import { open, type FileHandle } from "node:fs/promises";

/** What the cache needs of a file handle (a test may hand in its own). */
export type StagedHandle = Pick<FileHandle, "writev" | "write" | "sync" | "utimes" | "close">;

/** A planned file: its final size (complete once that many bytes are written) and its mtime. */
export interface StagedFile {
  size: number;
  mtimeMs?: number | undefined;
}

export interface HandleCacheOptions {
  /** Handles open at most (default 64; a media folder holds many files). */
  max?: number;
  /** fsyncs in flight while writes go on (default 2: two of libuv's four threads, the others read and write). */
  syncLanes?: number;
  /** Bytes written to one file after which they are synced without waiting for its end (default 32 MiB: the database). */
  syncEvery?: number;
  /** Opens a path: "wx" the first time (create, 0600), "r+" after an eviction. Tests pass their own. */
  open?: (path: string | Buffer, flags: "wx" | "r+", mode: number) => Promise<StagedHandle>;
}

/** fsyncs in flight at the end of a restore, when nothing else uses libuv's four threads. */
const FINAL_SYNC_LANES = 4;
const SYNC_LANES = 2;
const SYNC_EVERY = 32 * 1024 * 1024;

/**
 * Chunks of a pack mostly land back to back in one file (database pages in order, the
 * pieces of a media file in order): gather such runs and write each with one `writev`
 * instead of one write per 4 KiB page.
 */
export class CoalescingWriter {
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
    const file = this.#file;
    const position = this.#start;
    const total = this.#end - this.#start;
    // The next run starts where this one ends (a later write may continue it).
    this.#parts = [];
    this.#start = this.#end;
    await this.#handles.use(file, async (fh) => {
      const done = (await fh.writev(parts, position)).bytesWritten;
      if (done < total) {
        // writev may write less than asked: finish the rest.
        const rest = Buffer.concat(parts).subarray(done);
        for (let o = 0; o < rest.length;) {
          const n = (await fh.write(rest, o, rest.length - o, position + done + o)).bytesWritten;
          if (n <= 0) throw new Error("restore: write made no progress");
          o += n;
        }
      }
    });
    this.#handles.wrote(file, total);
  }
}

interface OpenHandle {
  h: Promise<StagedHandle>;
  users: number;
}

/**
 * Open file handles on demand, keeping at most `max` open, and fsync every file after its
 * last write (spec §8.8). A file whose last byte is written is stamped with its mtime and
 * fsynced in the background (`syncLanes` at a time), then closed; a large file is also
 * synced every `syncEvery` bytes on the way. `syncAll` waits for those and syncs whatever
 * was written since its last sync (and creates and syncs the files no chunk wrote: empty
 * ones), so when it returns every file is durable as last written.
 */
export class HandleCache {
  readonly #paths: (string | Buffer)[];
  readonly #files: StagedFile[];
  readonly #open = new Map<number, OpenHandle>();
  readonly #max: number;
  readonly #openFile: NonNullable<HandleCacheOptions["open"]>;
  readonly #syncEvery: number;
  #lanes: number;
  /** Per file: opened once (created), bytes written, bytes since the last sync was asked for, writes done, writes covered by an fsync. */
  readonly #created: Uint8Array;
  readonly #written: Float64Array;
  readonly #sinceSync: Float64Array;
  readonly #writes: Uint32Array;
  readonly #syncedWrites: Int32Array;
  readonly #queued: Uint8Array;
  readonly #queue: number[] = [];
  #running = 0;
  #idle: (() => void)[] = [];
  #failure: unknown;
  #stopped = false;

  constructor(paths: (string | Buffer)[], files: StagedFile[], opts: HandleCacheOptions = {}) {
    if (paths.length !== files.length) throw new RangeError("paths and files must have the same length");
    this.#paths = paths;
    this.#files = files;
    this.#max = opts.max ?? 64;
    this.#lanes = opts.syncLanes ?? SYNC_LANES;
    this.#syncEvery = opts.syncEvery ?? SYNC_EVERY;
    this.#openFile = opts.open ?? ((p, flags, mode) => open(p, flags, mode));
    const n = paths.length;
    this.#created = new Uint8Array(n);
    this.#written = new Float64Array(n);
    this.#sinceSync = new Float64Array(n);
    this.#writes = new Uint32Array(n);
    // -1: not even the creation is synced yet (a file no chunk writes still gets one fsync).
    this.#syncedWrites = new Int32Array(n).fill(-1);
    this.#queued = new Uint8Array(n);
  }

  /** Run `fn` on file `i`'s handle, opening (the first time: creating) it if needed; it is not closed while in use. */
  async use<T>(i: number, fn: (fh: StagedHandle) => Promise<T>): Promise<T> {
    // A background fsync failed: the restore fails now rather than after downloading the rest.
    if (this.#failure !== undefined) throw this.#failure;
    let e = this.#open.get(i);
    if (e)
      this.#open.delete(i); // refresh LRU position
    else {
      await this.#evict();
      // Another caller may have opened it while we waited.
      e = this.#open.get(i);
      if (!e) {
        const flags = this.#created[i] ? "r+" : "wx";
        this.#created[i] = 1;
        e = { h: this.#openFile(this.#paths[i]!, flags, 0o600), users: 0 };
      }
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

  /** `bytes` were written to file `i` (the write has returned): sync it once it is complete, or every `syncEvery` bytes. */
  wrote(i: number, bytes: number): void {
    this.#writes[i]!++;
    this.#written[i]! += bytes;
    this.#sinceSync[i]! += bytes;
    if (this.#complete(i) || this.#sinceSync[i]! >= this.#syncEvery) this.#queueSync(i);
  }

  #complete(i: number): boolean {
    return this.#written[i]! >= this.#files[i]!.size;
  }

  #clean(i: number): boolean {
    return this.#syncedWrites[i] === this.#writes[i];
  }

  #queueSync(i: number): void {
    this.#sinceSync[i] = 0;
    if (this.#queued[i] || this.#stopped) return;
    this.#queued[i] = 1;
    this.#queue.push(i);
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.#lanes && this.#queue.length > 0 && !this.#stopped) {
      const i = this.#queue.shift()!;
      this.#queued[i] = 0;
      this.#running++;
      this.#syncOne(i)
        .catch((e: unknown) => {
          // The first failure stops the background work; syncAll (or the caller's error path) reports it.
          this.#failure ??= e;
          this.#stop();
        })
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.#running === 0 && (this.#queue.length === 0 || this.#stopped)) for (const f of this.#idle.splice(0)) f();
        });
    }
  }

  /** fsync file `i`; a complete file gets its mtime first (after its last write, so it stays) and is closed after. */
  async #syncOne(i: number): Promise<void> {
    // Writes that returned before the fsync starts are on disk when it returns.
    const writes = this.#writes[i]!;
    const complete = this.#complete(i);
    const mtimeMs = this.#files[i]!.mtimeMs;
    await this.use(i, async (fh) => {
      // Seconds as a number, not a Date: a Date keeps whole milliseconds, and a restored
      // file whose mtime is off by a fraction of one would look changed to the next backup.
      if (complete && mtimeMs !== undefined) await fh.utimes(Date.now() / 1000, mtimeMs / 1000);
      await fh.sync();
    });
    if (writes > this.#syncedWrites[i]!) this.#syncedWrites[i] = writes;
    const e = this.#open.get(i);
    if (complete && this.#clean(i) && e && e.users === 0) {
      // Nothing more is written to it: free its slot now rather than at eviction.
      this.#open.delete(i);
      await (await e.h).close();
    }
  }

  #stop(): void {
    this.#stopped = true;
    for (const i of this.#queue.splice(0)) this.#queued[i] = 0;
  }

  /** Resolves once no background fsync is running and none is queued. */
  #drained(): Promise<void> {
    if (this.#running === 0 && (this.#queue.length === 0 || this.#stopped)) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Close the least recently used idle handle when `max` are open; its file is synced later if it is still dirty. */
  async #evict(): Promise<void> {
    if (this.#open.size < this.#max) return;
    for (const [i, e] of this.#open) {
      if (e.users > 0) continue;
      this.#open.delete(i);
      await (await e.h).close();
      return;
    }
  }

  /**
   * Wait for the background fsyncs, then fsync (and stamp, and create if no chunk did)
   * every file not synced since its last write, `FINAL_SYNC_LANES` at a time. Throws the
   * first failure of any of them. Call it once every write has returned.
   */
  async syncAll(): Promise<void> {
    await this.#drained();
    if (this.#failure !== undefined) throw this.#failure;
    this.#lanes = FINAL_SYNC_LANES;
    for (let i = 0; i < this.#paths.length; i++) if (!this.#clean(i)) this.#queueSync(i);
    await this.#drained();
    if (this.#failure !== undefined) throw this.#failure;
    for (let i = 0; i < this.#paths.length; i++) {
      // The plan's chunks cover every byte of every file (restore/plan.ts): anything else is a bug, not a restore.
      if (!this.#complete(i)) throw new Error(`restore: staged file ${i} got ${this.#written[i]} of its ${this.#files[i]!.size} bytes`);
      if (!this.#clean(i)) throw new Error(`restore: staged file ${i} was written after its last fsync`);
    }
  }

  /** Stop queueing fsyncs, wait for those running, and close every handle (errors on close are ignored: the staging folder is removed). */
  async closeAll(): Promise<void> {
    this.#stop();
    await this.#drained();
    for (const e of this.#open.values()) await (await e.h).close().catch(() => {});
    this.#open.clear();
  }
}
