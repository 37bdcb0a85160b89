/** Conformance: put, get (full and ranged), stat, delete, and buffer ownership. */
import assert from "node:assert/strict";
import type { ConformanceCase } from "./support.ts";
import { assertSameBytes, bytes, names, rejectsWith } from "./support.ts";

const ALL_BYTE_VALUES = Uint8Array.from({ length: 256 }, (_, i) => i);

export const objectCases: ConformanceCase[] = [
  {
    title: "put then get returns the same bytes (every byte value); stat gives the size",
    async run(s) {
      const data = new Uint8Array([...ALL_BYTE_VALUES, ...bytes(1000, 2)]);
      await s.put("a/b/binary", data);
      assertSameBytes(await s.get("a/b/binary"), data, "get");
      assert.deepEqual(await s.stat("a/b/binary"), { name: "a/b/binary", size: data.length });
    },
  },
  {
    title: "an empty object is an object",
    async run(s) {
      await s.put("empty", new Uint8Array(0));
      assert.equal((await s.get("empty")).length, 0);
      assert.equal((await s.get("empty", { offset: 0, length: 10 })).length, 0);
      assert.deepEqual(await s.stat("empty"), { name: "empty", size: 0 });
      assert.deepEqual(await names(s, ""), ["empty"]);
      await rejectsWith(s.put("empty", new Uint8Array([1])), "object_exists", "put over an empty object");
    },
  },
  {
    title: "put is create-only: a second put throws ObjectExistsError and the first content stays",
    async run(s) {
      const first = bytes(300, 3);
      await s.put("x/once", first);
      await rejectsWith(s.put("x/once", bytes(300, 4)), "object_exists", "same size");
      await rejectsWith(s.put("x/once", bytes(10, 5)), "object_exists", "other size");
      await rejectsWith(s.put("x/once", first), "object_exists", "same bytes");
      assertSameBytes(await s.get("x/once"), first, "after failed puts");
    },
  },
  {
    title: "a missing object: get, ranged get and stat throw ObjectNotFoundError",
    async run(s) {
      await s.put("present", bytes(5));
      for (const name of ["absent", "present/child", "pres", "a/b/c/absent"]) {
        await rejectsWith(s.get(name), "object_not_found", `get ${name}`);
        await rejectsWith(s.get(name, { offset: 0, length: 1 }), "object_not_found", `ranged get ${name}`);
        await rejectsWith(s.get(name, { offset: 0, length: 0 }), "object_not_found", `empty range of ${name}`);
        await rejectsWith(s.stat(name), "object_not_found", `stat ${name}`);
      }
    },
  },
  {
    title: "ranged get returns exactly the bytes that exist in the range",
    async run(s) {
      const data = bytes(1000, 6);
      await s.put("ranged", data);
      const table: Array<[number, number, number, number]> = [
        // offset, length → expected [from, to) of data
        [0, 1000, 0, 1000],
        [0, 1, 0, 1],
        [0, 10, 0, 10],
        [500, 1, 500, 501],
        [990, 10, 990, 1000],
        [995, 10, 995, 1000],
        [999, 1, 999, 1000],
        [999, 2, 999, 1000],
        [1000, 5, 1000, 1000],
        [1001, 5, 1000, 1000],
        [5000, 1, 1000, 1000],
        [500, 0, 500, 500],
        [10, 2 ** 40, 10, 1000],
      ];
      for (const [offset, length, from, to] of table) {
        assertSameBytes(await s.get("ranged", { offset, length }), data.subarray(from, to), `range ${offset}+${length}`);
      }
    },
  },
  {
    title: "a negative or fractional range throws RangeError",
    async run(s) {
      await s.put("r", bytes(10));
      for (const range of [
        { offset: -1, length: 1 },
        { offset: 0, length: -1 },
        { offset: 1.5, length: 1 },
        { offset: 0, length: Number.NaN },
      ]) {
        await assert.rejects(s.get("r", range), RangeError, JSON.stringify(range));
      }
    },
  },
  {
    title: "a multi-MiB object round-trips, whole and by range",
    async run(s, o) {
      const data = bytes(o.largeSize, 7);
      await s.put("big/one", data);
      assertSameBytes(await s.get("big/one"), data, "whole");
      const mid = Math.floor(o.largeSize / 2);
      assertSameBytes(await s.get("big/one", { offset: mid - 3, length: 1 << 20 }), data.subarray(mid - 3, mid - 3 + (1 << 20)), "middle MiB");
      assert.equal((await s.stat("big/one")).size, o.largeSize);
    },
  },
  {
    title: "the caller owns its buffers: changing them later changes nothing stored",
    async run(s) {
      const data = bytes(64, 8);
      const copy = data.slice();
      await s.put("owned", data);
      data.fill(0);
      const got = await s.get("owned");
      assertSameBytes(got, copy, "after changing the put buffer");
      got.fill(1);
      assertSameBytes(await s.get("owned"), copy, "after changing a get result");
      (await s.get("owned", { offset: 0, length: 8 })).fill(2);
      assertSameBytes(await s.get("owned"), copy, "after changing a ranged get result");
    },
  },
  {
    title: "onDataReleased: at most once, before the put returns; the buffer changed right after it changes nothing stored",
    async run(s) {
      // Small and multi-MiB (a local folder writes the large one around the page cache).
      for (const [name, size] of [
        ["rel/small", 3000],
        ["rel/large", 3 * 1024 * 1024 + 123],
      ] as const) {
        const data = bytes(size, 12);
        const copy = data.slice();
        let calls = 0;
        let settled = false;
        const put = s.put(name, data, {
          onDataReleased: () => {
            calls += 1;
            assert.equal(settled, false, `${name}: released after the put returned`);
            data.fill(0xee); // the caller reuses its buffer at once
          },
        });
        await put.then(() => (settled = true));
        assert.ok(calls <= 1, `${name}: released ${calls} times`);
        assertSameBytes(await s.get(name), copy, `${name} after the buffer was reused`);
      }
      // A put that fails (create-only) may release too, or not; never twice, never after.
      let calls = 0;
      await rejectsWith(s.put("rel/small", bytes(10, 13), { onDataReleased: () => (calls += 1) }), "object_exists", "second put");
      assert.ok(calls <= 1);
      assertSameBytes(await s.get("rel/small"), bytes(3000, 12), "first content stays");
    },
  },
  {
    title: "delete removes the object, is idempotent, and frees the name",
    async run(s) {
      await s.put("d/gone", bytes(20, 9));
      await s.put("d/kept", bytes(20, 10));
      await s.delete("d/gone");
      await rejectsWith(s.get("d/gone"), "object_not_found", "get after delete");
      await rejectsWith(s.stat("d/gone"), "object_not_found", "stat after delete");
      assert.deepEqual(await names(s, "d/"), ["d/kept"]);
      await s.delete("d/gone");
      await s.delete("never/was");
      await s.delete("d"); // a "folder" on some backends, never an object
      assertSameBytes(await s.get("d/kept"), bytes(20, 10), "neighbour untouched");
      const again = bytes(7, 11);
      await s.put("d/gone", again);
      assertSameBytes(await s.get("d/gone"), again, "put after delete");
    },
  },
];
