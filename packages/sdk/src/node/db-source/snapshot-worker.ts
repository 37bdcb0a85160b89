/**
 * The thread of {@link snapshotDatabaseOnThread} (snapshot-thread.ts): one copy, then it
 * ends. It posts progress while copying, then either the snapshot or the error as plain
 * data (a thread cannot pass an Error's class).
 */
import { parentPort, workerData } from "node:worker_threads";
import { snapshotDatabase } from "./snapshot.ts";
import { type CopyRequest, describeCopyError } from "./snapshot-thread.ts";

const port = parentPort!;
const { dbPath, tmpDir, options, progress } = workerData as CopyRequest;
try {
  const snapshot = await snapshotDatabase(dbPath, tmpDir, {
    ...options,
    ...(progress ? { onProgress: (copied: number, total: number) => port.postMessage({ progress: [copied, total] }) } : {}),
  });
  port.postMessage({ snapshot });
} catch (e) {
  port.postMessage({ error: describeCopyError(e) });
}
