/**
 * A backup with nothing to read (the parent's database, no changed media file) loads none
 * of the reading machinery: the chunk task runners and their threads, the database copy's
 * thread, its page IDs and read-back (sdk node/backup.ts, `readingMachinery`;
 * docs/performance.md, "No-change and day-after backups, round 8"). Recorded from the
 * running process, not timed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { BIN, REPO_ROOT, machine } from "./support.ts";
import { recordLoads } from "./startup-loads.ts";

/** The SDK modules only a backup that reads something needs. */
const READING = [
  "node/chunk-pool.ts",
  "node/chunk-tasks.ts",
  "node/split-runner.ts",
  "node/db-source/snapshot-thread.ts",
  "node/db-source/memory-dir.ts",
  "node/db-source/page-ids.ts",
  "node/db-source/page-runs.ts",
];

const sdkFiles = (files: string[]) => files.filter((f) => f.includes("/packages/sdk/src/")).map((f) => f.replace(/.*\/packages\/sdk\/src\//, ""));

test("a no-change backup loads no chunk task runner, copy thread or page reader; a backup with a changed file does", async (t) => {
  const dir = tempDir(t, "chatvault-no-change-loads-");
  const a = machine(dir, "a");
  const repo = join(dir, "repo");
  const src = join(dir, "chats");
  const keyFile = join(dir, "key.txt");
  const gen = await a.run(["demo-data", "--out", src, "--messages", "300", "--media-mib", "1", "--seed", "3", "--json"]);
  assert.equal(gen.code, 0, gen.stderr);
  const init = await a.run(["init", "--repo", repo, "--new-key-file", keyFile, "--json"]);
  assert.equal(init.code, 0, init.stderr);
  const args = ["backup", "--repo", repo, "--key-file", keyFile, "--db", join(src, "msgstore.db"), "--media", join(src, "media")];
  const first = await a.run(args);
  assert.equal(first.code, 0, first.stderr);

  const same = recordLoads(BIN, args, { cwd: REPO_ROOT, env: a.env });
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, / 0 new, 0 changed, /);
  const sameSdk = sdkFiles(same.files);
  assert.ok(sameSdk.includes("node/backup.ts") && sameSdk.includes("backup/session.ts"), `the backup operation is loaded: ${sameSdk.join(", ")}`);
  assert.deepEqual(
    sameSdk.filter((f) => READING.includes(f)),
    [],
  );

  // One new media file: its chunks are read, so the machinery comes in (and works).
  writeFileSync(join(src, "media", "new-photo.jpg"), "a photo taken after the first backup");
  appendFileSync(join(src, "media", "new-photo.jpg"), "\n");
  const changed = recordLoads(BIN, args, { cwd: REPO_ROOT, env: a.env });
  assert.equal(changed.status, 0, changed.stderr);
  assert.match(changed.stdout, / 1 new, 0 changed, /);
  const changedSdk = sdkFiles(changed.files);
  for (const f of ["node/chunk-pool.ts", "node/chunk-tasks.ts"]) assert.ok(changedSdk.includes(f), `${f} is loaded for a new file`);
});
