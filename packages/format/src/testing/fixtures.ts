/**
 * Deterministic inputs for tests and the vector generator. Browser-safe; not part of the
 * package's public entry. Nothing here is cryptographically random — that is the point.
 */
import type { RandomSource } from "../backend.ts";

/** `length` bytes from a seeded xorshift32 (fast; good enough to look like random data to a chunker). */
export function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 0x9e3779b9;
  const words = length >>> 2;
  const view = new DataView(out.buffer);
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view.setUint32(i * 4, x >>> 0, true);
  }
  for (let i = words * 4; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/** A RandomSource that replays a seeded stream, so "random" nonces and salts are reproducible. */
export function seededRandom(seed: number): RandomSource {
  let n = 0;
  return (length) => seededBytes(seed + 0x1000193 * n++, length);
}

/** A RandomSource that returns exactly `values`, in order, and fails loudly on any surprise. */
export function fixedRandom(...values: Uint8Array[]): RandomSource {
  const queue = [...values];
  return (length) => {
    const v = queue.shift();
    if (!v) throw new Error(`fixedRandom: no value left for a ${length}-byte request`);
    if (v.length !== length) throw new Error(`fixedRandom: asked for ${length} bytes, have ${v.length}`);
    return v.slice();
  };
}
