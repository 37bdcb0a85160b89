/**
 * The files a Node restore writes into its staging folder (spec §8.8): handles opened on
 * demand and bounded in number, and writes of consecutive chunks gathered into one
 * `writev`.
 */
import { open, type FileHandle } from "node:fs/promises";

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
    const position = this.#start;
    const total = this.#end - this.#start;
    // The next run starts where this one ends (a later write may continue it).
    this.#parts = [];
    this.#start = this.#end;
    await this.#handles.use(this.#file, true, async (fh) => {
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
  }
}

/**
 * Open file handles on demand, keeping at most `max` open (media folders hold many
 * files). A handle is closed only when nobody is using it. Every file is fsynced once
 * after its last write (spec §8.8): when its handle is evicted, or by `syncAll` at the
 * end; a file evicted and never written again is not reopened to be synced a second time.
 */
/** fsyncs in flight at the end of a restore (libuv's thread pool has 4 threads). */
const SYNC_CONCURRENCY = 4;

export class HandleCache {
  readonly #paths: (string | Buffer)[];
  readonly #open = new Map<number, { h: Promise<FileHandle>; users: number }>();
  readonly #max: number;
  /** Files written (or created) since their last fsync: all of them at first. */
  readonly #unsynced: Set<number>;
  constructor(paths: (string | Buffer)[], max = 64) {
    this.#paths = paths;
    this.#max = max;
    this.#unsynced = new Set(paths.keys());
  }
  async use<T>(i: number, writes: boolean, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    if (writes) this.#unsynced.add(i);
    let e = this.#open.get(i);
    if (e)
      this.#open.delete(i); // refresh LRU position
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
      if (this.#unsynced.delete(i)) await fh.sync();
      await fh.close();
      return;
    }
  }
  /** fsync every file not synced since its last write, a few at a time (one journal commit can cover several). */
  async syncAll(): Promise<void> {
    const left = [...this.#unsynced];
    const next = async (): Promise<void> => {
      for (let i = left.shift(); i !== undefined; i = left.shift()) {
        if (!this.#unsynced.has(i)) continue; // synced meanwhile, when another file's open evicted it
        await this.use(i, false, (fh) => fh.sync());
        this.#unsynced.delete(i);
      }
    };
    await Promise.all(Array.from({ length: SYNC_CONCURRENCY }, next));
  }
  async closeAll(): Promise<void> {
    for (const e of this.#open.values()) await (await e.h).close().catch(() => {});
    this.#open.clear();
  }
}
