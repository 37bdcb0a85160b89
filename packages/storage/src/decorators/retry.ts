/**
 * `withRetry`: retries operations that failed with a retryable error (`retryable: true`,
 * i.e. `StorageUnavailableError`), with exponential backoff and jitter. Everything else
 * (not found, exists, invalid name, access denied) is thrown at once: retrying cannot help.
 */
import { isRetryable } from "../errors.ts";
import type { GetRange, ObjectInfo, PutOptions, Storage } from "../types.ts";

/** Options of `withRetry`. */
export interface RetryOptions {
  /** Total attempts per operation, first included (≥ 1). */
  attempts: number;
  /** Delay before the first retry; doubles each time (before jitter). */
  baseDelayMs: number;
  /** Cap on any one delay. */
  maxDelayMs: number;
  /** Injected for tests (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for jitter (default Math.random; no secret depends on it). */
  random?: () => number;
  /** Called before each retry, e.g. to log "storage unavailable, retrying in 2 s". */
  onRetry?: (info: RetryInfo) => void;
}

/** What `onRetry` is told. */
export interface RetryInfo {
  operation: "put" | "get" | "stat" | "list" | "delete";
  name: string;
  /** The attempt that just failed (1-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Wraps `storage` so that retryable failures are retried up to `attempts` times in all.
 * Delay before retry n is `d/2 + random·d/2` with `d = min(maxDelayMs, baseDelayMs·2^(n-1))`
 * ("equal jitter": spreads clients apart but never retries immediately).
 *
 * Two cases need more than "call again":
 * - `put` after a failed attempt may meet its own earlier write (the acknowledgement was
 *   lost). If the object then exists with exactly our bytes, the put succeeded; with other
 *   bytes `ObjectExistsError` stands.
 * - `list` that fails mid-way starts over and skips names it already yielded (it remembers
 *   the names, so memory grows with the listing).
 * - A put whose backend released its data early (`PutOptions.onDataReleased`) is not tried
 *   again: the caller may have reused the buffer, so another attempt could store other
 *   bytes. Its failure stands (a local folder releases after the write, so only a failed
 *   fsync, link or directory fsync meets this); a caller that can tell its own object
 *   without the bytes (the backup's `putOnce`, by a pack's hash) checks for a lost answer.
 */
export function withRetry(storage: Storage, options: RetryOptions): Storage {
  const { attempts, baseDelayMs, maxDelayMs } = options;
  if (!Number.isSafeInteger(attempts) || attempts < 1) throw new RangeError("attempts must be an integer ≥ 1");
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) throw new RangeError("baseDelayMs and maxDelayMs must be ≥ 0");
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  const delayFor = (attempt: number): number => {
    const d = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return d / 2 + random() * (d / 2);
  };
  /** Waits before the next attempt, or rethrows when retrying cannot or may not help. */
  const backoff = async (operation: RetryInfo["operation"], name: string, attempt: number, error: unknown): Promise<void> => {
    if (!isRetryable(error) || attempt >= attempts) throw error;
    const delayMs = delayFor(attempt);
    options.onRetry?.({ operation, name, attempt, delayMs, error });
    await sleep(delayMs);
  };
  /** `fn` until it succeeds, or fails for good; `final()` true after a failure: no more attempts. */
  const run = async <T>(operation: RetryInfo["operation"], name: string, fn: () => Promise<T>, final?: () => boolean): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (final?.()) throw error;
        await backoff(operation, name, attempt, error);
      }
    }
  };

  return {
    location: storage.location,
    ...(storage.parallelPuts !== undefined ? { parallelPuts: storage.parallelPuts } : {}),
    put(name: string, data: Uint8Array, options?: PutOptions): Promise<void> {
      let failedBefore = false;
      let released = false;
      const onDataReleased = options?.onDataReleased;
      const inner: PutOptions | undefined = onDataReleased
        ? {
            onDataReleased: () => {
              if (released) return;
              released = true;
              onDataReleased();
            },
          }
        : undefined;
      return run(
        "put",
        name,
        async () => {
          try {
            await storage.put(name, data, inner);
          } catch (error) {
            if (failedBefore && (error as { code?: unknown }).code === "object_exists") {
              // If reading it back fails for good, the ObjectExistsError is the honest answer.
              const existing = await storage.get(name).catch((e: unknown) => {
                throw isRetryable(e) ? e : error;
              });
              if (sameBytes(existing, data)) return;
            }
            if (isRetryable(error)) failedBefore = true;
            throw error;
          }
        },
        () => released,
      );
    },
    get: (name: string, range?: GetRange) => run("get", name, () => storage.get(name, range)),
    // Passed on only where the backend has it (`readInto` falls back to `get`); a retry reads into the same buffer again.
    ...(storage.getInto ? { getInto: (name: string, range: GetRange, into: Uint8Array) => run("get", name, () => storage.getInto!(name, range, into)) } : {}),
    stat: (name: string) => run("stat", name, () => storage.stat(name)),
    delete: (name: string) => run("delete", name, () => storage.delete(name)),
    async *list(prefix: string): AsyncIterable<ObjectInfo> {
      const seen = new Set<string>();
      for (let attempt = 1; ; attempt++) {
        try {
          for await (const info of storage.list(prefix)) {
            if (seen.has(info.name)) continue;
            seen.add(info.name);
            yield info;
          }
          return;
        } catch (error) {
          await backoff("list", prefix, attempt, error);
        }
      }
    },
  };
}
