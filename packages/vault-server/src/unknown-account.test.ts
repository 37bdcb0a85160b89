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
  return Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shape(v)]));
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
    return { status: res.status, headers: [...res.headers.keys()].filter((h) => h !== "date" && h !== "content-length").sort(), body: (await res.json()) as LoginStartResponse };
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
  assert.equal(await tv.vault.repo.getRecord("mallory-does-not-exist"), null);
  assert.deepEqual(await tv.vault.repo.recentAttempts("mallory-does-not-exist", 10), []);
  assert.equal(await tv.vault.repo.getRecord("nobody"), null);
  assert.equal(readFileSync(`${tv.dir}/vault.db`).length, dbBefore);

  // The owner's client still gets a clear answer.
  const unknown = await tv.client("nobody");
  await assert.rejects(unknown.unlock("guess"), NotEnabledError);
});
