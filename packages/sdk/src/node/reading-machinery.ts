/**
 * The part of a Node backup that is loaded lazily (backup.ts): a backup that reads nothing
 * new — the parent's database, no changed media file — starts no worker and imports none
 * of these modules, which is most of a no-change backup's start-up cost
 * (packages/cli/test/no-change-loads.test.ts checks it; docs/performance.md, "round 8").
 */

/** What a backup needs only when it reads something: the chunk tasks and their threads, the database copy's thread, its page IDs and read-back. */
export async function readingMachinery() {
  const [pool, split, tasks, thread, memory, ids, runs] = await Promise.all([
    import("./chunk-pool.ts"),
    import("./split-runner.ts"),
    import("./chunk-tasks.ts"),
    import("./db-source/snapshot-thread.ts"),
    import("./db-source/memory-dir.ts"),
    import("./db-source/page-ids.ts"),
    import("./db-source/page-runs.ts"),
  ]);
  return {
    ...pool,
    splitRunner: split.splitRunner,
    MediaReadError: tasks.MediaReadError,
    snapshotDatabaseOnThread: thread.snapshotDatabaseOnThread,
    memoryRunDir: memory.memoryRunDir,
    copyPageIds: ids.copyPageIds,
    pageIdsUnder: ids.pageIdsUnder,
    forEachPage: runs.forEachPage,
  };
}
export type ReadingMachinery = Awaited<ReturnType<typeof readingMachinery>>;
