/**
 * `chatvault password check`, the password reminder (SECURITY.md): a right password
 * costs no attempt; a wrong one says before and after that it spent one, with the count
 * left; at 1 attempt left it refuses to run without --allow-last-attempt.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { startRealms } from "../../vault-server/src/realm/realm-processes.ts";
import { EXIT } from "../src/exit-codes.ts";
import { machine, serveVault, writeSecret } from "./support.ts";

const TEST_KSF = { CHATVAULT_INSECURE_TEST_KSF: "1" };

test("password check: right → nothing spent; wrong → told it spent 1, with the count left; last attempt refused", async (t) => {
  const dir = tempDir(t, "chatvault-cli-pwcheck-");
  const vault = await serveVault(join(dir, "vault-home"));
  t.after(() => vault.stop());
  const token = await vault.token("carol", join(dir, "carol.token"));
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const wrong = writeSecret(join(dir, "wrong.txt"), "correct horse battery stable");
  const m = machine(dir, "a", TEST_KSF);
  const repo = join(dir, "repo");
  const init = await m.run(["init", "--repo", repo, "--password-file", pw, "--vault", vault.url, "--token-file", token]);
  assert.equal(init.code, 0, init.stderr);

  const right = await m.run(["password", "check", "--repo", repo, "--password-file", pw]);
  assert.equal(right.code, 0, right.stderr);
  assert.match(right.stderr, /a wrong one spends 1 of your 5 attempts left and 1 of 20 in the lifetime budget/);
  assert.equal(right.stdout, "Correct: you remember your backup password, and it opens this backup. No attempt was spent (5 attempts left).\n");

  const bad = await m.run(["password", "check", "--repo", repo, "--password-file", wrong]);
  assert.equal(bad.code, EXIT.wrongSecret);
  assert.match(bad.stderr, /a wrong one spends 1 of your 5 attempts left/);
  assert.match(bad.stderr, /^chatvault: that is not the backup password — this reminder spent 1 attempt: 4 attempts left/m);
  const st = await m.run(["--json", "status", "--repo", repo]);
  assert.equal(st.json.vault.attemptsRemaining, 4, "the wrong answer really spent one, as said");

  const j = await m.run(["--json", "password", "check", "--repo", repo, "--password-file", wrong]);
  assert.equal(j.json.error.code, "wrong_password");
  assert.equal(j.json.error.exitCode, EXIT.wrongSecret);
  // Two more wrong ones: 1 left. The reminder will not spend the last attempt.
  for (let i = 0; i < 2; i++) assert.equal((await m.run(["password", "check", "--repo", repo, "--password-file", wrong])).code, EXIT.wrongSecret);
  const last = await m.run(["password", "check", "--repo", repo, "--password-file", wrong]);
  assert.equal(last.code, EXIT.usage);
  assert.match(last.stderr, /only 1 attempt is left before the password locks: a reminder will not spend it/);
  assert.equal((await m.run(["--json", "status", "--repo", repo])).json.vault.attemptsRemaining, 1, "the refused reminder spent nothing");

  // With the right password, even at the last attempt, the count comes back to 5.
  const ok = await m.run(["password", "check", "--repo", repo, "--password-file", pw, "--allow-last-attempt"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /No attempt was spent \(5 attempts left\)/);
});

test(
  "password check with a realm set: a wrong answer spends one attempt per realm, a right one gives them back, the last one is not spent",
  { timeout: 300_000 },
  async (t) => {
    const realms = await startRealms(t, [{ database: "sqlite" }, { database: "sqlite" }, { database: "sqlite" }]);
    if (!realms) return;
    t.after(() => Promise.all(realms.map((r) => r.kill())));
    const dir = tempDir(t, "chatvault-cli-pwcheck-realms-");
    const entries = await Promise.all(
      realms.map(async (r, i) => ({ url: r.nodes[0]!.url, tokenFile: writeSecret(join(dir, `realm-${i + 1}.token`), await r.token("alice")) })),
    );
    const realmsFile = writeSecret(join(dir, "realms.json"), JSON.stringify({ threshold: 2, realms: entries }));
    const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
    const wrong = writeSecret(join(dir, "wrong.txt"), "not the password");
    const repo = join(dir, "repo");
    const m = machine(dir, "a", TEST_KSF);
    assert.equal((await m.run(["init", "--repo", repo, "--realms", realmsFile, "--password-file", pw])).code, 0);
    const attempts = async () =>
      (await m.run(["--json", "status", "--repo", repo])).json.realms.realms.map((r: { attemptsRemaining: number }) => r.attemptsRemaining);

    const bad = await m.run(["--json", "password", "check", "--repo", repo, "--password-file", wrong]);
    assert.equal(bad.code, EXIT.wrongSecret, bad.stderr);
    assert.match(
      bad.stderr,
      /a wrong one spends 1 attempt at every realm asked — the set then allows 4 more attempts/,
      "the cost is said before the password is asked for",
    );
    assert.equal(bad.json.error.code, "wrong_password");
    assert.equal(bad.json.error.details.attemptsRemaining, 4);
    assert.deepEqual(await attempts(), [4, 4, 4]);

    // Without --repo, from the realms file alone; right password: every realm's count is back.
    const ok = await m.run(["password", "check", "--realms", realmsFile, "--password-file", pw]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Correct: you remember your backup password .*No attempt was spent \(the set allows 5 attempts\)/);
    assert.deepEqual(await attempts(), [5, 5, 5]);
    const opens = await m.run(["--json", "password", "check", "--repo", repo, "--password-file", pw]);
    assert.equal(opens.code, 0, opens.stderr);
    assert.equal(opens.json.opensBackup, true);

    // Down to 1 attempt: the reminder refuses before asking any realm, and spends nothing.
    for (let i = 0; i < 4; i++) assert.equal((await m.run(["password", "check", "--repo", repo, "--password-file", wrong])).code, EXIT.wrongSecret);
    const last = await m.run(["password", "check", "--repo", repo, "--password-file", wrong]);
    assert.equal(last.code, EXIT.usage);
    assert.match(last.stderr, /only 1 attempt is left before the password locks at the realms: a reminder will not spend it/);
    assert.deepEqual(await attempts(), [1, 1, 1], "the refused reminder spent nothing");
    assert.equal((await m.run(["password", "check", "--repo", repo, "--password-file", pw, "--allow-last-attempt"])).code, 0);
    assert.deepEqual(await attempts(), [5, 5, 5]);
    assert.ok(![bad, ok, opens, last].some((r) => (r.stdout + r.stderr).includes("correct horse")), "the password is never printed");
  },
);
