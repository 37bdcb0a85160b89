/**
 * `chatvault check` interrupted (spec §12): its scratch folder is removed whether Ctrl-C
 * stops it at a safe point (one signal) or makes it quit at once (a second signal). Staged
 * with SIGSTOP at the observable moment — the scratch folder appearing in TMPDIR — so the
 * signals arrive while the check is under way, whatever the machine's speed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { tempDir } from "@chatvault/testkit";
import { EXIT } from "../src/exit-codes.ts";
import { BIN, REPO_ROOT, machine } from "./support.ts";

const scratch = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith("chatvault-check-"));

test("check: Ctrl-C once or twice leaves no scratch folder; exit 130", async (t) => {
  const dir = tempDir(t, "chatvault-cli-checksig-");
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const m = machine(dir, "a", { TMPDIR: tmp });
  const repo = join(dir, "repo");
  const src = join(dir, "chats");
  const keyFile = join(dir, "key.txt");
  assert.equal((await m.run(["demo-data", "--out", src, "--messages", "3000", "--media-mib", "8", "--seed", "3"])).code, 0);
  assert.equal((await m.run(["init", "--repo", repo, "--new-key-file", keyFile])).code, 0);
  assert.equal((await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile])).code, 0);

  for (const signals of [["SIGINT"], ["SIGINT", "SIGTERM"]] as const) {
    const child = spawn(process.execPath, [BIN, "check", "--repo", repo, "--key-file", keyFile], {
      env: m.env,
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on("close", r));
    for (let i = 0; i < 6000 && scratch(tmp).length === 0; i++) await delay(2);
    child.kill("SIGSTOP");
    assert.equal(scratch(tmp).length, 1, `the check made its scratch folder (${out})`);
    // Both signals are pending when it resumes: one asks to stop, a second to quit at once.
    for (const s of signals) child.kill(s);
    child.kill("SIGCONT");
    assert.equal(await exited, EXIT.cancelled, out);
    assert.deepEqual(scratch(tmp), [], `scratch folder removed after ${signals.join(" + ")}`);
  }
});
