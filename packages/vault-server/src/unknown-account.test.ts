/**
 * Unknown accounts get OPAQUE's fake KE2 in the same shape as a real one, and nothing is
 * written (spec §5.4): an attacker cannot tell who has a backup from login start.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as opaque from "@serenity-kit/opaque";
import { generateRootKey } from "@chatvault/format";
import { NotEnabledError, VAULT_PATHS, type LoginStartResponse } from "@chatvault/vault-protocol";
import { startTestVault } from "./test-vault.ts";

function shape(x: unknown): unknown {
  if (x === null) return "null";
  if (typeof x === "string") return `string:${x.length}:${/^[A-Za-z0-9_-]*$/.test(x) ? "b64url" : "text"}`;
  if (typeof x === "number") return Number.isInteger(x) ? "int" : "number";
  if (typeof x !== "object") return typeof x;
  return Object.fromEntries(
    Object.entries(x as object)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, shape(v)]),
  );
}

test("unknown account: fake KE2 indistinguishable in shape, no row written", async (t) => {
  const tv = await startTestVault(t, { allowWeakKeyStretching: false });
  await opaque.ready;
  // A real record with the default KSF, so even keyStretching is the same.
  const real = await tv.client("alice", { keyStretching: undefined, allowWeakKeyStretching: false });
  await real.enable("alice's password", generateRootKey());

  const start = async (account: string) => {
    const res = await fetch(tv.url + VAULT_PATHS.loginStart, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tv.token(account)}` },
      body: JSON.stringify({ startLoginRequest: opaque.client.startLogin({ password: "guess" }).startLoginRequest }),
    });
    return {
      status: res.status,
      headers: [...res.headers.keys()].filter((h) => h !== "date" && h !== "content-length").sort(),
      body: (await res.json()) as LoginStartResponse,
    };
  };
  const a = await start("alice");
  const dbBefore = readFileSync(`${tv.dir}/vault.db`).length;
  const u = await start("mallory-does-not-exist");
  assert.equal(u.status, a.status);
  assert.deepEqual(u.headers, a.headers);
  assert.deepEqual(shape(u.body), shape(a.body));
  assert.equal(u.body.loginResponse.length, a.body.loginResponse.length);
  assert.equal(u.body.attemptsRemaining, a.body.attemptsRemaining, "first guess on each: same numbers");
  assert.deepEqual(u.body.keyStretching, a.body.keyStretching);

  // The fake KE2 fails like a wrong password would.
  const c = opaque.client.startLogin({ password: "guess" });
  const res = await fetch(tv.url + VAULT_PATHS.loginStart, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tv.token("nobody")}` },
    body: JSON.stringify({ startLoginRequest: c.startLoginRequest }),
  });
  const fake = (await res.json()) as LoginStartResponse;
  assert.equal(opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: fake.loginResponse, password: "guess" }), undefined);

  // Nothing written for either unknown account.
  assert.equal(await tv.vault.store.getRecord("mallory-does-not-exist"), null);
  assert.deepEqual(await tv.vault.store.recentAttempts("mallory-does-not-exist", 10), []);
  assert.equal(await tv.vault.store.getRecord("nobody"), null);
  assert.equal(readFileSync(`${tv.dir}/vault.db`).length, dbBefore);

  // The owner's client still gets a clear answer.
  const unknown = await tv.client("nobody");
  await assert.rejects(unknown.unlock("guess"), NotEnabledError);
});

test("unknown accounts: login finish, registration start and /metrics answer like an existing account's", async (t) => {
  const tv = await startTestVault(t);
  await opaque.ready;
  const alice = await tv.client("alice");
  await alice.enable("alice's password", generateRootKey());
  const post = async (account: string, path: string, body: unknown) => {
    const res = await fetch(tv.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tv.token(account)}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const randomKe3 = Buffer.alloc(64, 7).toString("base64url");
  const startThenFinish = async (account: string) => {
    const s = await post(account, VAULT_PATHS.loginStart, { startLoginRequest: opaque.client.startLogin({ password: "guess" }).startLoginRequest });
    return post(account, VAULT_PATHS.loginFinish, { loginId: (s.body as unknown as LoginStartResponse).loginId, finishLoginRequest: randomKe3 });
  };
  const real = await startThenFinish("alice");
  const unknown = await startThenFinish("nobody-here");
  assert.equal(real.status, 403);
  assert.deepEqual(unknown, real, "same status, code and message for a random KE3");
  const randomId = Buffer.alloc(16, 1).toString("base64url");
  assert.deepEqual(
    await post("nobody-here", VAULT_PATHS.loginFinish, { loginId: randomId, finishLoginRequest: randomKe3 }),
    await post("alice", VAULT_PATHS.loginFinish, { loginId: randomId, finishLoginRequest: randomKe3 }),
    "a login ID never issued: same answer",
  );

  const regStart = async (account: string) =>
    (await post(account, VAULT_PATHS.registrationStart, { registrationRequest: opaque.client.startRegistration({ password: "p" }).registrationRequest })).body
      .recordVersion as number;
  const aliceVersion = (await alice.status()).recordVersion!;
  assert.equal(await regStart("alice"), aliceVersion + 1);
  const first = await regStart("nobody-here");
  assert.ok(first > 1000, "not the tell-tale 1 of a new account");
  assert.equal(await regStart("nobody-here"), first, "stable, as for an existing record");
  assert.notEqual(await regStart("someone-else"), first, "a keyed function of the account");

  const metrics = await (await fetch(tv.url + VAULT_PATHS.metrics)).text();
  assert.ok(!/outcome="unknown"/.test(metrics), "no separate outcome for unknown accounts");
  assert.match(metrics, /vault_login_starts_total\{outcome="released"\} 2/);
  assert.match(metrics, /vault_login_finishes_total\{outcome="failed"\} 2/);
});
