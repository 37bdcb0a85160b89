import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage } from "../memory.ts";
import type { ObjectInfo, Storage } from "../types.ts";
import { withConcurrencyLimit } from "./concurrency.ts";

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

/** A storage whose `stat` calls wait until released one by one; it tracks how many run at once. */
function gatedStorage() {
  const waiting: Array<() => void> = [];
  const started: string[] = [];
  const state = { active: 0, maxActive: 0 };
  const storage: Storage = overriding({
    async stat(name: string): Promise<ObjectInfo> {
      started.push(name);
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      await new Promise<void>((resolve) => waiting.push(resolve));
      state.active--;
      return { name, size: 0 };
    },
  });
  return { storage, waiting, started, state };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("withConcurrencyLimit: at most n calls in flight, served in call order", async () => {
  const g = gatedStorage();
  const s = withConcurrencyLimit(g.storage, 2);
  const all = Promise.all(["a", "b", "c", "d", "e"].map((n) => s.stat(n)));
  await tick();
  assert.deepEqual(g.started, ["a", "b"]);
  while (g.waiting.length > 0) {
    g.waiting.shift()!();
    await tick();
  }
  await all;
  assert.deepEqual(g.started, ["a", "b", "c", "d", "e"]);
  assert.equal(g.state.maxActive, 2);
});

test("withConcurrencyLimit: a caller putting inside a for-await over list does not deadlock (n = 1)", async () => {
  const m = new MemoryStorage();
  for (let i = 0; i < 3; i++) await m.put(`src/${i}`, new Uint8Array([i]));
  const s = withConcurrencyLimit(m, 1);
  for await (const info of s.list("src/")) await s.put(`copy/${info.name}`, await s.get(info.name));
  const copies: string[] = [];
  for await (const info of s.list("copy/")) copies.push(info.name);
  assert.equal(copies.length, 3);
});

test("withConcurrencyLimit: breaking out of a listing closes the inner one and frees the slot", async () => {
  let closed = false;
  const inner: Storage = overriding({
    async *list(): AsyncIterable<ObjectInfo> {
      try {
        for (let i = 0; ; i++) yield { name: `n${i}`, size: 0 };
      } finally {
        closed = true;
      }
    },
  });
  const s = withConcurrencyLimit(inner, 1);
  for await (const info of s.list("")) if (info.name === "n2") break;
  assert.ok(closed);
  await s.put("after", new Uint8Array(0)); // would hang if the slot leaked
});

test("withConcurrencyLimit: n must be a positive integer", () => {
  assert.throws(() => withConcurrencyLimit(new MemoryStorage(), 0), RangeError);
  assert.throws(() => withConcurrencyLimit(new MemoryStorage(), 1.5), RangeError);
});
