/**
 * The in-memory chunk index (bytes, typed arrays, a hash table) against the plain model
 * it replaced: a Map from hex ID to location where the first entry wins unless only a
 * later one is in a pack storage still holds (spec §8.4, §8.7).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { IntegrityError, fromHex, toHex } from "@chatvault/format";
import { ChunkIndex, type ChunkLocation, type IndexEntry, encodeIndex } from "./chunk-index.ts";

const u32 = fc.integer({ min: 0, max: 0xffffffff });

function model(objects: IndexEntry[][], isPresent: (p: string) => boolean): Map<string, ChunkLocation> {
  const m = new Map<string, ChunkLocation>();
  for (const o of objects) {
    for (const { id, ...loc } of o) {
      const had = m.get(id);
      if (had && !(!isPresent(had.pack) && isPresent(loc.pack))) continue;
      m.set(id, loc);
    }
  }
  return m;
}

test("index objects loaded as bytes, and entries added one by one, answer exactly as the Map model, duplicates and lost packs included", () => {
  const packs = Array.from({ length: 6 }, (_, i) => toHex(new Uint8Array(32).fill(i + 1)));
  // Few distinct IDs so that duplicates across and within objects are common.
  const ids = fc.uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex), { minLength: 1, maxLength: 40 });
  const arb = ids.chain((pool) =>
    fc.tuple(
      fc.array(
        fc.array(
          fc.record(
            { id: fc.constantFrom(...pool), pack: fc.constantFrom(...packs), offset: u32, length: u32, rawLength: u32, flags: fc.constantFrom(0, 1) },
            { noNullPrototype: true },
          ),
          { maxLength: 30 },
        ),
        { maxLength: 5 },
      ),
      fc.subarray(packs),
      fc.constantFrom(...pool),
    ),
  );
  fc.assert(
    fc.property(arb, ([objects, presentList, probe]) => {
      const present = new Set(presentList);
      const isPresent = (p: string) => present.has(p);
      const index = new ChunkIndex(isPresent);
      // The last object entry by entry, as a backup adds the chunks it stores.
      objects.forEach((o, i) => (i === objects.length - 1 ? o.forEach((e) => index.add(e)) : index.addIndexObject(encodeIndex(o), `index/${i}`)));
      const want = model(objects, isPresent);
      assert.equal(index.size, want.size);
      assert.deepEqual(new Map(index.entries()), want);
      assert.deepEqual(index.get(probe), want.get(probe));
      assert.equal(index.hasId(fromHex(probe)), want.has(probe));
      for (const p of packs)
        assert.equal(
          index.hasPack(p),
          objects.some((o) => o.some((e) => e.pack === p)),
        );
      // Lost packs: their chunks are forgotten, the rest still found.
      const dropped = index.dropChunksIn((p) => !present.has(p));
      const kept = new Map([...want].filter(([, l]) => present.has(l.pack)));
      assert.equal(dropped, want.size - kept.size);
      assert.deepEqual(new Map(index.entries()), kept);
      for (const id of want.keys()) assert.equal(index.has(id), kept.has(id));
    }),
    { numRuns: 300 },
  );
});

test("a large index grows its tables; every ID is found, others are not", () => {
  const index = new ChunkIndex();
  const pack = "ab".repeat(32);
  const entries: IndexEntry[] = [];
  for (let i = 0; i < 5000; i++) {
    const id = new Uint8Array(32);
    new DataView(id.buffer).setUint32(0, i * 2654435761);
    new DataView(id.buffer).setUint32(28, i);
    entries.push({ id: toHex(id), pack, offset: i, length: i + 1, rawLength: i + 2, flags: i & 1 });
  }
  index.addIndexObject(encodeIndex(entries.slice(0, 3000)), "index/a");
  for (const e of entries.slice(3000)) index.add(e);
  assert.equal(index.size, 5000);
  for (const e of entries) assert.deepEqual(index.get(e.id), { pack, offset: e.offset, length: e.length, rawLength: e.rawLength, flags: e.flags });
  assert.equal(index.chunkIds().length, 5000);
  assert.equal(index.has("cd".repeat(32)), false);
  assert.equal(index.hasId(new Uint8Array(31)), false);
  // Not a chunk ID at all: simply not there (as a Map keyed by hex answered).
  for (const odd of ["", "nope", "zz".repeat(32), "ab".repeat(33)]) {
    assert.equal(index.has(odd), false);
    assert.equal(index.get(odd), undefined);
  }
});

test("a bad index object adds nothing and fails typed, as decodeIndex does", () => {
  const good = encodeIndex([{ id: "11".repeat(32), pack: "22".repeat(32), offset: 0, length: 1, rawLength: 1, flags: 0 }]);
  const badFlags = good.slice();
  badFlags[badFlags.length - 1] = 4; // no codec has bit 2 (spec §8.3.1)
  const lz4InVersion1 = good.slice();
  lz4InVersion1[4] = 1; // index version 1 may name DEFLATE only
  lz4InVersion1[lz4InVersion1.length - 1] = 2;
  const index = new ChunkIndex();
  for (const bad of [badFlags, lz4InVersion1]) {
    assert.throws(
      () => index.addIndexObject(bad, "index/x"),
      (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure",
    );
  }
  assert.throws(
    () => index.addIndexObject(good.subarray(0, good.length - 3), "index/x"),
    (e: unknown) => e instanceof IntegrityError,
  );
  assert.equal(index.size, 0);
  assert.equal(index.hasPack("22".repeat(32)), false);
});

test("an index object pushed in pieces, cut anywhere, loads exactly as the whole object; a short, long or bad one adds nothing", () => {
  const packs = [toHex(new Uint8Array(32).fill(7)), toHex(new Uint8Array(32).fill(8))];
  const entries: IndexEntry[] = Array.from({ length: 5 }, (_, i) => ({
    id: toHex(new Uint8Array(32).fill(0x10 + i)),
    pack: packs[i % 2]!,
    offset: i * 100,
    length: 90,
    rawLength: 80 + i,
    flags: i % 2,
  }));
  const bytes = encodeIndex(entries);
  const whole = new ChunkIndex();
  whole.addIndexObject(bytes, "index/whole");
  const want = [...whole.entries()];
  // Every cut into two pieces, and every cut into three around the header's end (13 + 64 bytes).
  const cuts: number[][] = [];
  for (let a = 0; a <= bytes.length; a++) cuts.push([a]);
  for (let a = 0; a <= 80; a++) for (let b = a; b <= 100; b += 7) cuts.push([a, b]);
  for (const cut of cuts) {
    const index = new ChunkIndex();
    index.add({ id: toHex(new Uint8Array(32).fill(0xee)), pack: packs[0]!, offset: 1, length: 2, rawLength: 3, flags: 0 });
    const w = index.indexObjectWriter("index/pieces", bytes.length);
    let at = 0;
    for (const c of [...cut, bytes.length]) {
      w.push(bytes.slice(at, c));
      at = c;
    }
    w.finish();
    assert.deepEqual([...index.entries()].slice(1), want, `cut at ${cut.join(",")}`);
  }
  const rejected = (b: Uint8Array, piece: number) => {
    const index = new ChunkIndex();
    const w = index.indexObjectWriter("index/bad", b.length);
    assert.throws(() => {
      for (let o = 0; o < b.length; o += piece) w.push(b.subarray(o, o + piece));
      w.finish();
    }, IntegrityError);
    assert.equal(index.size, 0);
    assert.equal([...index.packs()].length, 0);
  };
  const badFlags = bytes.slice();
  badFlags[13 + 64 + 49 * 2 + 48] = 3;
  const badPack = bytes.slice();
  badPack[13 + 64 + 49 + 35] = 2;
  const badMagic = bytes.slice();
  badMagic[0] = 0;
  for (const piece of [1, 10, 64, 1000]) {
    for (const n of [0, 3, 8, 12, 40, 77, bytes.length - 1]) rejected(bytes.subarray(0, n), piece);
    rejected(Uint8Array.of(...bytes, 0), piece);
    rejected(badFlags, piece);
    rejected(badPack, piece);
    rejected(badMagic, piece);
  }
});
