/** Conformance: the naming rules, enforced the same way by every operation. */
import assert from "node:assert/strict";
import type { Storage } from "../types.ts";
import type { ConformanceCase } from "./support.ts";
import { assertSameBytes, bytes, collect, names, rejectsWith } from "./support.ts";

const BAD_NAMES = [
  "",
  "/",
  "/a",
  "a/",
  "a//b",
  ".",
  "..",
  "../a",
  "a/..",
  "a/../b",
  "./a",
  "a/./b",
  "a\\b",
  "a b",
  "a\tb",
  "a\0b",
  "ä",
  "a:b",
  "a*b",
  "a?b",
  "~",
  "a/b~c",
  "a".repeat(201),
  `${"a".repeat(200)}/`.repeat(3).slice(0, 513),
];
const BAD_PREFIXES = ["/", "/a", "a//", "../", "a/../", "./", "a b", "ä", "~"];
/** Unusual but valid: dots inside segments, leading dots, the longest segment and name. */
const GOOD_NAMES = [
  "a.b/c-d/e_f/0",
  "..a",
  ".hidden/.x",
  "A/B/C/D/E/F/G/H",
  "-_-.",
  "x".repeat(200),
  [`${"p".repeat(200)}`, `${"q".repeat(200)}`, `${"r".repeat(110)}`].join("/"),
];

async function listing(s: Storage, prefix: string): Promise<unknown> {
  return collect(s.list(prefix));
}

export const namingCases: ConformanceCase[] = [
  {
    title: "invalid names and prefixes are rejected by every operation, and nothing is stored",
    async run(s) {
      for (const name of BAD_NAMES) {
        const what = JSON.stringify(name);
        await rejectsWith(s.put(name, bytes(3)), "invalid_object_name", `put ${what}`);
        await rejectsWith(s.get(name), "invalid_object_name", `get ${what}`);
        await rejectsWith(s.get(name, { offset: 0, length: 1 }), "invalid_object_name", `ranged get ${what}`);
        await rejectsWith(s.stat(name), "invalid_object_name", `stat ${what}`);
        await rejectsWith(s.delete(name), "invalid_object_name", `delete ${what}`);
      }
      for (const prefix of BAD_PREFIXES) {
        await rejectsWith(listing(s, prefix), "invalid_object_name", `list ${JSON.stringify(prefix)}`);
      }
      assert.deepEqual(await names(s, ""), []);
    },
  },
  {
    title: "unusual valid names (dots, dashes, deep nesting, maximum lengths) round-trip",
    async run(s) {
      for (const [i, name] of GOOD_NAMES.entries()) {
        await s.put(name, bytes(i + 1, i));
        assertSameBytes(await s.get(name), bytes(i + 1, i), name.slice(0, 40));
      }
      assert.deepEqual(await names(s, ""), [...GOOD_NAMES].sort());
    },
  },
];
