import { test } from "node:test";
import assert from "node:assert/strict";
import { StorageUnavailableError } from "../errors.ts";
import { MemoryStorage } from "../memory.ts";
import { withFaults } from "./faults.ts";
import type { FaultPlan } from "./faults.ts";

const one = new Uint8Array([1]);

test("withFaults: the k-th call of an operation fails and leaves the storage untouched", async () => {
  const m = new MemoryStorage();
  const s = withFaults(m, { rules: [{ op: "put", calls: [2], fault: { kind: "unavailable" } }] });
  await s.put("a", one);
  await assert.rejects(s.put("b", one), StorageUnavailableError);
  await s.put("c", one);
  await assert.rejects(m.stat("b"), { code: "object_not_found" });
  assert.deepEqual(s.injected, [{ op: "put", name: "b", kind: "unavailable", rule: 0, call: 2 }]);
  assert.equal(s.calls.put, 3);
});

test("withFaults: a prefix narrows which calls a rule counts", async () => {
  const s = withFaults(new MemoryStorage(), { rules: [{ op: "put", prefix: "snap/", calls: [1], fault: { kind: "unavailable" } }] });
  await s.put("pack/1", one);
  await assert.rejects(s.put("snap/1", one), StorageUnavailableError);
  await s.put("snap/2", one);
});

test("withFaults: lostAck stores the object, then fails", async () => {
  const m = new MemoryStorage();
  const s = withFaults(m, { rules: [{ op: "put", fault: { kind: "lostAck" } }] });
  await assert.rejects(s.put("a", one), /answer lost/);
  assert.deepEqual(await m.get("a"), one);
});

test("withFaults: a seeded rate is reproducible and roughly the rate", async () => {
  const run = async (seed: number): Promise<number[]> => {
    const plan: FaultPlan = { seed, rules: [{ op: "*", rate: 0.3, fault: { kind: "unavailable" } }] };
    const s = withFaults(new MemoryStorage(), plan);
    const failed: number[] = [];
    for (let i = 0; i < 200; i++) await s.stat("x").catch((e: unknown) => (e instanceof StorageUnavailableError ? failed.push(i) : 0));
    return failed;
  };
  const a = await run(42);
  assert.deepEqual(await run(42), a);
  assert.notDeepEqual(await run(43), a);
  assert.ok(a.length > 40 && a.length < 80, `${a.length} of 200`);
});

test("withFaults: hang waits (injected sleep) then times out; without ms it never settles", async () => {
  const slept: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    slept.push(ms);
  };
  const s = withFaults(new MemoryStorage(), {
    sleep,
    rules: [
      { op: "get", calls: [1], fault: { kind: "hang", ms: 30_000 } },
      { op: "get", calls: [2], fault: { kind: "hang" } },
    ],
  });
  await assert.rejects(s.get("x"), /timed out after 30000 ms/);
  assert.deepEqual(slept, [30_000]);
  const forever = s.get("x").then(
    () => "settled",
    () => "settled",
  );
  assert.equal(await Promise.race([forever, new Promise((r) => setTimeout(() => r("pending"), 20))]), "pending");
});

test("withFaults: slow delays, then performs the call", async () => {
  const slept: number[] = [];
  const m = new MemoryStorage();
  const s = withFaults(m, {
    sleep: async (ms) => {
      slept.push(ms);
    },
    rules: [{ op: "put", fault: { kind: "slow", ms: 250 } }],
  });
  await s.put("a", one);
  assert.deepEqual(slept, [250]);
  assert.deepEqual(await m.get("a"), one);
});

test("withFaults: list can fail at the start or after some items; the decision is made when list() is called", async () => {
  const m = new MemoryStorage();
  for (let i = 0; i < 4; i++) await m.put(`x/${i}`, one);
  const s = withFaults(m, {
    rules: [
      { op: "list", calls: [1], fault: { kind: "unavailable" } },
      { op: "list", calls: [2], fault: { kind: "unavailable", afterItems: 3 } },
    ],
  });
  const first = s.list("x/");
  const second = s.list("x/");
  assert.equal(s.calls.list, 2);
  await assert.rejects(async () => {
    for await (const _ of first) {
      /* none */
    }
  }, StorageUnavailableError);
  const got: string[] = [];
  await assert.rejects(async () => {
    for await (const i of second) got.push(i.name);
  }, /broke after 3 items/);
  assert.equal(got.length, 3);
  let n = 0;
  for await (const _ of s.list("x/")) n++;
  assert.equal(n, 4);
});

test("withFaults: the first rule that fires wins; every rule still counts the call", async () => {
  const s = withFaults(new MemoryStorage(), {
    rules: [
      { op: "stat", calls: [1], fault: { kind: "unavailable" } },
      { op: "*", calls: [1, 2], fault: { kind: "hang", ms: 1 } },
    ],
    sleep: async () => {},
  });
  await assert.rejects(s.stat("a"), /unavailable/);
  await assert.rejects(s.stat("a"), /timed out/);
  await assert.rejects(s.stat("a"), { code: "object_not_found" });
  assert.deepEqual(
    s.injected.map((f) => [f.rule, f.call]),
    [
      [0, 1],
      [1, 2],
    ],
  );
});

test("withFaults: rate outside [0, 1] is a RangeError", () => {
  assert.throws(() => withFaults(new MemoryStorage(), { rules: [{ op: "get", rate: 2, fault: { kind: "unavailable" } }] }), RangeError);
});

test("withFaults: getInto is passed on where the backend has it, and counts as a get for the rules", async () => {
  const m = new MemoryStorage();
  await m.put("a", new Uint8Array([1, 2, 3]));
  const s = withFaults(m, { rules: [{ op: "get", calls: [2], fault: { kind: "unavailable" } }] });
  const into = new Uint8Array(3);
  assert.deepEqual([...(await s.getInto!("a", { offset: 1, length: 2 }, into))], [2, 3]);
  await assert.rejects(s.getInto!("a", { offset: 0, length: 1 }, into), StorageUnavailableError);
  assert.equal(s.calls.get, 2);
  const withoutIt = { location: "x", put: m.put.bind(m), get: m.get.bind(m), stat: m.stat.bind(m), list: m.list.bind(m), delete: m.delete.bind(m) };
  assert.equal(withFaults(withoutIt, { rules: [] }).getInto, undefined, "not made up where the backend lacks it");
});
