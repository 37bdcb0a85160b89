/**
 * The chunk IDs of a run of a database copy's pages (spec §8.3: every page is a chunk
 * whose ID is the keyed HMAC of its bytes), packed 32 bytes per page. A day-after backup
 * needs every page's ID to know which pages the parent already has, and seals only the
 * others (node/backup.ts): this is the loop that computes them, on the copy's thread and
 * on the backup's, with one read buffer and no object per page.
 */
import { open } from "node:fs/promises";

/** The copy's facts this needs (a DatabaseSnapshot). */
export interface PagedCopy {
  path: string;
  pageSize: number;
  pageCount: number;
}

/**
 * A page's chunk ID (spec §8.3): `(p) => chunkId(keys, p)` on the backup's thread; on the
 * copy's thread the same HMAC from the chunk-ID key alone (snapshot-worker.ts).
 */
export type PageIdFunction = (page: Uint8Array) => Promise<Uint8Array>;

const BLOCK_BYTES = 1024 * 1024;

/**
 * The IDs of pages `from` (0-based) up to `to` (excluded) of the copy, read in 1 MiB blocks.
 * @throws {RangeError} if the range is not within the copy
 */
export async function copyPageIds(copy: PagedCopy, from: number, to: number, pageId: PageIdFunction): Promise<Uint8Array> {
  const { pageSize } = copy;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from || to > copy.pageCount) {
    throw new RangeError("pages must be within the copy");
  }
  const out = new Uint8Array((to - from) * 32);
  const block = Math.max(1, Math.floor(BLOCK_BYTES / pageSize)) * pageSize;
  const handle = await open(copy.path, "r");
  try {
    const buffer = new Uint8Array(block);
    for (let page = from; page < to;) {
      const want = Math.min(block, (to - page) * pageSize);
      for (let filled = 0; filled < want;) {
        const { bytesRead } = await handle.read(buffer, filled, want - filled, page * pageSize + filled);
        if (bytesRead === 0) throw new Error(`${copy.path} shrank while being read`);
        filled += bytesRead;
      }
      for (let o = 0; o < want; o += pageSize, page++) out.set(await pageId(buffer.subarray(o, o + pageSize)), (page - from) * 32);
    }
  } finally {
    await handle.close();
  }
  return out;
}
