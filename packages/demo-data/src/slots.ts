import type { Rng } from "./prng.ts";

/**
 * `count` distinct, increasing positions in [0, total), spread evenly with jitter: one in
 * each of `count` equal intervals. Used to decide which messages carry media.
 */
export function chooseSlots(rng: Rng, total: number, count: number): number[] {
  if (count > total) throw new RangeError("count must not exceed total");
  const slots: number[] = [];
  for (let j = 0; j < count; j++) {
    const lo = Math.ceil((j * total) / count);
    const hi = Math.ceil(((j + 1) * total) / count);
    slots.push(lo + rngInt(rng, hi - lo));
  }
  return slots;
}

function rngInt(rng: Rng, n: number): number {
  return n <= 1 ? 0 : rng.int(n);
}
