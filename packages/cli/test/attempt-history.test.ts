/**
 * The vault's attempt history in the CLI (spec/vault-protocol.md §5.7): `chatvault status`
 * (human and --json) shows the failed attempts since the password last worked, and the
 * next unlock notes them once on stderr.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { EXIT } from "../src/exit-codes.ts";
import { machine, serveVault, writeSecret } from "./support.ts";

const TEST_KSF = { CHATVAULT_INSECURE_TEST_KSF: "1" };
const TIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`;

test("status and unlock show failed attempts since the password last worked", async (t) => {
  const dir = tempDir(t, "chatvault-cli-history-");
  const vault = await serveVault(join(dir, "vault-home"), ["--login-ttl", "1s", "--test-clock"]);
  t.after(() => vault.stop());
  const token = await vault.token("erin", join(dir, "erin.token"));
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const bad = writeSecret(join(dir, "bad.txt"), "not the password at all");
  const m = machine(dir, "a", TEST_KSF);
  const repo = join(dir, "repo");
  assert.equal((await m.run(["init", "--repo", repo, "--password-file", pw, "--vault", vault.url, "--token-file", token])).code, 0);

  const ok = await m.run(["snapshots", "--repo", repo, "--password-file", pw]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.doesNotMatch(ok.stderr, /failed attempt/, "nothing to say when nobody guessed");
  let st = await m.run(["status", "--repo", repo]);
  assert.match(st.stdout, new RegExp(`^Attempts: {4}No failed attempts since the password was last entered correctly \\(${TIME}\\)\\.$`, "m"));

  for (let i = 0; i < 3; i++) {
    await vault.advanceClock(1_000);
    assert.equal((await m.run(["snapshots", "--repo", repo, "--password-file", bad])).code, EXIT.wrongSecret);
  }
  await vault.advanceClock(2_000); // past the last login's deadline: all three are abandoned
  st = await m.run(["status", "--repo", repo]);
  assert.equal(st.code, 0, st.stderr);
  assert.match(
    st.stdout,
    new RegExp(`^Attempts: {4}3 failed attempts since the password was last entered correctly \\(${TIME}\\) — on ${TIME}; ${TIME} and ${TIME}\\.$`, "m"),
  );
  const json = await m.run(["status", "--repo", repo, "--json"]);
  assert.equal(json.json.vault.attempts.failed, 3);
  assert.equal(json.json.vault.attempts.failedAt.length, 3);
  assert.match(json.json.vault.attempts.failedAt[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Date.parse(json.json.vault.attempts.failedAt[0]) > Date.parse(json.json.vault.attempts.lastSuccessAt));
  assert.deepEqual(
    json.json.vault.attemptHistory.events.map((e: { outcome: string }) => e.outcome),
    ["abandoned", "abandoned", "abandoned", "success"],
  );

  // The next unlock says it once, on stderr; afterwards status has nothing to report.
  const unlocked = await m.run(["snapshots", "--repo", repo, "--password-file", pw, "--json"]);
  assert.equal(unlocked.code, 0, unlocked.stderr);
  assert.match(unlocked.stderr, new RegExp(`^Note: 3 failed attempts since the password was last entered correctly \\(${TIME}\\) — on `, "m"));
  st = await m.run(["status", "--repo", repo]);
  assert.match(st.stdout, /^Attempts: {4}No failed attempts since/m);
  assert.equal((await m.run(["status", "--repo", repo, "--json"])).json.vault.attempts.failed, 0);
});
