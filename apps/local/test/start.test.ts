/**
 * `npm start` smoke test: run the root package.json's start script with a temp
 * CHATVAULT_HOME and free ports, wait for the vault's health check, paste the printed CLI
 * session (`cd <root>`, `npx chatvault …`) as a script — token, init, demo data, backup,
 * restore — then Ctrl-C (SIGINT to the process group, as a terminal does) and expect a
 * prompt, clean exit 0.
 * The script's command is spawned directly rather than through npm: npm 11 re-raises a
 * SIGINT on itself whatever its child does, which would hide our exit code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { CHATVAULT, WORKSPACE_ROOT, machine, startDetached, treeHashes, waitFor, writeSecret } from "./support.ts";

test("npm start: vault up on 127.0.0.1, the printed CLI session works against it, Ctrl-C stops it", { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t, "chatvault-local-start-");
  const home = join(dir, "home");
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    CHATVAULT_HOME: home,
    CHATVAULT_PORT: "0",
    CHATVAULT_WEB_PORT: "0",
    CHATVAULT_VAULT_ALLOW_WEAK_KSF: "1", // test-only cheap password hashing (the client opts in below)
  };
  const script = (JSON.parse(readFileSync(join(WORKSPACE_ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  assert.equal(script, "node --conditions=chatvault-source --import tsx apps/local/src/main.ts");
  // The web messenger is served when it is built; building it is apps/web's business (and slow).
  const webBuilt = (await import("@chatvault/web")).webAppBuilt();
  if (!webBuilt) t.diagnostic("apps/web is not built: starting with --no-web");
  const [, ...args] = [...script.split(" "), ...(webBuilt ? [] : ["--no-web"])];
  const started = startDetached(t, args, env);

  // The session arrives in more than one pipe read on a loaded machine: wait for its last command.
  const url = await waitFor(
    "the printed session",
    started,
    () => (/npx chatvault status /.test(started.stdout) ? /Key vault {3}(http:\/\/127\.0\.0\.1:\d+)/.exec(started.stdout)?.[1] : undefined),
    30_000,
  );
  const stdout = started.stdout;
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const web = /Web app {5}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  if (webBuilt) {
    assert.ok(web, `no web app URL in:\n${stdout}`);
    assert.equal((await fetch(web)).status, 200);
    assert.match(stdout, /sign in as alice/);
  } else assert.match(stdout, /Web app {5}not running/);
  assert.match(stdout, /Try the whole journey from another terminal/);

  // The session, pasted: `cd` to where `npx chatvault` is the workspace's CLI, then its commands.
  const lines = stdout.split("\n").map((l) => l.trim());
  const cd = lines.find((l) => l.startsWith("cd "));
  assert.equal(cd, `cd ${WORKSPACE_ROOT}`);
  assert.ok(existsSync(CHATVAULT), `npx chatvault resolves in ${WORKSPACE_ROOT}`);
  const commands = lines.filter((l) => l.startsWith("npx chatvault ")).map((l) => l.slice("npx chatvault ".length).split(" "));
  assert.deepEqual(
    commands.map((c) => c[0]),
    ["serve", "init", "demo-data", "backup", "restore", "status"],
  );
  // The session has an account of its own: the README has the web app use alice.
  const repo = join(home, "backups", "bob");
  const token = join(home, "bob.token");
  assert.deepEqual(commands[1], ["init", "--repo", repo, "--vault", url, "--token-file", token]);

  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const a = machine(dir, "a", { CHATVAULT_INSECURE_TEST_KSF: "1" });
  // Demo data smaller than the printed 2000 messages / 2 MiB, to keep the test quick; the rest as printed.
  const smaller = (c: string[]) => (c[0] === "demo-data" ? [...c.slice(0, 3), "--messages", "300", "--media-mib", "0.5"] : c);
  const secret = (c: string[]) => (["init", "backup"].includes(c[0]!) ? ["--password-file", pw] : []);
  for (const c of commands.slice(0, 4)) {
    const r = await a.run([...smaller(c), ...secret(c)]);
    assert.equal(r.code, 0, `${c.join(" ")}: ${r.stderr}`);
  }
  // Restore on another machine (no remembered vault or token): the backup names the vault.
  const out = join(dir, "out");
  const r = await machine(dir, "b", { CHATVAULT_INSECURE_TEST_KSF: "1" }).run([
    "restore",
    "--repo",
    repo,
    "--to",
    out,
    "--password-file",
    pw,
    "--token-file",
    token,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(treeHashes(join(out, "media")), treeHashes(join(home, "demo-chats", "media")));
  const status = await a.run(commands[5]!);
  assert.equal(status.code, 0, status.stderr);

  const stopAt = Date.now();
  started.interrupt();
  const code = await started.exited;
  assert.equal(code, 0, `exit code; stderr:\n${started.stderr}`);
  assert.ok(Date.now() - stopAt < 5000, "stops promptly");
  assert.match(started.stderr, /stopped\./);
  await assert.rejects(fetch(`${url}/healthz`), "nothing listens any more");
});
