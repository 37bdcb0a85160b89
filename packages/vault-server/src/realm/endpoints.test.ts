/**
 * The realm endpoints in one process (spec/threshold-vault.md §5): info, register,
 * phase 1–3, count before answer, reset on a correct unlock proof, no reset on a wrong
 * one, abandoned attempts stay spent, admin ops with signatures, head with signatures.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { equalBytes, fromBase64Url, toBase64Url } from "@chatvault/format";
import { startTestVault } from "../test-vault.ts";
import { REALM_PATHS } from "./protocol.ts";
import { Point, RealmDriver, adminOp, buildRegistration, guess, recoverByHand, signedHead } from "./test-realm.ts";

async function realms(t: import("node:test").TestContext, n = 3, account = "alice") {
  const vaults = await Promise.all(Array.from({ length: n }, () => startTestVault(t, { testClock: true })));
  return Promise.all(vaults.map(async (v) => RealmDriver.connect(v.url, await v.token(account))));
}

test("info: protocol name and a 16-byte realm ID, no token needed; other endpoints need one", async (t) => {
  const tv = await startTestVault(t);
  const info = (await (await fetch(tv.url + REALM_PATHS.info)).json()) as { protocol: string; realmId: string };
  assert.equal(info.protocol, "chatvault-realm/2");
  assert.equal(fromBase64Url(info.realmId).length, 16);
  const noToken = await fetch(tv.url + REALM_PATHS.record);
  assert.equal(noToken.status, 401);
  assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, "unauthorized");
});

test("register 2-of-3, recover with the password, wrong password spends one guess per realm and does not reset", async (t) => {
  const rs = await realms(t);
  const reg = await buildRegistration(rs, 2, "alice", "correct horse");
  for (const [i, r] of rs.entries()) assert.equal((await r.register(reg.registrations[i]!)).status, 200);
  const again = await rs[0]!.register(reg.registrations[0]!);
  assert.equal(again.status, 409);
  assert.equal(again.body.error?.code, "already_enabled");
  const rec = (await rs[0]!.record()).body;
  assert.equal(rec.state, "active");
  assert.equal(rec.attemptsRemaining, 5);
  assert.ok(!("oprfKeyShare" in rec.current!) && !("unlockCheck" in rec.current!), "phase 1 holds no secret part");
  const info = rec.current!;

  assert.equal(await recoverByHand(rs, "alice", "wrong horse", info), "wrong_password");
  assert.equal(await recoverByHand(rs, "alice", "wrong horse", info), "wrong_password");
  for (const r of rs) assert.equal((await r.record()).body.attemptsRemaining, 3, "two wrong guesses counted, not reset");

  const K = await recoverByHand(rs, "alice", "correct horse", info);
  assert.ok(K !== "wrong_password" && equalBytes(K.unsafeBytes(), reg.rootKey.unsafeBytes()));
  for (const r of rs) assert.equal((await r.record()).body.attemptsRemaining, 5, "a correct unlock proof resets the count");
});

test("phase 3: a wrong unlock tag fails and stays counted; an abandoned attempt stays spent; a used attempt cannot be reused", async (t) => {
  const rs = await realms(t, 3);
  const reg = await buildRegistration(rs, 2, "alice", "pw");
  for (const [i, r] of rs.entries()) await r.register(reg.registrations[i]!);
  const info = (await rs[0]!.record()).body.current!;
  const g = await guess(rs, "alice", "pw", info);
  const bad = await rs[0]!.unlock(g.answered[0]!.attemptId, new Uint8Array(32));
  assert.equal(bad.status, 403);
  assert.equal(bad.body.error?.code, "unlock_failed");
  const reuse = await rs[0]!.unlock(g.answered[0]!.attemptId, new Uint8Array(32));
  assert.equal(reuse.body.error?.code, "attempt_expired", "a failed attempt is settled");
  assert.equal((await rs[0]!.record()).body.attemptsRemaining, 4);
  assert.equal((await rs[1]!.record()).body.attemptsRemaining, 4, "abandoned (no phase 3) stays spent");
  const unknown = await rs[0]!.unlock("A".repeat(22), new Uint8Array(32));
  assert.equal(unknown.body.error?.code, "attempt_expired");
});

test("proof (§5.4.1): verifies for the stored element, spends nothing, settles the attempt, one per attempt, bound to the account", async (t) => {
  const vaults = await Promise.all(Array.from({ length: 3 }, () => startTestVault(t, { testClock: true })));
  const rs = await Promise.all(vaults.map(async (v) => RealmDriver.connect(v.url, await v.token("alice"))));
  const reg = await buildRegistration(rs, 2, "alice", "pw");
  for (const [i, r] of rs.entries()) await r.register(reg.registrations[i]!);
  const info = (await rs[0]!.record()).body.current!;
  const g = await guess(rs, "alice", "nope", info, undefined, { proofs: true }); // throws unless every proof verifies against Y_i
  assert.equal(g.answered.length, 3);
  for (const r of rs) assert.equal((await r.record()).body.attemptsRemaining, 4, "the guess was counted once; the proof spent nothing");
  const again = await rs[0]!.proof(g.answered[0]!.attemptId);
  assert.equal(again.body.error?.code, "attempt_expired", "one proof per attempt: the first ask settled it");
  const unlockAfter = await rs[1]!.unlock(g.answered[1]!.attemptId, new Uint8Array(32));
  assert.equal(unlockAfter.body.error?.code, "attempt_expired", "an attempt whose proof was asked cannot be unlocked");
  assert.equal((await rs[0]!.proof("A".repeat(22))).body.error?.code, "attempt_expired");
  // Another account cannot ask for alice's attempt's proof.
  const other = await guess(rs, "alice", "pw", info);
  const bob = new RealmDriver(rs[0]!.url, rs[0]!.realmId, await vaults[0]!.token("bob"));
  assert.equal((await bob.proof(other.answered[0]!.attemptId)).body.error?.code, "not_enabled");
  assert.equal((await rs[0]!.proof(other.answered[0]!.attemptId)).status, 200, "still pending for alice");
  // Concurrent asks for one attempt: exactly one proof is computed (the attempt row is locked and settled).
  const third = await guess(rs, "alice", "nope", info);
  const asks = await Promise.all(Array.from({ length: 6 }, () => rs[2]!.proof(third.answered[2]!.attemptId)));
  assert.deepEqual(asks.map((x) => x.status).sort(), [200, 409, 409, 409, 409, 409]);
  for (const body of [{}, { attemptId: "A".repeat(22), blinded: toBase64Url(Point.BASE.toBytes()) }, { attemptId: "short" }]) {
    assert.equal((await rs[0]!.call("POST", REALM_PATHS.proof, body)).body.error?.code, "bad_request", JSON.stringify(body));
  }
});

test("five wrong guesses lock every realm; the lock says until when", async (t) => {
  const rs = await realms(t, 3);
  const reg = await buildRegistration(rs, 2, "alice", "pw");
  for (const [i, r] of rs.entries()) await r.register(reg.registrations[i]!);
  const info = (await rs[0]!.record()).body.current!;
  for (let i = 0; i < 5; i++) await guess(rs, "alice", "nope", info);
  const g = await guess(rs, "alice", "nope", info);
  assert.deepEqual(g.statuses, [423, 423, 423]);
  const rec = (await rs[0]!.record()).body;
  assert.equal(rec.attemptsRemaining, 0);
  assert.ok(rec.lockedUntil! > Date.now() + 3_500_000);
});

test("evaluate: unknown account 404 not_enabled, wrong version 409, invalid point 400 — none counted", async (t) => {
  const rs = await realms(t, 1);
  const r = rs[0]!;
  const ref = { version: 1, registrationId: "A".repeat(22) };
  const blinded = Point.BASE.multiply(7n).toBytes();
  assert.equal((await r.evaluate(ref, blinded)).body.error?.code, "not_enabled");
  const reg = await buildRegistration(rs, 1, "alice", "pw");
  await r.register(reg.registrations[0]!);
  assert.equal((await r.evaluate(ref, blinded)).body.error?.code, "version_mismatch");
  const info = (await r.record()).body.current!;
  const zero = await r.evaluate({ version: info.version, registrationId: info.registrationId }, new Uint8Array(32));
  assert.equal(zero.status, 400);
  assert.equal((await r.record()).body.attemptsRemaining, 5);
});

test("admin: prepare/commit a password change; replay, stale clock, wrong key refused; delete keeps head", async (t) => {
  const rs = await realms(t, 3);
  const v1 = await buildRegistration(rs, 2, "alice", "old pw");
  for (const [i, r] of rs.entries()) await r.register(v1.registrations[i]!);
  const info1 = (await rs[0]!.record()).body.current!;
  const ref1 = { version: 1, registrationId: info1.registrationId };
  const v2 = await buildRegistration(rs, 2, "alice", "new pw", v1.rootKey, 2);
  const ref2 = { version: 2, registrationId: v2.registrations[0]!.registrationId };
  const now = Date.now();
  for (const [i, r] of rs.entries()) assert.equal((await adminOp(r, v1.rootKey, "alice", "prepare", ref1, v2.registrations[i]!, now)).status, 200);
  const replay = await adminOp(rs[0]!, v1.rootKey, "alice", "prepare", ref1, v2.registrations[0]!, now);
  assert.equal(replay.body.error?.code, "admin_stale");
  const old = await adminOp(rs[0]!, v1.rootKey, "alice", "commit", ref2, undefined, now - 10 * 60_000);
  assert.equal(old.body.error?.code, "admin_stale");
  const other = await buildRegistration(rs, 2, "alice", "x");
  const forged = await adminOp(rs[0]!, other.rootKey, "alice", "commit", ref2, undefined, now + 1);
  assert.equal(forged.body.error?.code, "admin_signature_invalid");
  // Both versions are held: the old password still works (never neither).
  const rec = (await rs[0]!.record()).body;
  assert.equal(rec.current?.version, 1);
  assert.equal(rec.next?.version, 2);
  assert.notEqual(await recoverByHand(rs, "alice", "old pw", info1), "wrong_password");
  for (const r of rs) assert.equal((await adminOp(r, v1.rootKey, "alice", "commit", ref2, undefined, Date.now() + 5)).status, 200);
  const info2 = (await rs[0]!.record()).body.current!;
  assert.equal(info2.version, 2);
  assert.equal((await guess(rs, "alice", "old pw", info1)).statuses.join(), "409,409,409", "the old registration is gone");
  assert.notEqual(await recoverByHand(rs, "alice", "new pw", info2), "wrong_password");

  // Head: signed by K's head key; forged or older refused.
  const h = signedHead(v1.rootKey, "alice", 3);
  assert.equal((await rs[0]!.call("POST", REALM_PATHS.head, h)).status, 200);
  const forgedHead = signedHead(other.rootKey, "alice", 4);
  assert.equal((await rs[0]!.call("POST", REALM_PATHS.head, forgedHead)).status, 403);
  const older = await rs[0]!.call("POST", REALM_PATHS.head, signedHead(v1.rootKey, "alice", 2));
  assert.equal(older.body.error?.code, "head_conflict");
  assert.deepEqual((await rs[0]!.head()).body, h);

  const del = await adminOp(rs[0]!, v1.rootKey, "alice", "delete", { version: 2, registrationId: info2.registrationId }, undefined, Date.now() + 10);
  assert.equal(del.status, 200);
  const after = (await rs[0]!.record()).body;
  assert.equal(after.state, "none");
  assert.equal(after.current, null);
  assert.deepEqual((await rs[0]!.head()).body, h, "the head stays after delete");
});
