/**
 * The one storage interface every backend implements (filesystem, S3, memory, HTTP).
 *
 * Contract (the conformance suite in `./conformance` checks every line of it):
 * - Names are relative, `/`-separated, made of [A-Za-z0-9._-] segments; no leading `/`,
 *   no `..` (nor `.`), no empty segment; at most 512 characters, 200 per segment
 *   (`checkObjectName` in `./names.ts` is the one validator). Backends map them onto their
 *   own key space under a prefix. A bad name throws `InvalidObjectNameError`.
 * - `put` is create-only: if `name` exists it throws `ObjectExistsError` and leaves the
 *   existing object untouched. A put is atomic: readers see the whole object or nothing,
 *   never a prefix, even if the writer crashes mid-way. Of concurrent puts of one name,
 *   exactly one succeeds. The backend keeps its own copy: the caller may reuse `data`
 *   once `put` returns (or once the backend called `onDataReleased`, see `PutOptions`),
 *   and owns the bytes `get` returns.
 * - A put that failed with `StorageUnavailableError` may still have been stored (lost
 *   acknowledgement); trying it again then throws `ObjectExistsError` for what is in fact
 *   the caller's own write. `withRetry` resolves that case by comparing contents.
 * - `get` returns the whole object, or `length` bytes from `offset` when a range is given
 *   (a range past the end returns the bytes that exist, possibly none). A missing object
 *   throws `ObjectNotFoundError`. A negative or non-integer range throws `RangeError`.
 * - `getInto` (optional: a backend that can read in place has it, decorators pass it on)
 *   is a ranged `get` whose bytes land in the caller's `into` from its first byte: it
 *   resolves with the view of `into` they fill (shorter past the end, like `get`), throws
 *   `ObjectNotFoundError` and `RangeError` like `get`, and `RangeError` when `into` is
 *   shorter than `range.length`. Bytes of `into` past the view are unspecified.
 *   `readInto` (`./read-into.ts`) calls it, or `get` where a backend lacks it.
 * - `list(prefix)` yields every object whose name starts with `prefix`, in no set order,
 *   each once. `prefix` is "" or the start of a valid name.
 * - A listing reflects every put and delete that returned before it began (read-after-write
 *   listing): the repository lock (spec/backup-format.md §8.11) relies on it. A backend
 *   with eventually consistent listings does not meet the contract.
 * - `delete` removes an object; deleting a missing object is not an error (idempotent).
 * - `stat` returns the size, or throws `ObjectNotFoundError`.
 * - Transient failures throw `StorageUnavailableError` (retrying may help); anything else
 *   is a bug or a misconfiguration and retrying will not help.
 * Objects hold ciphertext only; a backend never sees a key.
 */
export interface ObjectInfo {
  name: string;
  size: number;
}

/** Options of one `put`. */
export interface PutOptions {
  /**
   * Called at most once, before the put settles, when the backend no longer reads `data`:
   * the caller may then reuse the buffer while the put finishes (a local folder calls it
   * once the bytes are written, before its fsyncs and the link that makes the object
   * visible). A backend that never calls it holds `data` until the put settles. A
   * decorator that might need `data` after that point (to try the put again) must not
   * pass it on as is (`withRetry` does not retry a put whose data was released).
   * Nothing about the put's outcome changes: it is durable and visible only once `put`
   * returns, and a failure after the release still fails the put.
   */
  onDataReleased?: () => void;
}

export interface GetRange {
  offset: number;
  length: number;
}

export interface Storage {
  /** Human-readable location, never containing credentials (for messages and logs). */
  readonly location: string;
  /**
   * A hint for writers that pipeline many puts (a backup's packs): how many puts in flight
   * use this backend well. Absent: the writer's default. A local folder says 1: its puts
   * queue on one disk anyway, and every put held in flight is a buffer in memory.
   * Decorators pass it on (a concurrency limit caps it).
   */
  readonly parallelPuts?: number;
  put(name: string, data: Uint8Array, options?: PutOptions): Promise<void>;
  get(name: string, range?: GetRange): Promise<Uint8Array>;
  /**
   * A ranged `get` into the caller's buffer (a restore reads every pack range into the same
   * few buffers instead of a fresh allocation each). Optional: see `readInto`.
   */
  getInto?(name: string, range: GetRange, into: Uint8Array): Promise<Uint8Array>;
  stat(name: string): Promise<ObjectInfo>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(name: string): Promise<void>;
}
