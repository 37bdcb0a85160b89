/**
 * The staging files of a restore (staged-files.ts; spec/backup-format.md §8.8): every
 * file fsynced after its last write, complete files stamped and synced in the background
 * while others are still written, created 0600 on first use, at most `max` handles open,
 * and a failed fsync reported with nothing left open.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CoalescingWriter, HandleCache, type HandleCacheOptions, type StagedHandle } from "./staged-files.ts";

interface Event {
  file: number;
  op: "open" | "write" | "sync" | "utimes" | "close";
  detail?: string;
}

/** A file system of fake handles that logs every call (file index = the path's name). */
function fakeFs(failSyncOf?: number) {
  const log: Event[] = [];
  let open = 0;
  let maxOpen = 0;
  const sizes = new Map<number, number>();
  const opener: NonNullable<HandleCacheOptions["open"]> = async (path, flags, mode) => {
    const file = Number(String(path));
    log.push({ file, op: "open", detail: `${flags} ${mode.toString(8)}` });
    maxOpen = Math.max(maxOpen, ++open);
    await new Promise((r) => setImmediate(r));
    const h = {
      async writev(parts: Uint8Array[], position: number) {
        await new Promise((r) => setImmediate(r));
        const n = parts.reduce((a, p) => a + p.length, 0);
        sizes.set(file, Math.max(sizes.get(file) ?? 0, position + n));
        log.push({ file, op: "write", detail: `${position}+${n}` });
        return { bytesWritten: n, buffers: parts };
      },
      async write() {
        throw new Error("not used");
      },
      async sync() {
        // Logged as it starts: an fsync covers the writes that returned before it began.
        log.push({ file, op: "sync" });
        await new Promise((r) => setTimeout(r, 1));
        if (file === failSyncOf) throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
      },
      async utimes(_a: number, m: number) {
        log.push({ file, op: "utimes", detail: String(m) });
      },
      async close() {
        open--;
        log.push({ file, op: "close" });
      },
    };
    return h as unknown as StagedHandle;
  };
  return { log, opener, sizes, maxOpen: () => maxOpen, openNow: () => open };
}

/** Write `files` (sizes) in `piece`-byte writes, interleaving the files round-robin like ranges of several packs. */
async function writeAll(cache: HandleCache, sizes: number[], piece: number): Promise<void> {
  const done = sizes.map(() => 0);
  const writers = sizes.map(() => new CoalescingWriter(cache));
  for (let left = true; left;) {
    left = false;
    for (const [i, size] of sizes.entries()) {
      if (done[i]! >= size) continue;
      const n = Math.min(piece, size - done[i]!);
      await writers[i]!.write(i, done[i]!, new Uint8Array(n));
      await writers[i]!.flush();
      done[i]! += n;
      left = true;
    }
  }
}

test("every file is fsynced after its last write, stamped before that fsync, created 0600, with at most max handles open", async () => {
  const fs = fakeFs();
  const sizes = [300, 0, 1000, 50, 700, 200, 1];
  const files = sizes.map((size, i) => ({ size, mtimeMs: i === 0 ? undefined : 1_700_000_000_000 + i }));
  const cache = new HandleCache(
    sizes.map((_, i) => String(i)),
    files,
    { max: 3, syncLanes: 2, syncEvery: 256, open: fs.opener },
  );
  await writeAll(cache, sizes, 100);
  // Complete files are synced in the background, without waiting for syncAll.
  for (let waited = 0; !fs.log.some((e) => e.op === "sync") && waited < 2000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  assert.ok(
    fs.log.some((e) => e.op === "sync"),
    "complete files are synced before syncAll is called",
  );
  await cache.syncAll();
  await cache.closeAll();
  assert.ok(fs.maxOpen() <= 3 + 2, `at most max handles (plus the syncing ones) open, saw ${fs.maxOpen()}`);
  assert.equal(fs.openNow(), 0, "every handle closed");
  for (const [i, size] of sizes.entries()) {
    const mine = fs.log.filter((e) => e.file === i);
    assert.equal(mine[0]?.op, "open");
    assert.equal(mine[0]?.detail, "wx 600", `file ${i} is created 0600 by its first open`);
    assert.ok(
      mine.slice(1).every((e) => e.op !== "open" || e.detail === "r+ 600"),
      `file ${i} is reopened, never created twice`,
    );
    const lastWrite = mine.findLastIndex((e) => e.op === "write");
    const lastSync = mine.findLastIndex((e) => e.op === "sync");
    assert.ok(lastSync > lastWrite, `file ${i} is fsynced after its last write`);
    assert.equal(fs.sizes.get(i) ?? 0, size, `file ${i} got all its bytes`);
    const stamp = mine.findIndex((e) => e.op === "utimes");
    if (files[i]!.mtimeMs === undefined) assert.equal(stamp, -1, "no mtime, no stamp");
    else {
      assert.ok(stamp > lastWrite && stamp < lastSync, `file ${i} gets its mtime after its last write and before its last fsync`);
      assert.equal(mine[stamp]!.detail, String(files[i]!.mtimeMs! / 1000));
    }
  }
});

test("a large file is synced every syncEvery bytes on the way, not only at its end", async () => {
  const fs = fakeFs();
  // Lanes to spare: a sync asked for starts at once instead of merging with a later one.
  const cache = new HandleCache(["0"], [{ size: 1000 }], { syncLanes: 8, syncEvery: 256, open: fs.opener });
  await writeAll(cache, [1000], 100);
  await cache.syncAll();
  await cache.closeAll();
  const log = fs.log.filter((e) => e.op === "sync" || e.op === "write");
  assert.ok(log.findIndex((e) => e.op === "sync") < log.findLastIndex((e) => e.op === "write"), "a sync ran before the last write");
  assert.equal(log.at(-1)?.op, "sync", "and one after it");
});

test("a failed fsync in the background is what syncAll throws, and closeAll leaves nothing open", async () => {
  const fs = fakeFs(1);
  const sizes = [100, 100, 100];
  const cache = new HandleCache(
    sizes.map((_, i) => String(i)),
    sizes.map((size) => ({ size })),
    { open: fs.opener },
  );
  await writeAll(cache, sizes, 100);
  let failedFast = false;
  for (let waited = 0; waited < 2000 && !failedFast; waited += 5) {
    // Once the failure is known, the next write fails with it instead of going on.
    const w = new CoalescingWriter(cache);
    await w.write(0, 0, new Uint8Array(1));
    const r = await w.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (r !== undefined) {
      assert.match(String(r), /EIO/);
      failedFast = true;
    } else await new Promise((res) => setTimeout(res, 5));
  }
  assert.ok(failedFast, "a write after the failed fsync fails with its error");
  await assert.rejects(cache.syncAll(), /EIO/);
  await cache.closeAll();
  assert.equal(fs.openNow(), 0);
});

test("a file the writes did not fill is refused at syncAll instead of being synced short", async () => {
  const fs = fakeFs();
  const cache = new HandleCache(["0", "1"], [{ size: 100 }, { size: 100 }], { open: fs.opener });
  await writeAll(cache, [100, 60], 60);
  await assert.rejects(cache.syncAll(), /staged file 1 got 60 of its 100 bytes/);
  await cache.closeAll();
  assert.equal(fs.openNow(), 0);
});
