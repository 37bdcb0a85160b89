/**
 * A ranged read into the caller's buffer where the storage can (`Storage.getInto`), else an
 * ordinary ranged `get`. A restore reads a pack range every 2 MiB; a fresh buffer per range
 * grew the main thread's malloc heap to ~35 MiB on the bench's full corpus, freed on the
 * worker thread that opened it (docs/performance.md, "Restore, round 3").
 */
import { checkRange } from "./names.ts";
import type { GetRange, Storage } from "./types.ts";

/**
 * The bytes of `range` of object `name`: a view of `into` from its first byte when the
 * storage reads in place, else the fresh buffer `get` returned (`into` untouched). Either
 * way the caller owns the result. Throws what `get` throws, and `RangeError` when `into`
 * is shorter than `range.length`.
 */
export async function readInto(storage: Storage, name: string, range: GetRange, into: Uint8Array): Promise<Uint8Array> {
  checkInto(range, into);
  return storage.getInto ? storage.getInto(name, range, into) : storage.get(name, range);
}

/** The checks every `getInto` makes before it reads: a sound range, and room for it in `into`. */
export function checkInto(range: GetRange, into: Uint8Array): void {
  checkRange(range);
  if (into.length < range.length) throw new RangeError(`into holds ${into.length} bytes, fewer than range.length (${range.length})`);
}
