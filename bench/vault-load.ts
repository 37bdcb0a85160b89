/**
 * Load generator for the key vault: full unlocks (login start → KE2 → client finish →
 * login finish → unwrap the root key), closed-loop at a fixed concurrency or open-loop
 * at a fixed rate, bounded in time and in count. Each in-flight unlock uses an account
 * no other in-flight unlock uses, so the guess policy never sees concurrent attempts of
 * one account (which it would rightly count).
 *
 * Latency in open loop is measured from the moment the request was due, not from when
 * it was sent, so a vault that falls behind shows it (no coordinated omission).
 */
import { percentile } from "./stats.ts";

export type UnlockFn = (account: number) => Promise<unknown>;

export interface LoadResult {
  unlocks: number;
  errors: number;
  firstError?: string;
  seconds: number;
  latenciesMs: number[];
  /** CPU time this process spent generating the load, in cores (1 = one core busy). */
  loadgenCpuCores: number;
}

export interface LoadSummary {
  unlocks_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
}

export function summarize(r: LoadResult): LoadSummary {
  if (r.latenciesMs.length === 0) return { unlocks_per_s: null, p50_ms: null, p99_ms: null };
  return {
    unlocks_per_s: r.unlocks / r.seconds,
    p50_ms: percentile(r.latenciesMs, 50),
    p99_ms: percentile(r.latenciesMs, 99),
  };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** `concurrency` loops, each unlocking its own accounts back to back, for `seconds` or `maxUnlocks`. */
export async function closedLoop(unlock: UnlockFn, accounts: number, concurrency: number, seconds: number, maxUnlocks: number): Promise<LoadResult> {
  if (accounts < concurrency) throw new RangeError("need at least one account per concurrent unlock");
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const loop = async (id: number) => {
    // Loop `id` owns accounts id, id + concurrency, id + 2·concurrency, …
    const mine = Array.from({ length: Math.floor((accounts - id - 1) / concurrency) + 1 }, (_, k) => id + k * concurrency);
    let k = 0;
    while (performance.now() < end && started < maxUnlocks) {
      started++;
      const s = performance.now();
      try {
        await unlock(mine[k++ % mine.length]!);
        lat.push(performance.now() - s);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
  const secs = (performance.now() - t0) / 1000;
  return { unlocks: lat.length, errors, firstError, seconds: secs, latenciesMs: lat, loadgenCpuCores: (cpuSeconds() - c0) / secs };
}

/**
 * Starts one unlock every 1/rate s for `seconds` (at most `maxUnlocks`), each on a free
 * account (waiting for one if all are busy; the wait counts in its latency).
 */
export async function openLoop(unlock: UnlockFn, accounts: number, rate: number, seconds: number, maxUnlocks: number): Promise<LoadResult> {
  const total = Math.min(maxUnlocks, Math.max(1, Math.round(rate * seconds)));
  const free = Array.from({ length: accounts }, (_, i) => i);
  const waiting: ((a: number) => void)[] = [];
  const take = () => (free.length > 0 ? Promise.resolve(free.pop()!) : new Promise<number>((r) => waiting.push(r)));
  const give = (a: number) => {
    const w = waiting.shift();
    if (w) w(a);
    else free.push(a);
  };
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  const one = async (due: number) => {
    const a = await take();
    try {
      await unlock(a);
      lat.push(performance.now() - due);
    } catch (e) {
      errors++;
      firstError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    } finally {
      give(a);
    }
  };
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(one(due));
  }
  await Promise.all(inflight);
  const secs = (performance.now() - t0) / 1000;
  return { unlocks: lat.length, errors, firstError, seconds: secs, latenciesMs: lat, loadgenCpuCores: (cpuSeconds() - c0) / secs };
}
