/**
 * `withFaults`: a fault-injecting storage for tests of the code above storage (backup
 * engine, CLI). Deterministic: which calls fail depends only on the plan and on the order
 * in which calls are made, never on timing.
 *
 * Example — the 3rd put under "snapshots/" is stored but its acknowledgement is lost, and
 * 10% of gets (seeded) fail:
 * ```ts
 * const s = withFaults(new MemoryStorage(), { seed: 7, rules: [
 *   { op: "put", prefix: "snapshots/", calls: [3], fault: { kind: "lostAck" } },
 *   { op: "get", rate: 0.1, fault: { kind: "unavailable" } },
 * ] });
 * ```
 */
import { StorageUnavailableError } from "../errors.ts";
import type { GetRange, ObjectInfo, PutOptions, Storage } from "../types.ts";

export type StorageOperation = "put" | "get" | "stat" | "list" | "delete";

/** What happens to a faulted call. Every failure is a `StorageUnavailableError`. */
export type Fault =
  /** Fail without touching the storage. For `list`, with `afterItems`: yield that many items first, then fail. */
  | { kind: "unavailable"; afterItems?: number }
  /** Wait `ms` (via the plan's sleep), then fail as a timeout. Without `ms`: never settle (test the caller's timeout). */
  | { kind: "hang"; ms?: number }
  /** Wait `ms`, then perform the call normally. */
  | { kind: "slow"; ms: number }
  /** Perform the call (the put is stored), then fail as if the answer got lost on the way back. */
  | { kind: "lostAck" };

/** When to inject a fault. The first rule that fires for a call decides it. */
export interface FaultRule {
  /** The operation this rule watches ("*" = every operation). */
  op: StorageOperation | "*";
  /** Only calls whose name (for `list`: prefix) starts with this. */
  prefix?: string;
  /** 1-based numbers, among the calls this rule watches, of those to fault. */
  calls?: readonly number[];
  /** Fault this fraction (0..1) of watched calls, drawn from the plan's seeded PRNG. */
  rate?: number;
  // Neither `calls` nor `rate`: every watched call is faulted.
  fault: Fault;
}

/** A fault plan. */
export interface FaultPlan {
  rules: readonly FaultRule[];
  /** Seed of the PRNG behind `rate` (default 1). */
  seed?: number;
  /** Used by "hang" and "slow" (default: setTimeout). Inject to test without waiting. */
  sleep?: (ms: number) => Promise<void>;
}

/** One injected fault, for assertions. */
export interface InjectedFault {
  op: StorageOperation;
  name: string;
  kind: Fault["kind"];
  /** Index of the rule in `plan.rules`. */
  rule: number;
  /** Which watched call of that rule it was (1-based). */
  call: number;
}

/** A `Storage` that also tells which faults it injected and how many calls it saw. */
export interface FaultyStorage extends Storage {
  readonly injected: readonly InjectedFault[];
  readonly calls: Readonly<Record<StorageOperation, number>>;
}

/** mulberry32: tiny, fast, seedable; plenty for picking which calls fail (not for secrets). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wraps `storage` to inject the faults of `plan`. */
export function withFaults(storage: Storage, plan: FaultPlan): FaultyStorage {
  for (const r of plan.rules) {
    if (r.rate !== undefined && !(r.rate >= 0 && r.rate <= 1)) throw new RangeError("rule.rate must be in [0, 1]");
  }
  const random = prng(plan.seed ?? 1);
  const sleep = plan.sleep ?? defaultSleep;
  const seen = plan.rules.map(() => 0);
  const injected: InjectedFault[] = [];
  const calls: Record<StorageOperation, number> = { put: 0, get: 0, stat: 0, list: 0, delete: 0 };

  /**
   * Decides a call's fate synchronously, when the call is made: every watching rule counts
   * it and every watching `rate` rule draws, whether or not an earlier rule fired, so
   * the sequence of decisions depends only on the sequence of calls.
   */
  const decide = (op: StorageOperation, name: string): Fault | undefined => {
    calls[op]++;
    let chosen: Fault | undefined;
    plan.rules.forEach((rule, i) => {
      if ((rule.op !== "*" && rule.op !== op) || !name.startsWith(rule.prefix ?? "")) return;
      const call = ++seen[i]!;
      const byCall = rule.calls === undefined || rule.calls.includes(call);
      const byRate = rule.rate === undefined || random() < rule.rate;
      if (!chosen && byCall && byRate) {
        chosen = rule.fault;
        injected.push({ op, name, kind: rule.fault.kind, rule: i, call });
      }
    });
    return chosen;
  };
  const unavailable = (op: StorageOperation, name: string, why: string): StorageUnavailableError =>
    new StorageUnavailableError(`${op} ${name}: ${why} (injected fault)`);

  const apply = <T>(op: StorageOperation, name: string, fault: Fault | undefined, fn: () => Promise<T>): Promise<T> => {
    if (!fault) return fn();
    switch (fault.kind) {
      case "unavailable":
        return Promise.reject(unavailable(op, name, "unavailable"));
      case "hang":
        if (fault.ms === undefined) return new Promise<T>(() => {});
        return sleep(fault.ms).then(() => {
          throw unavailable(op, name, `timed out after ${fault.ms} ms`);
        });
      case "slow":
        return sleep(fault.ms).then(fn);
      case "lostAck":
        return fn().then(() => {
          throw unavailable(op, name, "answer lost");
        });
    }
  };
  const run = <T>(op: StorageOperation, name: string, fn: () => Promise<T>): Promise<T> => apply(op, name, decide(op, name), fn);

  async function* faultyList(prefix: string, fault: Fault | undefined): AsyncGenerator<ObjectInfo> {
    if (fault?.kind === "unavailable" && fault.afterItems !== undefined) {
      let n = 0;
      for await (const info of storage.list(prefix)) {
        if (n++ >= fault.afterItems) break;
        yield info;
      }
      throw unavailable("list", prefix, `broke after ${fault.afterItems} items`);
    }
    if (fault?.kind === "lostAck") {
      for await (const _ of storage.list(prefix)) {
        /* read it all, tell nothing */
      }
      throw unavailable("list", prefix, "answer lost");
    }
    await apply("list", prefix, fault, () => Promise.resolve()); // unavailable / hang / slow
    yield* storage.list(prefix);
  }

  return {
    location: storage.location,
    ...(storage.parallelPuts !== undefined ? { parallelPuts: storage.parallelPuts } : {}),
    injected,
    calls,
    put: (name: string, data: Uint8Array, options?: PutOptions) => run("put", name, () => storage.put(name, data, options)),
    get: (name: string, range?: GetRange) => run("get", name, () => storage.get(name, range)),
    // A get like any other for the rules (op "get"); passed on only where the backend has it.
    ...(storage.getInto ? { getInto: (name: string, range: GetRange, into: Uint8Array) => run("get", name, () => storage.getInto!(name, range, into)) } : {}),
    stat: (name: string) => run("stat", name, () => storage.stat(name)),
    delete: (name: string) => run("delete", name, () => storage.delete(name)),
    // Not an async generator itself: the decision must happen when list() is called.
    list: (prefix: string) => faultyList(prefix, decide("list", prefix)),
  };
}
