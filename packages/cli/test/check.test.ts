/**
 * `chatvault check` (spec §12): a good backup is proven restorable and `status` shows
 * it; a corrupted pack fails with exit 6; the check writes nothing outside its scratch
 * folder, which is gone afterwards (TMPDIR is this test's own folder, so it can look).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateRootKey } from "@chatvault/format";
import { Repository } from "@chatvault/sdk";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { EXIT } from "../src/exit-codes.ts";
import { machine, treeHashes } from "./support.ts";

/** Every file under `dir` except tsx's compile cache, which the CLI's launcher keeps in TMPDIR. */
function everything(dir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(treeHashes(dir)).filter(([p]) => !/^tmp\/tsx-/.test(p)));
}

const scratchFolders = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith("chatvault-check-"));

test("check: restorable backup → OK, recorded for status; corrupted pack → exit 6; nothing written outside the scratch folder", async (t) => {
  const dir = tempDir(t, "chatvault-cli-check-");
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const m = machine(dir, "a", { TMPDIR: tmp });
  const src = join(dir, "chats");
  const repo = join(dir, "repo");
  const keyFile = join(dir, "key.txt");
  assert.equal((await m.run(["demo-data", "--out", src, "--messages", "300", "--media-mib", "1"])).code, 0);
  assert.equal((await m.run(["init", "--repo", repo, "--new-key-file", keyFile])).code, 0);
  const b = await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile]);
  assert.equal(b.code, 0, b.stderr);

  const never = await m.run(["status", "--repo", repo]);
  assert.match(never.stdout, /Verified: +never checked on this machine \(run chatvault check\)/);

  const before = everything(dir);
  const ok = await m.run(["check", "--repo", repo, "--key-file", keyFile]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^OK: snapshot 1 \([0-9a-f]{12}\) of .* is restorable\.$/m);
  assert.match(ok.stdout, /database rebuilt and passed PRAGMA integrity_check/);
  assert.deepEqual(scratchFolders(tmp), [], "scratch folder removed");
  // Only this machine's record is new: the chats, the backup and the temp dir are as before.
  const after = everything(dir);
  const added = Object.keys(after).filter((p) => !(p in before));
  assert.equal(added.length, 1, `new files: ${added.join(", ")}`);
  assert.match(added[0]!, /^machine-a\/checks\/[0-9a-f]{32}\.json$/);
  for (const p of Object.keys(before)) assert.equal(after[p], before[p], `${p} changed`);

  const st = await m.run(["status", "--repo", repo]);
  assert.match(st.stdout, /Verified: +last verified restorable \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, snapshot 1/);
  const sj = await m.run(["--json", "status", "--repo", repo]);
  assert.equal(sj.json.repo.lastVerified.sequence, 1);
  const j = await m.run(["--json", "check", "--repo", repo, "--key-file", keyFile]);
  assert.equal(j.json.ok, true);
  assert.equal(j.json.snapshot.sequence, 1);

  // Damage one pack: check fails as an integrity failure, naming the object, and cleans up.
  const packs = join(repo, "packs");
  const sub = readdirSync(packs)[0]!;
  const pack = join(packs, sub, readdirSync(join(packs, sub))[0]!);
  const bytes = readFileSync(pack);
  bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x10;
  writeFileSync(pack, bytes);
  const bad = await m.run(["check", "--repo", repo, "--key-file", keyFile]);
  assert.equal(bad.code, EXIT.integrity, bad.stderr);
  assert.match(bad.stderr, /^chatvault: integrity check failed \(\w+\): .*packs\//m);
  assert.deepEqual(scratchFolders(tmp), [], "scratch folder removed after a failure");
  const bj = await m.run(["--json", "check", "--repo", repo, "--key-file", keyFile]);
  assert.equal(bj.json.error.exitCode, EXIT.integrity);
  // The record still names the last check that passed.
  const st2 = await m.run(["--json", "status", "--repo", repo]);
  assert.equal(st2.json.repo.lastVerified.sequence, 1);
});

test("a passkey-protected backup: status names it; commands that need its key say the web app opens it (exit 2)", async (t) => {
  const dir = tempDir(t, "chatvault-cli-passkey-");
  const repo = join(dir, "repo");
  await Repository.init(new FsStorage(repo), generateRootKey(), { protection: "passkey" });
  const m = machine(dir, "a");
  const st = await m.run(["status", "--repo", repo]);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, /Protection: +passkey \(open it in the web app\)/);
  assert.doesNotMatch(st.stdout, /Vault:/);
  const r = await m.run(["check", "--repo", repo]);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.stderr, /is protected by a passkey: restore it in the web app with that passkey/);
});
