/**
 * Shamir secret sharing over the ristretto255 scalar field Fn (spec/threshold-vault.md §3.4):
 * shares of a polynomial f of degree t−1 at x = 1..n, Lagrange interpolation at 0 of scalars,
 * and the same interpolation "in the exponent" of group elements (Σ λ_i·P_i), which is how the
 * client combines the realms' OPRF evaluations. Field and group arithmetic are @noble/curves'.
 */
import { ristretto255 } from "@noble/curves/ed25519.js";

export const Point: typeof ristretto255.Point = ristretto255.Point;
export const Fn: typeof ristretto255.Point.Fn = ristretto255.Point.Fn;
export type RistrettoPoint = InstanceType<typeof ristretto255.Point>;

/** Largest realm count the protocol supports. */
export const MAX_REALMS = 9;

export function checkThreshold(t: number, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_REALMS) throw new RangeError(`realm count must be an integer in [1, ${MAX_REALMS}]`);
  if (!Number.isInteger(t) || t < 1 || t > n) throw new RangeError("threshold must be an integer in [1, realm count]");
}

/** f(x) = Σ c_j·x^j (Horner). `coefficients[0]` is the secret. */
export function evaluatePolynomial(coefficients: readonly bigint[], x: number): bigint {
  if (coefficients.length === 0) throw new RangeError("a polynomial needs at least one coefficient");
  const X = Fn.create(BigInt(x));
  let acc = 0n;
  for (let j = coefficients.length - 1; j >= 0; j--) acc = Fn.add(Fn.mul(acc, X), coefficients[j]!);
  return acc;
}

/** Shares f(1..n). */
export function splitScalar(coefficients: readonly bigint[], n: number): { index: number; share: bigint }[] {
  checkThreshold(coefficients.length, n);
  return Array.from({ length: n }, (_, k) => ({ index: k + 1, share: evaluatePolynomial(coefficients, k + 1) }));
}

function checkIndexes(indexes: readonly number[]): void {
  if (indexes.length === 0) throw new RangeError("need at least one share");
  const seen = new Set<number>();
  for (const i of indexes) {
    if (!Number.isInteger(i) || i < 1 || i > MAX_REALMS) throw new RangeError(`share index must be an integer in [1, ${MAX_REALMS}]`);
    if (seen.has(i)) throw new RangeError("share indexes must be distinct");
    seen.add(i);
  }
}

/**
 * Lagrange coefficient of share `i` for interpolation at `at` (default 0) over `indexes`:
 * λ_i = Π_{j ∈ S, j ≠ i} (at − j) / (i − j).
 */
export function lagrangeCoefficient(i: number, indexes: readonly number[], at = 0): bigint {
  const key = `${i}@${at}:${indexes.join(",")}`;
  const cached = lagrangeCache.get(key);
  if (cached !== undefined) return cached;
  checkIndexes(indexes);
  if (!indexes.includes(i)) throw new RangeError("index must be one of the indexes");
  let num = 1n;
  let den = 1n;
  for (const j of indexes) {
    if (j === i) continue;
    num = Fn.mul(num, Fn.sub(Fn.create(BigInt(at)), BigInt(j)));
    den = Fn.mul(den, Fn.sub(BigInt(i), BigInt(j)));
  }
  const lambda = Fn.div(num, den);
  if (lagrangeCache.size >= MAX_CACHED_COEFFICIENTS) lagrangeCache.clear();
  lagrangeCache.set(key, lambda);
  return lambda;
}

/**
 * Coefficients already computed (a field inversion each, ~15 µs): public values of the index set
 * alone, and an unlock asks the same few every time (t for the combination, t for z). Only
 * inputs that passed the checks above are stored, so a hit needs no check.
 */
const lagrangeCache = new Map<string, bigint>();
const MAX_CACHED_COEFFICIENTS = 1024;

/** f(at) from shares (default the secret f(0)). */
export function interpolateScalar(shares: readonly { index: number; share: bigint }[], at = 0): bigint {
  const idx = shares.map((s) => s.index);
  checkIndexes(idx);
  return shares.reduce((acc, s) => Fn.add(acc, Fn.mul(lagrangeCoefficient(s.index, idx, at), s.share)), 0n);
}

/** Σ λ_i·P_i: interpolation at `at` of points P_i = f(i)·B (the OPRF combination, §6.3). */
export function interpolatePoints(shares: readonly { index: number; point: RistrettoPoint }[], at = 0): RistrettoPoint {
  const idx = shares.map((s) => s.index);
  checkIndexes(idx);
  return shares.reduce((acc, s) => acc.add(s.point.multiply(lagrangeCoefficient(s.index, idx, at))), Point.ZERO);
}

export function scalarToBytes(s: bigint): Uint8Array {
  return Fn.toBytes(s);
}

/** Canonical 32-byte little-endian scalar; throws RangeError on a non-canonical encoding. */
export function scalarFromBytes(b: Uint8Array): bigint {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new RangeError("a scalar is 32 bytes");
  try {
    return Fn.fromBytes(b);
  } catch {
    throw new RangeError("scalar is not canonical (≥ group order)");
  }
}

/** Every subset of `items` of size `k`, in lexicographic order of positions. */
export function subsetsOf<T>(items: readonly T[], k: number): T[][] {
  const out: T[][] = [];
  const pick: T[] = [];
  const rec = (from: number) => {
    if (pick.length === k) {
      out.push(pick.slice());
      return;
    }
    for (let i = from; i <= items.length - (k - pick.length); i++) {
      pick.push(items[i]!);
      rec(i + 1);
      pick.pop();
    }
  };
  rec(0);
  return out;
}
