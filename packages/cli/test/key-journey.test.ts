/**
 * Transcript test of the key-mode journey (docs/cli.md, The journey), through the real CLI in child
 * processes: init → demo-data → backup → mutate → backup → restore on a "new machine"
 * (fresh config dir, nothing but the storage and the key) → byte-identical.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { snapshotDatabase } from "@chatvault/sdk/node";
import { fileHash, machine, treeHashes } from "./support.ts";

test("key mode: the whole journey, restored byte-identical on a new machine", async (t) => {
  const dir = tempDir(t, "chatvault-cli-key-");
  const a = machine(dir, "a");
  const repo = join(dir, "repo");
  const src = join(dir, "chats");
  const keyFile = join(dir, "key.txt");

  const gen = await a.run(["demo-data", "--out", src, "--messages", "2000", "--media-mib", "2", "--seed", "1", "--json"]);
  assert.equal(gen.code, 0, gen.stderr);
  assert.equal(gen.json.messages, 2000);

  const init = await a.run(["init", "--repo", repo, "--new-key-file", keyFile, "--json"]);
  assert.equal(init.code, 0, init.stderr);
  assert.deepEqual(Object.keys(init.json).sort(), ["keyFile", "protection", "repo", "repoId"]);
  assert.equal(init.json.protection, "key");
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  const key = readFileSync(keyFile, "utf8");
  assert.match(key, /^([0-9a-f]{4} ){15}[0-9a-f]{4}\n$/);
  assert.ok(!init.stdout.includes(key.trim()) && !init.stderr.includes(key.trim()), "the key is never printed");
  assert.match(init.stderr, /only way to restore/);

  const first = await a.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile, "--json"]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.json.snapshot.sequence, 1);
  assert.equal(first.json.stats.filesNew, gen.json.mediaFiles);
  // Piped with --json: no bar, no notes; only progress events, one JSON object per line.
  for (const l of first.stderr.trim().split("\n")) assert.equal(JSON.parse(l).type, "progress", `stderr line: ${l}`);

  const mut = await a.run(["demo-data", "--mutate", src, "--messages", "200", "--media-files", "2", "--seed", "2", "--json"]);
  assert.equal(mut.code, 0, mut.stderr);
  // The key may also come from the environment, and the location too.
  const second = await a.run(["backup", "--db", join(src, "msgstore.db"), "--media", join(src, "media")], {
    env: { CHATVAULT_REPO: repo, CHATVAULT_KEY_FILE: keyFile },
  });
  assert.equal(second.code, 0, second.stderr);
  assert.match(
    second.stdout,
    /^Backed up snapshot 2 \([0-9a-f]{12}\)\.\n {2}media files: 2 new, 0 changed, \d+ unchanged\n {2}read .+, uploaded .+ in \d+ packs?\n$/,
  );

  // A new machine: fresh config, the key through a file descriptor.
  const b = machine(dir, "b");
  const out = join(dir, "restored");
  const res = await b.run(["restore", "--repo", repo, "--to", out, "--key-file", "/dev/fd/3", "--json"], { stdio3: key });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.json.snapshot.sequence, 2);
  assert.deepEqual(treeHashes(join(out, "media")), treeHashes(join(src, "media")));
  const copy = await snapshotDatabase(join(src, "msgstore.db"), dir);
  assert.equal(fileHash(join(out, "msgstore.db")), fileHash(copy.path), "the database is byte-identical to a consistent copy of the source");

  // Older snapshots stay restorable by number; listing, verify and prune work with the key.
  const old = await b.run(["restore", "--repo", repo, "--to", join(dir, "old"), "--key-file", keyFile, "--snapshot", "1", "--json"]);
  assert.equal(old.code, 0, old.stderr);
  assert.equal(old.json.snapshot.sequence, 1);
  const list = await b.run(["snapshots", "--repo", repo, "--key-file", keyFile, "--json"]);
  assert.deepEqual(
    list.json.snapshots.map((s: { sequence: number }) => s.sequence),
    [1, 2],
  );
  const ok = await b.run(["verify", "--repo", repo, "--key-file", keyFile, "--json"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.json.ok, true);
  const status = await b.run(["status", "--repo", repo, "--key-file", keyFile, "--json"]);
  assert.equal(status.json.repo.protection, "key");
  assert.equal(status.json.repo.newest.sequence, 2);
  const dry = await b.run(["prune", "--repo", repo, "--key-file", keyFile, "--keep-last", "1", "--dry-run", "--json"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(dry.json.forgotten, [1]);
  const pruned = await b.run(["prune", "--repo", repo, "--key-file", keyFile, "--keep-last", "1", "--json"]);
  assert.equal(pruned.code, 0, pruned.stderr);
  const again = await b.run(["restore", "--repo", repo, "--to", join(dir, "after-prune"), "--key-file", keyFile, "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(treeHashes(join(dir, "after-prune", "media")), treeHashes(join(src, "media")));
});
