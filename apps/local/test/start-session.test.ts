/**
 * `npm start` before anything runs: every busy port named in one message (so a second try
 * does not meet the next one), a bad flag refused the CLI's way, and the printed CLI
 * session's account — never the web app's alice, and a fresh one when an earlier
 * session's backup folder is already there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { EXIT } from "@chatvault/cli";
import { tempDir } from "@chatvault/testkit";
import { cliAccount } from "../src/session.ts";
import { runLocal } from "./support.ts";

async function occupy(t: import("node:test").TestContext): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen({ port: 0, host: "127.0.0.1" }, done));
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

const envOf = (dir: string, extra: Record<string, string>) => ({ PATH: process.env.PATH ?? "", HOME: dir, CHATVAULT_HOME: join(dir, "home"), ...extra });

test("start: both busy ports are named at once, nothing starts", async (t) => {
  const dir = tempDir(t, "chatvault-local-ports-");
  const [vaultPort, webPort] = [await occupy(t), await occupy(t)];
  const r = await runLocal([], envOf(dir, { CHATVAULT_PORT: String(vaultPort), CHATVAULT_WEB_PORT: String(webPort) }));
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assert.match(
    r.stderr,
    new RegExp(`ports ${vaultPort} \\(key vault; set CHATVAULT_PORT\\) and ${webPort} \\(web messenger; set CHATVAULT_WEB_PORT\\) are in use`),
  );
  assert.equal(r.stdout, "", "no session printed");
});

test("start: one busy port is named with its variable; under --json as one error object", async (t) => {
  const dir = tempDir(t, "chatvault-local-port-");
  const webPort = await occupy(t);
  const env = envOf(dir, { CHATVAULT_PORT: "0", CHATVAULT_WEB_PORT: String(webPort) });
  const r = await runLocal([], env);
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, new RegExp(`^chatvault: port ${webPort} \\(web messenger; set CHATVAULT_WEB_PORT\\) is in use`));
  const j = await runLocal(["--json"], env);
  assert.equal(j.code, EXIT.usage);
  const { error } = JSON.parse(j.stdout) as { error: { code: string; exitCode: number; message: string } };
  assert.equal(error.code, "usage");
  assert.equal(error.exitCode, EXIT.usage);
  assert.match(error.message, new RegExp(`^port ${webPort} `));
});

test("start: a bad flag is a usage error that points at npm start's own help", async (t) => {
  const dir = tempDir(t, "chatvault-local-flags-");
  const unknown = await runLocal(["--realm", "3"], envOf(dir, {}));
  assert.equal(unknown.code, EXIT.usage);
  assert.match(unknown.stderr, /^chatvault: unknown option '--realm'[^]*\(see npm start -- --help\)\n$/);
  const realms = await runLocal(["--realms", "1", "--no-web"], envOf(dir, { CHATVAULT_PORT: "0" }));
  assert.equal(realms.code, EXIT.usage);
  assert.equal(realms.stderr, 'chatvault: --realms must be a number from 2 to 9, got "1"\n');
});

test("start: the CLI session's account is not the web app's, and is fresh on a second run", (t) => {
  const backups = join(tempDir(t, "chatvault-local-acct-"), "backups");
  mkdirSync(join(backups, "alice"), { recursive: true }); // the web journey's account
  assert.equal(cliAccount(backups), "bob");
  mkdirSync(join(backups, "bob"));
  assert.equal(cliAccount(backups), "bob-2");
  mkdirSync(join(backups, "bob-2"));
  assert.equal(cliAccount(backups), "bob-3");
});
