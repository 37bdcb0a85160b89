/**
 * The live SQLite message database as a backup source (DESIGN §5): a consistent copy
 * made with SQLite's online backup API, then read page by page.
 */
export { snapshotDatabase, snapshotSizeEstimate } from "./snapshot.ts";
export { snapshotDatabaseOnThread } from "./snapshot-thread.ts";
export type { SnapshotJob } from "./snapshot-thread.ts";
export { memoryRunDir, memoryTempBase } from "./memory-dir.ts";
export type { MemoryDirProbe } from "./memory-dir.ts";
export type { DatabaseSnapshot, SnapshotOptions } from "./snapshot.ts";
export { readPages } from "./read-pages.ts";
export type { DatabasePage } from "./read-pages.ts";
export { DatabaseSourceError } from "./errors.ts";
export type { DatabaseSourceReason } from "./errors.ts";
export { databaseFingerprint } from "./fingerprint.ts";
