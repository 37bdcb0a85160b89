/**
 * Conformance: what the repository lock (spec/backup-format.md §8.11) needs from a
 * backend, beyond create-only puts — a put is listed as soon as it returns and a delete
 * is unlisted as soon as it returns (read-after-write listing). With that, of two
 * clients that each put a lock object and then list, the later one always sees the other.
 */
import assert from "node:assert/strict";
import type { ConformanceCase } from "./support.ts";
import { bytes, names } from "./support.ts";

export const coordinationCases: ConformanceCase[] = [
  {
    title: "a put is listed as soon as it returns, and a delete is unlisted as soon as it returns",
    async run(s) {
      for (let i = 0; i < 10; i++) {
        const name = `locks/${String(i).padStart(32, "0")}`;
        await s.put(name, bytes(100 + i, i));
        assert.ok((await names(s, "locks/")).includes(name), `round ${i}: listed right after its put`);
        await s.delete(name);
        assert.ok(!(await names(s, "locks/")).includes(name), `round ${i}: gone from the listing right after its delete`);
      }
    },
  },
  {
    title: "two writers that put and then list each see the other's object",
    async run(s) {
      const writer = async (id: string) => {
        await s.put(`locks/${id}`, bytes(64, id.length));
        return names(s, "locks/");
      };
      const [a, b] = await Promise.all([writer("a".repeat(32)), writer("b".repeat(32))]);
      // Each listing ran after its own put returned; the later of the two puts returned
      // before the later listing began, so at least that listing holds both.
      assert.ok(a.length === 2 || b.length === 2, `listings: ${JSON.stringify([a, b])}`);
      assert.ok(a.includes(`locks/${"a".repeat(32)}`) && b.includes(`locks/${"b".repeat(32)}`), "each sees its own");
    },
  },
];
