import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { FsStorage } from "./index.ts";
import { DIRECT_MIN_BYTES, directWritesAvailable, writeNewFileDirect } from "./direct-write.ts";
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
