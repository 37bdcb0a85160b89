/**
 * The CLI's human output, piped (no terminal needed): local times to the second (ISO stays
 * in --json), "1 snapshot", the snapshots footer, status with the vault down (what is known
 * locally, exit 0), --json progress events (one JSON object per stderr line), the key-mode
 * Next hint with --key-file, the "not end-to-end encrypted" note and the guess limit, the
 * warning for a backup without --media, and password change checking the old password
 * before the new one is asked for.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { EXIT } from "../src/exit-codes.ts";
import { progressJson, progressStats } from "../src/progress.ts";
import { machine, serveVault, writeSecret } from "./support.ts";

test("progress: no numbers before the total is known; then percent, bytes, rate, ETA", () => {
  assert.equal(progressStats({ bytesDone: 0, bytesTotal: 0, rate: 0, etaSeconds: undefined }), "");
  assert.equal(progressStats({ bytesDone: 512, bytesTotal: 2048, rate: 1024, etaSeconds: 1.5 }), "25% 512 B/2.00 KiB 1.00 KiB/s ETA 2s");
  assert.equal(progressStats({ bytesDone: 0, bytesTotal: 2048, rate: 0, etaSeconds: undefined }), "0% 0 B/2.00 KiB");
  const line = JSON.parse(
    progressJson({ operation: "backup", phase: "media", bytesDone: 10, bytesTotal: 20, filesDone: 1, filesTotal: 2, rate: 3.4, etaSeconds: undefined }),
  );
  assert.deepEqual(line, {
    type: "progress",
    operation: "backup",
    phase: "media",
    bytesDone: 10,
    bytesTotal: 20,
    filesDone: 1,
    filesTotal: 2,
    bytesPerSecond: 3,
    etaSeconds: null,
  });
});

test("key mode, piped: Next names --key-file; local times; 1 snapshot; footer; --json progress lines; no --media warns", async (t) => {
  const dir = tempDir(t, "chatvault-cli-polish-");
  // A zone far from UTC, so local time and UTC differ visibly.
  const m = machine(dir, "a", { TZ: "Asia/Kolkata" });
  const repo = join(dir, "repo");
  const keyFile = join(dir, "my.key");
  const src = join(dir, "chats");
  assert.equal((await m.run(["demo-data", "--out", src, "--messages", "300", "--media-mib", "0.3"])).code, 0);
  const init = await m.run(["init", "--repo", repo, "--new-key-file", keyFile]);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, new RegExp(`^Next: chatvault backup --repo ${repo} --key-file ${keyFile} --db <chat.db> --media <media folder>$`, "m"));
  assert.match(init.stdout, /^Not end-to-end encrypted: only this backup is\. .*Time Machine, iCloud.*other backup or sync tool\.$/m);

  // --json: stdout is one result object; stderr carries one progress event per line.
  const b1 = await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile, "--json"]);
  assert.equal(b1.code, 0, b1.stderr);
  assert.equal(b1.json.snapshot.sequence, 1);
  const events = b1.stderr
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; operation: string; phase: string; bytesDone: number });
  assert.ok(events.length >= 2, `progress events: ${b1.stderr}`);
  for (const e of events) assert.deepEqual([e.type, e.operation], ["progress", "backup"]);
  assert.ok(
    events.some((e) => e.bytesDone > 0),
    "bytes move",
  );

  const list = await m.run(["snapshots", "--repo", repo, "--key-file", keyFile]);
  assert.equal(list.code, 0, list.stderr);
  const json = await m.run(["snapshots", "--repo", repo, "--key-file", keyFile, "--json"]);
  const iso: string = json.json.snapshots[0].time;
  assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "--json keeps ISO");
  const shown = /^ {2}1 {2}[0-9a-f]{12} {2}(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) /m.exec(list.stdout)?.[1];
  assert.ok(shown, `a local time to the second in:\n${list.stdout}`);
  assert.notEqual(shown, iso.slice(0, 19).replace("T", " "), "not UTC (the child runs in Asia/Kolkata)");
  assert.equal(Date.parse(`${shown.replace(" ", "T")}+05:30`), Math.floor(Date.parse(iso) / 1000) * 1000, "it is the snapshot's time in the machine's zone");
  assert.match(list.stdout, /^1 snapshot, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d; the newest holds \d+ media files?, [\d.]+ (KiB|MiB)$/m, list.stdout);

  // A backup without --media after one with media: allowed, with a warning.
  const b2 = await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--key-file", keyFile]);
  assert.equal(b2.code, 0, b2.stderr);
  assert.match(
    b2.stderr,
    /^warning: no --media given: this snapshot will hold no media files, while snapshot 1 has \d+ media files?; restoring the new one brings none back/m,
  );
  const list2 = await m.run(["snapshots", "--repo", repo, "--key-file", keyFile]);
  assert.match(list2.stdout, /^2 snapshots, \S+ \S+ … \S+ \S+; the newest holds 0 media files, /m);
  const verify = await m.run(["verify", "--repo", repo, "--key-file", keyFile]);
  assert.match(verify.stdout, /\b2 snapshots, /);
  const status = await m.run(["status", "--repo", repo]);
  assert.match(status.stdout, /^Snapshots: {3}2 snapshots, newest 2 /m);
  assert.match(status.stdout, /^Not end-to-end encrypted: /m);
});

test("password mode, piped: status with the vault down shows what is known (exit 0); guess limit; password change checks the old one first", async (t) => {
  const dir = tempDir(t, "chatvault-cli-polish-pw-");
  const vault = await serveVault(join(dir, "vault-home"));
  let stopped = false;
  t.after(() => (stopped ? undefined : vault.stop()));
  const token = await vault.token("pia", join(dir, "pia.token"));
  const m = machine(dir, "a", { CHATVAULT_INSECURE_TEST_KSF: "1" });
  const repo = join(dir, "repo");
  const pw = writeSecret(join(dir, "pw"), "correct horse battery staple");
  const init = await m.run(["init", "--repo", repo, "--vault", vault.url, "--token-file", token, "--password-file", pw]);
  assert.equal(init.code, 0, init.stderr);
  assert.match(
    init.stderr,
    /Guess limit: 5 wrong passwords in a row, then a wait \(1 hour, 4 hours, 16 hours, … up to 7 days\); the key is destroyed after 20 wrong passwords in all\./,
  );
  assert.match(init.stdout, /^Next: chatvault backup --repo \S+ --db /m, "password mode needs no --key-file");

  const up = await m.run(["status", "--repo", repo]);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /^Guess limit: 5 wrong passwords in a row/m);

  // A wrong old password fails before any new password is asked for: piped, asking would
  // be a usage error (exit 2); the wrong password's exit 3 shows the old one was checked first.
  const wrong = writeSecret(join(dir, "wrong"), "not the password at all");
  const change = await m.run(["password", "change", "--repo", repo, "--password-file", wrong]);
  assert.equal(change.code, EXIT.wrongSecret, change.stderr);
  assert.match(change.stderr, /wrong password/);
  const right = await m.run(["password", "change", "--repo", repo, "--password-file", pw]);
  assert.equal(right.code, EXIT.usage, "the right old password passes; then the new one cannot be asked for without a terminal");

  // At 1 attempt left, status says what the next wrong password does.
  for (let i = 0; i < 4; i++) {
    const r = await m.run(["restore", "--repo", repo, "--to", join(dir, `out-${i}`), "--password-file", wrong]);
    assert.equal(r.code, EXIT.wrongSecret, r.stderr);
  }
  const one = await m.run(["status", "--repo", repo]);
  assert.match(one.stdout, /^Vault state: enabled; 1 of 5 attempts left/m);
  assert.match(one.stdout, /^Warning: {5}1 attempt left — the next wrong password locks it for 1 hour \(longer if it was locked before\)$/m);

  assert.equal(await vault.stop(), 0);
  stopped = true;
  const down = await m.run(["status", "--repo", repo]);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /^Backup: {6}\S+/m);
  assert.match(down.stdout, /^Snapshots: {3}0 snapshots$/m);
  assert.match(down.stdout, new RegExp(`^Vault: {7}${vault.url.replace(/\./g, "\\.")} — cannot reach it now; attempts left and any lock are unknown$`, "m"));
  const downJson = await m.run(["status", "--repo", repo, "--json"]);
  assert.equal(downJson.code, 0);
  assert.deepEqual(downJson.json.vault, { url: vault.url, reachable: false });
  assert.equal(downJson.json.repo.protection, "password");
});
