/**
 * The pages of a database copy that the repository lacks, read again to be sealed
 * (node/backup.ts, after the page IDs of db-source/page-ids.ts). A day after, they are a
 * few hundred pages scattered over the copy (623 of 45,829 in the bench's day, in ~500
 * runs): each run of consecutive pages is read on its own, synchronously, into one
 * buffer that is reused. Reading every 1 MiB window that held any of them, each into a
 * new buffer, read ~100× the bytes needed and left tens of MiB of dead buffers for the
 * collector at the end of the backup, its peak of memory (docs/performance.md,
 * "No-change and day-after backups, round 7").
 */
import { closeSync, openSync, readSync } from "node:fs";
import { DatabaseSourceError } from "./errors.ts";
import type { PagedCopy } from "./page-ids.ts";

/** The longest run read at once: 1 MiB (the buffer's size). */
const RUN_BYTES = 1024 * 1024;
/** Pages handed out between two turns of the event loop. */
const YIELD_PAGES = 32;

/**
 * Calls `each` with every page of `pages` (0-based page numbers of the copy, ascending, no
 * repeats) and its bytes, in order. One read per run of consecutive pages (at most 1 MiB),
 * into one buffer: the bytes `each` gets are valid only until the promise it returns
 * settles (copy them to keep them).
 * @throws {RangeError} if `pages` is not ascending or leaves the copy
 * @throws {DatabaseSourceError} `inconsistent` if the copy is shorter than its page count
 */
export async function forEachPage(copy: PagedCopy, pages: readonly number[], each: (page: number, bytes: Uint8Array) => Promise<void>): Promise<void> {
  const { pageSize } = copy;
  for (let k = 0; k < pages.length; k++) {
    const p = pages[k]!;
    if (!Number.isSafeInteger(p) || p < 0 || p >= copy.pageCount || (k > 0 && p <= pages[k - 1]!)) {
      throw new RangeError("pages must be ascending page numbers of the copy");
    }
  }
  if (pages.length === 0) return;
  const perRun = Math.max(1, Math.floor(RUN_BYTES / pageSize));
  const buffer = new Uint8Array(perRun * pageSize);
  const fd = openSync(copy.path, "r");
  let handed = 0;
  try {
    for (let k = 0; k < pages.length;) {
      const first = pages[k]!;
      let n = 1;
      while (n < perRun && k + n < pages.length && pages[k + n] === first + n) n++;
      const want = n * pageSize;
      for (let got = 0; got < want;) {
        const bytesRead = readSync(fd, buffer, got, want - got, first * pageSize + got);
        if (bytesRead === 0) throw new DatabaseSourceError("inconsistent", "database copy shrank while being read");
        got += bytesRead;
      }
      for (let i = 0; i < n; i++) await each(first + i, buffer.subarray(i * pageSize, (i + 1) * pageSize));
      k += n;
      // The reads do not return to the event loop, and `each` may not either (sealing is
      // synchronous): a turn every YIELD_PAGES pages lets the pack upload in flight, timers
      // and an abort go on meanwhile.
      if (k - handed >= YIELD_PAGES) {
        handed = k;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    closeSync(fd);
  }
}
