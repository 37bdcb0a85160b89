/**
 * Conformance: `readInto`, the ranged read into the caller's buffer (types.ts, `getInto`).
 * Run through `readInto`, so an adapter without `getInto` passes by its `get`; one with it
 * must also land the bytes in the caller's buffer.
 */
import assert from "node:assert/strict";
import { readInto } from "../read-into.ts";
import type { Storage } from "../types.ts";
import type { ConformanceCase } from "./support.ts";
import { assertSameBytes, bytes, rejectsWith } from "./support.ts";

/** When the storage reads in place, the result must be a view of `into` from its first byte. */
function assertInPlace(s: Storage, got: Uint8Array, into: Uint8Array, what: string): void {
  if (!s.getInto) return;
  assert.equal(got.buffer, into.buffer, `${what}: the bytes are in the caller's buffer`);
  assert.equal(got.byteOffset, into.byteOffset, `${what}: from its first byte`);
}

export const readIntoCases: ConformanceCase[] = [
  {
    title: "readInto returns exactly the bytes that exist in the range, in the caller's buffer where the storage reads in place",
    async run(s) {
      const data = bytes(1000, 12);
      await s.put("into", data);
      const table: Array<[number, number, number, number]> = [
        // offset, length → expected [from, to) of data
        [0, 1000, 0, 1000],
        [0, 1, 0, 1],
        [500, 1, 500, 501],
        [995, 10, 995, 1000],
        [999, 2, 999, 1000],
        [1000, 5, 1000, 1000],
        [5000, 1, 1000, 1000],
        [500, 0, 500, 500],
      ];
      const into = new Uint8Array(2000);
      for (const [offset, length, from, to] of table) {
        into.fill(0xee);
        const got = await readInto(s, "into", { offset, length }, into);
        assertSameBytes(got, data.subarray(from, to), `range ${offset}+${length}`);
        assertInPlace(s, got, into, `range ${offset}+${length}`);
      }
      // A view into a larger buffer: the bytes land from the view's first byte, not the buffer's.
      const outer = new Uint8Array(64).fill(0xee);
      const got = await readInto(s, "into", { offset: 10, length: 16 }, outer.subarray(8, 40));
      assertSameBytes(got, data.subarray(10, 26), "into a view");
      assertInPlace(s, got, outer.subarray(8, 40), "into a view");
      if (s.getInto)
        assert.ok(
          outer.subarray(0, 8).every((b) => b === 0xee),
          "nothing written before the view",
        );
    },
  },
  {
    title: "readInto: a missing object throws ObjectNotFoundError; a bad range or a short buffer throws RangeError",
    async run(s) {
      await s.put("present", bytes(10));
      await rejectsWith(readInto(s, "absent", { offset: 0, length: 1 }, new Uint8Array(1)), "object_not_found", "absent");
      await rejectsWith(readInto(s, "present/child", { offset: 0, length: 0 }, new Uint8Array(0)), "object_not_found", "under an object");
      for (const range of [
        { offset: -1, length: 1 },
        { offset: 0, length: -1 },
        { offset: 1.5, length: 1 },
      ]) {
        await assert.rejects(readInto(s, "present", range, new Uint8Array(4)), RangeError, JSON.stringify(range));
        if (s.getInto) await assert.rejects(s.getInto("present", range, new Uint8Array(4)), RangeError, `getInto ${JSON.stringify(range)}`);
      }
      await assert.rejects(readInto(s, "present", { offset: 0, length: 5 }, new Uint8Array(4)), RangeError, "buffer shorter than the range");
      if (s.getInto) await assert.rejects(s.getInto("present", { offset: 0, length: 5 }, new Uint8Array(4)), RangeError, "getInto, short buffer");
    },
  },
  {
    title: "readInto: a multi-MiB range, read twice into the same buffer, is the stored bytes each time",
    async run(s, o) {
      const data = bytes(o.largeSize, 13);
      await s.put("big/into", data);
      const into = new Uint8Array(1 << 21);
      const mid = Math.floor(o.largeSize / 2);
      for (const at of [mid - 3, 5]) {
        const got = await readInto(s, "big/into", { offset: at, length: 1 << 21 }, into);
        assertSameBytes(got, data.subarray(at, at + (1 << 21)), `2 MiB from ${at}`);
        assertInPlace(s, got, into, `2 MiB from ${at}`);
      }
    },
  },
];
