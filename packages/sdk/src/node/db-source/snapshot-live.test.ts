import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { LIVE_WRITER_EXEC_ARGV, LIVE_WRITER_PATH, generateDemoData } from "@chatvault/demo-data";
import { snapshotDatabase } from "./index.ts";

test("snapshots stay consistent and finish promptly while another process writes", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: dir, messages: 50_000, mediaMiB: 0, seed: 11 });
  const writer = spawn(process.execPath, [...LIVE_WRITER_EXEC_ARGV, LIVE_WRITER_PATH, demo.dbPath, "2500"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => writer.kill());
  // Listen now: on a loaded machine the writer may finish during the snapshots, and a
  // listener added after its exit would wait forever (the test is then cancelled).
  const exited = once(writer, "exit");
  let stdout = "";
  let stderr = "";
  writer.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  writer.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const readyBy = performance.now() + 30_000;
  while (!stdout.includes("ready")) {
    if (writer.exitCode !== null) assert.fail(`writer exited early: ${stderr}`);
    if (performance.now() > readyBy) assert.fail(`writer did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }

  const seen: number[] = [];
  for (let round = 0; round < 3; round++) {
    const progress: number[] = [];
    const started = performance.now();
    // Small steps so the copy spans many of the writer's commits: a backup that took and
    // dropped its read lock per step would restart on each of them.
    const s = await snapshotDatabase(demo.dbPath, dir, { pagesPerStep: 50, timeoutMs: 20_000, onProgress: (done) => progress.push(done) });
    const ms = performance.now() - started;
    assert.ok(ms < 10_000, `snapshot took ${ms} ms`);
    assert.ok(progress.length > 10 && progress.every((v, i) => i === 0 || v >= progress[i - 1]!), "copied without restarting");
    const copy = new Database(s.path, { readonly: true });
    assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
    const { n, max } = copy.prepare("SELECT count(*) AS n, max(id) AS max FROM messages").get() as { n: number; max: number };
    assert.equal(n, max, "ids contiguous: no half-applied transaction");
    const torn = copy.prepare("SELECT count(*) FROM chats c WHERE last_message_id IS NOT (SELECT max(id) FROM messages m WHERE m.chat_id = c.id)");
    assert.equal(torn.pluck().get(), 0, "every chat's last_message_id matches its messages");
    copy.close();
    seen.push(n);
    t.diagnostic(`snapshot ${round + 1}: ${s.pageCount} pages, ${n} messages, ${progress.length} steps, ${ms.toFixed(0)} ms`);
  }
  assert.ok(seen[0]! > 50_000 && seen[2]! > seen[0]!, `writer made progress between snapshots: ${seen.join(", ")}`);
  await exited;
  assert.equal(writer.exitCode, 0, stderr);
  const done = JSON.parse(stdout.trim().split("\n").at(-1)!) as { inserted: number; lastId: number };
  assert.ok(done.lastId >= seen[2]!);
});
