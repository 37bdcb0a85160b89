/**
 * The packer's bounds (spec §8.3 packs, §8.7 packs first): never more than `maxInFlight`
 * puts at once, never more than `maxInFlight + 1` pack buffers, a full pack that finds
 * every slot taken holds the producers; reused buffers never change a pack already
 * stored; the storage's `parallelPuts` hint sets the default; an upload error surfaces; a
 * full pack is hashed while the put before it runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { KeySchedule, generateRootKey, toHex } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { MemoryStorage, type Storage, withConcurrencyLimit, withRetry } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { packIdFromName } from "../repo/layout.ts";
import { readPackHeader } from "../repo/pack.ts";
import { Packer } from "./packer.ts";

const PACK = 64 * 1024;
const keys = await KeySchedule.derive(generateRootKey(), nodeCryptoBackend);

/** Memory storage whose puts wait until `release()`; counts puts running at once. */
function gatedStorage() {
  const inner = new MemoryStorage();
  let running = 0;
  let maxRunning = 0;
  let open: (() => void)[] = [];
  let gateOpen = false;
  const storage: Storage & { release(): void; running(): number; maxRunning(): number; puts: number } = {
    location: inner.location,
    puts: 0,
    async put(name, data) {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      storage.puts += 1;
      try {
        if (!gateOpen) await new Promise<void>((r) => open.push(r));
        await inner.put(name, data);
      } finally {
        running -= 1;
      }
    },
    get: (n, r) => inner.get(n, r),
    stat: (n) => inner.stat(n),
    list: (p) => inner.list(p),
    delete: (n) => inner.delete(n),
    release() {
      gateOpen = true;
      for (const r of open) r();
      open = [];
    },
    running: () => running,
    maxRunning: () => maxRunning,
  };
  return storage;
}

/** A distinct 16 KiB "sealed chunk": four fill a pack of the test's size. */
function chunk(i: number): { id: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(16 * 1024).fill(i & 0xff);
  bytes[0] = i >> 8;
  return { id: toHex(createHash("sha256").update(`chunk ${i}`).digest()), bytes };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

for (const maxInFlight of [1, 2]) {
  test(`at most ${maxInFlight} put(s) in flight and ${maxInFlight + 1} pack buffers; a full pack with no slot holds add`, async () => {
    const storage = gatedStorage();
    const packer = new Packer(storage, keys, "r".repeat(32), PACK, maxInFlight);
    assert.equal(packer.maxInFlight, maxInFlight);
    // Fill packs until add blocks: uploads are stuck, so only maxInFlight + 1 packs can be taken.
    let added = 0;
    let blocked: Promise<void> | undefined;
    for (let i = 0; i < 100 && !blocked; i++) {
      const p = packer.add(chunk(i).id, chunk(i).bytes, 16 * 1024, 0);
      let done = false;
      void p.then(() => (done = true));
      await tick();
      await tick();
      if (done) added += 1;
      else blocked = p;
    }
    assert.ok(blocked, "add blocks once every buffer is taken");
    assert.equal(storage.running(), maxInFlight, "every slot is uploading");
    // (maxInFlight + 1) packs of 4 chunks were taken: the last is the one waiting for a slot.
    assert.equal(added, (maxInFlight + 1) * 4 - 1);
    // Another producer cannot start a new pack either.
    const other = packer.add(chunk(500).id, chunk(500).bytes, 16 * 1024, 0);
    let otherDone = false;
    void other.then(() => (otherDone = true));
    await tick();
    assert.equal(otherDone, false);
    storage.release();
    await blocked;
    await other;
    for (let i = 100; i < 140; i++) await packer.add(chunk(i).id, chunk(i).bytes, 16 * 1024, 0);
    await packer.flush();
    assert.ok(storage.maxRunning() <= maxInFlight, `puts at once: ${storage.maxRunning()}`);
    assert.ok(packer.packBuffers <= maxInFlight + 1, `pack buffers: ${packer.packBuffers}`);
    assert.equal(packer.packsUploaded, storage.puts);
    assert.equal(packer.written.length, added + 1 + 1 + 40);
  });
}

test("reused pack buffers leave every stored pack intact: each is named by its hash and its header lists its chunks", async () => {
  const storage = new MemoryStorage();
  const packer = new Packer(storage, keys, "r".repeat(32), PACK, 1);
  const chunks = Array.from({ length: 50 }, (_, i) => chunk(i));
  // Odd sizes and pieces, so packs end at different offsets in the reused buffers.
  for (const [i, c] of chunks.entries()) {
    const n = 5000 + i * 331;
    const b = c.bytes.subarray(0, n);
    await packer.add(c.id, i % 2 ? [b.subarray(0, 7), b.subarray(7)] : b, n, 0);
  }
  await packer.flush();
  assert.ok(packer.packsUploaded > 3);
  assert.ok(packer.packBuffers <= 2);
  const seen = new Set<string>();
  for await (const { name } of storage.list("packs/")) {
    const bytes = await storage.get(name);
    assert.equal(packIdFromName(name), createHash("sha256").update(bytes).digest("hex"), "a pack's name is its hash");
    const entries = await readPackHeader(storage, keys, "r".repeat(32), packIdFromName(name)!);
    for (const e of entries) {
      const i = chunks.findIndex((c) => c.id === e.id);
      assert.deepEqual(bytes.subarray(e.offset, e.offset + e.length), chunks[i]!.bytes.subarray(0, 5000 + i * 331));
      seen.add(e.id);
    }
  }
  assert.equal(seen.size, chunks.length);
});

test("the storage's parallelPuts hint sets the default; decorators pass it on, a concurrency limit caps it", async (t) => {
  const fs = new FsStorage(tempDir(t));
  assert.equal(fs.parallelPuts, 1);
  assert.equal(new Packer(fs, keys, "r".repeat(32), PACK).maxInFlight, 1);
  assert.equal(new Packer(withConcurrencyLimit(withRetry(fs, { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }), 8), keys, "r".repeat(32), PACK).maxInFlight, 1);
  assert.equal(withConcurrencyLimit({ ...new MemoryStorage(), parallelPuts: 6 } as unknown as Storage, 4).parallelPuts, 4);
  assert.equal(new Packer(new MemoryStorage(), keys, "r".repeat(32), PACK).maxInFlight, 3, "no hint: several");
  assert.equal(new Packer(fs, keys, "r".repeat(32), PACK, 2).maxInFlight, 2, "an explicit bound wins");
  assert.throws(() => new Packer(fs, keys, "r".repeat(32), PACK, 0), RangeError);
});

test("an upload that fails surfaces at flush, and settle still returns", async () => {
  const inner = new MemoryStorage();
  let n = 0;
  const storage: Storage = {
    location: "failing",
    put: async (name, data) => {
      if (++n === 2) throw new Error("disk on fire");
      await inner.put(name, data);
    },
    get: (a, r) => inner.get(a, r),
    stat: (a) => inner.stat(a),
    list: (p) => inner.list(p),
    delete: (a) => inner.delete(a),
  };
  const packer = new Packer(storage, keys, "r".repeat(32), PACK, 1);
  const adding = (async () => {
    for (let i = 0; i < 40; i++) await packer.add(chunk(i).id, chunk(i).bytes, 16 * 1024, 0);
    await packer.flush();
  })();
  await assert.rejects(adding, /disk on fire/);
  await packer.settle();
});

test("a full pack is hashed while the put before it is still running, not after it ends", async () => {
  const storage = gatedStorage();
  const packer = new Packer(storage, keys, "r".repeat(32), PACK, 1);
  const hashedDuringPut: boolean[] = [];
  const hash = packer.hasher;
  packer.hasher = async (data) => {
    hashedDuringPut.push(storage.running() > 0);
    return hash(data);
  };
  // Two packs' worth: the first is put (and held at the gate), the second fills meanwhile.
  const adds = Array.from({ length: 8 }, (_, i) => packer.add(chunk(i).id, chunk(i).bytes, 16 * 1024, 0));
  for (let i = 0; i < 4; i++) await tick();
  assert.deepEqual(hashedDuringPut, [false, true], "the second pack's hash did not wait for the first put");
  storage.release();
  await Promise.all(adds);
  await packer.flush();
  assert.equal(packer.packsUploaded, 2);
});

test("a chunk that would outgrow the pack buffer starts the next pack: no buffer grows, each pack holds whole chunks", async () => {
  const storage = new MemoryStorage();
  const p = new Packer(storage, keys, "r".repeat(32), PACK, 1);
  const small = new Uint8Array(PACK - 4096).fill(1);
  const big = new Uint8Array(1024 * 1024 + 20 * 1024).fill(2); // with `small`, past the target plus the slack
  await p.add("aa".repeat(32), small, small.length, 0);
  await p.add("bb".repeat(32), big, big.length, 0);
  await p.add("cc".repeat(32), small, small.length, 0);
  await p.flush();
  assert.equal(p.packsUploaded, 3, "the big chunk closed the first pack early (and fills a pack alone)");
  assert.ok(p.packBuffers <= 2, "buffers of the usual size, none grown");
  const byPack = new Map<string, string[]>();
  for (const e of p.written) byPack.set(e.pack, [...(byPack.get(e.pack) ?? []), e.id.slice(0, 2)]);
  assert.deepEqual([...byPack.values()], [["aa"], ["bb"], ["cc"]]);
  for (const [pack, ids] of byPack) {
    const header = await readPackHeader(storage, keys, "r".repeat(32), pack);
    assert.deepEqual(
      header.map((e) => e.id.slice(0, 2)),
      ids,
    );
  }
});

/** Memory storage that copies a put's bytes, gives the buffer back at once (`onDataReleased`), then waits until `finish()` to return — a local folder's write, then its fsyncs and link. */
function releasingStorage(failAfterRelease?: Error) {
  const inner = new MemoryStorage();
  let unfinished = 0;
  let maxUnfinished = 0;
  let waiting: (() => void)[] = [];
  let open = false;
  const storage: Storage & { finish(): void; unfinished(): number; maxUnfinished(): number; puts: number } = {
    location: inner.location,
    puts: 0,
    async put(name, data, options) {
      storage.puts += 1;
      unfinished += 1;
      maxUnfinished = Math.max(maxUnfinished, unfinished);
      try {
        await inner.put(name, data);
        options?.onDataReleased?.();
        if (!open) await new Promise<void>((r) => waiting.push(r));
        if (failAfterRelease) throw failAfterRelease;
      } finally {
        unfinished -= 1;
      }
    },
    get: (n, r) => inner.get(n, r),
    stat: (n) => inner.stat(n),
    list: (p) => inner.list(p),
    delete: (n) => inner.delete(n),
    finish() {
      open = true;
      for (const r of waiting) r();
      waiting = [];
    },
    unfinished: () => unfinished,
    maxUnfinished: () => maxUnfinished,
  };
  return storage;
}

test("a put that gives its buffer back before it ends: the next packs fill in that buffer meanwhile, a bounded number of puts unfinished, the same buffers", async () => {
  const storage = releasingStorage();
  const packer = new Packer(storage, keys, "r".repeat(32), PACK, 1);
  const chunks = Array.from({ length: 40 }, (_, i) => chunk(i));
  let blockedAt = -1;
  for (const [i, c] of chunks.entries()) {
    const p = packer.add(c.id, c.bytes, c.bytes.length, 0);
    let done = false;
    void p.then(() => (done = true));
    for (let k = 0; k < 5; k++) await tick();
    if (!done) {
      blockedAt = i;
      break;
    }
  }
  // One slot (maxInFlight 1), but released buffers: three puts started (1 + FINISHING) before add had to wait.
  assert.ok(blockedAt > 0, "add blocked once the unfinished puts reached their bound");
  assert.equal(storage.puts, 3, "puts started while none had ended");
  assert.equal(storage.unfinished(), 3);
  assert.ok(packer.packBuffers <= 2, `pack buffers: ${packer.packBuffers}`);
  storage.finish();
  for (const c of chunks.slice(blockedAt + 1)) await packer.add(c.id, c.bytes, c.bytes.length, 0);
  await packer.flush();
  assert.equal(storage.maxUnfinished(), 3);
  assert.ok(packer.packBuffers <= 2);
  // Every pack intact although its buffer was refilled before its put ended.
  const seen = new Set<string>();
  for await (const { name } of storage.list("packs/")) {
    const bytes = await storage.get(name);
    assert.equal(packIdFromName(name), createHash("sha256").update(bytes).digest("hex"));
    for (const e of await readPackHeader(storage, keys, "r".repeat(32), packIdFromName(name)!)) {
      assert.deepEqual(bytes.subarray(e.offset, e.offset + e.length), chunks.find((c) => c.id === e.id)!.bytes);
      seen.add(e.id);
    }
  }
  assert.equal(seen.size, chunks.length);
  assert.equal(packer.packsUploaded, storage.puts);
});

test("a put that fails after giving its buffer back fails the flush", async () => {
  const storage = releasingStorage(new Error("fsync failed"));
  storage.finish();
  const packer = new Packer(storage, keys, "r".repeat(32), PACK, 1);
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 12; i++) await packer.add(chunk(i).id, chunk(i).bytes, 16 * 1024, 0);
      await packer.flush();
    })(),
    /fsync failed/,
  );
  await packer.settle();
});
