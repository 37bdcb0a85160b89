/**
 * The one conformance suite every `VaultStore` passes (spec/vault-protocol.md §10).
 * `sqlite.test.ts` and `postgres.test.ts` run it; a new backend adds one such file.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_POLICY } from "../policy.ts";
import type { AttemptRow, VaultStore } from "./vault-store.ts";
import { createRecord, deleteRecord, destroyIfExhausted, finishAttempt, replaceRecord, startAttempt } from "./record-transitions.ts";
import { authenticatedVaultStore } from "./authenticated.ts";
import { KS, type RawSql, type VaultStoreFactory, TEST_CRYPTO, bytes, create, newRecordId } from "./conformance-fixtures.ts";
import { integrityConformance } from "./conformance-integrity.ts";
import { historyConformance } from "./conformance-history.ts";

async function enabled(store: VaultStore, accountId: string, now = 1000) {
  const r = await create(store, accountId, { now });
  assert.deepEqual(r, { kind: "created", version: 1 });
  return (await store.getRecord(accountId))!.recordId!;
}

let n = 0;
const start = (store: VaultStore, accountId: string, now: number, version = 1) =>
  startAttempt(store, {
    accountId,
    expectedVersion: version,
    now,
    policy: DEFAULT_POLICY,
    loginId: `login-${++n}-${Math.random()}`,
    sealedState: bytes(32, 9),
  });

export function storeConformance(name: string, make: VaultStoreFactory): void {
  const withRepo = (title: string, fn: (store: VaultStore, t: TestContext, sql: RawSql, raw: VaultStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const made = await make(t);
      if (!made) return;
      await made.store.migrate();
      await made.store.migrate(); // idempotent
      t.after(() => made.store.close());
      await fn(authenticatedVaultStore(made.store, TEST_CRYPTO), t, made.sql, made.store);
    });
  integrityConformance(withRepo);
  historyConformance(withRepo);

  withRepo("create, read, exists, version rules", async (store) => {
    assert.equal(await store.getRecord("a"), null);
    assert.deepEqual(await create(store, "a", { version: 2, now: 1 }), { kind: "version_mismatch", expected: 1 });
    await enabled(store, "a");
    const r = (await store.getRecord("a"))!;
    assert.equal(r.state, "active");
    assert.equal(r.version, 1);
    assert.deepEqual([...r.sealedRecord!], [...bytes(64)]);
    assert.equal(r.keyStretching, KS);
    assert.deepEqual(await create(store, "a", { version: 2, now: 2 }), { kind: "exists" });
  });

  withRepo("attempts are counted; the 6th start is refused while locked", async (store) => {
    await enabled(store, "b");
    const kinds = [];
    for (let i = 0; i < 6; i++) kinds.push((await start(store, "b", 2000)).kind);
    assert.deepEqual(kinds, ["released", "released", "released", "released", "released", "locked"]);
    const r = (await store.getRecord("b"))!;
    assert.equal(r.consecutiveFailures, 5);
    assert.equal(r.lockedUntil, 2000 + DEFAULT_POLICY.lockBaseMs);
    assert.equal((await store.recentAttempts("b", 10)).length, 5);
  });

  withRepo("100 parallel starts release exactly maxAttempts", async (store) => {
    await enabled(store, "c");
    const results = await Promise.all(Array.from({ length: 100 }, () => start(store, "c", 3000)));
    assert.equal(results.filter((r) => r.kind === "released").length, DEFAULT_POLICY.maxAttempts);
    assert.equal(results.filter((r) => r.kind === "locked").length, 100 - DEFAULT_POLICY.maxAttempts);
  });

  withRepo("starts decided on a row read earlier (expected) still count exactly once each", async (store, _t, sql) => {
    await enabled(store, "x");
    const read = (await store.getRecord("x"))!;
    const withExpected = (expected: typeof read, now: number) =>
      startAttempt(store, {
        accountId: "x",
        expectedVersion: 1,
        now,
        policy: DEFAULT_POLICY,
        loginId: `x-${++n}-${Math.random()}`,
        sealedState: bytes(32, 9),
        expected,
      });
    const first = await withExpected(read, 100);
    assert.equal(first.kind === "released" && first.attemptsRemaining, 4);
    // The same, now stale, row again: the count goes on from the stored row, not from the stale one.
    const second = await withExpected(read, 101);
    assert.equal(second.kind === "released" && second.attemptsRemaining, 3);
    assert.equal((await store.getRecord("x"))!.consecutiveFailures, 2);
    const fresh = (await store.getRecord("x"))!;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => withExpected(fresh, 200 + i)));
    assert.equal(results.filter((r) => r.kind === "released").length, DEFAULT_POLICY.maxAttempts - 2);
    assert.equal(results.filter((r) => r.kind === "locked").length, 50 - (DEFAULT_POLICY.maxAttempts - 2));
    assert.equal((await sql("SELECT * FROM vault_attempts WHERE account_id = ?", ["x"])).length, DEFAULT_POLICY.maxAttempts);
    const stored = (await store.getRecord("x"))!;
    assert.equal(stored.consecutiveFailures, DEFAULT_POLICY.maxAttempts);
    assert.notEqual(stored.lockedUntil, null);
  });

  withRepo("a start decided on a remembered row of a record since deleted and enabled again (same version) is stale, not counted", async (store, _t, sql) => {
    const oldId = await enabled(store, "y");
    const remembered = store.rememberedRecord?.("y") ?? (await store.getRecord("y"))!;
    assert.equal(remembered.recordId, oldId);
    // Another process deletes the record and enables a new one: the keyed first version again, another record.
    assert.equal((await deleteRecord(store, { accountId: "y", recordId: oldId, version: 1 })).kind, "deleted");
    assert.deepEqual(await create(store, "y", { now: 2000, sealedRecord: bytes(64, 8) }), { kind: "created", version: 1 });
    const r = await startAttempt(store, {
      accountId: "y",
      expectedVersion: 1,
      now: 3000,
      policy: DEFAULT_POLICY,
      loginId: `y-${++n}`,
      sealedState: bytes(32, 9),
      expected: remembered,
    });
    assert.equal(r.kind, "stale"); // KE2 from the old registration record must not leave
    assert.equal((await sql("SELECT * FROM vault_attempts WHERE account_id = ?", ["y"])).length, 0);
    assert.equal((await store.getRecord("y"))!.consecutiveFailures, 0);
  });

  withRepo("a login started in this process and settled in another: the remembered pair does not settle it again", async (store, _t, sql, raw) => {
    await enabled(store, "z");
    const loginId = `z-${++n}`;
    assert.equal(
      (await startAttempt(store, { accountId: "z", expectedVersion: 1, now: 100, policy: DEFAULT_POLICY, loginId, sealedState: bytes(32, 9) })).kind,
      "released",
    );
    const other = authenticatedVaultStore(raw, TEST_CRYPTO); // another vault process on the same database
    const theirs = await other.getLogin("z", loginId);
    const won = await finishAttempt(other, {
      accountId: "z",
      loginId,
      recordVersion: 1,
      verified: true,
      now: 150,
      expected: { record: theirs.record!, attempt: theirs.attempt! },
    });
    assert.equal(won.kind, "success");
    const mine = await store.getLogin("z", loginId); // may be this process' memory: still "pending"
    assert.ok(mine.attempt && mine.record);
    const again = await finishAttempt(store, {
      accountId: "z",
      loginId,
      recordVersion: 1,
      verified: false,
      now: 160,
      expected: { record: mine.record, attempt: mine.attempt },
    });
    assert.equal(again.kind, "expired");
    const rows = await sql("SELECT outcome FROM vault_attempts WHERE login_id = ?", [loginId]);
    assert.deepEqual(
      rows.map((r) => r.outcome),
      ["success"],
    );
    assert.equal((await store.getRecord("z"))!.consecutiveFailures, 0);
  });

  withRepo("a login started here and abandoned: its sealed state leaves memory at the sweep after expiry, as it leaves the row", async (store) => {
    await enabled(store, "w");
    const loginId = `w-${++n}`;
    const r = await startAttempt(store, { accountId: "w", expectedVersion: 1, now: 100, policy: DEFAULT_POLICY, loginId, sealedState: bytes(32, 9) });
    assert.equal(r.kind, "released");
    assert.notEqual((await store.getLogin("w", loginId)).attempt?.sealedState ?? null, null);
    const expiresAt = r.kind === "released" ? r.expiresAt : 0;
    await store.eraseExpiredLoginStates(expiresAt, 500);
    assert.equal((await store.getLogin("w", loginId)).attempt?.sealedState, null);
  });

  withRepo("finishes decided on the record and attempt read earlier (getLogin) settle exactly once", async (store, _t, sql) => {
    await enabled(store, "f");
    const loginId = `f-${Math.random()}`;
    assert.equal(
      (await startAttempt(store, { accountId: "f", expectedVersion: 1, now: 100, policy: DEFAULT_POLICY, loginId, sealedState: bytes(32, 9) })).kind,
      "released",
    );
    const read = await store.getLogin("f", loginId);
    assert.equal(read.attempt?.outcome, "pending");
    assert.equal(read.record?.consecutiveFailures, 1);
    const expected = { record: read.record!, attempt: read.attempt! };
    const finish = (verified: boolean) => finishAttempt(store, { accountId: "f", loginId, recordVersion: 1, verified, now: 200, expected });
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
    await startAttempt(store, { accountId: "f", expectedVersion: 1, now: 300, policy: DEFAULT_POLICY, loginId: second, sealedState: bytes(32, 9) });
    const pair = await store.getLogin("f", second);
    await start(store, "f", 301);
    const before = (await store.getRecord("f"))!;
    const r = await finishAttempt(store, {
      accountId: "f",
      loginId: second,
      recordVersion: 1,
      verified: true,
      now: 302,
      expected: { record: pair.record!, attempt: pair.attempt! },
    });
    assert.equal(r.kind, "success");
    const after = (await store.getRecord("f"))!;
    assert.equal(after.consecutiveFailures, 0);
    assert.equal(after.totalFailures, before.totalFailures - 1, "the success refunds its own attempt from the stored count, not from the stale one");
    // The newest attempts may come back with the settle: then the same as read afterwards (but for the settled one).
    const third = `f3-${Math.random()}`;
    await startAttempt(store, { accountId: "f", expectedVersion: 1, now: 400, policy: DEFAULT_POLICY, loginId: third, sealedState: bytes(32, 9) });
    const p3 = await store.getLogin("f", third);
    const attempts: { limit: number; rows?: AttemptRow[] } = { limit: 10 };
    assert.equal(
      (
        await finishAttempt(store, {
          accountId: "f",
          loginId: third,
          recordVersion: 1,
          verified: true,
          now: 401,
          expected: { record: p3.record!, attempt: p3.attempt! },
          attempts,
        })
      ).kind,
      "success",
    );
    const others = (rows: AttemptRow[]) => rows.filter((x) => x.loginId !== third);
    const readAfter = await store.recentAttempts("f", 10);
    if (attempts.rows) {
      assert.deepEqual(others(attempts.rows), others(readAfter));
      assert.equal(attempts.rows.length, readAfter.length);
    }
    const final = (await store.getRecord("f"))!;
    assert.deepEqual(await store.getLogin("f", "no-such-login"), { attempt: null, record: final });
    assert.deepEqual(await store.getLogin("nobody", "x"), { attempt: null, record: null });
  });

  withRepo("parallel enables of one new account: exactly one creates it, the others see it", async (store) => {
    const results = await Promise.all(Array.from({ length: 10 }, () => create(store, "race")));
    assert.equal(results.filter((r) => r.kind === "created").length, 1);
    assert.equal(results.filter((r) => r.kind === "exists").length, 9);
    assert.equal((await store.getRecord("race"))!.state, "active");
  });

  withRepo("one settle both erases other expired login states and settles its own attempt", async (store, _t, sql) => {
    await enabled(store, "e2");
    const old = await start(store, "e2", 10); // expires at 10 + loginTtl
    assert.equal(old.kind, "released");
    const [oldAttempt] = await sql("SELECT login_id FROM vault_attempts WHERE account_id = ?", ["e2"]);
    const later = 10 + DEFAULT_POLICY.loginTtlMs + 1;
    const loginId = `fresh-${Math.random()}`;
    const r = await startAttempt(store, { accountId: "e2", expectedVersion: 1, now: later, policy: DEFAULT_POLICY, loginId, sealedState: bytes(32, 9) });
    assert.equal(r.kind, "released");
    assert.equal((await finishAttempt(store, { accountId: "e2", loginId, recordVersion: 1, verified: true, now: later + 1 })).kind, "success");
    const rows = await sql("SELECT login_id, outcome, sealed_state FROM vault_attempts WHERE account_id = ? ORDER BY started_at", ["e2"]);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.login_id, oldAttempt!.login_id);
    assert.equal(rows[0]!.outcome, "pending");
    assert.equal(rows[0]!.sealed_state, null, "the expired attempt's sealed state is erased");
    assert.equal(rows[1]!.outcome, "success");
    assert.equal(rows[1]!.sealed_state, null);
  });

  withRepo("an attempt is taken once; success resets; stale versions refuse", async (store) => {
    await enabled(store, "d");
    await start(store, "d", 10);
    const id = `login-${n}`;
    const [pending] = await store.recentAttempts("d", 1);
    assert.equal(pending!.outcome, "pending");
    assert.ok(pending!.loginId.startsWith(id));
    const got = await store.getAttempt("d", pending!.loginId);
    assert.deepEqual([...got!.sealedState!], [...bytes(32, 9)]);
    assert.equal(await store.getAttempt("e-other", pending!.loginId), null, "attempts belong to one account");
    const finish = () => finishAttempt(store, { accountId: "d", loginId: pending!.loginId, recordVersion: 1, verified: true, now: 30 });
    const fins = await Promise.all([finish(), finish(), finish()]);
    assert.deepEqual(fins.map((f) => f.kind).sort(), ["expired", "expired", "success"], "exactly one finisher");
    assert.equal((await store.getAttempt("d", pending!.loginId))!.sealedState, null, "sealed state erased");
    const r = (await store.getRecord("d"))!;
    assert.equal(r.consecutiveFailures, 0);
    assert.equal(r.totalFailures, 0);
    assert.equal((await store.recentAttempts("d", 1))[0]!.outcome, "success");
    assert.equal((await start(store, "d", 40, 7)).kind, "stale");
  });

  withRepo("expired attempts cannot be finished; failures stay counted", async (store) => {
    await enabled(store, "e");
    await start(store, "e", 0);
    await start(store, "e", 0);
    const [a, b] = await store.recentAttempts("e", 2);
    const fin = (id: string, now: number, verified: boolean) => finishAttempt(store, { accountId: "e", loginId: id, recordVersion: 1, verified, now });
    assert.deepEqual(await fin(a!.loginId, DEFAULT_POLICY.loginTtlMs, true), { kind: "expired" });
    assert.deepEqual(await fin(b!.loginId, 5, false), { kind: "failed" });
    assert.equal((await store.getRecord("e"))!.consecutiveFailures, 2);
    assert.deepEqual((await store.recentAttempts("e", 2)).map((x) => x.outcome).sort(), ["failed", "pending"]);
  });

  withRepo("replace keeps the lifetime count; delete removes record and attempts", async (store) => {
    const recordId = await enabled(store, "f");
    await start(store, "f", 0);
    const replace = (o: { currentVersion: number; newVersion: number; recordId?: string }) =>
      replaceRecord(store, { accountId: "f", recordId, sealedRecord: bytes(4), keyStretching: KS, headKey: null, now: 5, ...o });
    assert.deepEqual(await replace({ currentVersion: 1, newVersion: 3 }), { kind: "stale" });
    assert.deepEqual(await replace({ currentVersion: 1, newVersion: 2, recordId: "another record" }), { kind: "stale" });
    assert.deepEqual(await replace({ currentVersion: 1, newVersion: 2 }), { kind: "replaced", version: 2 });
    const r = (await store.getRecord("f"))!;
    assert.equal(r.version, 2);
    assert.equal(r.recordId, recordId, "a password change keeps the record ID");
    assert.equal(r.totalFailures, 1);
    assert.deepEqual(await deleteRecord(store, { accountId: "f", recordId, version: 1 }), { kind: "stale" });
    assert.deepEqual(await deleteRecord(store, { accountId: "f", recordId, version: 2 }), { kind: "deleted" });
    assert.equal(await store.getRecord("f"), null);
    assert.deepEqual(await store.recentAttempts("f", 10), []);
    assert.deepEqual(await deleteRecord(store, { accountId: "f", recordId, version: 2 }), { kind: "not_enabled" });
  });

  withRepo("a deleted and re-enabled record is another record: the old record ID deletes nothing", async (store) => {
    const first = await enabled(store, "f2");
    assert.deepEqual(await deleteRecord(store, { accountId: "f2", recordId: first, version: 1 }), { kind: "deleted" });
    const second = await enabled(store, "f2"); // version 1 again
    assert.notEqual(second, first);
    assert.deepEqual(await deleteRecord(store, { accountId: "f2", recordId: first, version: 1 }), { kind: "stale" });
    assert.deepEqual(
      await replaceRecord(store, {
        accountId: "f2",
        recordId: first,
        currentVersion: 1,
        newVersion: 2,
        sealedRecord: bytes(4),
        keyStretching: KS,
        headKey: null,
        now: 5,
      }),
      { kind: "stale" },
    );
    assert.equal((await store.getRecord("f2"))!.recordId, second);
  });

  withRepo("budget spent → destroyed tombstone without secrets; re-enable gets the next version", async (store) => {
    await enabled(store, "g");
    const policy = { ...DEFAULT_POLICY, failureBudget: 5 };
    for (let i = 0; i < 5; i++) {
      await startAttempt(store, { accountId: "g", expectedVersion: 1, now: 0, policy, loginId: `g${i}`, sealedState: bytes(32) });
    }
    assert.equal(await destroyIfExhausted(store, { accountId: "g", now: 1, policy }), false, "last KE2 still live");
    assert.deepEqual(await store.exhaustedAccounts(policy.loginTtlMs, 5, 10), ["g"]);
    assert.equal(await destroyIfExhausted(store, { accountId: "g", now: policy.loginTtlMs, policy }), true);
    const r = (await store.getRecord("g"))!;
    assert.equal(r.state, "destroyed");
    assert.equal(r.sealedRecord, null);
    assert.equal(r.keyStretching, null);
    assert.equal(r.destroyedAt, policy.loginTtlMs);
    assert.deepEqual(await store.recentAttempts("g", 10), []);
    assert.equal(
      (await startAttempt(store, { accountId: "g", expectedVersion: 1, now: 9e12, policy, loginId: "gx", sealedState: bytes(32) })).kind,
      "destroyed",
    );
    assert.deepEqual(await create(store, "g", { version: 2, now: 9e12 }), { kind: "created", version: 2 });
  });

  withRepo("unknown accounts: nothing is written", async (store) => {
    assert.deepEqual(await start(store, "nobody", 0), { kind: "unknown" });
    assert.equal(await store.getRecord("nobody"), null);
    assert.deepEqual(await store.recentAttempts("nobody", 10), []);
  });

  withRepo("head: monotonic, idempotent, refuses rollback and rewrite", async (store) => {
    assert.equal(await store.getHead("h"), null);
    const adv = (sequence: number, digest: string, now: number, signature: string | null = "sig", replaceUnsigned = true) =>
      store.advanceHead("h", { sequence, digest, signature, replaceUnsigned, expectedHeadKey: null }, now);
    assert.equal((await adv(1, "d1", 10)).ok, true);
    assert.equal((await adv(1, "d1", 11)).ok, true);
    assert.deepEqual(await adv(1, "dX", 12), { ok: false, current: { accountId: "h", sequence: 1, digest: "d1", signature: "sig", updatedAt: 10 } });
    assert.equal((await adv(5, "d5", 13)).ok, true);
    assert.equal((await adv(4, "d4", 14)).ok, false);
    const par = await Promise.all([6, 7, 8, 9].map((s) => adv(s, `d${s}`, 15)));
    assert.ok(par.some((x) => x.ok));
    assert.equal((await store.getHead("h"))!.sequence >= 6, true);
  });

  withRepo("head: a signed head replaces an unsigned one of any sequence; never the reverse", async (store) => {
    const adv = (sequence: number, digest: string, signature: string | null, replaceUnsigned: boolean) =>
      store.advanceHead("hu", { sequence, digest, signature, replaceUnsigned, expectedHeadKey: null }, 1);
    assert.equal((await adv(Number.MAX_SAFE_INTEGER, "pushed", null, false)).ok, true, "an unregistered record takes unsigned heads");
    assert.equal((await adv(3, "d3", null, false)).ok, false, "unsigned heads stay monotonic");
    assert.deepEqual(await adv(3, "d3", "sig3", true), { ok: true, head: { accountId: "hu", sequence: 3, digest: "d3", signature: "sig3", updatedAt: 1 } });
    assert.equal((await adv(2, "d2", "sig2", true)).ok, false, "a signed head is monotonic");
    assert.equal((await adv(9, "d9", "sig9", true)).ok, true);
    assert.equal((await store.getHead("hu"))!.signature, "sig9");
  });

  withRepo("head: written only if the record's head key is still the one the signature was checked against", async (store) => {
    const key = bytes(32, 1);
    await createRecord(store, {
      accountId: "hk",
      version: 1,
      firstVersion: 1,
      sealedRecord: bytes(64),
      keyStretching: KS,
      headKey: key,
      recordId: newRecordId(),
      now: 1,
    });
    const adv = (expectedHeadKey: Uint8Array | null) =>
      store.advanceHead("hk", { sequence: 1, digest: "d", signature: "s", replaceUnsigned: true, expectedHeadKey }, 2);
    assert.deepEqual(await adv(null), { ok: false, recordChanged: true }, "the record got a key meanwhile");
    assert.deepEqual(await adv(bytes(32, 2)), { ok: false, recordChanged: true }, "another record's key");
    assert.equal(await store.getHead("hk"), null, "nothing written");
    assert.equal((await adv(key)).ok, true);
  });

  withRepo("sealed secrets: first writer wins", async (store) => {
    assert.equal(await store.getSealedSecrets(), null);
    const a = await store.putSealedSecretsIfAbsent({ sealerKind: "keyfile", keyId: "k1", sealed: bytes(40, 1), createdAt: 1 });
    const b = await store.putSealedSecretsIfAbsent({ sealerKind: "keyfile", keyId: "k2", sealed: bytes(40, 2), createdAt: 2 });
    assert.equal(a.keyId, "k1");
    assert.equal(b.keyId, "k1");
    await store.ping();
  });

  // spec §9.3: the test clock's table is made only for a vault started with the test clock.
  withRepo("no vault_test_clock without the test clock; migrate({ testClock }) adds it and the offset accumulates", async (store, _t, sql, raw) => {
    await assert.rejects(sql("SELECT offset_ms FROM vault_test_clock"), /vault_test_clock/);
    await assert.rejects(store.getClockOffset(), "no offset to read without the table");
    await raw.migrate({ testClock: true });
    await raw.migrate({ testClock: true }); // idempotent
    assert.deepEqual(await sql("SELECT offset_ms FROM vault_test_clock"), []);
    assert.equal(await store.getClockOffset(), 0);
    assert.equal(await store.advanceClockOffset(1000), 1000);
    assert.equal(await store.advanceClockOffset(500), 1500);
    await store.ping();
  });
}
