/**
 * Prompts through a real pseudo-terminal (tmux): the 64-digit key ceremony (shown once,
 * cleared, the last group typed back; a wrong group refused), hidden key and password
 * input (never on screen), password strength feedback, and Ctrl-C during a backup
 * leaving the previous snapshot restorable (the bar leaves the screen first: "stopping…"
 * and "cancelled" are not drawn over).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { needService, tempDir } from "@chatvault/testkit";
import { EXIT } from "../src/exit-codes.ts";
import { machine, serveVault, treeHashes, writeSecret } from "./support.ts";
import { Terminal, tmuxAvailable } from "./tmux.ts";

function terminal(t: import("node:test").TestContext, dir: string, name: string): Terminal {
  const term = new Terminal(dir, name);
  t.after(() => term.close());
  return term;
}

test("key mode on a terminal: the key is shown once, cleared, and must be typed back", async (t) => {
  if (!needService(t, tmuxAvailable(), "tmux not installed")) return;
  const dir = tempDir(t, "chatvault-cli-tty-");
  const m = machine(dir, "a");
  const repo = join(dir, "repo");
  const term = terminal(t, dir, "ceremony");
  term.start(["init", "--repo", repo], m.env);
  await term.waitFor(/Protect the backup with/);
  term.press("Down", "Enter"); // the second choice: a 64-digit key
  const shown = await term.waitFor(/Your 64-digit encryption key:\s+((?:[0-9a-f]{4}\s+){15}[0-9a-f]{4})/);
  const groups = shown[1]!.trim().split(/\s+/);
  assert.equal(groups.length, 16);
  assert.match(term.screen(), /only way to restore the backup\. Nobody .* can recover it for you/);
  await term.waitFor(/Press Enter once you have written the key down/);
  term.press("Enter");
  await term.waitFor(/Type the last group/);
  assert.ok(!term.screen().includes(groups.slice(0, 4).join("  ")), "the key is cleared from the screen before the check");
  const last = groups[15]!;
  term.type(last === "0000" ? "1111" : "0000");
  term.press("Enter");
  await term.waitFor(/That is not the last group of your key/);
  term.type(last);
  term.press("Enter");
  await term.waitFor(/Confirmed\./);
  assert.equal(await term.exitCode(), 0);
  assert.match(term.screen(), /Created an end-to-end encrypted backup/);

  // The key that was shown is the backup's key; typed at a hidden prompt, it never shows.
  const src = join(dir, "chats");
  assert.equal((await m.run(["demo-data", "--out", src, "--messages", "200", "--media-mib", "0.2"])).code, 0);
  const keyFile = writeSecret(join(dir, "key.txt"), groups.join(" "));
  assert.equal((await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile])).code, 0);
  const restore = terminal(t, dir, "hidden-key");
  restore.start(["restore", "--repo", repo, "--to", join(dir, "out")], machine(dir, "b").env);
  await restore.waitFor(/64-digit key:/);
  restore.type(groups.join(" "));
  restore.press("Enter");
  assert.equal(await restore.exitCode(), 0, restore.screen());
  assert.ok(!restore.screen().includes(groups[0]! + " " + groups[1]!), "the typed key is not echoed");
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(join(src, "media")));
});

test("password mode on a terminal: hidden input, strength feedback, typed twice", async (t) => {
  if (!needService(t, tmuxAvailable(), "tmux not installed")) return;
  const dir = tempDir(t, "chatvault-cli-tty-pw-");
  const vault = await serveVault(join(dir, "vault-home"));
  t.after(() => vault.stop());
  const token = await vault.token("dana", join(dir, "dana.token"));
  const m = machine(dir, "a", { CHATVAULT_INSECURE_TEST_KSF: "1" });
  const term = terminal(t, dir, "password");
  term.start(["init", "--repo", join(dir, "repo"), "--vault", vault.url, "--token-file", token], m.env);
  await term.waitFor(/If you forget this password, the backup is lost: nobody .* can reset it/);
  await term.waitFor(/New password:/);
  term.type("password1");
  term.press("Enter");
  await term.waitFor(/very weak — this is a commonly used password/);
  term.press(...Array<string>(9).fill("BSpace"));
  const secret = "tangerine orbit quietly 93";
  term.type(secret);
  term.press("Enter");
  await term.waitFor(/Strength: (strong|very strong)/);
  await term.waitFor(/Type it again:/);
  term.type(secret);
  term.press("Enter");
  assert.equal(await term.exitCode(), 0, term.screen());
  const screen = term.screen();
  assert.match(screen, /Created an end-to-end encrypted backup .* \(password\)/);
  assert.ok(!screen.includes("tangerine") && !screen.includes("password1"), "no password on the screen, ever");
  // The password typed at the prompt is the one the vault knows.
  const pw = writeSecret(join(dir, "pw.txt"), secret);
  const st = await m.run(["snapshots", "--repo", join(dir, "repo"), "--password-file", pw, "--json"]);
  assert.equal(st.code, 0, st.stderr);
});

test("Ctrl-C during a backup stops it and leaves the previous snapshot restorable", async (t) => {
  if (!needService(t, tmuxAvailable(), "tmux not installed")) return;
  const dir = tempDir(t, "chatvault-cli-tty-cc-");
  const m = machine(dir, "a");
  const repo = join(dir, "repo");
  const src = join(dir, "chats");
  const keyFile = join(dir, "key.txt");
  assert.equal((await m.run(["demo-data", "--out", src, "--messages", "500", "--media-mib", "1"])).code, 0);
  assert.equal((await m.run(["init", "--repo", repo, "--new-key-file", keyFile])).code, 0);
  assert.equal((await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile])).code, 0);
  const before = treeHashes(join(src, "media"));
  // A day with a lot of new media, so the second backup is still running when Ctrl-C comes.
  assert.equal((await m.run(["demo-data", "--mutate", src, "--messages", "60", "--media-files", "60", "--seed", "3"])).code, 0);
  const term = terminal(t, dir, "ctrl-c");
  term.start(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile], m.env);
  await term.waitFor(/backup (copying database|database|media)/);
  // Early phases show the phase, not "0 B/0 B 0 B/s ETA --".
  assert.doesNotMatch(term.screen(), /0 B\/0 B|ETA --/);
  term.press("C-c");
  assert.equal(await term.exitCode(), EXIT.cancelled, term.screen());
  const screen = term.screen();
  assert.match(screen, /^chatvault: cancelled — the previous backup is untouched/m, "the cancelled line starts its own line");
  // After Ctrl-C the bar is gone: nothing of it is drawn over the lines that follow, and the
  // shell's next line (EXIT:…) starts on a line of its own.
  const after = screen.slice(screen.indexOf("stopping…"));
  assert.ok(screen.includes("stopping…"), screen);
  assert.doesNotMatch(after, /[█░]|\|.*\d+%/, `no progress bar after Ctrl-C:\n${screen}`);
  assert.match(screen, /^EXIT:130$/m);

  const r = await machine(dir, "b").run(["restore", "--repo", repo, "--to", join(dir, "out"), "--key-file", keyFile, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.snapshot.sequence, 1);
  assert.deepEqual(treeHashes(join(dir, "out", "media")), before);
  // And the next backup simply works (reusing what the interrupted one uploaded).
  const next = await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile, "--json"]);
  assert.equal(next.code, 0, next.stderr);
  assert.equal(next.json.snapshot.sequence, 2);
});

test("password change on a terminal: a wrong current password fails before the new one is asked for", async (t) => {
  if (!needService(t, tmuxAvailable(), "tmux not installed")) return;
  const dir = tempDir(t, "chatvault-cli-tty-change-");
  const vault = await serveVault(join(dir, "vault-home"));
  t.after(() => vault.stop());
  const token = await vault.token("eve", join(dir, "eve.token"));
  const m = machine(dir, "a", { CHATVAULT_INSECURE_TEST_KSF: "1" });
  const repo = join(dir, "repo");
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  assert.equal((await m.run(["init", "--repo", repo, "--vault", vault.url, "--token-file", token, "--password-file", pw])).code, 0);
  const term = terminal(t, dir, "change");
  term.start(["password", "change", "--repo", repo], m.env);
  await term.waitFor(/Current password:/);
  term.type("not my password");
  term.press("Enter");
  assert.equal(await term.exitCode(), EXIT.wrongSecret, term.screen());
  assert.match(term.screen(), /chatvault: wrong password/);
  assert.doesNotMatch(term.screen(), /New password:|Type it again:/, "the new password was never asked for");

  // The right current password: then the new one, twice.
  const ok = terminal(t, dir, "change-ok");
  ok.start(["password", "change", "--repo", repo], m.env);
  await ok.waitFor(/Current password:/);
  ok.type("correct horse battery staple");
  ok.press("Enter");
  await ok.waitFor(/New password:/);
  ok.type("violet kettle orbit lantern");
  ok.press("Enter");
  await ok.waitFor(/Type it again:/);
  ok.type("violet kettle orbit lantern");
  ok.press("Enter");
  assert.equal(await ok.exitCode(), 0, ok.screen());
  assert.match(ok.screen(), /Password changed\./);
});
