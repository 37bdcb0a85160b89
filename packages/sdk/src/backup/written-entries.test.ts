import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { WrittenEntries } from "./written-entries.ts";

const hex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("hex"));
const entry = fc.record({
  id: hex,
  offset: fc.nat({ max: 2 ** 32 - 1 }),
  length: fc.nat({ max: 2 ** 32 - 1 }),
  rawLength: fc.nat({ max: 2 ** 32 - 1 }),
  flags: fc.nat({ max: 255 }),
});

test("written entries: given back field for field, in upload order, through their growth", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(hex, fc.array(entry, { maxLength: 300 })), { maxLength: 6 }), (packs) => {
      const w = new WrittenEntries();
      for (const [pack, entries] of packs) w.addPack(pack, entries);
      const want = packs.flatMap(([pack, entries]) => entries.map((e) => ({ ...e, pack })));
      assert.equal(w.length, want.length);
      assert.deepEqual(w.entries(), want);
    }),
    { numRuns: 60 },
  );
});
