/**
 * The one conformance suite every `VaultRepository` passes (spec/vault-protocol.md §10).
 * `sqlite.test.ts` and `postgres.test.ts` run it; a new backend adds one such file.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_POLICY } from "../policy.ts";
import type { AttemptRow, VaultRepository } from "./repository.ts";
import { createRecord, deleteRecord, destroyIfExhausted, finishAttempt, replaceRecord, startAttempt } from "./record-transitions.ts";
import { authenticatedRepository } from "./authenticated.ts";
import { KS, type RawSql, type RepositoryFactory, TEST_CRYPTO, bytes, create, newRecordId } from "./conformance-fixtures.ts";
import { integrityConformance } from "./conformance-integrity.ts";
import { historyConformance } from "./conformance-history.ts";

async function enabled(repo: VaultRepository, accountId: string, now = 1000) {
  const r = await create(repo, accountId, { now });
  assert.deepEqual(r, { kind: "created", version: 1 });
  return (await repo.getRecord(accountId))!.recordId!;
}

let n = 0;
const start = (repo: VaultRepository, accountId: string, now: number, version = 1) =>
  startAttempt(repo, { accountId, expectedVersion: version, now, policy: DEFAULT_POLICY, loginId: `login-${++n}-${Math.random()}`, sealedState: bytes(32, 9) });

export function repositoryConformance(name: string, make: RepositoryFactory): void {
  const withRepo = (title: string, fn: (repo: VaultRepository, t: TestContext, sql: RawSql, raw: VaultRepository) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const made = await make(t);
      if (!made) return;
      await made.repo.migrate();
      await made.repo.migrate(); // idempotent
      t.after(() => made.repo.close());
      await fn(authenticatedRepository(made.repo, TEST_CRYPTO), t, made.sql, made.repo);
    });
  integrityConformance(withRepo);
  historyConformance(withRepo);

  withRepo("create, read, exists, version rules", async (repo) => {
    assert.equal(await repo.getRecord("a"), null);
    assert.deepEqual(await create(repo, "a", { version: 2, now: 1 }), { kind: "version_mismatch", expected: 1 });
    await enabled(repo, "a");
    const r = (await repo.getRecord("a"))!;
    assert.equal(r.state, "active");
    assert.equal(r.version, 1);
    assert.deepEqual([...r.sealedRecord!], [...bytes(64)]);
    assert.equal(r.keyStretching, KS);
    assert.deepEqual(await create(repo, "a", { version: 2, now: 2 }), { kind: "exists" });
  });

  withRepo("attempts are counted; the 6th start is refused while locked", async (repo) => {
    await enabled(repo, "b");
    const kinds = [];
    for (let i = 0; i < 6; i++) kinds.push((await start(repo, "b", 2000)).kind);
    assert.deepEqual(kinds, ["released", "released", "released", "released", "released", "locked"]);
    const r = (await repo.getRecord("b"))!;
    assert.equal(r.consecutiveFailures, 5);
    assert.equal(r.lockedUntil, 2000 + DEFAULT_POLICY.lockBaseMs);
    assert.equal((await repo.recentAttempts("b", 10)).length, 5);
  });

  withRepo("100 parallel starts release exactly maxAttempts", async (repo) => {
    await enabled(repo, "c");
    const results = await Promise.all(Array.from({ length: 100 }, () => start(repo, "c", 3000)));
    assert.equal(results.filter((r) => r.kind === "released").length, DEFAULT_POLICY.maxAttempts);
    assert.equal(results.filter((r) => r.kind === "locked").length, 100 - DEFAULT_POLICY.maxAttempts);
  });

  withRepo("starts decided on a row read earlier (expected) still count exactly once each", async (repo, _t, sql) => {
    await enabled(repo, "x");
    const read = (await repo.getRecord("x"))!;
    const withExpected = (expected: typeof read, now: number) => startAttempt(repo, {
      accountId: "x", expectedVersion: 1, now, policy: DEFAULT_POLICY, loginId: `x-${++n}-${Math.random()}`, sealedState: bytes(32, 9), expected,
    });
    const first = await withExpected(read, 100);
    assert.equal(first.kind === "released" && first.attemptsRemaining, 4);
    // The same, now stale, row again: the count goes on from the stored row, not from the stale one.
    const second = await withExpected(read, 101);
    assert.equal(second.kind === "released" && second.attemptsRemaining, 3);
    assert.equal((await repo.getRecord("x"))!.consecutiveFailures, 2);
    const fresh = (await repo.getRecord("x"))!;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => withExpected(fresh, 200 + i)));
    assert.equal(results.filter((r) => r.kind === "released").length, DEFAULT_POLICY.maxAttempts - 2);
    assert.equal(results.filter((r) => r.kind === "locked").length, 50 - (DEFAULT_POLICY.maxAttempts - 2));
    assert.equal((await sql("SELECT * FROM vault_attempts WHERE account_id = ?", ["x"])).length, DEFAULT_POLICY.maxAttempts);
    const stored = (await repo.getRecord("x"))!;
    assert.equal(stored.consecutiveFailures, DEFAULT_POLICY.maxAttempts);
    assert.notEqual(stored.lockedUntil, null);
  });

  withRepo("a start decided on a remembered row of a record since deleted and enabled again (same version) is stale, not counted", async (repo, _t, sql) => {
    const oldId = await enabled(repo, "y");
    const remembered = repo.rememberedRecord?.("y") ?? (await repo.getRecord("y"))!;
    assert.equal(remembered.recordId, oldId);
    // Another process deletes the record and enables a new one: the keyed first version again, another record.
    assert.equal((await deleteRecord(repo, { accountId: "y", recordId: oldId, version: 1 })).kind, "deleted");
    assert.deepEqual(await create(repo, "y", { now: 2000, sealedRecord: bytes(64, 8) }), { kind: "created", version: 1 });
    const r = await startAttempt(repo, {
      accountId: "y", expectedVersion: 1, now: 3000, policy: DEFAULT_POLICY, loginId: `y-${++n}`, sealedState: bytes(32, 9), expected: remembered,
    });
    assert.equal(r.kind, "stale"); // KE2 from the old registration record must not leave
    assert.equal((await sql("SELECT * FROM vault_attempts WHERE account_id = ?", ["y"])).length, 0);
    assert.equal((await repo.getRecord("y"))!.consecutiveFailures, 0);
  });

  withRepo("a login started in this process and settled in another: the remembered pair does not settle it again", async (repo, _t, sql, raw) => {
    await enabled(repo, "z");
    const loginId = `z-${++n}`;
    assert.equal((await startAttempt(repo, { accountId: "z", expectedVersion: 1, now: 100, policy: DEFAULT_POLICY, loginId, sealedState: bytes(32, 9) })).kind, "released");
    const other = authenticatedRepository(raw, TEST_CRYPTO); // another vault process on the same database
    const theirs = await other.getLogin("z", loginId);
    const won = await finishAttempt(other, { accountId: "z", loginId, recordVersion: 1, verified: true, now: 150, expected: { record: theirs.record!, attempt: theirs.attempt! } });
    assert.equal(won.kind, "success");
    const mine = await repo.getLogin("z", loginId); // may be this process' memory: still "pending"
    assert.ok(mine.attempt && mine.record);
    const again = await finishAttempt(repo, { accountId: "z", loginId, recordVersion: 1, verified: false, now: 160, expected: { record: mine.record, attempt: mine.attempt } });
    assert.equal(again.kind, "expired");
    const rows = await sql("SELECT outcome FROM vault_attempts WHERE login_id = ?", [loginId]);
    assert.deepEqual(rows.map((r) => r.outcome), ["success"]);
    assert.equal((await repo.getRecord("z"))!.consecutiveFailures, 0);
  });

  withRepo("a login started here and abandoned: its sealed state leaves memory at the sweep after expiry, as it leaves the row", async (repo) => {
    await enabled(repo, "w");
    const loginId = `w-${++n}`;
    const r = await startAttempt(repo, { accountId: "w", expectedVersion: 1, now: 100, policy: DEFAULT_POLICY, loginId, sealedState: bytes(32, 9) });
    assert.equal(r.kind, "released");
    assert.notEqual((await repo.getLogin("w", loginId)).attempt?.sealedState ?? null, null);
    const expiresAt = r.kind === "released" ? r.expiresAt : 0;
    await repo.eraseExpiredLoginStates(expiresAt, 500);
    assert.equal((await repo.getLogin("w", loginId)).attempt?.sealedState, null);
  });

  withRepo("finishes decided on the record and attempt read earlier (getLogin) settle exactly once", async (repo, _t, sql) => {
    await enabled(repo, "f");
    const loginId = `f-${Math.random()}`;
    assert.equal((await startAttempt(repo, { accountId: "f", expectedVersion: 1, now: 100, policy: DEFAULT_POLICY, loginId, sealedState: bytes(32, 9) })).kind, "released");
    const read = await repo.getLogin("f", loginId);
    assert.equal(read.attempt?.outcome, "pending");
    assert.equal(read.record?.consecutiveFailures, 1);
    const expected = { record: read.record!, attempt: read.attempt! };
    const finish = (verified: boolean) => finishAttempt(repo, { accountId: "f", loginId, recordVersion: 1, verified, now: 200, expected });
    const results = await Promise.all([finish(true), finish(true), finish(false), finish(true)]);
    assert.equal(results.filter((r) => r.kind === "success").length + results.filter((r) => r.kind === "failed").length, 1);
    assert.equal(results.filter((r) => r.kind === "expired").length, 3);
    const [row] = await sql("SELECT outcome, sealed_state FROM vault_attempts WHERE login_id = ?", [loginId]);
    assert.notEqual(row!.outcome, "pending");
    assert.equal(row!.sealed_state, null);
    // The same, now stale, pair again: nothing more is settled.
    assert.equal((await finish(true)).kind, "expired");
    // A record that changed after the read (another start counted): decided again from the stored row.
    const second = `f2-${Math.random()}`;
    await startAttempt(repo, { accountId: "f", expectedVersion: 1, now: 300, policy: DEFAULT_POLICY, loginId: second, sealedState: bytes(32, 9) });
    const pair = await repo.getLogin("f", second);
    await start(repo, "f", 301);
    const before = (await repo.getRecord("f"))!;
    const r = await finishAttempt(repo, { accountId: "f", loginId: second, recordVersion: 1, verified: true, now: 302, expected: { record: pair.record!, attempt: pair.attempt! } });
    assert.equal(r.kind, "success");
    const after = (await repo.getRecord("f"))!;
    assert.equal(after.consecutiveFailures, 0);
    assert.equal(after.totalFailures, before.totalFailures - 1, "the success refunds its own attempt from the stored count, not from the stale one");
    // The newest attempts may come back with the settle: then the same as read afterwards (but for the settled one).
    const third = `f3-${Math.random()}`;
    await startAttempt(repo, { accountId: "f", expectedVersion: 1, now: 400, policy: DEFAULT_POLICY, loginId: third, sealedState: bytes(32, 9) });
    const p3 = await repo.getLogin("f", third);
    const attempts: { limit: number; rows?: AttemptRow[] } = { limit: 10 };
    assert.equal((await finishAttempt(repo, { accountId: "f", loginId: third, recordVersion: 1, verified: true, now: 401, expected: { record: p3.record!, attempt: p3.attempt! }, attempts })).kind, "success");
    const others = (rows: AttemptRow[]) => rows.filter((x) => x.loginId !== third);
    const readAfter = await repo.recentAttempts("f", 10);
    if (attempts.rows) {
      assert.deepEqual(others(attempts.rows), others(readAfter));
      assert.equal(attempts.rows.length, readAfter.length);
    }
    const final = (await repo.getRecord("f"))!;
    assert.deepEqual(await repo.getLogin("f", "no-such-login"), { attempt: null, record: final });
    assert.deepEqual(await repo.getLogin("nobody", "x"), { attempt: null, record: null });
  });

  withRepo("parallel enables of one new account: exactly one creates it, the others see it", async (repo) => {
    const results = await Promise.all(Array.from({ length: 10 }, () => create(repo, "race")));
    assert.equal(results.filter((r) => r.kind === "created").length, 1);
    assert.equal(results.filter((r) => r.kind === "exists").length, 9);
    assert.equal((await repo.getRecord("race"))!.state, "active");
  });

  withRepo("one settle both erases other expired login states and settles its own attempt", async (repo, _t, sql) => {
    await enabled(repo, "e2");
    const old = await start(repo, "e2", 10); // expires at 10 + loginTtl
    assert.equal(old.kind, "released");
    const [oldAttempt] = await sql("SELECT login_id FROM vault_attempts WHERE account_id = ?", ["e2"]);
    const later = 10 + DEFAULT_POLICY.loginTtlMs + 1;
    const loginId = `fresh-${Math.random()}`;
    const r = await startAttempt(repo, { accountId: "e2", expectedVersion: 1, now: later, policy: DEFAULT_POLICY, loginId, sealedState: bytes(32, 9) });
    assert.equal(r.kind, "released");
    assert.equal((await finishAttempt(repo, { accountId: "e2", loginId, recordVersion: 1, verified: true, now: later + 1 })).kind, "success");
    const rows = await sql("SELECT login_id, outcome, sealed_state FROM vault_attempts WHERE account_id = ? ORDER BY started_at", ["e2"]);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.login_id, oldAttempt!.login_id);
    assert.equal(rows[0]!.outcome, "pending");
    assert.equal(rows[0]!.sealed_state, null, "the expired attempt's sealed state is erased");
    assert.equal(rows[1]!.outcome, "success");
    assert.equal(rows[1]!.sealed_state, null);
  });

  withRepo("an attempt is taken once; success resets; stale versions refuse", async (repo) => {
    await enabled(repo, "d");
    await start(repo, "d", 10);
    const id = `login-${n}`;
    const [pending] = await repo.recentAttempts("d", 1);
    assert.equal(pending!.outcome, "pending");
    assert.ok(pending!.loginId.startsWith(id));
    const got = await repo.getAttempt("d", pending!.loginId);
    assert.deepEqual([...got!.sealedState!], [...bytes(32, 9)]);
    assert.equal(await repo.getAttempt("e-other", pending!.loginId), null, "attempts belong to one account");
    const finish = () => finishAttempt(repo, { accountId: "d", loginId: pending!.loginId, recordVersion: 1, verified: true, now: 30 });
    const fins = await Promise.all([finish(), finish(), finish()]);
    assert.deepEqual(fins.map((f) => f.kind).sort(), ["expired", "expired", "success"], "exactly one finisher");
    assert.equal((await repo.getAttempt("d", pending!.loginId))!.sealedState, null, "sealed state erased");
    const r = (await repo.getRecord("d"))!;
    assert.equal(r.consecutiveFailures, 0);
    assert.equal(r.totalFailures, 0);
    assert.equal((await repo.recentAttempts("d", 1))[0]!.outcome, "success");
    assert.equal((await start(repo, "d", 40, 7)).kind, "stale");
  });

  withRepo("expired attempts cannot be finished; failures stay counted", async (repo) => {
    await enabled(repo, "e");
    await start(repo, "e", 0);
    await start(repo, "e", 0);
    const [a, b] = await repo.recentAttempts("e", 2);
    const fin = (id: string, now: number, verified: boolean) => finishAttempt(repo, { accountId: "e", loginId: id, recordVersion: 1, verified, now });
    assert.deepEqual(await fin(a!.loginId, DEFAULT_POLICY.loginTtlMs, true), { kind: "expired" });
    assert.deepEqual(await fin(b!.loginId, 5, false), { kind: "failed" });
    assert.equal((await repo.getRecord("e"))!.consecutiveFailures, 2);
    assert.deepEqual((await repo.recentAttempts("e", 2)).map((x) => x.outcome).sort(), ["failed", "pending"]);
  });

  withRepo("replace keeps the lifetime count; delete removes record and attempts", async (repo) => {
    const recordId = await enabled(repo, "f");
    await start(repo, "f", 0);
    const replace = (o: { currentVersion: number; newVersion: number; recordId?: string }) =>
      replaceRecord(repo, { accountId: "f", recordId, sealedRecord: bytes(4), keyStretching: KS, headKey: null, now: 5, ...o });
    assert.deepEqual(await replace({ currentVersion: 1, newVersion: 3 }), { kind: "stale" });
    assert.deepEqual(await replace({ currentVersion: 1, newVersion: 2, recordId: "another record" }), { kind: "stale" });
    assert.deepEqual(await replace({ currentVersion: 1, newVersion: 2 }), { kind: "replaced", version: 2 });
    const r = (await repo.getRecord("f"))!;
    assert.equal(r.version, 2);
    assert.equal(r.recordId, recordId, "a password change keeps the record ID");
    assert.equal(r.totalFailures, 1);
    assert.deepEqual(await deleteRecord(repo, { accountId: "f", recordId, version: 1 }), { kind: "stale" });
    assert.deepEqual(await deleteRecord(repo, { accountId: "f", recordId, version: 2 }), { kind: "deleted" });
    assert.equal(await repo.getRecord("f"), null);
    assert.deepEqual(await repo.recentAttempts("f", 10), []);
    assert.deepEqual(await deleteRecord(repo, { accountId: "f", recordId, version: 2 }), { kind: "not_enabled" });
  });

  withRepo("a deleted and re-enabled record is another record: the old record ID deletes nothing", async (repo) => {
    const first = await enabled(repo, "f2");
    assert.deepEqual(await deleteRecord(repo, { accountId: "f2", recordId: first, version: 1 }), { kind: "deleted" });
    const second = await enabled(repo, "f2"); // version 1 again
    assert.notEqual(second, first);
    assert.deepEqual(await deleteRecord(repo, { accountId: "f2", recordId: first, version: 1 }), { kind: "stale" });
    assert.deepEqual(
      await replaceRecord(repo, { accountId: "f2", recordId: first, currentVersion: 1, newVersion: 2, sealedRecord: bytes(4), keyStretching: KS, headKey: null, now: 5 }),
      { kind: "stale" },
    );
    assert.equal((await repo.getRecord("f2"))!.recordId, second);
  });

  withRepo("budget spent → destroyed tombstone without secrets; re-enable gets the next version", async (repo) => {
    await enabled(repo, "g");
    const policy = { ...DEFAULT_POLICY, failureBudget: 5 };
    for (let i = 0; i < 5; i++) {
      await startAttempt(repo, { accountId: "g", expectedVersion: 1, now: 0, policy, loginId: `g${i}`, sealedState: bytes(32) });
    }
    assert.equal(await destroyIfExhausted(repo, { accountId: "g", now: 1, policy }), false, "last KE2 still live");
    assert.deepEqual(await repo.exhaustedAccounts(policy.loginTtlMs, 5, 10), ["g"]);
    assert.equal(await destroyIfExhausted(repo, { accountId: "g", now: policy.loginTtlMs, policy }), true);
    const r = (await repo.getRecord("g"))!;
    assert.equal(r.state, "destroyed");
    assert.equal(r.sealedRecord, null);
    assert.equal(r.keyStretching, null);
    assert.equal(r.destroyedAt, policy.loginTtlMs);
    assert.deepEqual(await repo.recentAttempts("g", 10), []);
    assert.equal((await startAttempt(repo, { accountId: "g", expectedVersion: 1, now: 9e12, policy, loginId: "gx", sealedState: bytes(32) })).kind, "destroyed");
    assert.deepEqual(await create(repo, "g", { version: 2, now: 9e12 }), { kind: "created", version: 2 });
  });

  withRepo("unknown accounts: nothing is written", async (repo) => {
    assert.deepEqual(await start(repo, "nobody", 0), { kind: "unknown" });
    assert.equal(await repo.getRecord("nobody"), null);
    assert.deepEqual(await repo.recentAttempts("nobody", 10), []);
  });

  withRepo("head: monotonic, idempotent, refuses rollback and rewrite", async (repo) => {
    assert.equal(await repo.getHead("h"), null);
    const adv = (sequence: number, digest: string, now: number, signature: string | null = "sig", replaceUnsigned = true) =>
      repo.advanceHead("h", { sequence, digest, signature, replaceUnsigned, expectedHeadKey: null }, now);
    assert.equal((await adv(1, "d1", 10)).ok, true);
    assert.equal((await adv(1, "d1", 11)).ok, true);
    assert.deepEqual(await adv(1, "dX", 12), { ok: false, current: { accountId: "h", sequence: 1, digest: "d1", signature: "sig", updatedAt: 10 } });
    assert.equal((await adv(5, "d5", 13)).ok, true);
    assert.equal((await adv(4, "d4", 14)).ok, false);
    const par = await Promise.all([6, 7, 8, 9].map((s) => adv(s, `d${s}`, 15)));
    assert.ok(par.some((x) => x.ok));
    assert.equal((await repo.getHead("h"))!.sequence >= 6, true);
  });

  withRepo("head: a signed head replaces an unsigned one of any sequence; never the reverse", async (repo) => {
    const adv = (sequence: number, digest: string, signature: string | null, replaceUnsigned: boolean) =>
      repo.advanceHead("hu", { sequence, digest, signature, replaceUnsigned, expectedHeadKey: null }, 1);
    assert.equal((await adv(Number.MAX_SAFE_INTEGER, "pushed", null, false)).ok, true, "an unregistered record takes unsigned heads");
    assert.equal((await adv(3, "d3", null, false)).ok, false, "unsigned heads stay monotonic");
    assert.deepEqual((await adv(3, "d3", "sig3", true)), { ok: true, head: { accountId: "hu", sequence: 3, digest: "d3", signature: "sig3", updatedAt: 1 } });
    assert.equal((await adv(2, "d2", "sig2", true)).ok, false, "a signed head is monotonic");
    assert.equal((await adv(9, "d9", "sig9", true)).ok, true);
    assert.equal((await repo.getHead("hu"))!.signature, "sig9");
  });

  withRepo("head: written only if the record's head key is still the one the signature was checked against", async (repo) => {
    const key = bytes(32, 1);
    await createRecord(repo, {
      accountId: "hk", version: 1, firstVersion: 1, sealedRecord: bytes(64), keyStretching: KS, headKey: key, recordId: newRecordId(), now: 1,
    });
    const adv = (expectedHeadKey: Uint8Array | null) => repo.advanceHead("hk", { sequence: 1, digest: "d", signature: "s", replaceUnsigned: true, expectedHeadKey }, 2);
    assert.deepEqual(await adv(null), { ok: false, recordChanged: true }, "the record got a key meanwhile");
    assert.deepEqual(await adv(bytes(32, 2)), { ok: false, recordChanged: true }, "another record's key");
    assert.equal(await repo.getHead("hk"), null, "nothing written");
    assert.equal((await adv(key)).ok, true);
  });

  withRepo("sealed secrets: first writer wins", async (repo) => {
    assert.equal(await repo.getSealedSecrets(), null);
    const a = await repo.putSealedSecretsIfAbsent({ sealerKind: "keyfile", keyId: "k1", sealed: bytes(40, 1), createdAt: 1 });
    const b = await repo.putSealedSecretsIfAbsent({ sealerKind: "keyfile", keyId: "k2", sealed: bytes(40, 2), createdAt: 2 });
    assert.equal(a.keyId, "k1");
    assert.equal(b.keyId, "k1");
    await repo.ping();
  });

  // spec §9.3: the test clock's table is made only for a vault started with the test clock.
  withRepo("no vault_test_clock without the test clock; migrate({ testClock }) adds it and the offset accumulates", async (repo, _t, sql, raw) => {
    await assert.rejects(sql("SELECT offset_ms FROM vault_test_clock"), /vault_test_clock/);
    await assert.rejects(repo.getClockOffset(), "no offset to read without the table");
    await raw.migrate({ testClock: true });
    await raw.migrate({ testClock: true }); // idempotent
    assert.deepEqual(await sql("SELECT offset_ms FROM vault_test_clock"), []);
    assert.equal(await repo.getClockOffset(), 0);
    assert.equal(await repo.advanceClockOffset(1000), 1000);
    assert.equal(await repo.advanceClockOffset(500), 1500);
    await repo.ping();
  });
}
