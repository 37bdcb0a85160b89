/**
 * The vault's clock, injected so lockout waits are tested without sleeping
 * (CONVENTIONS habit 8). Times are milliseconds since the epoch.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that runs with the system clock plus an offset that only grows. The
 * TEST-ONLY `/_test/clock` hook (spec/vault-protocol.md §9) advances it; with several
 * processes the offset is kept in the database so all of them agree.
 */
export class OffsetClock implements Clock {
  #offsetMs = 0;
  constructor(private readonly base: Clock = systemClock) {}
  now(): number {
    return this.base.now() + this.#offsetMs;
  }
  get offsetMs(): number {
    return this.#offsetMs;
  }
  setOffset(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < this.#offsetMs) throw new RangeError("the test clock only moves forward");
    this.#offsetMs = ms;
  }
  advance(ms: number): void {
    this.setOffset(this.#offsetMs + ms);
  }
}

/** A fully manual clock for unit tests. */
export class ManualClock implements Clock {
  constructor(public time = Date.UTC(2030, 0, 1)) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
