import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ChunkIdSet, GrowingIdSet } from "./id-set.ts";

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

test("growing ID set: answers as a set of the IDs added, through its growth, the all-zero ID included", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(id, fc.constant(new Uint8Array(32))), { maxLength: 600 }), fc.array(id, { maxLength: 50 }), (added, others) => {
      const set = new GrowingIdSet();
      const want = new Set<string>();
      for (const a of added) {
        const key = Buffer.from(a).toString("hex");
        assert.equal(set.add(a), !want.has(key));
        want.add(key);
      }
      assert.equal(set.size, want.size);
      for (const a of added) assert.equal(set.has(a), true);
      for (const o of others) assert.equal(set.has(o), want.has(Buffer.from(o).toString("hex")));
      assert.equal(set.has(new Uint8Array(31)), false);
    }),
  );
});
