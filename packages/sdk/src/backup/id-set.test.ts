import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ChunkIdSet } from "./id-set.ts";

const id = fc.uint8Array({ minLength: 32, maxLength: 32 });

test("chunk ID set: holds exactly what it was built from, and is readable from its buffer alone", () => {
  fc.assert(
    fc.property(fc.array(id, { maxLength: 300 }), fc.array(id, { maxLength: 50 }), (members, others) => {
      const set = ChunkIdSet.build(members);
      const copy = new ChunkIdSet(set.buffer); // what a worker thread sees
      const key = (b: Uint8Array) => Buffer.from(b).toString("hex");
      const inSet = new Set(members.filter((m) => m.some((x) => x !== 0)).map(key));
      for (const m of members) if (inSet.has(key(m))) assert.ok(copy.has(m));
      for (const o of others) assert.equal(copy.has(o), inSet.has(key(o)));
    }),
  );
  assert.equal(ChunkIdSet.build([new Uint8Array(32)]).has(new Uint8Array(32)), false, "the empty-slot marker is never a member");
  assert.equal(ChunkIdSet.build([]).has(new Uint8Array(32).fill(1)), false);
});
