/**
 * The chunk IDs of a run of a database copy's pages (spec §8.3: every page is a chunk
 * whose ID is the keyed HMAC of its bytes), packed 32 bytes per page. A day-after backup
 * needs every page's ID to know which pages the parent already has, and seals only the
 * others (node/backup.ts): this is the loop that computes them, on the copy's thread and
 * on the backup's, with one read buffer and no object per page.
 */
import { createHmac } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

/** The copy's facts this needs (a DatabaseSnapshot). */
export interface PagedCopy {
  path: string;
  pageSize: number;
  pageCount: number;
}

/**
 * A page's chunk ID (spec §8.3): {@link pageIdsUnder} on both threads, or any function that
 * computes what `chunkId` does (a promise is awaited; a plain value is not).
 */
export type PageIdFunction = (page: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/**
 * The chunk ID of a page from the chunk-ID key alone: the HMAC-SHA256 of its bytes under
 * that key (spec §8.3), on node:crypto, as `chunkId` of @chatvault/format computes it with
 * its node:crypto backend — without the promise and the extra view per page (46,000 pages
 * on the bench's database; page-ids.test.ts checks the two agree).
 */
export function pageIdsUnder(chunkIdKey: Uint8Array): (page: Uint8Array) => Uint8Array {
  if (chunkIdKey.length !== 32) throw new RangeError("chunkIdKey must be 32 bytes");
  return (page) => createHmac("sha256", chunkIdKey).update(page).digest();
}

const BLOCK_BYTES = 1024 * 1024;

/**
 * The IDs of pages `from` (0-based) up to `to` (excluded) of the copy, read in 1 MiB blocks.
 *
 * The blocks are read synchronously (the copy is a private file, on a memory file system
 * when there is room: a read is a copy of memory), and the loop gives the event loop a
 * turn after each block. An asynchronous read per block was a round trip through libuv's
 * thread pool, which on two busy cores left each thread idle for about as long as it
 * hashed (docs/performance.md, "No-change and day-after backups, round 7").
 * @throws {RangeError} if the range is not within the copy
 */
export async function copyPageIds(copy: PagedCopy, from: number, to: number, pageId: PageIdFunction): Promise<Uint8Array> {
  const { pageSize } = copy;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from || to > copy.pageCount) {
    throw new RangeError("pages must be within the copy");
  }
  const out = new Uint8Array((to - from) * 32);
  const block = Math.max(1, Math.floor(BLOCK_BYTES / pageSize)) * pageSize;
  const fd = openSync(copy.path, "r");
  try {
    const buffer = new Uint8Array(block);
    for (let page = from; page < to;) {
      const want = Math.min(block, (to - page) * pageSize);
      for (let filled = 0; filled < want;) {
        const bytesRead = readSync(fd, buffer, filled, want - filled, page * pageSize + filled);
        if (bytesRead === 0) throw new Error(`${copy.path} shrank while being read`);
        filled += bytesRead;
      }
      for (let o = 0; o < want; o += pageSize, page++) {
        const id = pageId(buffer.subarray(o, o + pageSize));
        out.set(id instanceof Promise ? await id : id, (page - from) * 32);
      }
      await new Promise<void>((resolve) => setImmediate(resolve)); // timers, messages, aborts
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
