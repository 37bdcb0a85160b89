/** Conformance: concurrent puts and readers racing a writer. */
import assert from "node:assert/strict";
import type { ConformanceCase } from "./support.ts";
import { assertSameBytes, bytes, names } from "./support.ts";

function isRetryable(e: unknown): boolean {
  return (e as { retryable?: unknown }).retryable === true;
}

export const atomicityCases: ConformanceCase[] = [
  {
    title: "concurrent puts of one name: exactly one wins, the others get ObjectExistsError",
    async run(s) {
      for (let round = 0; round < 3; round++) {
        const name = `race/${round}`;
        const contents = Array.from({ length: 8 }, (_, i) => bytes(64 * 1024 + i, round * 10 + i));
        const results = await Promise.allSettled(contents.map((c) => s.put(name, c)));
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
        for (const r of results) {
          if (r.status === "rejected") {
            // AWS may answer a racing conditional put with 409 "try again" (a retryable error).
            const code = (r.reason as { code?: unknown }).code;
            assert.ok(code === "object_exists" || isRetryable(r.reason), `loser failed with ${String(r.reason)}`);
          }
        }
        assertSameBytes(await s.get(name), contents[winners[0]!]!, `round ${round}: the winner's bytes`);
      }
    },
  },
  {
    title: "concurrent puts of different names all succeed",
    async run(s) {
      const count = 24;
      await Promise.all(Array.from({ length: count }, (_, i) => s.put(`par/${i}`, bytes(1000 + i, i))));
      assert.equal((await names(s, "par/")).length, count);
      for (let i = 0; i < count; i++) assertSameBytes(await s.get(`par/${i}`), bytes(1000 + i, i), `par/${i}`);
    },
  },
  {
    title: "readers racing a put see the whole object or nothing, never a prefix",
    async run(s, o) {
      const data = bytes(o.largeSize, 12);
      let done = false;
      const observed = { absent: 0, whole: 0 };
      const reader = async (): Promise<void> => {
        while (!done) {
          try {
            const got = await s.get("atomic/one");
            assertSameBytes(got, data, "a reader saw");
            observed.whole++;
          } catch (error) {
            if ((error as { code?: unknown }).code !== "object_not_found") throw error;
            observed.absent++;
          }
          for await (const info of s.list("atomic/")) assert.equal(info.size, data.length, "list saw a partial size");
          await new Promise((r) => setTimeout(r, 0));
        }
      };
      const readers = [reader(), reader()];
      try {
        await s.put("atomic/one", data);
      } finally {
        done = true;
        await Promise.all(readers);
      }
      assertSameBytes(await s.get("atomic/one"), data, "after the put");
      assert.ok(observed.absent + observed.whole > 0, "the readers ran");
    },
  },
];
