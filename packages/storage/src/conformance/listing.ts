/** Conformance: list by prefix, including more objects than one S3 page holds. */
import assert from "node:assert/strict";
import type { ConformanceCase } from "./support.ts";
import { bytes, collect, inParallel, names } from "./support.ts";

export const listingCases: ConformanceCase[] = [
  {
    title: "list yields every object under a prefix, once, with its size",
    async run(s) {
      assert.deepEqual(await names(s, ""), [], "a new storage is empty");
      const objects: Record<string, number> = { "a/1": 1, "a/2": 2, "a/b/3": 3, ab: 4, "b/1": 0, "a.b": 6 };
      for (const [name, size] of Object.entries(objects)) await s.put(name, bytes(size, size));
      const all = await collect(s.list(""));
      assert.deepEqual(
        all,
        Object.entries(objects)
          .map(([name, size]) => ({ name, size }))
          .sort((x, y) => (x.name < y.name ? -1 : 1)),
      );
      const cases: Array<[string, string[]]> = [
        ["a/", ["a/1", "a/2", "a/b/3"]],
        ["a", ["a.b", "a/1", "a/2", "a/b/3", "ab"]],
        ["a/b", ["a/b/3"]],
        ["a/b/", ["a/b/3"]],
        ["a/1", ["a/1"]],
        ["b/", ["b/1"]],
        ["c", []],
        ["a/b/3/", []],
        ["a/1/", []],
      ];
      for (const [prefix, expected] of cases) assert.deepEqual(await names(s, prefix), expected, `list ${JSON.stringify(prefix)}`);
    },
  },
  {
    title: "list yields objects added and stops yielding objects deleted",
    async run(s) {
      await s.put("l/1", bytes(1));
      assert.deepEqual(await names(s, "l/"), ["l/1"]);
      await s.put("l/2", bytes(1));
      await s.delete("l/1");
      assert.deepEqual(await names(s, "l/"), ["l/2"]);
    },
  },
  {
    title: "list of more objects than one page (S3 pages hold 1000)",
    async run(s, o) {
      const name = (i: number): string => `many/${String(i).padStart(5, "0")}`;
      await inParallel(o.manyCount, o.fillConcurrency, (i) => s.put(name(i), bytes(i % 7, i)));
      await s.put("manz", bytes(1)); // sorts right after the prefix: must not leak in
      const listed = await collect(s.list("many/"));
      assert.equal(listed.length, o.manyCount);
      assert.equal(new Set(listed.map((x) => x.name)).size, o.manyCount, "no name twice");
      for (const [i, info] of listed.entries()) assert.deepEqual(info, { name: name(i), size: i % 7 });
      assert.equal((await names(s, "")).length, o.manyCount + 1);
    },
  },
];
