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

export function splitRunner(workers: TaskRunner, workerSlots: number, here: TaskRunner, hereSlots = 1): TaskRunner {
  if (!Number.isSafeInteger(workerSlots) || workerSlots < 0 || !Number.isSafeInteger(hereSlots) || hereSlots < 0 || workerSlots + hereSlots < 1) {
    throw new RangeError("splitRunner needs at least one slot");
  }
  let workersFree = workerSlots;
  let hereFree = hereSlots;
  const waiting: (() => void)[] = [];
  const freed = () => waiting.shift()?.();
  return {
    async run(task, onPart) {
      for (;;) {
        if (workersFree > 0) {
          workersFree -= 1;
          try {
            return await workers.run(task, onPart);
          } finally {
            workersFree += 1;
            freed();
          }
        }
        if (hereFree > 0) {
          hereFree -= 1;
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
