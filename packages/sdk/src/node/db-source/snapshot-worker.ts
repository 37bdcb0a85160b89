/**
 * The thread of {@link snapshotDatabaseOnThread} (snapshot-thread.ts): one copy, then,
 * if asked, the chunk IDs of the copy's first pages (spec §8.3: the same keyed ID every
 * page gets), then it ends. It posts progress while copying, then the snapshot or the
 * error as plain data (a thread cannot pass an Error's class).
 *
 * It imports nothing that the copy does not need before its first step: no
 * `@chatvault/format` barrel (28–83 ms of the thread's start on the loaded bench machine),
 * and, for the page IDs, only node:crypto's backend and the chunk-ID key (docs/performance.md,
 * "Day-after and no-change backups, round 6").
 */
import { parentPort, workerData } from "node:worker_threads";
import { copyPageIds, pageIdsUnder } from "./page-ids.ts";
import { type DatabaseSnapshot, snapshotDatabase } from "./snapshot.ts";
import { type CopyRequest, type ThreadRequest, describeCopyError } from "./snapshot-thread.ts";
import { atWorkerStart } from "../young-generation.ts";

atWorkerStart(workerData);
const port = parentPort!;
const { dbPath, tmpDir, options, progress, chunkIdKey } = workerData as CopyRequest;
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
if (snapshot && chunkIdKey) {
  const copy = snapshot;
  // A page's chunk ID is the HMAC-SHA256 of its bytes under the chunk-ID key (spec §8.3):
  // what `chunkId` of @chatvault/format computes with the node:crypto backend, the key
  // schedule's derivation done by the backup's thread (snapshot-thread.test.ts checks
  // the two agree page for page).
  const pageId = pageIdsUnder(new Uint8Array(chunkIdKey));
  port.on("message", (m: ThreadRequest) => {
    if (m.op !== "ids") return;
    copyPageIds(copy, 0, m.pages, pageId).then(
      (ids) => {
        const buffer = ids.buffer as ArrayBuffer; // a fresh Uint8Array's own buffer, never shared
        port.postMessage({ ids: buffer }, [buffer]);
      },
      (e: unknown) => port.postMessage({ error: describeCopyError(e) }),
    );
  });
}
