/**
 * Counting is atomic under concurrency (spec §6.1): 200 wrong-password login starts fired
 * in parallel release exactly 5 KE2s — at one SQLite node (a 2-worker cluster on one
 * file) and at 3 vault processes sharing one PostgreSQL database.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import * as opaque from "@serenity-kit/opaque";
import { needService, tempDir } from "@chatvault/testkit";
import { generateRootKey } from "@chatvault/format";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VAULT_PATHS, VaultClient } from "@chatvault/vault-protocol";
import { mintDevToken } from "./auth/dev-token.ts";
import { startVaultCluster } from "./cluster/cluster.ts";
import { createTestDatabase, postgresAvailable, spawnVault } from "./test-vault.ts";

const N = 200;

async function fireParallelStarts(urls: string[], token: string): Promise<Map<number, number>> {
  await opaque.ready;
  const bodies = Array.from({ length: N }, () =>
    JSON.stringify({ startLoginRequest: opaque.client.startLogin({ password: "wrong guess" }).startLoginRequest }),
  );
  const statuses = await Promise.all(
    bodies.map((body, i) =>
      fetch(urls[i % urls.length]! + VAULT_PATHS.loginStart, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      }),
    ),
  );
  const count = new Map<number, number>();
  for (const s of statuses) count.set(s, (count.get(s) ?? 0) + 1);
  return count;
}

async function enable(url: string, token: string): Promise<void> {
  const client = new VaultClient({ baseUrl: url, token: () => token, keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true });
  await client.enable("the real password", generateRootKey());
}

test("SQLite, one node with 2 worker processes: 200 parallel wrong starts → exactly 5 KE2", async (t) => {
  const dir = tempDir(t);
  const secret = randomBytes(32).toString("base64url");
  const vault = await startVaultCluster({
    workers: 2,
    port: 0,
    dataDir: dir,
    auth: { hs256Secret: secret },
    allowWeakKeyStretching: true,
    rateLimit: false,
    logLevel: "warn",
  });
  t.after(() => vault.close());
  const token = await mintDevToken({ secret, account: "alice" });
  await enable(vault.url, token);
  const t0 = performance.now();
  const count = await fireParallelStarts([vault.url], token);
  t.diagnostic(`SQLite ×2 workers: ${JSON.stringify(Object.fromEntries(count))} in ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(count.get(200), 5, "exactly 5 KE2 released");
  assert.equal(count.get(423), N - 5, "the rest refused as locked");
  // /metrics on any worker sums over all workers.
  const metrics = await (await fetch(`${vault.url}/metrics`)).text();
  assert.match(metrics, /vault_login_starts_total\{outcome="released"\} 5\n/);
  const locked = Number(/vault_login_starts_total\{outcome="locked"\} (\d+)/.exec(metrics)?.[1]);
  assert.equal(locked, N - 5);
  assert.equal(vault.workerPids().length, 2);
});

test("PostgreSQL, 3 vault processes sharing one database: 200 parallel wrong starts → exactly 5 KE2", async (t) => {
  if (!needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return;
  const dbUrl = await createTestDatabase(t);
  const dir = tempDir(t);
  const secret = randomBytes(32).toString("base64url");
  const args = [
    "--port",
    "0",
    "--database-url",
    dbUrl,
    "--key-file",
    join(dir, "kek.key"),
    "--allow-weak-ksf",
    "--rate-ip",
    "0",
    "--rate-account",
    "0",
    "--log-level",
    "warn",
    "--pg-pool-size",
    "20",
  ];
  // All three start at once: they race on the schema, the key file and the vault secrets.
  const nodes = await Promise.all([0, 1, 2].map(() => spawnVault(t, args, { CHATVAULT_VAULT_JWT_SECRET: secret })));
  const token = await mintDevToken({ secret, account: "alice" });
  await enable(nodes[0]!.url, token);
  const t0 = performance.now();
  const count = await fireParallelStarts(
    nodes.map((n) => n.url),
    token,
  );
  t.diagnostic(`PostgreSQL ×3 processes: ${JSON.stringify(Object.fromEntries(count))} in ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(count.get(200), 5, "exactly 5 KE2 released");
  assert.equal(count.get(423), N - 5, "the rest refused as locked");
  // The record written through node 0 unlocks through node 2 (after the lock), proving shared state.
  const st = await new VaultClient({ baseUrl: nodes[2]!.url, token: () => token }).status();
  assert.equal(st.attemptsRemaining, 0);
  assert.equal(st.recentAttempts.length, 5);
});
