/**
 * `withConcurrencyLimit`: at most `n` operations in flight against the wrapped storage
 * (cloud APIs throttle, filesystems run out of descriptors). Waiters are served in order.
 */
import type { GetRange, ObjectInfo, PutOptions, Storage } from "../types.ts";

/**
 * Wraps `storage` so that at most `n` calls run at once. A `list` holds a slot only while
 * fetching its next item, not for the whole iteration: a caller that puts objects inside a
 * `for await` over a list must not deadlock itself.
 */
export function withConcurrencyLimit(storage: Storage, n: number): Storage {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError("n must be an integer ≥ 1");
  let active = 0;
  const waiting: Array<() => void> = [];
  const acquire = (): Promise<void> => {
    if (active < n) {
      active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  // Hands the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const limited = async <T>(fn: () => Promise<T>): Promise<T> => {
    await acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  };

  return {
    location: storage.location,
    ...(storage.parallelPuts !== undefined ? { parallelPuts: Math.min(storage.parallelPuts, n) } : {}),
    put: (name: string, data: Uint8Array, options?: PutOptions) => limited(() => storage.put(name, data, options)),
    get: (name: string, range?: GetRange) => limited(() => storage.get(name, range)),
    // Passed on only where the backend has it (`readInto` falls back to `get`).
    ...(storage.getInto ? { getInto: (name: string, range: GetRange, into: Uint8Array) => limited(() => storage.getInto!(name, range, into)) } : {}),
    stat: (name: string) => limited(() => storage.stat(name)),
    delete: (name: string) => limited(() => storage.delete(name)),
    async *list(prefix: string): AsyncIterable<ObjectInfo> {
      const it = storage.list(prefix)[Symbol.asyncIterator]();
      let done = false;
      try {
        while (true) {
          const r = await limited(() => it.next());
          if (r.done) {
            done = true;
            return;
          }
          yield r.value;
        }
      } finally {
        // The caller stopped early (break/throw): let the inner listing close its handles.
        if (!done) await it.return?.();
      }
    },
  };
}
