/**
 * Conformance: a record's life (spec/vault-protocol.md §5.1, §5.3, §5.5, §6.3, §10.2) —
 * create and its version rules, parallel enables of one account, replace keeping the
 * lifetime count, delete, a re-enabled record being another record, destruction when the
 * budget is spent, and unknown accounts writing nothing. Run by `storeConformance`.
 */
import assert from "node:assert/strict";
import { DEFAULT_POLICY } from "../policy.ts";
import { deleteRecord, destroyIfExhausted, replaceRecord, startAttempt } from "./record-transitions.ts";
import { KS, type WithRepo, bytes, create, enabled, start } from "./conformance-fixtures.ts";

export function recordConformance(withRepo: WithRepo): void {
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

  withRepo("parallel enables of one new account: exactly one creates it, the others see it", async (store) => {
    const results = await Promise.all(Array.from({ length: 10 }, () => create(store, "race")));
    assert.equal(results.filter((r) => r.kind === "created").length, 1);
    assert.equal(results.filter((r) => r.kind === "exists").length, 9);
    assert.equal((await store.getRecord("race"))!.state, "active");
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
}
