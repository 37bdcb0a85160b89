/**
 * Ranges opened on the restore's own thread beside its worker (restore-pool.ts `open` with
 * `mayOpenHere`): only when every worker already has two ranges waiting, with the same
 * plaintexts and the same errors as a worker gives; and slots dropped by `trimSlots` (in
 * the worker too) without breaking the ranges that follow.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, KeySchedule, ObjectKind, RootKey, chunkId, concatBytes, sealObject, toHex } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import type { ChunkRequest, PackRange } from "../repo/chunk-reader.ts";
import { codecFlags } from "../repo/chunk-index.ts";
import { rangeOpener } from "./restore-open.ts";
import { RestorePool } from "./restore-pool.ts";
import { nodeCompressor } from "./zlib-compressor.ts";

const root = new RootKey(new Uint8Array(32).fill(5));
const keys = await KeySchedule.derive(root, nodeCryptoBackend);

/** A range of `n` compressible 4 KiB pages (a database's), sealed as a pack holds them, and their plaintexts end to end. */
async function pages(n: number, seed: number) {
  const parts: Uint8Array[] = [];
  const plains: Uint8Array[] = [];
  const requests: ChunkRequest<number>[] = [];
  let offset = 0;
  for (let k = 0; k < n; k++) {
    const plain = new Uint8Array(4096).fill(seed + k, 0, 1024 + k);
    const id = await chunkId(keys, plain);
    const c = nodeCompressor.compress(plain)!;
    const sealed = await sealObject(nodeCryptoBackend, keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id }, c.bytes);
    requests.push({ id: toHex(id), loc: { pack: "", offset, length: sealed.length, rawLength: plain.length, flags: codecFlags(c.codec) }, targets: [k] });
    parts.push(sealed);
    plains.push(plain);
    offset += sealed.length;
  }
  const range: PackRange<number> = { start: 0, end: offset, requests };
  return { name: `pack-${seed}`, range, bytes: concatBytes(...parts), plain: concatBytes(...plains) };
}

/** Open `ranges` all at once (none awaited before the next is handed over), then release their slots. */
async function openAll(pool: RestorePool, ranges: Awaited<ReturnType<typeof pages>>[], mayOpenHere: boolean) {
  const slots = ranges.map((r) => pool.slot(r.range));
  const opened = await Promise.allSettled(ranges.map((r, k) => pool.open(r.name, r.range, slots[k]!, r.bytes, mayOpenHere)));
  const out = opened.map((o) => (o.status === "fulfilled" ? o.value.plain.slice() : o.reason));
  for (const s of slots) s.release();
  return out;
}

test("a range is opened on this thread only when allowed and the worker has two waiting: the same plaintexts", async (t) => {
  const pool = new RestorePool(root, 1, { here: rangeOpener(keys, nodeCompressor) });
  t.after(() => pool.close());
  const ranges = await Promise.all([1, 2, 3, 4].map((s) => pages(40, s * 7)));
  const off = await openAll(pool, ranges, false);
  assert.equal(pool.openedHere, 0, "not allowed: every range on the worker");
  const on = await openAll(pool, ranges, true);
  // The first two go to the worker (one opened, one queued); the third and fourth find it with two waiting.
  assert.equal(pool.openedHere, 2);
  for (const [k, r] of ranges.entries()) {
    assert.deepEqual(off[k], r.plain, `range ${k} on the worker`);
    assert.deepEqual(on[k], r.plain, `range ${k}, this thread allowed`);
  }
});

test("a pool without an opener of its own never opens here, even when allowed", async (t) => {
  const pool = new RestorePool(root, 1);
  t.after(() => pool.close());
  const ranges = await Promise.all([1, 2, 3].map((s) => pages(8, s)));
  const out = await openAll(pool, ranges, true);
  assert.equal(pool.openedHere, 0);
  for (const [k, r] of ranges.entries()) assert.deepEqual(out[k], r.plain);
});

test("a tampered page opened on this thread: the IntegrityError the worker gives, and the next ranges still open", async (t) => {
  const pool = new RestorePool(root, 1, { here: rangeOpener(keys, nodeCompressor) });
  t.after(() => pool.close());
  const good = await pages(6, 50);
  const bad = await pages(6, 60);
  const loc = bad.range.requests[3]!.loc;
  bad.bytes[loc.offset + (loc.length >> 1)]! ^= 0x20;
  // The bad range third (opened here) and fourth (here too), then alone (on the worker).
  const [, , here] = await openAll(pool, [good, good, bad, good], true);
  assert.equal(pool.openedHere, 2);
  const [onWorker] = await openAll(pool, [bad], true);
  assert.equal(pool.openedHere, 2, "one range alone goes to the worker");
  for (const e of [here, onWorker]) assert.ok(e instanceof IntegrityError && e.reason === "auth_failed", String(e));
  const [h, w] = [here, onWorker] as IntegrityError[];
  assert.deepEqual([h!.reason, h!.objectId, h!.message], [w!.reason, w!.objectId, w!.message]);
  assert.match(h!.message, new RegExp(`chunk ${bad.range.requests[3]!.id.slice(0, 16)}… in pack`));
  const after = await openAll(pool, [good, good, good], true);
  for (const p of after) assert.deepEqual(p, good.plain);
});

test("trimSlots drops the free slots beyond n, here and in the worker; later ranges get new slots and open", async (t) => {
  const pool = new RestorePool(root, 1, { here: rangeOpener(keys, nodeCompressor) });
  t.after(() => pool.close());
  const ranges = await Promise.all([1, 2, 3].map((s) => pages(20, s * 3)));
  await openAll(pool, ranges, false);
  assert.equal(pool.slotCount, 3);
  const held = pool.slot(ranges[0]!.range);
  pool.trimSlots(0);
  assert.equal(pool.slotCount, 1, "a busy slot is kept");
  held.release();
  pool.trimSlots(1);
  assert.equal(pool.slotCount, 1);
  // Two more slots, numbered anew: the worker must be sent their buffers, not use a dropped one.
  const out = await openAll(pool, ranges, false);
  assert.equal(pool.slotCount, 3);
  for (const [k, r] of ranges.entries()) assert.deepEqual(out[k], r.plain, `range ${k} after the trim`);
});
