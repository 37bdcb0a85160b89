/**
 * Scheduled backups from the CLI: `backup --exclude <glob>` leaves matching media out of
 * the snapshot (and a bad pattern is a usage error); `backup --if-older-than` does
 * nothing, exit 0 with one line, while the newest snapshot is recent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { EXIT } from "../src/exit-codes.ts";
import { describeAge, parseAge } from "../src/recent-backup.ts";
import { machine, treeHashes } from "./support.ts";

test("backup --exclude and --if-older-than", async (t) => {
  const dir = tempDir(t, "chatvault-cli-sched-");
  const m = machine(dir, "a");
  const src = join(dir, "chats");
  const repo = join(dir, "repo");
  const keyFile = join(dir, "key.txt");
  assert.equal((await m.run(["demo-data", "--out", src, "--messages", "600", "--media-mib", "3", "--seed", "7"])).code, 0);
  assert.equal((await m.run(["init", "--repo", repo, "--new-key-file", keyFile])).code, 0);
  const all = Object.keys(treeHashes(join(src, "media")));
  const videos = all.filter((p) => p.endsWith(".mp4"));
  assert.ok(videos.length > 0 && videos.length < all.length, `demo media has videos and other files (${videos.length}/${all.length})`);
  const args = ["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile];

  const bad = await m.run([...args, "--exclude", "videos\\"]);
  assert.equal(bad.code, EXIT.usage, bad.stderr);
  assert.match(bad.stderr, /ends with a lone \\/);

  const b = await m.run([...args, "--exclude", "*.mp4", "--exclude", "/nothing-here/**", "--json"]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.json.stats.filesNew, all.length - videos.length);
  const out = join(dir, "restored");
  assert.equal((await m.run(["restore", "--repo", repo, "--to", out, "--key-file", keyFile])).code, 0);
  const restored = Object.keys(treeHashes(join(out, "media"))).sort();
  assert.deepEqual(restored, all.filter((p) => !p.endsWith(".mp4")).sort());

  // Right after a backup, a 24 h timer finds nothing to do: exit 0, one line, no new snapshot.
  const skip = await m.run([...args, "--if-older-than", "24h"]);
  assert.equal(skip.code, 0, skip.stderr);
  assert.match(skip.stdout, /^Nothing to do: the newest snapshot \(1\) is \d+ s old, less than --if-older-than\.\n$/);
  assert.equal(readdirSync(join(repo, "snapshots")).length, 1);
  const sj = await m.run([...args, "--if-older-than", "7d", "--json"]);
  assert.deepEqual({ backedUp: sj.json.backedUp, reason: sj.json.reason, seq: sj.json.newest.sequence }, { backedUp: false, reason: "recent", seq: 1 });
  // An age of 0 is always due: the backup runs.
  const due = await m.run([...args, "--if-older-than", "0s"]);
  assert.equal(due.code, 0, due.stderr);
  assert.match(due.stdout, /^Backed up snapshot 2 /);
  const badAge = await m.run([...args, "--if-older-than", "1 day"]);
  assert.equal(badAge.code, EXIT.usage);
});

test("--if-older-than ages: units, and the note's wording", () => {
  assert.equal(parseAge("90s"), 90_000);
  assert.equal(parseAge("24h"), 86_400_000);
  assert.equal(parseAge("2w"), 14 * 86_400_000);
  for (const bad of ["", "24", "h", "1.5h", "-1h", "24H", "1y"]) assert.throws(() => parseAge(bad), /--if-older-than/);
  assert.equal(describeAge(45_000), "45 s");
  assert.equal(describeAge(3 * 3_600_000 + 12 * 60_000), "3 h 12 min");
  assert.equal(describeAge(50 * 3_600_000), "2 d 2 h");
});
