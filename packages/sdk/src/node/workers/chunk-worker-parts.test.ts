/**
 * A worker's part buffers: each sealed chunk copied into the part as it is sealed, the part
 * taken as that buffer, with the same bytes in the same order as the pieces laid end to end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeySchedule, ObjectKind, RootKey, gearTable, openObject } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { ChunkIdSet } from "../../backup/id-set.ts";
import { type SealedChunk, type TaskPart, runChunkTask } from "../chunk-tasks.ts";
import { nodeCompressor } from "../zlib-compressor.ts";
import { PART_ROOM, PartBuffers } from "./chunk-worker-parts.ts";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const chunk = (index: number, data: SealedChunk["data"], length: number): SealedChunk => ({ index, data, length, rawLength: length, flags: 0 });
const concat = (...xs: Uint8Array[]) => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};

test("a chunk is copied into the part's buffer when placed, and the part is taken as that buffer", () => {
  const parts = new PartBuffers();
  const a = [bytes(3, 1), bytes(5, 2)];
  const b = bytes(4, 3);
  const placedA = parts.place(a, 8);
  const placedB = parts.place(b, 4);
  assert.ok(placedA instanceof Uint8Array && placedB instanceof Uint8Array);
  assert.equal(placedA.buffer, placedB.buffer);
  assert.deepEqual([placedA.byteOffset, placedB.byteOffset], [0, 8]);
  // The pieces may be reused or freed from here on: the part holds its own copy.
  a[0]!.fill(9);
  const taken = parts.take({ ids: [], sealed: [chunk(0, placedA, 8), chunk(1, placedB, 4)], bytesRead: 0 });
  assert.equal(taken, placedA.buffer);
  assert.deepEqual(new Uint8Array(taken, 0, 12), concat(bytes(3, 1), bytes(5, 2), b));
  // The next part is laid out in another buffer (the taken one is on its way to the main thread).
  const next = parts.place(bytes(2, 4), 2) as Uint8Array;
  assert.notEqual(next.buffer, taken);
  assert.equal(next.byteOffset, 0);
});

test("a chunk that does not fit keeps its pieces, and so does the rest of the part: take lays them all out in order in one buffer", () => {
  const parts = new PartBuffers();
  const first = parts.place(bytes(PART_ROOM - 10, 1), PART_ROOM - 10);
  const big = [bytes(6, 2), bytes(6, 3)];
  assert.equal(parts.place(big, 12), big);
  const small = bytes(2, 4);
  assert.equal(parts.place(small, 2), small, "placed after a chunk that was not: it would sit at the wrong offset");
  const sealed = [chunk(0, first, PART_ROOM - 10), chunk(1, big, 12), chunk(2, small, 2)];
  const taken = new Uint8Array(parts.take({ ids: [], sealed, bytesRead: 0 }));
  assert.ok(taken.length >= PART_ROOM + 4);
  assert.deepEqual(taken.subarray(0, PART_ROOM + 4), concat(bytes(PART_ROOM - 10, 1), ...big, small));
});

test("a part past its buffer's room (a large last chunk) is laid out in a larger buffer, the placed chunks copied first", () => {
  const parts = new PartBuffers();
  const first = parts.place(bytes(PART_ROOM - 100, 1), PART_ROOM - 100) as Uint8Array;
  const last = bytes(200, 2);
  assert.equal(parts.place(last, 200), last);
  // Only 100 bytes were left: the part is laid out afresh, both chunks copied, in order.
  const taken = new Uint8Array(parts.take({ ids: [], sealed: [chunk(0, first, PART_ROOM - 100), chunk(1, last, 200)], bytesRead: 0 }));
  assert.deepEqual(taken.subarray(0, PART_ROOM + 100), concat(bytes(PART_ROOM - 100, 1), last));
});

test("after reset, what a stopped task placed and never took is dropped: the next part starts at the buffer's start", () => {
  const parts = new PartBuffers();
  parts.place(bytes(100, 1), 100);
  parts.reset();
  const placed = parts.place(bytes(4, 2), 4) as Uint8Array;
  assert.equal(placed.byteOffset, 0);
  const taken = parts.take({ ids: [], sealed: [chunk(0, placed, 4)], bytesRead: 0 });
  assert.deepEqual(new Uint8Array(taken, 0, 4), bytes(4, 2));
});

test("a chunk task with `place` hands over parts whose chunks already sit in one buffer, each opening to its chunk", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatvault-parts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "m.bin");
  const file = randomBytes(3 * 1024 * 1024);
  writeFileSync(path, file);
  const keys = await KeySchedule.derive(new RootKey(randomBytes(32)), nodeCryptoBackend);
  const parts = new PartBuffers();
  const ctx = {
    keys,
    gear: gearTable(keys),
    chunker: { min: 16384, avg: 65536, max: 262144 },
    known: ChunkIdSet.build([]),
    compressor: nodeCompressor,
    place: parts.place.bind(parts),
  };
  const seen: TaskPart[] = [];
  const opened: Uint8Array[] = [];
  await runChunkTask(ctx, { kind: "file", path, compressible: false }, async (part) => {
    seen.push(part);
    const taken = parts.take(part);
    let o = 0;
    for (const s of part.sealed) {
      // Copied when sealed, not when the part was cut.
      assert.ok(s.data instanceof Uint8Array);
      assert.equal(s.data.buffer, taken);
      assert.equal(s.data.byteOffset, o);
      const sealed = new Uint8Array(taken, o, s.length);
      opened.push(await openObject(keys.backend, keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id: part.ids[s.index]! }, sealed));
      o += s.length;
    }
  });
  assert.ok(seen.length >= 2, "several parts");
  assert.deepEqual(Buffer.concat(opened), file);
});
