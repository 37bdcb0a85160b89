/**
 * Regression tests of the vault's hardening against an independent review (one test per
 * finding, at the HTTP level; the storage side runs on both backends in
 * `store/conformance-integrity.ts`): session tokens bound to a never-reused record ID
 * (spec §6.4), well-formed account IDs (§2), the KSF cross-field rule (§3.2), no sealed
 * login state left behind by wrong or abandoned logins (§6.6), tampered rows refused and
 * rows of the previous revision migrated (§10.4).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { SignJWT } from "jose";
import * as opaque from "@serenity-kit/opaque";
import { Writable } from "node:stream";
import { equalBytes, generateRootKey } from "@chatvault/format";
import { needService } from "@chatvault/testkit";
import {
  TEST_ONLY_WEAK_KEY_STRETCHING,
  VAULT_PATHS,
  VaultClient,
  VaultRequestError,
  VaultUnavailableError,
  WrongPasswordError,
  type RecordReplaceRequest,
} from "@chatvault/vault-protocol";
import { createLogger } from "./logger.ts";
import { startVaultServer } from "./server.ts";
import { ManualClock } from "./clock.ts";
import { mintDevToken } from "./auth/dev-token.ts";
import { createTestDatabase, postgresAvailable, startTestVault, type TestVault } from "./test-vault.ts";

const WEAK = { "argon2id-custom": { iterations: 1, memory: 8, parallelism: 1 } } as const;

async function session(tv: TestVault, account: string, password: string) {
  await opaque.ready;
  const client = await tv.client(account);
  const c = opaque.client.startLogin({ password });
  const ke2 = await client.transport.loginStart({ startLoginRequest: c.startLoginRequest });
  const fin = opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: ke2.loginResponse, password, keyStretching: WEAK })!;
  return client.transport.loginFinish({ loginId: ke2.loginId, finishLoginRequest: fin.finishLoginRequest });
}

test("a session token does not outlive delete + re-enable (bound to the record ID, not the version)", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("alice");
  await client.enable("first", generateRootKey());
  const s = await session(tv, "alice", "first");
  await client.transport.recordDelete({ sessionToken: s.sessionToken });
  const again = await client.enable("second", generateRootKey());
  assert.equal(again.recordVersion, s.recordVersion, "the new record has the same version as the deleted one");
  await assert.rejects(client.transport.recordDelete({ sessionToken: s.sessionToken }), (e) => e instanceof VaultRequestError && e.code === "record_changed");
  // The attack of the review: put in a record whose password the token holder knows.
  const evil = await tv.client("alice");
  const reg = opaque.client.startRegistration({ password: "attacker" });
  const started = await evil.transport.registrationStart({ registrationRequest: reg.registrationRequest });
  const fin = opaque.client.finishRegistration({
    clientRegistrationState: reg.clientRegistrationState,
    registrationResponse: started.registrationResponse,
    password: "attacker",
    keyStretching: WEAK,
  });
  const body: RecordReplaceRequest = {
    sessionToken: s.sessionToken,
    registrationRecord: fin.registrationRecord,
    recordVersion: started.recordVersion,
    wrappedRootKey: { nonce: "A".repeat(16), ciphertext: "A".repeat(64) },
    keyStretching: { algorithm: "argon2id", memoryKiB: 8, iterations: 1, parallelism: 1 },
  };
  await assert.rejects(
    evil.transport.recordReplace(body),
    (e) => e instanceof VaultRequestError && e.code === "record_changed",
    "a well-formed replace with the old token",
  );
  assert.ok(await client.unlock("second"), "the owner's new record is intact");
});

for (const backend of ["sqlite", "postgres"] as const) {
  test(`${backend}: account IDs with lone surrogates are refused at the token, at minting and in the client`, async (t) => {
    if (backend === "postgres" && !needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return;
    const database = backend === "postgres" ? { kind: "postgres" as const, url: await createTestDatabase(t) } : undefined;
    const tv = await startTestVault(t, database ? { database } : {});
    const victim = await tv.client("x\ufffdy");
    await victim.enable("victim's password", generateRootKey());
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("x\ud800y")
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(tv.secret));
    for (const path of [VAULT_PATHS.status, VAULT_PATHS.head]) {
      const res = await fetch(tv.url + path, { headers: { authorization: `Bearer ${forged}` } });
      assert.equal(res.status, 401, `${path} with sub x\\ud800y`);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "unauthorized");
    }
    assert.equal(tv.logs.filter((l) => l.includes('"reason":"subject"')).length, 2, "refused as a bad subject");
    await assert.rejects(mintDevToken({ secret: tv.secret, account: "x\ud800y" }), TypeError);
    assert.throws(() => new VaultClient({ baseUrl: tv.url, token: () => forged, accountId: "x\udc00" }), TypeError);
    const viaToken = new VaultClient({ baseUrl: tv.url, token: () => forged, allowWeakKeyStretching: true });
    await assert.rejects(viaToken.enable("pw", generateRootKey()), TypeError, "the client refuses a token sub it cannot encode");
    assert.equal((await victim.status()).attemptsRemaining, 5, "the victim's record was not touched");
  });
}

test("KSF cross-field rule: m ≥ 8·p is enforced by the vault even with weak KSFs allowed", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("alice");
  await opaque.ready;
  const reg = opaque.client.startRegistration({ password: "pw" });
  const started = await client.transport.registrationStart({ registrationRequest: reg.registrationRequest });
  const fin = opaque.client.finishRegistration({
    clientRegistrationState: reg.clientRegistrationState,
    registrationResponse: started.registrationResponse,
    password: "pw",
    keyStretching: WEAK,
  });
  const body = {
    registrationRecord: fin.registrationRecord,
    recordVersion: started.recordVersion,
    wrappedRootKey: { nonce: "A".repeat(16), ciphertext: "A".repeat(64) },
    keyStretching: { algorithm: "argon2id" as const, memoryKiB: 8, iterations: 1, parallelism: 2 },
  };
  await assert.rejects(
    client.transport.registrationFinish(body),
    (e) => e instanceof VaultRequestError && e.code === "bad_request" && /8 × parallelism/.test(e.message),
  );
  assert.equal((await client.status()).state, "not_enabled");
  const ok = await client.transport.registrationFinish({ ...body, keyStretching: { ...body.keyStretching, memoryKiB: 16 } });
  assert.equal(ok.state, "enabled", "m = 8·p is the boundary and is accepted");
});

test("a production vault accepts only its own KSF, so the KSF shown says nothing about the account", async (t) => {
  const tv = await startTestVault(t, { allowWeakKeyStretching: false });
  const client = await tv.client("alice", {
    keyStretching: { algorithm: "argon2id", memoryKiB: 131072, iterations: 3, parallelism: 4 },
    allowWeakKeyStretching: false,
  });
  await assert.rejects(client.enable("pw", generateRootKey()), (e) => e instanceof VaultRequestError && e.code === "bad_request");
});

test("wrong and abandoned logins leave no sealed login state after expiry (injected clock)", async (t) => {
  const clock = new ManualClock();
  const tv = await startTestVault(t, { clock });
  const client = await tv.client("alice");
  await client.enable("right", generateRootKey());
  await assert.rejects(client.unlock("wrong"), WrongPasswordError); // wrong: no KE3 is ever sent
  await opaque.ready;
  await client.transport.loginStart({ startLoginRequest: opaque.client.startLogin({ password: "right" }).startLoginRequest }); // abandoned
  const sealed = () => {
    const db = new Database(`${tv.dir}/vault.db`, { readonly: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM vault_attempts WHERE sealed_state IS NOT NULL").get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  assert.equal(sealed(), 2, "both logins hold their state while they may still finish");
  clock.advance(tv.vault.config.policy.loginTtlMs - 1);
  await tv.vault.sweep();
  assert.equal(sealed(), 2, "not expired yet");
  clock.advance(1);
  await tv.vault.sweep();
  assert.equal(sealed(), 0, "the sweep erased both at expiry");
  assert.equal((await client.status()).recentAttempts.filter((a) => a.outcome === "unfinished").length, 2, "the attempts stay counted");
});

test("a record row changed behind the vault's back: 500, logged, counted, never reset", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("alice");
  await client.enable("right", generateRootKey());
  await assert.rejects(client.unlock("wrong"), WrongPasswordError);
  const db = new Database(`${tv.dir}/vault.db`);
  db.prepare("UPDATE vault_records SET consecutive_failures = 0, total_failures = 0 WHERE account_id = ?").run("alice");
  db.close();
  const res = await fetch(tv.url + VAULT_PATHS.status, { headers: { authorization: `Bearer ${await tv.token("alice")}` } });
  assert.equal(res.status, 500);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, "internal");
  await assert.rejects(client.unlock("right"), (e) => e instanceof VaultUnavailableError);
  assert.equal(tv.logs.filter((l) => l.includes("failed its integrity check") && l.includes('"account":"alice"') && l.includes('"level":50')).length, 2);
  assert.match(await (await fetch(tv.url + VAULT_PATHS.metrics)).text(), /vault_record_integrity_failures_total 2/);
  const raw = new Database(`${tv.dir}/vault.db`, { readonly: true });
  assert.equal((raw.prepare("SELECT total_failures AS n FROM vault_records").get() as { n: number }).n, 0, "the vault did not rewrite the row");
  raw.close();
});

test("upgrade: a database written by the previous revision is migrated at startup and its records keep working", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("alice");
  const rootKey = generateRootKey();
  await client.enable("pw", rootKey);
  await assert.rejects(client.unlock("wrong"), WrongPasswordError);
  await tv.vault.close();
  // Turn the database into what revision 1 wrote: no record ID, head key, state MAC or head signature.
  const db = new Database(`${tv.dir}/vault.db`);
  for (const [table, column] of [
    ["vault_records", "state_mac"],
    ["vault_records", "record_id"],
    ["vault_records", "head_key"],
    ["vault_heads", "signature"],
  ]) {
    db.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
  }
  db.exec("DROP TABLE vault_meta");
  db.close();
  const logs: string[] = [];
  const v2 = await startVaultServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: tv.dir,
    auth: { hs256Secret: tv.secret },
    allowWeakKeyStretching: true,
    rateLimit: false,
    sweepIntervalMs: 0,
    logger: createLogger({ level: "info", destination: new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }) }),
  });
  t.after(() => v2.close());
  assert.ok(logs.some((l) => l.includes("authenticated vault records written by an earlier version") && l.includes('"rows":1')));
  const c2 = new VaultClient({ baseUrl: v2.url, token: () => tv.token("alice"), keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true });
  assert.equal((await c2.status()).attemptsRemaining, 4, "counters carried over");
  assert.equal((await v2.store.getRecord("alice"))!.headKey, null);
  assert.ok(equalBytes((await c2.unlock("pw")).unsafeBytes(), rootKey.unsafeBytes()));
  assert.ok((await v2.store.getRecord("alice"))!.headKey, "the login registered the head key");
  await c2.advanceHead({ sequence: 1, digest: new Uint8Array(32).fill(1), rootKey });
  assert.equal((await c2.getVerifiedHead(rootKey)).sequence, 1);
});
