import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, stat, utimes, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { storageConformance } from "../conformance/index.ts";
import { collect } from "../conformance/support.ts";
import { FsStorage } from "./index.ts";
import { TEMP_MARK } from "./files.ts";

storageConformance("fs", async (t) => ({ storage: await FsStorage.open(join(tempDir(t), "repo")), cleanup: async () => {} }));

const DAY_AGO = (Date.now() - 24 * 3600 * 1000) / 1000;

test("fs: objects are files under the root; a put leaves no temp file behind", async (t) => {
  const root = tempDir(t);
  const s = await FsStorage.open(root);
  await s.put("packs/ab/cd", new Uint8Array([1, 2, 3]));
  assert.deepEqual(await readdir(join(root, "packs", "ab")), ["cd"]);
  assert.equal((await stat(join(root, "packs", "ab", "cd"))).mode & 0o777, 0o600);
  await assert.rejects(s.put("packs/ab/cd", new Uint8Array([9])), { code: "object_exists" });
  assert.deepEqual(await readdir(join(root, "packs", "ab")), ["cd"], "a failed put cleans its temp file");
});

test("fs: temp files and foreign files are invisible to list, get and stat", async (t) => {
  const root = tempDir(t);
  const s = await FsStorage.open(root);
  await s.put("dir/real", new Uint8Array([1]));
  await writeFile(join(root, "dir", `.real${TEMP_MARK}0123456789abcdef`), "partial");
  await writeFile(join(root, "dir", "has space"), "foreign");
  await mkdir(join(root, "odd dir"));
  await writeFile(join(root, "odd dir", "x"), "foreign");
  assert.deepEqual(
    (await collect(s.list(""))).map((i) => i.name),
    ["dir/real"],
  );
});

test("fs: open() removes stale temp files from a crash, keeps fresh ones (a writer may be running)", async (t) => {
  const root = tempDir(t);
  await mkdir(join(root, "a", "b"), { recursive: true });
  const stale = join(root, "a", "b", `.obj${TEMP_MARK}00000000000000aa`);
  const fresh = join(root, "a", `.obj${TEMP_MARK}00000000000000bb`);
  await writeFile(stale, "left by a crash");
  await utimes(stale, DAY_AGO, DAY_AGO);
  await writeFile(fresh, "being written right now");
  const s = await FsStorage.open(root);
  assert.deepEqual(await readdir(join(root, "a", "b")), []);
  assert.deepEqual((await readdir(join(root, "a"))).sort(), [`.obj${TEMP_MARK}00000000000000bb`, "b"]);
  assert.equal(await s.cleanupTemp(0), 1, "an explicit cleanup with age 0 removes the rest");
  assert.deepEqual(await readdir(join(root, "a")), ["b"]);
});

test("fs: a crash before the link leaves no object; after the link, a whole one", async (t) => {
  const root = tempDir(t);
  const s = await FsStorage.open(root);
  // Before the link: only a temp file exists → the object does not.
  await writeFile(join(root, `.x${TEMP_MARK}00000000000000cc`), "half");
  await assert.rejects(s.get("x"), { code: "object_not_found" });
  await s.put("x", new Uint8Array([7]));
  assert.deepEqual(await s.get("x"), new Uint8Array([7]));
});

test("fs: cannot hold both 'a' and 'a/b' — InvalidObjectNameError, nothing changes", async (t) => {
  const s = await FsStorage.open(tempDir(t));
  await s.put("a", new Uint8Array([1]));
  await assert.rejects(s.put("a/b", new Uint8Array([2])), { code: "invalid_object_name" });
  await s.put("c/d", new Uint8Array([3]));
  await assert.rejects(s.put("c", new Uint8Array([4])), { code: "invalid_object_name" });
  assert.deepEqual(
    (await collect(s.list(""))).map((i) => i.name),
    ["a", "c/d"],
  );
});

test("fs: open with create:false refuses a missing folder (an unmounted drive is not an empty backup)", async (t) => {
  await assert.rejects(FsStorage.open(join(tempDir(t), "not-there"), { create: false }), { code: "storage_missing" });
});

test("fs: a missing root lists nothing and finds nothing", async (t) => {
  const s = new FsStorage(join(tempDir(t), "later"));
  assert.deepEqual(await collect(s.list("")), []);
  await assert.rejects(s.stat("x"), { code: "object_not_found" });
  await s.put("x", new Uint8Array(1)); // the first put creates the root
  assert.equal((await s.stat("x")).size, 1);
});

test("fs: a writer killed mid-put (SIGKILL) leaves whole objects or none; open() sweeps its temp files", async (t) => {
  const root = tempDir(t);
  const size = 16 * 1024 * 1024;
  // The child writes 16 MiB objects (each byte = object number) until it is killed.
  const child = spawn(
    process.execPath,
    [
      "--conditions=chatvault-source",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `
    const { FsStorage } = await import(${JSON.stringify(new URL("./index.ts", import.meta.url).href)});
    const s = await FsStorage.open(${JSON.stringify(root)});
    for (let i = 0; ; i++) { await s.put("obj/" + i, new Uint8Array(${size}).fill(i % 256)); process.stdout.write("."); }
  `,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  await new Promise((r) => setTimeout(r, 15)); // most likely in the middle of the next write
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));

  const s = await FsStorage.open(root, { staleTempAgeMs: 0 });
  const listed = await collect(s.list(""));
  assert.ok(listed.length >= 1);
  for (const { name, size: n } of listed) {
    assert.equal(n, size, `${name} is whole`);
    const data = await s.get(name);
    const i = Number(name.slice(4)) % 256;
    assert.ok(
      data.every((b) => b === i),
      `${name} holds its own bytes`,
    );
  }
  assert.ok(
    (await readdir(join(root, "obj"))).every((f) => !f.includes(TEMP_MARK)),
    "temp files swept",
  );
});
