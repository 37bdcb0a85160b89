import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage, type Storage } from "@chatvault/storage";
import { deleteRepository } from "./delete-repository.ts";

test("deleteRepository: snapshots first, then index and packs, other objects, the config last", async () => {
  const inner = new MemoryStorage();
  const bytes = new Uint8Array([1]);
  const names = ["config", "keys/passkey-1", "locks/ab", "packs/aa/aa11", "index/0f", "snapshots/0000000001-ff"];
  for (const n of names) await inner.put(n, bytes);
  const deleted: string[] = [];
  const storage: Storage = {
    location: inner.location,
    stat: (n) => inner.stat(n),
    get: (n, r) => inner.get(n, r),
    put: (n, d) => inner.put(n, d),
    list: (p) => inner.list(p),
    delete: async (n) => {
      deleted.push(n);
      await inner.delete(n);
    },
  };
  await deleteRepository(storage);
  assert.deepEqual(deleted.slice(0, 3), ["snapshots/0000000001-ff", "index/0f", "packs/aa/aa11"]);
  assert.deepEqual(deleted.slice(3, 5).sort(), ["keys/passkey-1", "locks/ab"]);
  assert.equal(deleted.at(-1), "config");
  const left: string[] = [];
  for await (const o of inner.list("")) left.push(o.name);
  assert.deepEqual(left, []);
});
