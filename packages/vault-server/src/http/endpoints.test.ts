/**
 * Endpoint behaviour not covered by the lifecycle and lockout suites: session tokens for
 * replace/delete (§6.4), the head (§7), enable twice, /healthz, /metrics, typed errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as opaque from "@serenity-kit/opaque";
import { generateRootKey } from "@chatvault/format";
import { AlreadyEnabledError, HeadConflictError, VAULT_PATHS, VaultRequestError, type RecordReplaceRequest } from "@chatvault/vault-protocol";
import { ManualClock } from "../clock.ts";
import { startTestVault } from "../test-vault.ts";

async function freshSession(tv: Awaited<ReturnType<typeof startTestVault>>, account: string, password: string) {
  const c = opaque.client.startLogin({ password });
  const client = await tv.client(account);
  const ke2 = await client.transport.loginStart({ startLoginRequest: c.startLoginRequest });
  const fin = opaque.client.finishLogin({
    clientLoginState: c.clientLoginState,
    loginResponse: ke2.loginResponse,
    password,
    keyStretching: { "argon2id-custom": { iterations: 1, memory: 8, parallelism: 1 } },
  })!;
  return client.transport.loginFinish({ loginId: ke2.loginId, finishLoginRequest: fin.finishLoginRequest });
}

test("replace and delete need a fresh session token of the current record", async (t) => {
  const clock = new ManualClock();
  const tv = await startTestVault(t, { clock });
  await opaque.ready;
  const client = await tv.client("alice");
  await client.enable("pw one", generateRootKey());
  await assert.rejects(client.enable("pw two", generateRootKey()), AlreadyEnabledError);

  const s = await freshSession(tv, "alice", "pw one");
  assert.equal(s.sessionExpiresAt, clock.now() + 120_000);
  clock.advance(120_000);
  await assert.rejects(
    client.transport.recordDelete({ sessionToken: s.sessionToken }),
    (e) => e instanceof VaultRequestError && e.code === "session_invalid" && e.status === 403,
  );
  await assert.rejects(
    client.transport.recordDelete({ sessionToken: s.sessionToken.slice(0, -2) + "AA" }),
    (e) => e instanceof VaultRequestError && e.code === "session_invalid",
  );

  const s2 = await freshSession(tv, "alice", "pw one");
  await client.changePassword("pw one", "pw two"); // version 2 now
  await assert.rejects(
    client.transport.recordDelete({ sessionToken: s2.sessionToken }),
    (e) => e instanceof VaultRequestError && e.code === "record_changed",
    "a session of version 1 cannot delete version 2",
  );
  // A replace body with a session of bob's is refused for alice.
  const bob = await tv.client("bob");
  await bob.enable("bob pw", generateRootKey());
  const sb = await freshSession(tv, "bob", "bob pw");
  const body: RecordReplaceRequest = {
    sessionToken: sb.sessionToken,
    registrationRecord: "A".repeat(256),
    recordVersion: 3,
    wrappedRootKey: { nonce: "A".repeat(16), ciphertext: "A".repeat(64) },
    keyStretching: { algorithm: "argon2id", memoryKiB: 65536, iterations: 3, parallelism: 4 },
  };
  await assert.rejects(client.transport.recordReplace(body), (e) => e instanceof VaultRequestError && e.code === "session_invalid");
  assert.equal((await client.status()).recordVersion, s2.recordVersion + 1);
});

test("head: get, advance, idempotent, conflicts carry the current head", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("alice");
  const rootKey = generateRootKey();
  await client.enable("pw", rootKey);
  assert.deepEqual(await client.getHead(), { sequence: 0, digest: null, updatedAt: null, signature: null });
  const d1 = new Uint8Array(32).fill(1);
  const h1 = await client.advanceHead({ sequence: 1, digest: d1, rootKey });
  assert.equal(h1.sequence, 1);
  assert.deepEqual(await client.advanceHead({ sequence: 1, digest: d1, rootKey }), h1);
  const e = await client.advanceHead({ sequence: 1, digest: new Uint8Array(32).fill(2), rootKey }).catch((x: unknown) => x);
  assert.ok(e instanceof HeadConflictError);
  assert.equal(e.current?.sequence, 1);
  await client.advanceHead({ sequence: 7, digest: d1, rootKey });
  await assert.rejects(client.advanceHead({ sequence: 6, digest: d1, rootKey }), HeadConflictError);
  assert.equal((await client.getVerifiedHead(rootKey)).sequence, 7);
  await assert.rejects(client.advanceHead({ sequence: 0, digest: d1, rootKey }), RangeError);
});

test("/healthz, /metrics, unknown routes, typed errors", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("alice");
  await client.enable("pw", generateRootKey());
  await client.unlock("pw");
  await client.unlock("nope").catch(() => {});
  const h = await fetch(tv.url + VAULT_PATHS.healthz);
  assert.equal(h.status, 200);
  assert.deepEqual(await h.json(), { status: "ok" });
  const m = await fetch(tv.url + VAULT_PATHS.metrics);
  assert.match(m.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await m.text();
  assert.match(text, /vault_login_starts_total\{outcome="released"\} 2/);
  assert.match(text, /vault_login_finishes_total\{outcome="success"\} 1/);
  assert.match(text, /vault_http_request_duration_seconds_bucket\{route="\/v1\/login\/start",le="\+Inf"\} 2/);
  const nf = await fetch(tv.url + "/nope");
  assert.equal(nf.status, 404);
  assert.deepEqual(await nf.json(), { error: { code: "not_found", message: "no such endpoint" } });
});

test("rate limits: per account and per IP answer 429 with Retry-After", async (t) => {
  const tv = await startTestVault(t, { rateLimit: { perAccountPerMinute: 3, perIpPerMinute: 6 } });
  const client = await tv.client("alice");
  for (let i = 0; i < 3; i++) await client.status();
  const e = await client.status().catch((x: unknown) => x);
  assert.equal((e as { code?: string }).code, "rate_limited");
  assert.equal((e as { retryable?: boolean }).retryable, true);
  const other = await tv.client("bob");
  await other.status();
  await other.status();
  const r = await fetch(tv.url + VAULT_PATHS.status, { headers: { authorization: `Bearer ${await tv.token("carol")}` } });
  assert.equal(r.status, 429, "7th request from this IP");
  assert.ok(Number(r.headers.get("retry-after")) > 0);
});
