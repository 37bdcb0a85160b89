/**
 * The thread of {@link snapshotDatabaseOnThread} (snapshot-thread.ts): one copy, then,
 * if asked, the chunk IDs of the copy's first pages (spec §8.3: the same keyed ID every
 * page gets, computed from the root key as the chunk workers do), then it ends. It posts
 * progress while copying, then the snapshot or the error as plain data (a thread cannot
 * pass an Error's class).
 */
import { open } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { KeySchedule, RootKey, chunkId } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { type DatabaseSnapshot, snapshotDatabase } from "./snapshot.ts";
import { type CopyRequest, type ThreadRequest, describeCopyError } from "./snapshot-thread.ts";

const port = parentPort!;
const { dbPath, tmpDir, options, progress, root } = workerData as CopyRequest;
let snapshot: DatabaseSnapshot | undefined;
try {
  snapshot = await snapshotDatabase(dbPath, tmpDir, {
    ...options,
    ...(progress ? { onProgress: (copied: number, total: number) => port.postMessage({ progress: [copied, total] }) } : {}),
  });
  port.postMessage({ snapshot });
} catch (e) {
  port.postMessage({ error: describeCopyError(e) });
}
if (snapshot && root) {
  const copy = snapshot;
  const keys = KeySchedule.derive(new RootKey(new Uint8Array(root)), nodeCryptoBackend);
  port.on("message", (m: ThreadRequest) => {
    if (m.op !== "ids") return;
    pageIds(copy, m.pages, keys).then(
      (ids) => {
        const buffer = ids.buffer as ArrayBuffer; // a fresh Uint8Array's own buffer, never shared
        port.postMessage({ ids: buffer }, [buffer]);
      },
      (e: unknown) => port.postMessage({ error: describeCopyError(e) }),
    );
  });
}

/** The chunk IDs of the first `pages` pages of the copy, 32 bytes each, read in 1 MiB blocks. */
async function pageIds(copy: DatabaseSnapshot, pages: number, keysP: Promise<KeySchedule>): Promise<Uint8Array> {
  const keys = await keysP;
  const { pageSize } = copy;
  if (!Number.isSafeInteger(pages) || pages < 0 || pages > copy.pageCount) throw new RangeError("pages must be within the copy");
  const out = new Uint8Array(pages * 32);
  const block = Math.max(1, Math.floor((1024 * 1024) / pageSize)) * pageSize;
  const handle = await open(copy.path, "r");
  try {
    const buffer = new Uint8Array(block);
    for (let page = 0; page < pages;) {
      const want = Math.min(block, (pages - page) * pageSize);
      for (let filled = 0; filled < want;) {
        const { bytesRead } = await handle.read(buffer, filled, want - filled, page * pageSize + filled);
        if (bytesRead === 0) throw new Error(`${copy.path} shrank while being read`);
        filled += bytesRead;
      }
      for (let o = 0; o < want; o += pageSize, page++) out.set(await chunkId(keys, buffer.subarray(o, o + pageSize)), page * 32);
    }
  } finally {
    await handle.close();
  }
  return out;
}
