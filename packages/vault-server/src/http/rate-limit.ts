/**
 * Fixed-window request limits per key (client IP, account), spec/vault-protocol.md §6.5.
 * They protect CPU and the database; guessing is bounded by the guess policy, which
 * holds across nodes — these limits are per process.
 */
export class RateLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #counts = new Map<string, number>();

  /** `max` requests per `windowMs` per key; `max` 0 disables the limit. */
  constructor(
    max: number,
    windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /** Counts one request; returns 0 if allowed, else the ms until the window resets. */
  take(key: string): number {
    if (this.#max <= 0) return 0;
    const t = this.now();
    if (t - this.#windowStart >= this.#windowMs) {
      this.#windowStart = t;
      this.#counts.clear();
    }
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    return n > this.#max ? this.#windowStart + this.#windowMs - t : 0;
  }
}
