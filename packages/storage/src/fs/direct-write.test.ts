import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { FsStorage } from "./index.ts";
import { DIRECT_MIN_BYTES, directWritesAvailable, openDirect, writeDirectAt, writeNewFileDirect } from "./direct-write.ts";
import { putBuffer } from "../put-buffer.ts";

const MiB = 1024 * 1024;
const STAGE = 2 * MiB;

// Boundaries of the direct path: the threshold, a block, a staging buffer, two (the turn back to the first).
const SIZES = [DIRECT_MIN_BYTES - 1, DIRECT_MIN_BYTES, DIRECT_MIN_BYTES + 1, STAGE - 1, STAGE, STAGE + 4096, 2 * STAGE + 500, 8 * MiB + 123];

test("fs: large puts (written around the page cache where the filesystem allows it) read back exactly", async (t) => {
  const root = tempDir(t);
  const s = await FsStorage.open(root);
  for (const n of SIZES) {
    const data = randomBytes(n);
    await s.put(`packs/p${n}`, data);
    assert.ok((await readFile(join(root, "packs", `p${n}`))).equals(data), `${n} bytes`);
    assert.ok((await s.get(`packs/p${n}`)).length === n);
  }
  assert.deepEqual((await readdir(join(root, "packs"))).sort(), SIZES.map((n) => `p${n}`).sort(), "no temp file left");
});

test("fs: a direct write keeps the file's exact length and never overwrites", { skip: !directWritesAvailable() }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, "f");
  const data = randomBytes(STAGE + 4097);
  const fh = await writeNewFileDirect(path, data, 0o600);
  if (!fh) return t.skip("this temp folder's filesystem refuses O_DIRECT");
  await fh.sync();
  await fh.close();
  assert.ok((await readFile(path)).equals(data));
  await assert.rejects(writeNewFileDirect(path, data, 0o600), { code: "EEXIST" });
  assert.ok((await readFile(path)).equals(data), "the existing file is untouched");
});

test("fs: a put buffer is written in place, its padding past the view only, and reads back exactly", async (t) => {
  const root = tempDir(t);
  const s = await FsStorage.open(root);
  for (const n of [DIRECT_MIN_BYTES, DIRECT_MIN_BYTES + 1, 8 * MiB + 123, 9 * MiB - 1]) {
    const buf = putBuffer(9 * MiB);
    buf.set(randomBytes(n));
    const before = buf.slice(0, n);
    await s.put(`packs/q${n}`, buf.subarray(0, n));
    assert.ok((await readFile(join(root, "packs", `q${n}`))).equals(before), `${n} bytes`);
    assert.ok(
      buf.subarray(0, n).every((b, i) => b === before[i]),
      "the put's own bytes are untouched",
    );
  }
  assert.equal((await readdir(join(root, "packs"))).length, 4, "no temp file left");
});

test(
  "fs: writeDirectAt writes parts laid end to end at an aligned offset of an existing file, across staging turns",
  { skip: !directWritesAvailable() },
  async (t) => {
    const dir = tempDir(t);
    const path = join(dir, "f");
    // The file exists with a buffered head; the direct write goes after it.
    const head = randomBytes(8192);
    await writeFile(path, head);
    const fh = await openDirect(path);
    if (!fh) return t.skip("this temp folder's filesystem refuses O_DIRECT");
    try {
      // Parts of odd lengths, crossing the 64 KiB staging buffers' boundaries.
      const parts = [randomBytes(1), randomBytes(70_000), randomBytes(65_535), randomBytes(200_000)];
      const all = Buffer.concat(parts);
      const length = Math.floor(all.length / 4096) * 4096;
      assert.equal(await writeDirectAt(fh, parts, 8192, length, 64 * 1024), true);
      await fh.sync();
      const got = await readFile(path);
      assert.equal(got.length, 8192 + length);
      assert.ok(got.subarray(0, 8192).equals(head), "the head is untouched");
      assert.ok(got.subarray(8192).equals(all.subarray(0, length)), "the parts' bytes, in order");
      await assert.rejects(writeDirectAt(fh, parts, 100, 4096), RangeError, "an unaligned offset is refused before any write");
      await assert.rejects(writeDirectAt(fh, parts, 4096, 100), RangeError, "an unaligned length too");
      assert.ok((await readFile(path)).subarray(0, 8192).equals(head), "nothing written by the refused calls");
    } finally {
      await fh.close();
    }
  },
);
