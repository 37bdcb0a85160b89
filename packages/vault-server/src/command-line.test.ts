/** main.ts flags/env parsing, the `token` command, and graceful shutdown on SIGTERM. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { tempDir } from "@chatvault/testkit";
import { VaultClient } from "@chatvault/vault-protocol";
import { FLAGS, parseCommandLine, parseDuration } from "./command-line.ts";
import { MAIN_PATH, spawnVault } from "./test-vault.ts";

test("flags win over CHATVAULT_VAULT_* variables; durations; PostgreSQL and policy", () => {
  const cl = parseCommandLine(["--port", "9000", "--max-attempts", "3", "--lock-base", "15m", "--rate-ip", "0", "--test-clock"], {
    CHATVAULT_VAULT_PORT: "1",
    CHATVAULT_VAULT_DATABASE_URL: "postgres://db/v",
    CHATVAULT_VAULT_FAILURE_BUDGET: "9",
    CHATVAULT_VAULT_JWT_SECRET: "s".repeat(40),
  });
  assert.equal(cl.command, "serve");
  assert.equal(cl.options.port, 9000);
  assert.deepEqual(cl.options.database, { kind: "postgres", url: "postgres://db/v" });
  assert.deepEqual(cl.options.policy, { maxAttempts: 3, failureBudget: 9, lockBaseMs: 15 * 60_000 });
  assert.deepEqual(cl.options.rateLimit, { perIpPerMinute: 0 });
  assert.equal(cl.options.testClock, true);
  assert.deepEqual(cl.options.auth, { hs256Secret: "s".repeat(40) });
  assert.equal(parseDuration("7d", "x"), 7 * 86_400_000);
  assert.equal(parseDuration("250", "x"), 250);
  assert.throws(() => parseDuration("soon", "lock-base"), /lock-base/);
  assert.throws(() => parseCommandLine(["--port", "eighty"], {}), /port/);
  assert.throws(() => parseCommandLine(["--no-such-flag"], {}));
  assert.throws(() => parseCommandLine(["--pkcs11-module", "/x.so"], {}), /PIN/);
  const tok = parseCommandLine(["token", "--account", "alice", "--ttl", "12h"], {});
  assert.equal(tok.command, "token");
  assert.equal(tok.ttlSeconds, 12 * 3600);
});

test("a flag the table marks boolean is a switch: alone on the command line, or its variable set to 1", () => {
  const switches = Object.entries(FLAGS).filter(([, d]) => d.boolean);
  assert.ok(switches.length > 0);
  const none = parseCommandLine([], {}).options;
  for (const [flag, d] of switches) {
    const on = parseCommandLine([`--${flag}`], {}).options;
    assert.notDeepEqual(on, none, `--${flag} has an effect`);
    assert.deepEqual(parseCommandLine([], { [`CHATVAULT_VAULT_${d.env}`]: "1" }).options, on, `CHATVAULT_VAULT_${d.env}=1`);
    assert.throws(() => parseCommandLine([`--${flag}=1`], {}), `--${flag} takes no value`);
  }
});

test("main.ts: token command, serve, SIGTERM stops gracefully", async (t) => {
  const dir = tempDir(t);
  const token = execFileSync(
    process.execPath,
    ["--conditions=chatvault-source", "--import", "tsx", MAIN_PATH, "token", "--account", "alice", "--data-dir", dir],
    { encoding: "utf8" },
  ).trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const v = await spawnVault(t, ["--data-dir", dir, "--port", "0"]);
  const st = await new VaultClient({ baseUrl: v.url, token: () => token }).status();
  assert.equal(st.state, "not_enabled");
  const exit = new Promise<number | null>((resolve) => v.proc.once("exit", (code) => resolve(code)));
  v.proc.kill("SIGTERM");
  assert.equal(await exit, 0);
  assert.ok(v.output.some((l) => l.includes('"msg":"vault stopped"')));
});
