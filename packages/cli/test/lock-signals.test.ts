/**
 * The repository lock through real processes (spec §8.11), staged with signals at an
 * observable moment — the running backup's lock object appearing — rather than sleeps:
 * a stopped backup keeps prune out; a killed one does not wedge the repository.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { tempDir } from "@chatvault/testkit";
import { BIN, REPO_ROOT, machine } from "./support.ts";

/** Start `chatvault backup` and resolve once it holds the repository lock (its lock object exists). */
async function backupHoldingLock(env: Record<string, string>, repo: string, src: string, keyFile: string) {
  const child = spawn(
    process.execPath,
    [BIN, "backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile, "--json"],
    {
      env,
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("close", r));
  const locks = join(repo, "locks");
  // Poll for the observable moment; the assertions below do not depend on timing.
  const holding = () => existsSync(locks) && readdirSync(locks).some((n) => !n.startsWith("."));
  for (let i = 0; i < 3000 && !holding(); i++) await delay(5);
  assert.ok(holding(), "the backup took its lock");
  return { child, exited, output: () => out };
}

test("a stopped backup keeps prune out; after SIGCONT it completes; a killed one does not block the next backup", async (t) => {
  const dir = tempDir(t, "chatvault-cli-locksig-");
  const a = machine(dir, "a");
  const repo = join(dir, "repo");
  const src = join(dir, "chats");
  const keyFile = join(dir, "key.txt");
  assert.equal((await a.run(["demo-data", "--out", src, "--messages", "3000", "--media-mib", "4", "--seed", "3", "--json"])).code, 0);
  assert.equal((await a.run(["init", "--repo", repo, "--new-key-file", keyFile, "--json"])).code, 0);

  const b = await backupHoldingLock(a.env, repo, src, keyFile);
  b.child.kill("SIGSTOP");
  try {
    const pruned = await a.run(["prune", "--repo", repo, "--keep-last", "1", "--key-file", keyFile, "--json"]);
    assert.notEqual(pruned.code, 0, pruned.stdout);
    assert.equal(pruned.json.error.code, "repository_locked", pruned.stdout);
    assert.match(pruned.json.error.message, /locked by backup on .+ \(pid \d+\) since/);
  } finally {
    b.child.kill("SIGCONT");
  }
  assert.equal(await b.exited, 0, b.output());

  const killed = await backupHoldingLock(a.env, repo, src, keyFile);
  killed.child.kill("SIGKILL");
  await killed.exited;
  const next = await a.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile, "--json"]);
  assert.equal(next.code, 0, next.stdout + next.stderr);
  assert.equal(next.json.snapshot.sequence, 2, "the killed backup committed nothing; its lock did not count");
  const restored = await a.run(["restore", "--repo", repo, "--to", join(dir, "out"), "--key-file", keyFile, "--json"]);
  assert.equal(restored.code, 0, restored.stderr);
});
