/**
 * Seeded, deterministic pseudo-randomness for demo data. NOT for keys or nonces:
 * demo data must be reproducible from its seed (same seed → same bytes), which is
 * exactly what a CSPRNG must never be.
 */
import { createHash } from "node:crypto";

/** A demo-data seed: a number or any string. */
export type DemoSeed = number | string;

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes
 * PractRand, and needs only 32-bit integer ops, so it stays fast in JavaScript.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(state: Uint32Array) {
    if (state.length !== 4) throw new RangeError("state must hold 4 words");
    this.a = state[0]! | 0;
    this.b = state[1]! | 0;
    this.c = state[2]! | 0;
    this.d = state[3]! | 0;
    // Discard the first outputs, as sfc32's author recommends, to mix the seed in.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A log-uniform number in [lo, hi): many small values, a few large ones (file sizes, lengths). */
  logUniform(lo: number, hi: number): number {
    return lo * Math.pow(hi / lo, this.float());
  }

  /** An exponentially distributed number with the given mean (gaps between events). */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("items must not be empty");
    return items[this.int(items.length)]!;
  }
}

/**
 * An independent stream for one purpose (`label`) of one seed, so that adding draws in
 * one part of the generator does not shift the output of every other part.
 */
export function rngFor(seed: DemoSeed, label: string): Rng {
  const digest = createHash("sha256")
    .update(`chatvault/demo-data/${label}/${typeof seed}:${String(seed)}`)
    .digest();
  return new Rng(new Uint32Array(digest.buffer, digest.byteOffset, 4).slice());
}

/**
 * Samples ranks 0..n-1 with probability ∝ 1/(rank+1)^s — the Zipf law that chat activity,
 * word frequency and group-member chattiness all roughly follow.
 */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(n: number, s = 1.07) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError("n must be a positive integer");
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      this.cdf[i] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i] = this.cdf[i]! / sum;
  }

  /** A rank in [0, n). */
  sample(rng: Rng): number {
    const u = rng.float();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
