/**
 * Registration bodies (spec/threshold-vault.md §4): deterministic rebuild from K and O (repair),
 * the realm's MUST-check list, admin signatures bound to realm/account/op/body/time, and
 * secrets kept out of errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { RootKey, toBase64Url } from "@chatvault/format";
import { newRegistration, registrationsFor } from "./registration.ts";
import { registrationProblem } from "./registration-check.ts";
import { canonicalJson, signAdmin, verifyAdmin } from "./admin.ts";
import { deriveAdminSeed, adminPublicKeyOf } from "./derive.ts";
import { deriveHeadSigningKey } from "../head-proof.ts";
import { TINY_KSF } from "./testing/harness.ts";
import { RealmsWrongPasswordError, RealmsUnavailableError } from "./errors.ts";

const K = new RootKey(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const realmSet = { threshold: 2, realms: [1, 2, 3].map((k) => ({ id: toBase64Url(new Uint8Array(16).fill(k)), url: `https://r${k}.test` })) };

async function fresh() {
  return newRegistration({ password: "pw", rootKey: K, accountId: "a", realmSet, version: 1, ksf: TINY_KSF });
}

test("every realm's body is rebuilt bit for bit from K, O, the params and E (repair)", async () => {
  const reg = await fresh();
  assert.deepEqual(registrationsFor(K, reg.output, reg.params, reg.wrappedRootKey), reg.registrations);
  const bodies = reg.registrations;
  assert.equal(new Set(bodies.map((b) => b.wrappedRootKey)).size, 1, "same E everywhere");
  assert.equal(new Set(bodies.map((b) => b.unlockCheck)).size, 1);
  assert.equal(new Set(bodies.map((b) => b.unlockTag)).size, 3, "unlock tags are per realm");
  assert.deepEqual(
    bodies.map((b) => b.shareIndex),
    [1, 2, 3],
  );
  assert.equal(bodies[0]!.headPublicKey, toBase64Url(deriveHeadSigningKey(K.unsafeBytes()).publicKey));
  assert.equal(bodies[0]!.adminPublicKey, toBase64Url(adminPublicKeyOf(deriveAdminSeed(K.unsafeBytes()))));
  const other = await fresh();
  assert.notEqual(other.registrations[0]!.registrationId, bodies[0]!.registrationId);
  assert.notEqual(other.registrations[0]!.oprfKeyShare, bodies[0]!.oprfKeyShare, "new rid, new polynomials");
});

test("a realm refuses registrations that fail the §4.2 list", async () => {
  const b = (await fresh()).registrations[0]!;
  const opts = { realmId: b.realmId };
  assert.equal(registrationProblem(b, opts), null);
  const bad: [string, unknown][] = [
    ["another realm", { ...b, realmId: toBase64Url(new Uint8Array(16).fill(9)) }],
    ["public share of another key", { ...b, oprfPublicShare: (await fresh()).registrations[0]!.oprfPublicShare }],
    ["non-canonical scalar", { ...b, oprfKeyShare: toBase64Url(new Uint8Array(32).fill(255)) }],
    ["zero wrap share", { ...b, wrapShare: toBase64Url(new Uint8Array(32)) }],
    ["share index > n", { ...b, shareIndex: 4 }],
    ["threshold > n", { ...b, threshold: 4 }],
    ["n > 9", { ...b, realmCount: 10 }],
    ["ksf m < 8p", { ...b, ksf: { memoryKiB: 8, iterations: 1, parallelism: 2 } }],
    ["E of 59 bytes", { ...b, wrappedRootKey: toBase64Url(new Uint8Array(59)) }],
    ["missing field", { ...b, shareTag: undefined }],
    ["version 0", { ...b, version: 0 }],
  ];
  for (const [why, x] of bad) assert.notEqual(registrationProblem(x, opts), null, why);
  assert.notEqual(registrationProblem(b, { ...opts, minimumKsf: { memoryKiB: 65536, iterations: 3 } }), null, "below the realm's floor");
});

test("admin signatures bind realm, account, op, body and time; canonical JSON sorts keys", () => {
  const seed = deriveAdminSeed(K.unsafeBytes());
  const pk = adminPublicKeyOf(seed);
  const realm = new Uint8Array(16).fill(1);
  const body = { op: "commit" as const, target: { version: 2, registrationId: "AAAAAAAAAAAAAAAAAAAAAA" } };
  const sig = signAdmin(seed, realm, "alice", body, 1000);
  assert.ok(verifyAdmin(pk, sig, realm, "alice", body, 1000));
  assert.ok(!verifyAdmin(pk, sig, new Uint8Array(16).fill(2), "alice", body, 1000));
  assert.ok(!verifyAdmin(pk, sig, realm, "bob", body, 1000));
  assert.ok(!verifyAdmin(pk, sig, realm, "alice", { ...body, op: "abort" }, 1000));
  assert.ok(!verifyAdmin(pk, sig, realm, "alice", { ...body, target: { ...body.target, version: 3 } }, 1000));
  assert.ok(!verifyAdmin(pk, sig, realm, "alice", body, 1001));
  assert.ok(!verifyAdmin(pk, new Uint8Array(64), realm, "alice", body, 1000));
  assert.equal(canonicalJson({ b: 1, a: { d: [1, "x"], c: null } }), '{"a":{"c":null,"d":[1,"x"]},"b":1}');
  assert.throws(() => canonicalJson({ a: 1.5 }), TypeError);
});

test("errors and keys never print secrets", async () => {
  const reg = await fresh();
  const e1 = new RealmsWrongPasswordError(3, null, [{ id: "x", url: "u", status: "ok" }]);
  const e2 = new RealmsUnavailableError([{ id: "x", url: "u", status: "unreachable" }], 2);
  for (const e of [e1, e2]) {
    const s = `${e.message} ${inspect(e)}`;
    for (const secret of [reg.registrations[0]!.oprfKeyShare, reg.registrations[0]!.wrapShare, "pw"]) assert.ok(!s.includes(secret));
  }
  assert.equal(e1.code, "wrong_password");
  assert.equal(e2.code, "realms_unavailable");
  assert.equal(String(deriveHeadSigningKey(K.unsafeBytes())), "[redacted]");
  assert.ok(!inspect(K).includes("1,2,3"));
});
