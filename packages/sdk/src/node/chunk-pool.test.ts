/**
 * The worker pool's end when a task fails on this thread: a worker holds a second task queued
 * behind its running one (TASKS_PER_WORKER), so the running task must end on its own when its
 * parts stop being taken — else the queued one waits for ever and a cancelled backup never
 * returns (packages/cli/test/tty.test.ts, Ctrl-C during a backup).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RootKey } from "@chatvault/format";
import { ChunkIdSet } from "../backup/id-set.ts";
import { workerRunner } from "./chunk-pool.ts";

const CHUNKER = { min: 16384, avg: 65536, max: 262144 };

test("a task whose parts fail here ends, and the task queued behind it on the same worker runs and ends too", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatvault-chunk-pool-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Incompressible files of several parts each (a part is emitted past 1 MiB of sealed chunks).
  const files = [0, 1, 2].map((i) => {
    const path = join(dir, `m${i}.bin`);
    writeFileSync(path, randomBytes(6 * 1024 * 1024));
    return path;
  });
  const runner = workerRunner(new RootKey(randomBytes(32)), CHUNKER, ChunkIdSet.build([]), 1, 2);
  t.after(() => runner.close());
  const cancelled = new Error("cancelled");
  const partsSeen = [0, 0, 0];
  const runs = files.map((path, i) =>
    runner.run({ kind: "file", path, compressible: false }, async () => {
      partsSeen[i]! += 1;
      throw cancelled; // as session.check() does once the backup is cancelled
    }),
  );
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("tasks did not end")), 20_000).unref());
  const settled = await Promise.race([Promise.allSettled(runs), timeout]);
  for (const [i, r] of settled.entries()) {
    assert.equal(r.status, "rejected", `task ${i}`);
    assert.equal((r as PromiseRejectedResult).reason, cancelled, `task ${i}`);
  }
  // Each task's first part reached this thread, and nothing after it was stored.
  assert.deepEqual(partsSeen, [1, 1, 1]);
});

test("without failures every part of the queued tasks is taken, in order, and each task ends", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatvault-chunk-pool-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sizes = [3, 5, 2].map((m) => m * 1024 * 1024);
  const files = sizes.map((size, i) => {
    const path = join(dir, `m${i}.bin`);
    writeFileSync(path, randomBytes(size));
    return path;
  });
  const runner = workerRunner(new RootKey(randomBytes(32)), CHUNKER, ChunkIdSet.build([]), 1, 2);
  t.after(() => runner.close());
  const read = [0, 0, 0];
  await Promise.all(files.map((path, i) => runner.run({ kind: "file", path, compressible: false }, async (part) => void (read[i]! += part.bytesRead))));
  assert.deepEqual(read, sizes);
});
