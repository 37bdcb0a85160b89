/**
 * The guess policy end to end over HTTP (spec §6): 5 wrong passwords → locked with
 * retryAfter; the injected clock lets 5 more; the budget runs out → destroyed forever.
 * Abandoned logins count; a success resets the consecutive count.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as opaque from "@serenity-kit/opaque";
import { generateRootKey } from "@chatvault/format";
import { DestroyedError, LockedError, WrongPasswordError, type VaultClient } from "@chatvault/vault-protocol";
import { ManualClock } from "./clock.ts";
import { startTestVault } from "./test-vault.ts";

const H = 3_600_000;

async function wrong(client: VaultClient): Promise<WrongPasswordError> {
  const e = await client.unlock("wrong password").then(
    () => assert.fail("unlocked with a wrong password"),
    (x: unknown) => x,
  );
  assert.ok(e instanceof WrongPasswordError, `expected WrongPasswordError, got ${String(e)}`);
  return e;
}

test("lockout: 5 wrong → locked; clock +1 h → 5 more; budget 20 → destroyed forever", async (t) => {
  const clock = new ManualClock();
  const tv = await startTestVault(t, { clock });
  await opaque.ready;
  const client = await tv.client("alice");
  await client.enable("right password", generateRootKey());

  const remaining = [];
  for (let i = 0; i < 4; i++) remaining.push((await wrong(client)).attemptsRemaining);
  assert.deepEqual(remaining, [4, 3, 2, 1]);
  const fifth = await wrong(client);
  assert.equal(fifth.attemptsRemaining, 0);
  assert.equal(fifth.retryAfter?.getTime(), clock.now() + H, "the 5th wrong guess says until when");

  const locked = await client.unlock("right password").then(
    () => assert.fail("unlocked while locked"),
    (e: unknown) => e,
  );
  assert.ok(locked instanceof LockedError);
  assert.equal(locked.retryAfter.getTime(), clock.now() + H);
  assert.equal(locked.retryable, true);
  assert.equal((await client.status()).lockedUntil, clock.now() + H);
  const raw = await fetch(`${tv.url}/v1/login/start`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tv.token("alice")}` },
    body: JSON.stringify({ startLoginRequest: opaque.client.startLogin({ password: "x" }).startLoginRequest }),
  });
  assert.equal(raw.status, 423);
  assert.equal(raw.headers.get("retry-after"), "3600", "Retry-After in the vault's clock");

  clock.advance(H);
  for (let i = 0; i < 5; i++) await wrong(client);
  await assert.rejects(client.unlock("right password"), LockedError);
  clock.advance(4 * H - 1);
  await assert.rejects(client.unlock("right password"), LockedError, "second lock is 4 h");
  clock.advance(1);
  for (let i = 0; i < 5; i++) await wrong(client);
  clock.advance(16 * H);
  for (let i = 0; i < 4; i++) await wrong(client);
  const last = await wrong(client);
  assert.equal(last.destroyed, true, "the 20th failure spends the budget");
  assert.equal(last.retryable, false);

  clock.advance(60_000);
  assert.equal((await client.status()).state, "destroyed");
  const d = await client.unlock("right password").then(
    () => assert.fail(),
    (e: unknown) => e,
  );
  assert.ok(d instanceof DestroyedError);
  assert.equal(d.destroyed, true);
  clock.advance(1000 * 24 * H);
  await assert.rejects(client.unlock("right password"), DestroyedError, "destroyed forever");
  const row = await tv.vault.store.getRecord("alice");
  assert.equal(row?.sealedRecord, null, "the wrapped key is gone from the database");
});

test("abandoned logins count; a success resets the count", async (t) => {
  const clock = new ManualClock();
  const tv = await startTestVault(t, { clock });
  const client = await tv.client("bob");
  await client.enable("bob's password", generateRootKey());
  await opaque.ready;
  // Four KE1s, no KE3: four spent attempts.
  for (let i = 0; i < 4; i++) {
    await client.transport.loginStart({ startLoginRequest: opaque.client.startLogin({ password: "whatever" }).startLoginRequest });
  }
  let st = await client.status();
  assert.equal(st.attemptsRemaining, 1);
  assert.deepEqual(
    st.recentAttempts.map((a) => a.outcome),
    ["pending", "pending", "pending", "pending"],
  );
  clock.advance(61_000);
  st = await client.status();
  assert.deepEqual(
    st.recentAttempts.map((a) => a.outcome),
    ["unfinished", "unfinished", "unfinished", "unfinished"],
  );

  await client.unlock("bob's password"); // the 5th attempt succeeds
  st = await client.status();
  assert.equal(st.attemptsRemaining, 5);
  assert.equal(st.failureBudgetRemaining, 16);
  assert.equal(st.recentAttempts[0]!.outcome, "success");
  for (let i = 0; i < 4; i++) await wrong(client);
  assert.equal((await client.status()).lockedUntil, null, "4 more wrong after a success do not lock");
});

test("test clock hook: off by default; on, it moves the server's time for every request", async (t) => {
  const off = await startTestVault(t);
  const r = await fetch(`${off.url}/_test/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"advanceMs":1}' });
  assert.equal(r.status, 404);

  const tv = await startTestVault(t, { testClock: true });
  assert.ok(
    tv.logs.some((l) => l.includes("TEST CLOCK ENABLED")),
    "loud warning",
  );
  const client = await tv.client("carol");
  await client.enable("carol's password", generateRootKey());
  for (let i = 0; i < 5; i++) await wrong(client);
  await assert.rejects(client.unlock("carol's password"), LockedError);
  const adv = await fetch(`${tv.url}/_test/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advanceMs: H }) });
  assert.equal(adv.status, 200);
  assert.equal(((await adv.json()) as { offsetMs: number }).offsetMs, H);
  await client.unlock("carol's password");
});
