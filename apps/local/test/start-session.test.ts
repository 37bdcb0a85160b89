/**
 * `chatvault start` before anything runs: every busy port named in one message (so a second
 * try does not meet the next one), and the printed CLI session's account — never the web
 * app's alice, and a fresh one when an earlier session's backup folder is already there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { cliAccount } from "../src/commands/start.ts";
import { EXIT } from "../src/exit-codes.ts";
import { machine } from "./support.ts";

async function occupy(t: import("node:test").TestContext): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen({ port: 0, host: "127.0.0.1" }, done));
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

test("start: both busy ports are named at once, nothing starts", async (t) => {
  const dir = tempDir(t, "chatvault-cli-start-ports-");
  const [vaultPort, webPort] = [await occupy(t), await occupy(t)];
  const m = machine(dir, "a", { CHATVAULT_HOME: join(dir, "home"), CHATVAULT_PORT: String(vaultPort), CHATVAULT_WEB_PORT: String(webPort) });
  const r = await m.run(["start"], { timeoutMs: 30_000 });
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`ports ${vaultPort} \\(key vault; set CHATVAULT_PORT\\) and ${webPort} \\(web messenger; set CHATVAULT_WEB_PORT\\) are in use`));
  assert.equal(r.stdout, "", "no session printed");
});

test("start: one busy port is named with its variable", async (t) => {
  const dir = tempDir(t, "chatvault-cli-start-port-");
  const webPort = await occupy(t);
  const m = machine(dir, "a", { CHATVAULT_HOME: join(dir, "home"), CHATVAULT_PORT: "0", CHATVAULT_WEB_PORT: String(webPort) });
  const r = await m.run(["start"], { timeoutMs: 30_000 });
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, new RegExp(`^chatvault: port ${webPort} \\(web messenger; set CHATVAULT_WEB_PORT\\) is in use`));
});

test("start: the CLI session's account is not the web app's, and is fresh on a second run", (t) => {
  const backups = join(tempDir(t, "chatvault-cli-start-acct-"), "backups");
  mkdirSync(join(backups, "alice"), { recursive: true }); // the web journey's account
  assert.equal(cliAccount(backups), "bob");
  mkdirSync(join(backups, "bob"));
  assert.equal(cliAccount(backups), "bob-2");
  mkdirSync(join(backups, "bob-2"));
  assert.equal(cliAccount(backups), "bob-3");
});
