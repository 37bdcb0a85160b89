/**
 * Attempt history end to end over HTTP (spec §5.7), on SQLite and on PostgreSQL: what
 * status and the unlock answer report after wrong, abandoned, failed-KE3, locking and
 * successful logins; the unlock answer leaves its own login out; 90 days, 50 events.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as opaque from "@serenity-kit/opaque";
import { needService } from "@chatvault/testkit";
import { generateRootKey } from "@chatvault/format";
import {
  ATTEMPT_HISTORY_LIMITS,
  TEST_ONLY_WEAK_KEY_STRETCHING,
  VAULT_PATHS,
  VaultClient,
  WrongPasswordError,
  LockedError,
  summarizeAttemptHistory,
} from "@chatvault/vault-protocol";
import { ManualClock } from "./clock.ts";
import { createTestDatabase, postgresAvailable, startTestVault, type TestVault } from "./test-vault.ts";
import { attemptHistoryOf } from "./attempt-history.ts";
import type { AttemptRow } from "./store/vault-store.ts";
import Database from "better-sqlite3";
import { createLogger } from "./logger.ts";
import { startVaultServer } from "./server.ts";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

async function wrong(client: VaultClient): Promise<void> {
  await assert.rejects(client.unlock("wrong password"), (e: unknown) => e instanceof WrongPasswordError);
}

/** A login whose KE3 does not verify (a client that sends garbage): the vault sees `wrong`. */
async function badKe3(tv: TestVault, account: string): Promise<void> {
  const token = await tv.token(account);
  const post = (path: string, body: unknown) =>
    fetch(`${tv.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const start = await post(VAULT_PATHS.loginStart, { startLoginRequest: opaque.client.startLogin({ password: "x" }).startLoginRequest });
  assert.equal(start.status, 200);
  const { loginId } = (await start.json()) as { loginId: string };
  const finish = await post(VAULT_PATHS.loginFinish, { loginId, finishLoginRequest: randomBytes(64).toString("base64url") });
  assert.equal(finish.status, 403);
}

const outcomes = (h: { events: Array<{ outcome: string }> } | undefined) => h?.events.map((e) => e.outcome);

async function scenario(t: TestContext, tv: TestVault, clock: ManualClock): Promise<void> {
  await opaque.ready;
  const client = await tv.client("alice");
  await client.enable("right password", generateRootKey());
  assert.deepEqual((await client.status()).attemptHistory, { events: [], retentionDays: 90, maxEvents: 50 });

  const first = await client.unlockWithDetails("right password");
  assert.deepEqual(first.attemptHistory?.events, [], "the unlock answer leaves its own login out");
  const t0 = clock.now();
  assert.deepEqual((await client.status()).attemptHistory?.events, [{ at: t0, outcome: "success" }]);

  clock.advance(MIN);
  await wrong(client);
  assert.deepEqual(outcomes((await client.status()).attemptHistory), ["pending", "success"], "a wrong password is pending until its KE2 expires");
  clock.advance(MIN);
  assert.deepEqual(outcomes((await client.status()).attemptHistory), ["abandoned", "success"], "then abandoned: the vault cannot tell it from a walk-away");
  await badKe3(tv, "alice");
  clock.advance(MIN);
  // One millisecond apart: events of the same millisecond come in no defined order (§5.7).
  for (let i = 0; i < 3; i++) {
    clock.advance(1);
    await wrong(client);
  }
  const lockAt = clock.now();
  clock.advance(2 * MIN);
  const status = await client.status();
  assert.ok(status.lockedUntil !== null);
  assert.deepEqual(status.attemptHistory?.events[0], { at: lockAt, outcome: "locked", until: lockAt + 3_600_000 }, "the 5th attempt started the lock");
  assert.deepEqual(outcomes(status.attemptHistory), ["locked", "abandoned", "abandoned", "abandoned", "wrong", "abandoned", "success"]);
  await assert.rejects(client.unlock("right password"), LockedError);
  assert.equal(status.attemptHistory?.events.length, (await client.status()).attemptHistory?.events.length, "a refused start while locked writes nothing");

  clock.advance(3_600_000);
  const second = await client.unlockWithDetails("right password");
  const s = summarizeAttemptHistory(second.attemptHistory!);
  assert.equal(s.failedAt.length, 5, "5 failed attempts since the last success");
  assert.equal(s.lastSuccessAt, t0);
  assert.deepEqual(s.locks, [{ at: lockAt, until: lockAt + 3_600_000 }]);
  assert.equal(outcomes((await client.status()).attemptHistory)?.[0], "success");
  assert.equal(summarizeAttemptHistory((await client.status()).attemptHistory!).failedAt.length, 0, "status after the unlock: none since");

  // 90 days on, nothing of this is reported any more.
  clock.advance(ATTEMPT_HISTORY_LIMITS.retentionDays * DAY + MIN);
  assert.deepEqual((await client.status()).attemptHistory?.events, []);

  // Another account's history is its own; disabling deletes the history with the record.
  const bob = await tv.client("bob");
  await bob.enable("bob's password", generateRootKey());
  await wrong(bob);
  assert.deepEqual((await client.status()).attemptHistory?.events, []);
  await client.disable("right password");
  assert.deepEqual((await client.status()).attemptHistory?.events, []);
  t.diagnostic(`history checked on ${tv.vault.url}`);
}

test("attempt history over HTTP (SQLite)", async (t) => {
  const clock = new ManualClock();
  await scenario(t, await startTestVault(t, { clock }), clock);
});

test("attempt history over HTTP (PostgreSQL)", async (t) => {
  if (!needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return;
  const clock = new ManualClock();
  const url = await createTestDatabase(t);
  await scenario(t, await startTestVault(t, { clock, database: { kind: "postgres", url } }), clock);
});

test("attemptHistoryOf: bounded to 50 events and 90 days, locks before their attempt, one login left out", () => {
  const now = 1_000 * DAY;
  const row = (i: number, o: Partial<AttemptRow> = {}): AttemptRow => ({
    loginId: `l${i}`,
    accountId: "a",
    recordVersion: 1,
    startedAt: now - i * MIN,
    expiresAt: now - i * MIN + MIN,
    outcome: "pending",
    sealedState: null,
    ...o,
  });
  const many = Array.from({ length: 60 }, (_, i) => row(i, { outcome: "success" }));
  const h = attemptHistoryOf(many, now);
  assert.equal(h.events.length, 50);
  assert.equal(h.events[0]!.at, now);
  const old = attemptHistoryOf([row(1), row(0, { startedAt: now - 90 * DAY - 1 })], now);
  assert.deepEqual(old.events, [{ at: now - MIN, outcome: "abandoned" }], "older than 90 days: not reported");
  const lock = attemptHistoryOf([row(0, { lockedUntil: now + 9, expiresAt: now + MIN }), row(1, { outcome: "failed" }), row(2)], now, "l2");
  assert.deepEqual(lock.events, [
    { at: now, outcome: "locked", until: now + 9 },
    { at: now, outcome: "pending" },
    { at: now - MIN, outcome: "wrong" },
  ]);
});

test("upgrade: a revision 2 database (no locked_until) gets the column; its attempts keep showing, without locks", async (t) => {
  const clock = new ManualClock();
  const tv = await startTestVault(t, { clock });
  const client = await tv.client("alice");
  await client.enable("pw", generateRootKey());
  await wrong(client);
  await tv.vault.close();
  const db = new Database(`${tv.dir}/vault.db`);
  db.exec("ALTER TABLE vault_attempts DROP COLUMN locked_until");
  db.close();
  const v2 = await startVaultServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: tv.dir,
    auth: { hs256Secret: tv.secret },
    allowWeakKeyStretching: true,
    rateLimit: false,
    sweepIntervalMs: 0,
    clock,
    logger: createLogger({ level: "silent" }),
  });
  t.after(() => v2.close());
  const c2 = new VaultClient({ baseUrl: v2.url, token: () => tv.token("alice"), keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true });
  clock.advance(2 * MIN);
  assert.deepEqual(outcomes((await c2.status()).attemptHistory), ["abandoned"]);
  for (let i = 0; i < 4; i++) {
    clock.advance(1);
    await wrong(c2);
  }
  assert.equal(outcomes((await c2.status()).attemptHistory)?.[0], "locked", "the new column records locks from now on");
});
