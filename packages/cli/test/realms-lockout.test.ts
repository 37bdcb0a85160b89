/**
 * Realms mode, the guess limit through the CLI (three SQLite realm processes on the test
 * clock): wrong passwords count down (exit 3), the fifth locks (exit 4 with the wait),
 * status shows the lock at each realm, a try while locked spends nothing, and once the
 * realms' clocks pass the lock the right password restores.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { startRealms } from "@chatvault/vault-server/testing";
import { EXIT } from "../src/exit-codes.ts";
import { machine, writeSecret } from "./support.ts";

const lastLine = (s: string) => s.trim().split("\n").pop() ?? "";

test("realms mode: 5 wrong passwords lock (exit 4), status shows it per realm, the lock ends on the realms' clocks", { timeout: 300_000 }, async (t) => {
  const realms = await startRealms(t, [{}, {}, {}]);
  if (!realms) return;
  t.after(() => Promise.all(realms.map((r) => r.kill())));
  const dir = tempDir(t, "chatvault-cli-realms-lock-");
  const realmsFile = join(dir, "realms.json");
  const entries = await Promise.all(
    realms.map(async (r, i) => ({ url: r.nodes[0]!.url, tokenFile: writeSecret(join(dir, `r${i}.token`), await r.token("carol")) })),
  );
  writeFileSync(realmsFile, JSON.stringify({ threshold: 2, realms: entries }));
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const wrong = writeSecret(join(dir, "wrong.txt"), "not the password");
  const repo = join(dir, "repo");
  const m = machine(dir, "m", { CHATVAULT_INSECURE_TEST_KSF: "1" });
  assert.equal((await m.run(["demo-data", "--out", join(dir, "chats"), "--messages", "20", "--media-files", "1"])).code, 0);
  const init = await m.run(["init", "--repo", repo, "--realms", realmsFile, "--password-file", pw]);
  assert.equal(init.code, 0, init.stderr);
  assert.equal((await m.run(["backup", "--repo", repo, "--db", join(dir, "chats", "msgstore.db"), "--password-file", pw])).code, 0);

  for (let left = 4; left >= 1; left--) {
    const w = await m.run(["restore", "--repo", repo, "--to", join(dir, `w${left}`), "--password-file", wrong]);
    assert.equal(w.code, EXIT.wrongSecret, w.stderr);
    assert.match(lastLine(w.stderr), new RegExp(`^chatvault: wrong password — ${left} attempts? left`));
  }
  const locked = await m.run(["restore", "--repo", repo, "--to", join(dir, "w0"), "--password-file", wrong]);
  assert.equal(locked.code, EXIT.locked, locked.stderr);
  assert.match(lastLine(locked.stderr), /too many attempts, try again in 60 minutes/);
  const st = await m.run(["status", "--repo", repo, "--json"]);
  assert.equal(st.code, 0, st.stderr);
  for (const r of st.json.realms.realms) {
    assert.equal(r.attemptsRemaining, 0);
    assert.ok(r.lockedUntil, `realm ${r.url} reports its lock`);
  }
  // Even the right password waits: the realms refuse before evaluating (exit 4).
  const still = await m.run(["restore", "--repo", repo, "--to", join(dir, "still"), "--password-file", pw]);
  assert.equal(still.code, EXIT.locked, still.stderr);

  for (const r of realms) {
    const res = await fetch(`${r.nodes[0]!.url}/_test/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advanceMs: 61 * 60_000 }),
    });
    assert.equal(res.status, 200);
  }
  const ok = await m.run(["restore", "--repo", repo, "--to", join(dir, "ok"), "--password-file", pw, "--json"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.json.realms.answered, 3);
  const after = await m.run(["status", "--repo", repo, "--json"]);
  assert.deepEqual(
    after.json.realms.realms.map((r: { attemptsRemaining: number }) => r.attemptsRemaining),
    [5, 5, 5],
    "the unlock proof reset each realm's count",
  );
});
