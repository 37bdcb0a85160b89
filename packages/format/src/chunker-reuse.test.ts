/**
 * Why content-defined chunking: after a small edit to a 64 MiB file, almost every chunk is
 * one the repository already holds (compared by content hash), so a daily backup uploads
 * roughly what changed (spec/backup-format.md §7; these tests require ≥ 90%).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Chunker, DEFAULT_CHUNKER_PARAMS } from "./chunker.ts";
import { concatBytes } from "./bytes.ts";
import { gearTable, KeySchedule } from "./key-schedule.ts";
import { RootKey } from "./secret.ts";
import { seededBytes } from "./testing/fixtures.ts";

const SIZE = 64 << 20;
const gear = gearTable(await KeySchedule.derive(new RootKey(new Uint8Array(32).fill(9))));
const original = seededBytes(42, SIZE);

function chunkHashes(data: Uint8Array): string[] {
  const c = new Chunker(gear, DEFAULT_CHUNKER_PARAMS);
  const out: string[] = [];
  // Feed 1 MiB at a time, as a file reader would.
  for (let o = 0; o < data.length; o += 1 << 20)
    for (const ch of c.push(data.subarray(o, o + (1 << 20)))) out.push(createHash("sha256").update(ch).digest("hex"));
  for (const ch of c.finish()) out.push(createHash("sha256").update(ch).digest("hex"));
  return out;
}
const before = new Set(chunkHashes(original));

function reused(edited: Uint8Array): number {
  const after = chunkHashes(edited);
  return after.filter((h) => before.has(h)).length / after.length;
}

/** Apply edits at positions given as fractions of the file, back to front so positions stay valid. */
function edit(positions: number[], change: (at: number) => [number, Uint8Array]): Uint8Array {
  let data = original;
  for (const f of [...positions].sort((a, b) => b - a)) {
    const at = Math.floor(f * SIZE);
    const [remove, insert] = change(at);
    data = concatBytes(data.subarray(0, at), insert, data.subarray(at + remove));
  }
  return data;
}

test("64 MiB: inserting a few bytes in three places keeps >= 90% of chunks", (t) => {
  const ratio = reused(edit([0.1, 0.5, 0.9], () => [0, Uint8Array.of(1, 2, 3, 4, 5)]));
  assert.ok(ratio >= 0.9, `only ${(ratio * 100).toFixed(1)}% of chunks reused`);
  t.diagnostic(`${(ratio * 100).toFixed(1)}% of ${before.size} chunks reused`);
});

test("64 MiB: deleting or overwriting a few bytes keeps >= 90% of chunks", () => {
  assert.ok(reused(edit([0.25, 0.75], () => [7, new Uint8Array(0)])) >= 0.9);
  assert.ok(reused(edit([0.3], (at) => [16, original.subarray(at, at + 16).map((b) => b ^ 0xff)])) >= 0.9);
  assert.ok(reused(edit([0], () => [0, Uint8Array.of(0)])) >= 0.9, "a byte prepended");
});
