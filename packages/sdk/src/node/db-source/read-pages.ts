/**
 * Reads a database snapshot page by page for the chunker, in large sequential reads.
 */
import { open } from "node:fs/promises";
import { DatabaseSourceError } from "./errors.ts";

/** One database page. `index` is 0-based: SQLite's page number minus one. */
export interface DatabasePage {
  index: number;
  data: Uint8Array;
}

/** Default read size: 1 MiB, large enough for sequential throughput, small enough to bound memory. */
const BLOCK_BYTES = 1024 * 1024;

/**
 * Yields every page of the file at `path` in order. Memory stays at one block: each read
 * goes into a fresh buffer and pages are views into it, so a consumer may keep a page
 * after asking for the next one (it then keeps that block alive, nothing more).
 * @throws {RangeError} if `pageSize` is not a SQLite page size (a power of two, 512–65536)
 * @throws {DatabaseSourceError} `not_found` if the file cannot be opened; `inconsistent` if its
 *   size is not a multiple of `pageSize` or it changes while being read
 */
export async function* readPages(path: string, pageSize: number, blockBytes = BLOCK_BYTES): AsyncGenerator<DatabasePage> {
  if (!Number.isInteger(pageSize) || pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new RangeError("pageSize must be a power of two between 512 and 65536");
  }
  const block = Math.max(pageSize, Math.floor(blockBytes / pageSize) * pageSize);
  let handle;
  try {
    handle = await open(path, "r");
  } catch (cause) {
    throw new DatabaseSourceError("not_found", `cannot open ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    const size = (await handle.stat()).size;
    if (size % pageSize !== 0) {
      throw new DatabaseSourceError("inconsistent", `${path} is ${size} bytes, not a whole number of ${pageSize}-byte pages`);
    }
    let index = 0;
    for (let position = 0; position < size;) {
      const length = Math.min(block, size - position);
      const buffer = new Uint8Array(length);
      for (let filled = 0; filled < length;) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
        if (bytesRead === 0) throw new DatabaseSourceError("inconsistent", `${path} shrank while being read`);
        filled += bytesRead;
      }
      position += length;
      for (let offset = 0; offset < length; offset += pageSize) {
        yield { index: index++, data: buffer.subarray(offset, offset + pageSize) };
      }
    }
  } finally {
    await handle.close();
  }
}
