/**
 * Transcript tests of password mode against a vault run by `chatvault serve` (random
 * port, SQLite in a temp folder, cheap test password hashing): the article's journey —
 * init → backup → mutate → backup → restore on a new machine → change the password →
 * turn it off — and every vault error with its message and exit code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { snapshotDatabase } from "@chatvault/sdk/node";
import { EXIT } from "../src/exit-codes.ts";
import { fileHash, machine, serveVault, treeHashes, writeSecret } from "./support.ts";

const TEST_KSF = { CHATVAULT_INSECURE_TEST_KSF: "1" };

test("password mode: init, backups, restore on a new machine, password change, disable", async (t) => {
  const dir = tempDir(t, "chatvault-cli-pw-");
  const vault = await serveVault(join(dir, "vault-home"));
  t.after(() => vault.stop());
  const token = await vault.token("alice", join(dir, "alice.token"));
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const a = machine(dir, "a", TEST_KSF);
  const repo = join(dir, "repo");
  const src = join(dir, "chats");
  assert.equal((await a.run(["demo-data", "--out", src, "--messages", "2000", "--media-mib", "2"])).code, 0);

  const init = await a.run(["init", "--repo", repo, "--password-file", pw, "--vault", vault.url, "--token-file", token, "--json"]);
  assert.equal(init.code, 0, init.stderr);
  assert.deepEqual({ protection: init.json.protection, vault: init.json.vault }, { protection: "password", vault: vault.url });
  assert.match(init.stderr, /If you forget this password, the backup is lost: nobody .* can reset it/);
  const tokenText = readFileSync(token, "utf8").trim();
  const noSecrets = (s: string) => !s.includes("correct horse") && !s.includes(tokenText);
  assert.ok(noSecrets(init.stdout + init.stderr), "no password or token in the output");

  // This machine remembers the vault and the token file: later commands need only the password.
  const b1 = await a.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--password-file", pw, "--json"]);
  assert.equal(b1.code, 0, b1.stderr);
  assert.equal((await a.run(["demo-data", "--mutate", src, "--messages", "200", "--media-files", "2", "--seed", "2"])).code, 0);
  const b2 = await a.run(["backup", "--db", join(src, "msgstore.db"), "--media", join(src, "media")], {
    env: { CHATVAULT_REPO: repo, CHATVAULT_PASSWORD_FILE: pw },
  });
  assert.equal(b2.code, 0, b2.stderr);
  assert.match(b2.stdout, /^Backed up snapshot 2 /);
  const status = await a.run(["status", "--repo", repo, "--json"]);
  assert.equal(status.json.vault.state, "enabled");
  assert.equal(status.json.vault.head.sequence, 2);
  assert.equal(status.json.vault.attemptsRemaining, 5);

  // A new machine: the storage location, the account token and the password. The vault URL
  // comes from the backup's own config.
  const b = machine(dir, "b", TEST_KSF);
  const out = join(dir, "restored");
  const r = await b.run(["restore", "--repo", repo, "--to", out, "--token-file", token, "--password-file", "/dev/fd/3", "--json"], {
    stdio3: "correct horse battery staple\n",
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.snapshot.sequence, 2);
  assert.deepEqual(treeHashes(join(out, "media")), treeHashes(join(src, "media")));
  const copy = await snapshotDatabase(join(src, "msgstore.db"), dir);
  assert.equal(fileHash(join(out, "msgstore.db")), fileHash(copy.path));

  // Change the password (old, then new); the backup stays readable with the new one only.
  const next = writeSecret(join(dir, "new.txt"), "a different, longer passphrase 2024");
  const ch = await b.run(["password", "change", "--repo", repo, "--password-file", pw, "--new-password-file", next, "--json"]);
  assert.equal(ch.code, 0, ch.stderr);
  assert.equal(ch.json.changed, true);
  const old = await b.run(["restore", "--repo", repo, "--to", join(dir, "old-pw"), "--password-file", pw]);
  assert.equal(old.code, EXIT.wrongSecret, old.stderr);
  assert.equal(old.stderr, "chatvault: wrong password — 4 attempts left\n");
  const withNew = await b.run(["restore", "--repo", repo, "--to", join(dir, "new-pw"), "--password-file", next, "--json"]);
  assert.equal(withNew.code, 0, withNew.stderr);
  assert.deepEqual(treeHashes(join(dir, "new-pw", "media")), treeHashes(join(src, "media")));

  // Turning it off needs a confirmation; --keep-key-file saves the 64-digit key first.
  const refuse = await b.run(["disable", "--repo", repo, "--password-file", next]);
  assert.equal(refuse.code, EXIT.usage);
  assert.match(
    refuse.stderr,
    /This deletes the key from the vault at .* unreadable to everyone, you included: no password will ever open them again.* Pass --yes/,
  );
  const keyFile = join(dir, "kept.key");
  const off = await b.run(["disable", "--repo", repo, "--password-file", next, "--keep-key-file", keyFile, "--yes", "--json"]);
  assert.equal(off.code, 0, off.stderr);
  assert.equal(off.json.disabled, true);
  const gone = await b.run(["restore", "--repo", repo, "--to", join(dir, "after-off"), "--password-file", next]);
  assert.equal(gone.code, EXIT.notFound);
  assert.match(
    gone.stderr,
    /^chatvault: password protection is off for this account: the vault holds no key for this backup, so it cannot be restored with a password/,
  );
  const byKey = await b.run(["restore", "--repo", repo, "--to", join(dir, "by-key"), "--key-file", keyFile, "--json"]);
  assert.equal(byKey.code, 0, byKey.stderr);
  assert.equal(byKey.json.snapshot.sequence, 2);
  assert.equal(await vault.stop(), 0, "serve stops cleanly on SIGINT");
});

test("vault errors: attempts left, locked with a time, destroyed, unreachable, refused token", async (t) => {
  const dir = tempDir(t, "chatvault-cli-pwerr-");
  // Small numbers so the test reaches every state: 2 attempts, then a 1 h lock; 3 in all.
  const vault = await serveVault(join(dir, "vault-home"), [
    "--max-attempts",
    "2",
    "--failure-budget",
    "3",
    "--lock-base",
    "1h",
    "--login-ttl",
    "1s",
    "--test-clock",
  ]);
  t.after(() => vault.stop());
  const token = await vault.token("bob", join(dir, "bob.token"));
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const bad = writeSecret(join(dir, "bad.txt"), "not the password at all");
  const m = machine(dir, "a", TEST_KSF);
  const repo = join(dir, "repo");
  assert.equal((await m.run(["init", "--repo", repo, "--password-file", pw, "--vault", vault.url, "--token-file", token])).code, 0);
  const restore = (file: string, extra: string[] = []) => m.run(["restore", "--repo", repo, "--to", join(dir, "out"), "--password-file", file, ...extra]);

  const unreachable = await restore(pw, ["--vault", "http://127.0.0.1:9"]);
  assert.equal(unreachable.code, EXIT.vaultUnreachable);
  assert.match(unreachable.stderr, /^chatvault: cannot reach the key vault: no answer from http:\/\/127.0.0.1:9 /, "names the URL");
  const forged = writeSecret(join(dir, "forged.token"), "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl");
  const refused = await restore(pw, ["--token-file", forged]);
  assert.equal(refused.code, EXIT.unauthorized);
  assert.match(refused.stderr, /^chatvault: the key vault refused the account token/);
  const weak = writeSecret(join(dir, "weak.txt"), "password1");
  const weakInit = await m.run([
    "init",
    "--repo",
    join(dir, "r2"),
    "--password-file",
    weak,
    "--vault",
    vault.url,
    "--token-file",
    await vault.token("carol", join(dir, "carol.token")),
  ]);
  assert.equal(weakInit.code, EXIT.usage);
  assert.match(weakInit.stderr, /too easy to guess: very weak — this is a commonly used password/);

  const first = await restore(bad);
  assert.deepEqual(
    [first.code, first.stderr],
    [
      EXIT.wrongSecret,
      "chatvault: wrong password — 1 attempt left; if the next password is wrong, you will have to wait 1 hour (longer if it was locked before)\n",
    ],
  );
  const second = await restore(bad);
  assert.equal(second.code, EXIT.locked, "the attempt that triggers the lock exits 4");
  assert.match(second.stderr, /^chatvault: wrong password — too many attempts, try again in (59|60) minutes \(at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d\)\n$/);
  const locked = await restore(pw); // even the right password waits
  assert.equal(locked.code, EXIT.locked);
  assert.match(locked.stderr, /^chatvault: too many attempts — try again in (59|60) minutes \(at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d\)\n$/);
  const st = await m.run(["status", "--repo", repo, "--json"]);
  assert.equal(st.json.vault.attemptsRemaining, 0);
  assert.ok(st.json.vault.lockedUntil > Date.now());

  await vault.advanceClock(61 * 60_000);
  const last = await restore(bad); // the third failure spends the whole budget
  assert.equal(last.code, EXIT.destroyed);
  assert.match(last.stderr, /^chatvault: wrong password — that was the last attempt: the key to this backup is gone forever/);
  await vault.advanceClock(2_000); // past the last login's deadline: the record is destroyed
  const destroyed = await restore(pw);
  assert.equal(destroyed.code, EXIT.destroyed);
  assert.match(destroyed.stderr, /^chatvault: the key to this backup is gone forever: the vault destroyed it after too many wrong passwords/);
  const human = await m.run(["status", "--repo", repo]);
  assert.match(human.stdout, /Vault state: DESTROYED/);
});
