/**
 * `npm start` smoke test: run the root package.json's start script with a temp
 * CHATVAULT_HOME and a free port, wait for the vault's health check, drive a password-mode
 * backup and restore through the CLI against it, then Ctrl-C (SIGINT to the process
 * group, as a terminal does) and expect a prompt, clean exit 0.
 * The script's command is spawned directly rather than through npm: npm 11 re-raises a
 * SIGINT on itself whatever its child does, which would hide our exit code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { REPO_ROOT, machine, treeHashes, writeSecret } from "./support.ts";

test("npm start: vault up on 127.0.0.1, a CLI backup/restore works against it, Ctrl-C stops it", async (t) => {
  const dir = tempDir(t, "chatvault-cli-start-");
  const home = join(dir, "home");
  const env = {
    PATH: process.env.PATH ?? "", HOME: dir, CHATVAULT_HOME: home, CHATVAULT_PORT: "0", CHATVAULT_WEB_PORT: "0",
    CHATVAULT_VAULT_ALLOW_WEAK_KSF: "1", // test-only cheap password hashing (the client opts in below)
  };
  const script = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  assert.equal(script, "node --conditions=chatvault-source --import tsx packages/cli/src/bin.ts start");
  // The web messenger is served when it is built; building it is apps/web's business (and slow).
  const webBuilt = (await import("@chatvault/web")).webAppBuilt();
  if (!webBuilt) t.diagnostic("apps/web is not built: starting with --no-web");
  const [cmd, ...args] = [...script.split(" "), ...(webBuilt ? [] : ["--no-web"])];
  const child = spawn(cmd === "node" ? process.execPath : cmd!, args, { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  t.after(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  });

  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    url = /Key vault {3}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    if (Date.now() > deadline) assert.fail(`npm start printed no URL; stdout:\n${stdout}\nstderr:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  const web = /Web app {5}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  if (webBuilt) {
    assert.ok(web, `no web app URL in:\n${stdout}`);
    assert.equal((await fetch(web)).status, 200);
  } else assert.match(stdout, /Web app {5}not running/);
  assert.match(stdout, /Try the whole journey from another terminal/);
  // The session has an account of its own: the README has the web app use alice.
  assert.match(stdout, new RegExp(`npx chatvault init --repo ${join(home, "backups", "bob")} --vault ${url} --token-file`));
  if (webBuilt) assert.match(stdout, /sign in as alice/);

  // The session it prints, scripted: mint a token, init, demo data, backup, restore elsewhere.
  const a = machine(dir, "a", { CHATVAULT_INSECURE_TEST_KSF: "1", CHATVAULT_HOME: home });
  const token = join(home, "bob.token");
  const tok = await a.run(["serve", "token", "--account", "bob", "--out", token, "--force"]);
  assert.equal(tok.code, 0, tok.stderr);
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const repo = join(home, "backups", "bob");
  const init = await a.run(["init", "--repo", repo, "--vault", url, "--token-file", token, "--password-file", pw]);
  assert.equal(init.code, 0, init.stderr);
  const src = join(dir, "chats");
  assert.equal((await a.run(["demo-data", "--out", src, "--messages", "300", "--media-mib", "0.5"])).code, 0);
  const b = await a.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--password-file", pw]);
  assert.equal(b.code, 0, b.stderr);
  const r = await machine(dir, "b", { CHATVAULT_INSECURE_TEST_KSF: "1" }).run(["restore", "--repo", repo, "--to", join(dir, "out"), "--password-file", pw, "--token-file", token]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(join(src, "media")));

  const stopAt = Date.now();
  process.kill(-child.pid!, "SIGINT");
  const code = await exited;
  assert.equal(code, 0, `exit code; stderr:\n${stderr}`);
  assert.ok(Date.now() - stopAt < 5000, "stops promptly");
  assert.match(stderr, /stopped\./);
  await assert.rejects(fetch(`${url}/healthz`), "nothing listens any more");
});
