/**
 * The thread of {@link snapshotDatabaseOnThread} (snapshot-thread.ts): one copy, then,
 * if asked, the chunk IDs of the copy's first pages (spec §8.3: the same keyed ID every
 * page gets, computed from the root key as the chunk workers do), then it ends. It posts
 * progress while copying, then the snapshot or the error as plain data (a thread cannot
 * pass an Error's class).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { KeySchedule } from "@chatvault/format";
import { type ChunkIdFunction, copyPageIds } from "./page-ids.ts";
import { type DatabaseSnapshot, snapshotDatabase } from "./snapshot.ts";
import { type CopyRequest, type ThreadRequest, describeCopyError } from "./snapshot-thread.ts";

const port = parentPort!;
const { dbPath, tmpDir, options, progress, root } = workerData as CopyRequest;
let snapshot: DatabaseSnapshot | undefined;
let hashing: Promise<Hashing> | undefined;
try {
  const copying = snapshotDatabase(dbPath, tmpDir, {
    ...options,
    ...(progress ? { onProgress: (copied: number, total: number) => port.postMessage({ progress: [copied, total] }) } : {}),
  });
  // The hashing code loads between the copy's steps, not before its first (the copy is on
  // the backup's critical path: docs/performance.md, round 5).
  if (root) hashing = loadHashing(root);
  hashing?.catch(() => {}); // its error, if any, is the page IDs' answer
  snapshot = await copying;
  port.postMessage({ snapshot });
} catch (e) {
  port.postMessage({ error: describeCopyError(e) });
}
if (snapshot && hashing) {
  const copy = snapshot;
  const loaded = hashing;
  port.on("message", (m: ThreadRequest) => {
    if (m.op !== "ids") return;
    pageIds(copy, m.pages, loaded).then(
      (ids) => {
        const buffer = ids.buffer as ArrayBuffer; // a fresh Uint8Array's own buffer, never shared
        port.postMessage({ ids: buffer }, [buffer]);
      },
      (e: unknown) => port.postMessage({ error: describeCopyError(e) }),
    );
  });
}

interface Hashing {
  keys: KeySchedule;
  chunkId: ChunkIdFunction;
}
/** The keyed chunk ID (spec §8.3) with this repository's keys, on node:crypto as the chunk workers compute it. */
async function loadHashing(rootBytes: ArrayBuffer): Promise<Hashing> {
  const [{ KeySchedule, RootKey, chunkId }, { nodeCryptoBackend }] = await Promise.all([import("@chatvault/format"), import("@chatvault/format/node")]);
  return { keys: await KeySchedule.derive(new RootKey(new Uint8Array(rootBytes)), nodeCryptoBackend), chunkId };
}

/** The chunk IDs of the first `pages` pages of the copy, 32 bytes each (page-ids.ts). */
async function pageIds(copy: DatabaseSnapshot, pages: number, hashingP: Promise<Hashing>): Promise<Uint8Array> {
  const { keys, chunkId } = await hashingP;
  return copyPageIds(copy, 0, pages, keys, chunkId);
}
