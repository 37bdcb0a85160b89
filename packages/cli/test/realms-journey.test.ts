/**
 * Transcript test of realms mode (spec/backup-format.md §8.2.1, spec/threshold-vault.md)
 * on three realm PROCESSES, each with its own database, sealing key and token secret: one
 * on SQLite + key file, one on PostgreSQL, one sealed by a SoftHSM2 token. The journey:
 * init --realms → backup → status → restore on a new machine with one realm down (it says
 * which) → wrong password → password change with a realm down → the late realm is
 * repaired → fewer than t up (exit 8 naming them) → disable with a realm down, cleaned up
 * by the next command that holds K.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { startRealms } from "@chatvault/vault-server/testing";
import { EXIT } from "../src/exit-codes.ts";
import { machine, treeHashes, writeSecret } from "./support.ts";

const TEST_KSF = { CHATVAULT_INSECURE_TEST_KSF: "1" };
const lastLine = (s: string) => s.trim().split("\n").pop() ?? "";

test("realms mode: 2 of 3 realm processes (SQLite, PostgreSQL, SoftHSM2) through init, backup, restore, change, disable", { timeout: 600_000 }, async (t) => {
  const realms = await startRealms(t, [{ database: "sqlite" }, { database: "postgres" }, { sealer: "pkcs11" }]);
  if (!realms) return;
  t.after(() => Promise.all(realms.map((r) => r.kill())));
  const dir = tempDir(t, "chatvault-cli-realms-");
  const urls = realms.map((r) => r.nodes[0]!.url);
  const realmsFile = join(dir, "realms.json");
  const entries = await Promise.all(
    realms.map(async (r, i) => ({ url: urls[i]!, tokenFile: writeSecret(join(dir, `realm-${i + 1}.token`), await r.token("alice")) })),
  );
  writeFileSync(realmsFile, JSON.stringify({ threshold: 2, realms: entries.map((e, i) => ({ url: e.url, tokenFile: `realm-${i + 1}.token` })) }));
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const repo = join(dir, "repo");
  const src = join(dir, "chats");
  const a = machine(dir, "a", TEST_KSF);
  assert.equal((await a.run(["demo-data", "--out", src, "--messages", "300", "--media-mib", "1"])).code, 0);

  const init = await a.run(["init", "--repo", repo, "--realms", realmsFile, "--password-file", pw, "--json"]);
  assert.equal(init.code, 0, init.stderr);
  assert.equal(init.json.protection, "realms");
  assert.deepEqual(
    init.json.realms.realms.map((r: { id: string; url: string }) => r.id),
    realms.map((r) => r.realmId),
    "the config records each realm's own ID from /info",
  );
  assert.equal(init.json.realms.stored.length, 3);
  assert.match(init.stderr, /any 2 of them can unlock, and fewer than 2 operators together cannot test a single guess/);
  const tokenTexts = entries.map((e) => readFileSync(e.tokenFile, "utf8").trim());
  const noSecrets = (s: string) => !s.includes("correct horse") && !tokenTexts.some((tok) => s.includes(tok));

  const b1 = await a.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--password-file", pw, "--json"]);
  assert.equal(b1.code, 0, b1.stderr);
  assert.equal(b1.json.snapshot.sequence, 1);
  assert.ok(noSecrets(init.stdout + init.stderr + b1.stdout + b1.stderr), "no password or token in the output");

  const st = await a.run(["status", "--repo", repo, "--json"]);
  assert.equal(st.code, 0, st.stderr);
  assert.equal(st.json.realms.state, "active");
  assert.equal(st.json.realms.reachable, 3);
  assert.deepEqual(
    st.json.realms.realms.map((r: { reachable: boolean; attemptsRemaining: number }) => [r.reachable, r.attemptsRemaining]),
    [
      [true, 5],
      [true, 5],
      [true, 5],
    ],
  );

  // A new machine, the SoftHSM realm down: restore works with 2 and says which did not answer.
  await realms[2]!.kill();
  const b = machine(dir, "b", TEST_KSF);
  const r1 = await b.run(["restore", "--repo", repo, "--realms", realmsFile, "--to", join(dir, "r1"), "--password-file", pw, "--json"]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(r1.json.realms.answered, 2);
  assert.deepEqual(
    r1.json.realms.notAnswering.map((x: { url: string }) => x.url),
    [urls[2]],
  );
  assert.match(r1.stderr, new RegExp(`2 of 3 realms answered \\(did not: ${urls[2]!.replace(/[.]/g, "\\.")} unreachable\\)`));
  assert.deepEqual(treeHashes(join(dir, "r1", "media")), treeHashes(join(src, "media")));

  // A wrong password: exit 3 with the attempts left (the t-th largest count).
  const wrong = writeSecret(join(dir, "wrong.txt"), "not the password");
  const w = await b.run(["restore", "--repo", repo, "--to", join(dir, "w"), "--password-file", wrong]);
  assert.equal(w.code, EXIT.wrongSecret, w.stderr);
  assert.equal(lastLine(w.stderr), "chatvault: wrong password — 4 attempts left");

  // Change the password with the SoftHSM realm still down: 2 commit, it stays behind.
  const next = writeSecret(join(dir, "new.txt"), "a different, longer passphrase 2024");
  const ch = await b.run(["password", "change", "--repo", repo, "--password-file", pw, "--new-password-file", next, "--json"]);
  assert.equal(ch.code, 0, ch.stderr);
  assert.equal(ch.json.committed.length, 2);
  assert.deepEqual(ch.json.behind, [urls[2]]);

  // It comes back with the old registration: the next unlock uses the new password and repairs it.
  await realms[2]!.restart();
  const old = await b.run(["restore", "--repo", repo, "--to", join(dir, "old"), "--password-file", pw]);
  assert.equal(old.code, EXIT.wrongSecret, `the old password no longer opens it: ${old.stderr}`);
  const r2 = await b.run(["restore", "--repo", repo, "--to", join(dir, "r2"), "--password-file", next, "--json"]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(r2.json.realms.answered, 3);
  const st2 = await b.run(["status", "--repo", repo, "--json"]);
  assert.deepEqual(
    st2.json.realms.realms.map((r: { version: number }) => r.version),
    [2, 2, 2],
    `every realm holds the new registration: ${JSON.stringify(st2.json.realms)}`,
  );

  // Fewer than t up: exit 8, naming both missing realms.
  await realms[1]!.kill();
  await realms[2]!.kill();
  const down = await b.run(["restore", "--repo", repo, "--to", join(dir, "down"), "--password-file", next]);
  assert.equal(down.code, EXIT.vaultUnreachable, down.stderr);
  assert.ok(lastLine(down.stderr).includes(urls[1]!) && lastLine(down.stderr).includes(urls[2]!), down.stderr);
  assert.ok(!lastLine(down.stderr).includes(urls[0]!), "the realm that answered is not named missing");
  await realms[1]!.restart();
  await realms[2]!.restart();

  // Backup on machine b (head at the realms), then turn off with the PostgreSQL realm down.
  const b2 = await b.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--password-file", next, "--json"]);
  assert.equal(b2.code, 0, b2.stderr);
  assert.equal(b2.json.snapshot.sequence, 2);
  await realms[1]!.kill();
  const keyFile = join(dir, "kept.key");
  const off = await b.run(["disable", "--repo", repo, "--password-file", next, "--keep-key-file", keyFile, "--yes", "--json"]);
  assert.equal(off.code, 0, off.stderr);
  assert.equal(off.json.disabled, true);
  assert.deepEqual(off.json.pending, [realms[1]!.realmId]);
  const gone = await b.run(["restore", "--repo", repo, "--to", join(dir, "gone"), "--password-file", next]);
  assert.notEqual(gone.code, 0, "no password opens it any more");

  // The PostgreSQL realm is back and still holds its share until a command holding K reaches it.
  await realms[1]!.restart();
  const before = await b.run(["status", "--repo", repo, "--json"]);
  assert.deepEqual(
    before.json.realms.realms.map((r: { state: string }) => r.state),
    ["none", "active", "none"],
  );
  const withKey = await b.run(["restore", "--repo", repo, "--to", join(dir, "k"), "--key-file", keyFile, "--json"]);
  assert.equal(withKey.code, 0, withKey.stderr);
  assert.match(withKey.stderr, /Turned-off password protection finished at/);
  const after = await b.run(["status", "--repo", repo, "--json"]);
  assert.deepEqual(
    after.json.realms.realms.map((r: { state: string }) => r.state),
    ["none", "none", "none"],
  );
});
