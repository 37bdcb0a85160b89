/**
 * Chunk tasks on worker threads and on this thread at once. Every worker thread is a
 * V8 isolate of its own — its heap, its young generation, its garbage of sealed chunks
 * waiting for a collection, ~60–90 MiB at a full backup's peak (docs/performance.md,
 * "Peak memory of backups") — while this thread, which packs and uploads, is idle most
 * of a backup. So a backup on `c` cores runs `c − 1` workers and lets this thread take
 * tasks too: the same cores busy, one isolate fewer.
 *
 * A task goes to a free worker first (this thread has packing to do), else to this thread
 * if it has a free slot, else waits for whichever frees first. Packs are hashed on this
 * thread (the packer's default): they are reused buffers, which a worker could only
 * receive as a copy.
 */
import type { TaskRunner } from "./chunk-pool.ts";
import type { ChunkTask } from "./chunk-tasks.ts";

/** What a task weighs for the share: the bytes it reads (a file's size as the walk saw it). */
function weight(task: ChunkTask): number {
  return task.kind === "pages" ? task.length : (task.size ?? 1);
}

/**
 * @param hereShare at most this fraction of the bytes started goes to this thread
 *   (1: whenever it has a free slot). A task this thread may not take waits for a worker.
 */
export function splitRunner(workers: TaskRunner, workerSlots: number, here: TaskRunner, hereSlots = 1, hereShare = 1): TaskRunner {
  if (!Number.isSafeInteger(workerSlots) || workerSlots < 0 || !Number.isSafeInteger(hereSlots) || hereSlots < 0 || workerSlots + hereSlots < 1) {
    throw new RangeError("splitRunner needs at least one slot");
  }
  // Without a worker slot, a share below 1 would leave some task nowhere to run.
  if (!(hereShare >= 0 && hereShare <= 1) || (workerSlots === 0 && hereShare < 1)) throw new RangeError("hereShare must be in [0, 1], and 1 without workers");
  let workersFree = workerSlots;
  let hereFree = hereSlots;
  let started = 0;
  let startedHere = 0;
  const waiting: (() => void)[] = [];
  // Every waiting task looks again: one that may not run here can let the next one by.
  const freed = () => waiting.splice(0).forEach((wake) => wake());
  return {
    async run(task, onPart) {
      const w = weight(task);
      for (;;) {
        if (workersFree > 0) {
          workersFree -= 1;
          started += w;
          try {
            return await workers.run(task, onPart);
          } finally {
            workersFree += 1;
            freed();
          }
        }
        if (hereFree > 0 && startedHere + w <= hereShare * (started + w)) {
          hereFree -= 1;
          started += w;
          startedHere += w;
          try {
            return await here.run(task, onPart);
          } finally {
            hereFree += 1;
            freed();
          }
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
    async close() {
      await Promise.all([workers.close(), here.close()]);
    },
  };
}
