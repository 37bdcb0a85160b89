/**
 * `POST /realm/v1/recover/start` (spec/threshold-vault.md §5.3.1, chatvault-realm/3) at a real
 * realm: the record view `/record` would give, and a counted evaluation only for the current
 * registration with no next while the policy lets an attempt start; every other case spends
 * nothing; the attempt is a normal one (unlock, proof); `/info` keeps the v2 name for v2 clients.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { equalBytes, fromBase64Url, toBase64Url, utf8 } from "@chatvault/format";
import { oprfInput, voprf, deriveUnlockKey, finalizeCombined, unlockCheck, unlockTag } from "../../../vault-protocol/src/threshold/derive.ts";
import { stretchPassword } from "../../../vault-protocol/src/threshold/ksf.ts";
import { interpolateScalar, scalarFromBytes } from "../../../vault-protocol/src/threshold/shamir.ts";
import { openWrappedRootKey } from "../../../vault-protocol/src/threshold/registration.ts";
import { startTestVault } from "../test-vault.ts";
import { REALM_PATHS } from "./protocol.ts";
import { Point, RealmDriver, adminOp, buildRegistration, guess } from "./test-realm.ts";
import type { RegistrationInfo } from "./state.ts";

async function realms(t: import("node:test").TestContext, n = 3, account = "alice") {
  const vaults = await Promise.all(Array.from({ length: n }, () => startTestVault(t, { testClock: true })));
  return Promise.all(vaults.map(async (v) => RealmDriver.connect(v.url, await v.token(account))));
}

async function enrolled(t: import("node:test").TestContext, password = "pw") {
  const rs = await realms(t);
  const reg = await buildRegistration(rs, 2, "alice", password);
  for (const [i, r] of rs.entries()) assert.equal((await r.register(reg.registrations[i]!)).status, 200);
  const info = (await rs[0]!.record()).body.current!;
  return { rs, reg, info, ref: { version: info.version, registrationId: info.registrationId } };
}

async function blindFor(password: string, info: RegistrationInfo) {
  const input = oprfInput("alice", await stretchPassword(utf8(password), fromBase64Url(info.salt), { algorithm: "argon2id", ...info.ksf }));
  return { input, ...voprf.blind(input) };
}

test("info: v2's protocol name, and versions listing chatvault-realm/3", async (t) => {
  const tv = await startTestVault(t);
  const info = (await (await fetch(tv.url + REALM_PATHS.info)).json()) as { protocol: string; versions: string[] };
  assert.equal(info.protocol, "chatvault-realm/2");
  assert.deepEqual(info.versions, ["chatvault-realm/2", "chatvault-realm/3"]);
});

test("start for the current registration: the pre-count view, a counted evaluation, and K from two starts and two unlocks", async (t) => {
  const { rs, reg, info, ref } = await enrolled(t);
  const g = await blindFor("pw", info);
  const [a, b] = await Promise.all([rs[0]!.start(ref, g.blinded), rs[1]!.start(ref, g.blinded)]);
  for (const x of [a, b]) {
    assert.equal(x.status, 200);
    assert.equal(x.body.record.attemptsRemaining, 5, "the view is what /record answered before this request");
    assert.equal(x.body.record.current!.registrationId, info.registrationId);
    assert.equal(x.body.evaluation!.attemptsRemaining, 4, "counted");
  }
  assert.equal((await rs[2]!.record()).body.attemptsRemaining, 5);
  const ev = [a, b].map((x, k) => ({ index: k + 1, e: Point.fromBytes(fromBase64Url(x.body.evaluation!.evaluated)) }));
  // Lagrange at 0 for {1, 2}: λ1 = 2, λ2 = −1.
  const combined = ev[0]!.e.multiply(2n).subtract(ev[1]!.e).toBytes();
  const O = finalizeCombined(g.input, g.blind, combined);
  const rid = fromBase64Url(info.registrationId);
  const uk = deriveUnlockKey(O, rid);
  assert.equal(toBase64Url(unlockCheck(uk, "alice", info.version)), a.body.evaluation!.unlockCheck);
  const shares: { index: number; share: bigint }[] = [];
  let E: Uint8Array = new Uint8Array();
  for (const [k, x] of [a, b].entries()) {
    const u = await rs[k]!.unlock(x.body.evaluation!.attemptId, unlockTag(uk, fromBase64Url(rs[k]!.realmId), "alice", info.version));
    assert.equal(u.status, 200);
    shares.push({ index: k + 1, share: scalarFromBytes(fromBase64Url(u.body.wrapShare)) });
    E = fromBase64Url(u.body.wrappedRootKey);
  }
  const K = await openWrappedRootKey(E, O, interpolateScalar(shares), { accountId: "alice", registrationId: rid, version: info.version });
  assert.ok(K && equalBytes(K.unsafeBytes(), reg.rootKey.unsafeBytes()));
  for (const r of rs.slice(0, 2)) assert.equal((await r.record()).body.attemptsRemaining, 5, "reset by the unlock proof");
});

test("a start attempt is an ordinary attempt: its proof can be asked once (§5.4.1)", async (t) => {
  const { rs, info, ref } = await enrolled(t);
  const g = await blindFor("wrong", info);
  const a = await rs[0]!.start(ref, g.blinded);
  const p = await rs[0]!.proof(a.body.evaluation!.attemptId);
  assert.equal(p.status, 200);
  assert.equal(fromBase64Url(p.body.proof).length, 64);
  assert.equal((await rs[0]!.proof(a.body.evaluation!.attemptId)).body.error?.code, "attempt_expired");
});

test("start spends nothing for a stale or unknown registration, a next held, a lock, or an unknown account", async (t) => {
  const { rs, reg, info, ref } = await enrolled(t);
  const g = await blindFor("pw", info);
  // Stale: another registration ID, another version.
  for (const stale of [
    { ...ref, registrationId: toBase64Url(new Uint8Array(16).fill(1)) },
    { ...ref, version: ref.version + 1 },
  ]) {
    const x = await rs[0]!.start(stale, g.blinded);
    assert.equal(x.status, 200);
    assert.equal(x.body.evaluation, null);
    assert.deepEqual(x.body.record, (await rs[0]!.record()).body);
  }
  assert.equal((await rs[0]!.record()).body.attemptsRemaining, 5);

  // An unknown account: the same answer as /record's, no evaluation (nothing /record does not tell).
  const tv = await startTestVault(t, { testClock: true });
  const bob = await RealmDriver.connect(tv.url, await tv.token("bob"));
  const none = await bob.start(ref, g.blinded);
  assert.equal(none.status, 200);
  assert.equal(none.body.evaluation, null);
  assert.deepEqual(none.body.record, (await bob.record()).body);
  assert.equal(none.body.record.state, "none");

  // A next held (an unfinished change at this realm): the current is not evaluated.
  const v2 = await buildRegistration(rs, 2, "alice", "new pw", reg.rootKey, 2);
  assert.equal((await adminOp(rs[1]!, reg.rootKey, "alice", "prepare", ref, v2.registrations[1]!)).status, 200);
  const withNext = await rs[1]!.start(ref, g.blinded);
  assert.equal(withNext.body.evaluation, null);
  assert.equal(withNext.body.record.next!.version, 2);
  assert.equal((await rs[1]!.record()).body.attemptsRemaining, 5);

  // Locked after five wrong guesses: the view shows the lock, nothing more is counted.
  for (let i = 0; i < 5; i++) await guess([rs[2]!], "alice", "wrong", info, [3]);
  const locked = await rs[2]!.start(ref, g.blinded);
  assert.equal(locked.body.evaluation, null);
  assert.ok(locked.body.record.lockedUntil !== null);
  assert.deepEqual(locked.body.record, (await rs[2]!.record()).body);
});

test("start refuses a malformed body before counting: bad element, unknown field, missing field", async (t) => {
  const { rs, info, ref } = await enrolled(t);
  const g = await blindFor("pw", info);
  const identity = new Uint8Array(32);
  assert.equal((await rs[0]!.start(ref, identity)).body.error?.code, "bad_request");
  const extra = await rs[0]!.call("POST", REALM_PATHS.start, { ...ref, blinded: toBase64Url(g.blinded), more: 1 });
  assert.equal(extra.status, 400);
  const missing = await rs[0]!.call("POST", REALM_PATHS.start, { version: ref.version, blinded: toBase64Url(g.blinded) });
  assert.equal(missing.status, 400);
  assert.equal((await rs[0]!.record()).body.attemptsRemaining, 5);
});
