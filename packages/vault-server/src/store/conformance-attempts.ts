/**
 * Conformance: counting and settling logins (spec/vault-protocol.md §6.1, §6.2, §6.6,
 * §10.1) — exactly maxAttempts released under any concurrency, starts and finishes decided
 * on rows read (or remembered) earlier counting and settling exactly once, the erasure of
 * sealed login states, expiry. Run by `storeConformance`.
 */
import assert from "node:assert/strict";
import { DEFAULT_POLICY } from "../policy.ts";
import type { HistoryRow } from "./vault-store.ts";
import { historyRowOf } from "../attempt-history.ts";
import { deleteRecord, finishAttempt, startAttempt } from "./record-transitions.ts";
import { authenticatedVaultStore } from "./authenticated.ts";
import { type WithRepo, TEST_CRYPTO, bytes, create, enabled, start, startedLogins } from "./conformance-fixtures.ts";

let n = 0;

export function attemptConformance(withRepo: WithRepo): void {
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
    const attempts: { limit: number; excludeLoginId: string; rows?: HistoryRow[] } = { limit: 9, excludeLoginId: third };
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
    // The rows of the other attempts, as read afterwards (only the settled one changed).
    const readAfter = (await store.recentAttempts("f", 10)).filter((x) => x.loginId !== third).map(historyRowOf);
    if (attempts.rows) assert.deepEqual(attempts.rows, readAfter.slice(0, 9));
    if (store.historyRows) assert.deepEqual(await store.historyRows("f", third, 9), readAfter.slice(0, 9));
    const final = (await store.getRecord("f"))!;
    assert.deepEqual(await store.getLogin("f", "no-such-login"), { attempt: null, record: final });
    assert.deepEqual(await store.getLogin("nobody", "x"), { attempt: null, record: null });
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
    const id = `login-${startedLogins}`;
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
}
