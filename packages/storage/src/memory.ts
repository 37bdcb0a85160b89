/**
 * In-memory storage: for unit tests of other packages and for the browser. Nothing is
 * persisted. It copies bytes on the way in and out, so callers cannot change a stored object
 * by mutating a buffer (a real backend would not let them either).
 */
import { ObjectExistsError, ObjectNotFoundError } from "./errors.ts";
import { checkListPrefix, checkObjectName, checkRange } from "./names.ts";
import { checkInto } from "./read-into.ts";
import type { GetRange, ObjectInfo, PutOptions, Storage } from "./types.ts";

/** A `Storage` held in a `Map`. Every method is async, like a real backend, so call order is realistic. */
export class MemoryStorage implements Storage {
  readonly location: string;
  readonly #objects = new Map<string, Uint8Array>();

  /** `label` only names the store in messages (`memory:<label>`). */
  constructor(label = "default") {
    this.location = `memory:${label}`;
  }

  async put(name: string, data: Uint8Array, options?: PutOptions): Promise<void> {
    checkObjectName(name);
    // Check and set with no await in between: single-threaded, so concurrent puts
    // of one name see exactly one winner.
    if (this.#objects.has(name)) throw new ObjectExistsError(name);
    // `new Uint8Array(x)` copies; `Buffer#slice` would not (it returns a view).
    this.#objects.set(name, new Uint8Array(data));
    // Copied: the caller's buffer is free before this put returns (PutOptions).
    options?.onDataReleased?.();
  }

  async get(name: string, range?: GetRange): Promise<Uint8Array> {
    checkObjectName(name);
    if (range) checkRange(range);
    const data = this.#objects.get(name);
    if (!data) throw new ObjectNotFoundError(name);
    return range ? data.slice(range.offset, range.offset + range.length) : data.slice();
  }

  /** A ranged `get` copied into `into` (types.ts). */
  async getInto(name: string, range: GetRange, into: Uint8Array): Promise<Uint8Array> {
    checkObjectName(name);
    checkInto(range, into);
    const data = this.#objects.get(name);
    if (!data) throw new ObjectNotFoundError(name);
    const part = data.subarray(range.offset, range.offset + range.length);
    into.set(part);
    return into.subarray(0, part.length);
  }

  async stat(name: string): Promise<ObjectInfo> {
    checkObjectName(name);
    const data = this.#objects.get(name);
    if (!data) throw new ObjectNotFoundError(name);
    return { name, size: data.length };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkListPrefix(prefix);
    // Snapshot the matches so puts/deletes during iteration cannot disturb it.
    const found: ObjectInfo[] = [];
    for (const [name, data] of this.#objects) {
      if (name.startsWith(prefix)) found.push({ name, size: data.length });
    }
    yield* found;
  }

  async delete(name: string): Promise<void> {
    checkObjectName(name);
    this.#objects.delete(name);
  }
}
