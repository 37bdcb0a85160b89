/**
 * Count before answer (spec/threshold-vault.md §5.4), staged deterministically: while
 * another process holds the realm database's write lock, no evaluation leaves (the count
 * cannot commit); once it can, the evaluation leaves and the count is there. And an
 * evaluation that left is durable: the realm process killed (SIGKILL) right after its
 * answer restarts with the attempt counted.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { fromBase64Url, utf8 } from "@chatvault/format";
import { oprfInput, voprf } from "../../../vault-protocol/src/threshold/derive.ts";
import { stretchPassword } from "../../../vault-protocol/src/threshold/ksf.ts";
import { startRealms } from "./realm-processes.ts";
import { buildRegistration } from "./test-realm.ts";

/** One SQLite realm process with alice registered; the OPRF input of a wrong password and the registration's reference. */
async function enrolledRealm(t: TestContext) {
  const realms = await startRealms(t, [{ database: "sqlite" }]);
  if (!realms) return null;
  const realm = realms[0]!;
  const d = await realm.driver("alice");
  const reg = await buildRegistration([d], 1, "alice", "pw");
  assert.equal((await d.register(reg.registrations[0]!)).status, 200);
  const info = (await d.record()).body.current!;
  const input = oprfInput("alice", await stretchPassword(utf8("wrong"), fromBase64Url(info.salt), { algorithm: "argon2id", ...info.ksf }));
  return { realm, d, input, ref: { version: info.version, registrationId: info.registrationId } };
}

test("no evaluation leaves before its count commits; a released evaluation survives SIGKILL as a counted attempt", async (t) => {
  const enrolled = await enrolledRealm(t);
  if (!enrolled) return;
  const { realm, input, ref } = enrolled;
  let d = enrolled.d;

  // Another process (this test) takes SQLite's write lock: the realm cannot commit a count.
  const db = new Database(realm.sqlitePath!);
  t.after(() => db.close());
  db.exec("BEGIN IMMEDIATE");
  let answered = false;
  const pending = d.evaluate(ref, voprf.blind(input).blinded).then((a) => ((answered = true), a));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(answered, false, "no evaluation while the count cannot commit");
  db.exec("COMMIT");
  const a = await pending;
  assert.equal(a.status, 200);
  assert.equal(a.body.attemptsRemaining, 4);

  // An answer that left means a committed count, even if the process dies at once.
  const b = await d.evaluate(ref, voprf.blind(input).blinded);
  assert.equal(b.status, 200);
  await realm.kill();
  await realm.restart();
  d = await realm.driver("alice");
  assert.equal((await d.record()).body.attemptsRemaining, 3, "both released evaluations are counted after SIGKILL and restart");
});

test("recover/start (§5.3.1) counts in the same way: no evaluation before the count commits, and it survives SIGKILL", async (t) => {
  const enrolled = await enrolledRealm(t);
  if (!enrolled) return;
  const { realm, input, ref } = enrolled;
  let d = enrolled.d;

  const db = new Database(realm.sqlitePath!);
  t.after(() => db.close());
  db.exec("BEGIN IMMEDIATE");
  let answered = false;
  const pending = d.start(ref, voprf.blind(input).blinded).then((a) => ((answered = true), a));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(answered, false, "no answer (view or evaluation) while the count cannot commit");
  db.exec("COMMIT");
  const a = await pending;
  assert.equal(a.status, 200);
  assert.equal(a.body.evaluation?.attemptsRemaining, 4);

  const b = await d.start(ref, voprf.blind(input).blinded);
  assert.equal(b.body.evaluation?.attemptsRemaining, 3);
  await realm.kill();
  await realm.restart();
  d = await realm.driver("alice");
  assert.equal((await d.record()).body.attemptsRemaining, 3, "both released start evaluations are counted after SIGKILL and restart");
});
