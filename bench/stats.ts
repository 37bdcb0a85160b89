/**
 * The benchmark's arithmetic: summaries of repeated runs, ratios, and number
 * formatting. Pure, so it is unit-tested (stats.test.ts).
 */

/** Median of the samples (mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("median of no samples");
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function min(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("min of no samples");
  return Math.min(...xs);
}

export function max(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("max of no samples");
  return Math.max(...xs);
}

/** The p-th percentile (0..100) by nearest rank on the sorted samples. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new RangeError("percentile of no samples");
  if (!(p >= 0 && p <= 100)) throw new RangeError("p must be in 0..100");
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1]!;
}

/** min and median of the wall times of repeated runs. */
export interface Spread {
  min: number;
  median: number;
}

export function spread(xs: readonly number[]): Spread {
  return { min: min(xs), median: median(xs) };
}

/** a / b, or null when either is missing or b is 0 (a ratio that cannot be computed is not invented). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/** Decimal megabytes per second (1 MB = 10^6 bytes, as restic and borg print). */
export function mbPerSecond(bytes: number, seconds: number): number | null {
  if (!(seconds > 0)) return null;
  return bytes / 1e6 / seconds;
}

export const MiB = 1024 * 1024;

/** A number with `digits` significant figures, as text ("1.23", "456", "0.0123"). */
export function sig(x: number | null | undefined, digits = 3): string {
  if (x == null || !Number.isFinite(x)) return "—";
  if (x === 0) return "0";
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - mag);
  return x.toFixed(Math.min(decimals, 6));
}

/** A ratio as "2.31×" (or "—"). */
export function times(x: number | null | undefined): string {
  return x == null || !Number.isFinite(x) ? "—" : `${sig(x, 3)}×`;
}

/** Bytes as decimal MB with 3 significant figures, e.g. "38.4 MB". */
export function megabytes(bytes: number | null | undefined): string {
  if (bytes == null) return "—";
  return `${sig(bytes / 1e6, 3)} MB`;
}
