/**
 * The engine's one bounded-concurrency helper: backup runs its chunking tasks through it,
 * restore its pack downloads. Restic's lesson: limits are one decorator, not a pool per
 * operation.
 */

/**
 * Run `jobs` with at most `limit` at once, in order of the array. The first error stops
 * new jobs from starting; it is thrown once every running job has ended (a caller that
 * closes file handles or a worker pool afterwards must not pull them from under a job
 * still running). Later errors are dropped: the first is what counts.
 */
export async function runBounded(jobs: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const lane = async () => {
    while (next < jobs.length && !failed) {
      const job = jobs[next++]!;
      try {
        await job();
      } catch (e) {
        if (!failed) firstError = e;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, lane));
  if (failed) throw firstError;
}
