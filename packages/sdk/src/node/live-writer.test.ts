/**
 * Live writer (docs/cli.md, `chatvault backup`: the live database is copied consistently):
 * another process keeps writing to the chat database during the backup; the restored
 * database is consistent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { LIVE_WRITER_EXEC_ARGV, LIVE_WRITER_PATH } from "@chatvault/demo-data";
import { memoryHeadStore } from "../index.ts";
import { backup, restore } from "./index.ts";
import { demo, newRepo } from "../../test/support.ts";

test("backup while another process writes: the restored database is consistent", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 20000, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const writer = spawn(process.execPath, [...LIVE_WRITER_EXEC_ARGV, LIVE_WRITER_PATH, src.dbPath, "4000"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  writer.stdout.on("data", (d: Buffer) => (out += d.toString()));
  // Listen before the backups: on a loaded machine the writer may finish first.
  const exited = new Promise<number | null>((resolve) => writer.on("exit", resolve));
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (out.includes("ready")) {
        clearInterval(poll);
        resolve();
      }
    }, 10);
  });
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await backup({ repo, heads, db: src.dbPath, media: src.mediaDir }));
  const exit = await exited;
  assert.equal(exit, 0);
  const stats = JSON.parse(out.trim().split("\n").at(-1)!) as { inserted: number };
  t.diagnostic(`writer inserted ${stats.inserted} messages during 3 backups`);
  assert.ok(stats.inserted > 0);
  const restored = join(dir, "out");
  await restore({ repo, heads, to: restored });
  const db = new Database(join(restored, "msgstore.db"), { readonly: true });
  assert.equal((db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check, "ok");
  // Every chat's last_message_id names its newest message: no torn transaction.
  const torn = db.prepare(`SELECT count(*) AS n FROM chats c WHERE c.last_message_id IS NOT (SELECT max(id) FROM messages m WHERE m.chat_id = c.id)`).get() as {
    n: number;
  };
  assert.equal(torn.n, 0);
  const n = (db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
  assert.ok(n >= 20000, `restored ${n} messages`);
  db.close();
});
