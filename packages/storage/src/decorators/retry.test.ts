import { test } from "node:test";
import assert from "node:assert/strict";
import { ObjectNotFoundError, StorageUnavailableError } from "../errors.ts";
import { MemoryStorage } from "../memory.ts";
import type { Storage } from "../types.ts";
import { withFaults } from "./faults.ts";
import { withRetry } from "./retry.ts";

/** A storage that behaves like a fresh MemoryStorage except for the methods in `over`. */
function overriding(over: Partial<Storage>): Storage {
  const m = new MemoryStorage();
  return {
    location: m.location,
    put: (n, d) => m.put(n, d),
    get: (n, r) => m.get(n, r),
    stat: (n) => m.stat(n),
    list: (p) => m.list(p),
    delete: (n) => m.delete(n),
    ...over,
  };
}

/** A sleep that records delays and returns at once. */
function fakeSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

/** A storage whose `stat` fails with the given errors in turn, then succeeds. */
function flakyStat(errors: Error[]): Storage & { calls: number } {
  const s = Object.assign(overriding({}), { calls: 0 });
  s.stat = async (name: string) => {
    s.calls++;
    const e = errors.shift();
    if (e) throw e;
    return { name, size: 0 };
  };
  return s;
}

test("withRetry: retries retryable errors with exponential backoff and equal jitter", async () => {
  const { sleep, delays } = fakeSleep();
  const inner = flakyStat([new StorageUnavailableError("a"), new StorageUnavailableError("b"), new StorageUnavailableError("c")]);
  const s = withRetry(inner, { attempts: 4, baseDelayMs: 100, maxDelayMs: 10_000, sleep, random: () => 0 });
  assert.deepEqual(await s.stat("x"), { name: "x", size: 0 });
  assert.equal(inner.calls, 4);
  assert.deepEqual(delays, [50, 100, 200]); // d/2 with random 0: d = 100, 200, 400
});

test("withRetry: delays are capped at maxDelayMs and jitter stays within [d/2, d)", async () => {
  const { sleep, delays } = fakeSleep();
  const errors = Array.from({ length: 6 }, () => new StorageUnavailableError("down"));
  const s = withRetry(flakyStat(errors), { attempts: 7, baseDelayMs: 100, maxDelayMs: 1000, sleep, random: () => 0.999 });
  await s.stat("x");
  assert.equal(delays.length, 6);
  const caps = [100, 200, 400, 800, 1000, 1000];
  delays.forEach((d, i) => assert.ok(d >= caps[i]! / 2 && d < caps[i]!, `delay ${i}: ${d}`));
});

test("withRetry: gives up after `attempts` and throws the last error", async () => {
  const { sleep, delays } = fakeSleep();
  const last = new StorageUnavailableError("third");
  const inner = flakyStat([new StorageUnavailableError("1"), new StorageUnavailableError("2"), last, new StorageUnavailableError("4")]);
  const s = withRetry(inner, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep });
  await assert.rejects(s.stat("x"), (e) => e === last);
  assert.equal(inner.calls, 3);
  assert.equal(delays.length, 2);
});

test("withRetry: never retries errors that are not retryable", async () => {
  const { sleep, delays } = fakeSleep();
  const inner = flakyStat([new ObjectNotFoundError("x")]);
  const seen: number[] = [];
  const s = withRetry(inner, { attempts: 5, baseDelayMs: 1, maxDelayMs: 1, sleep, onRetry: (i) => seen.push(i.attempt) });
  await assert.rejects(s.stat("x"), ObjectNotFoundError);
  assert.equal(inner.calls, 1);
  assert.deepEqual(delays, []);
  assert.deepEqual(seen, []);
});

test("withRetry: a put whose acknowledgement was lost succeeds when the stored bytes are ours", async () => {
  const { sleep } = fakeSleep();
  const memory = new MemoryStorage();
  const faulty = withFaults(memory, { rules: [{ op: "put", calls: [1], fault: { kind: "lostAck" } }] });
  const s = withRetry(faulty, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep });
  await s.put("p", new Uint8Array([1, 2, 3]));
  assert.deepEqual(await memory.get("p"), new Uint8Array([1, 2, 3]));
  assert.equal(faulty.calls.put, 2);
  assert.equal(faulty.calls.get, 1, "it read the object back once to compare");
});

test("withRetry: ObjectExistsError stands when the stored bytes are someone else's", async () => {
  const { sleep } = fakeSleep();
  const memory = new MemoryStorage();
  // First attempt fails before writing; meanwhile another writer takes the name.
  const faulty = withFaults(memory, { rules: [{ op: "put", calls: [1], fault: { kind: "unavailable" } }] });
  const s = withRetry(faulty, {
    attempts: 3,
    baseDelayMs: 1,
    maxDelayMs: 1,
    sleep: async () => {
      await memory.put("p", new Uint8Array([9]));
      await sleep(0);
    },
  });
  await assert.rejects(s.put("p", new Uint8Array([1])), { code: "object_exists" });
  // And a first-attempt ObjectExistsError is never second-guessed (no read-back).
  await assert.rejects(withRetry(faulty, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep }).put("p", new Uint8Array([9])), { code: "object_exists" });
  assert.equal(faulty.calls.get, 1);
});

test("withRetry: a listing that breaks mid-way restarts and yields each name once", async () => {
  const { sleep, delays } = fakeSleep();
  const memory = new MemoryStorage();
  for (let i = 0; i < 5; i++) await memory.put(`l/${i}`, new Uint8Array(i));
  const faulty = withFaults(memory, { rules: [{ op: "list", calls: [1, 2], fault: { kind: "unavailable", afterItems: 2 } }] });
  const s = withRetry(faulty, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep });
  const names: string[] = [];
  for await (const info of s.list("l/")) names.push(info.name);
  assert.deepEqual(names.sort(), ["l/0", "l/1", "l/2", "l/3", "l/4"]);
  assert.equal(delays.length, 2);
});

test("withRetry: bad options are a RangeError", () => {
  const m = new MemoryStorage();
  assert.throws(() => withRetry(m, { attempts: 0, baseDelayMs: 1, maxDelayMs: 1 }), RangeError);
  assert.throws(() => withRetry(m, { attempts: 2, baseDelayMs: -1, maxDelayMs: 1 }), RangeError);
});

test("withRetry: getInto is retried into the same buffer, and left out where the backend lacks it", async () => {
  const m = new MemoryStorage();
  await m.put("a", new Uint8Array([1, 2, 3, 4]));
  const s = withRetry(withFaults(m, { rules: [{ op: "get", calls: [1], fault: { kind: "unavailable" } }] }), {
    attempts: 3,
    baseDelayMs: 0,
    maxDelayMs: 0,
    sleep: fakeSleep().sleep,
  });
  const into = new Uint8Array(4);
  const got = await s.getInto!("a", { offset: 0, length: 4 }, into);
  assert.equal(got.buffer, into.buffer);
  assert.deepEqual([...got], [1, 2, 3, 4]);
  assert.equal(withRetry(overriding({}), { attempts: 2, baseDelayMs: 0, maxDelayMs: 0 }).getInto, undefined);
});

test("put: a failure after the backend released the data is not retried; one before it is", async () => {
  // Fails once after releasing (a failed fsync after the write): retrying could store a reused buffer.
  let puts = 0;
  const late = overriding({
    put: async (_n, _d, options) => {
      puts++;
      options?.onDataReleased?.();
      throw new StorageUnavailableError("fsync failed");
    },
  });
  const { sleep, delays } = fakeSleep();
  let released = 0;
  await assert.rejects(
    withRetry(late, { attempts: 5, baseDelayMs: 10, maxDelayMs: 100, sleep }).put("p", new Uint8Array([1]), { onDataReleased: () => released++ }),
    StorageUnavailableError,
  );
  assert.equal(puts, 1, "no second attempt");
  assert.equal(released, 1);
  assert.deepEqual(delays, []);

  // Fails once before releasing: retried as ever, and the caller hears of one release.
  const inner = new MemoryStorage();
  let first = true;
  const early = overriding({
    put: async (n, d, options) => {
      if (first) {
        first = false;
        throw new StorageUnavailableError("connection reset");
      }
      return inner.put(n, d, options);
    },
  });
  released = 0;
  await withRetry(early, { attempts: 5, baseDelayMs: 10, maxDelayMs: 100, sleep }).put("q", new Uint8Array([2]), { onDataReleased: () => released++ });
  assert.equal(released, 1);
  assert.deepEqual(await inner.get("q"), new Uint8Array([2]));
});
