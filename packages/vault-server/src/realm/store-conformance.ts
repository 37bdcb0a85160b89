/**
 * The one conformance suite every `RealmStore` passes (store.ts contract); the SQLite and
 * PostgreSQL stores run it in `store.test.ts`.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { RealmAccountRow, RealmStore } from "./store.ts";

export type RealmStoreFactory = (t: TestContext) => Promise<RealmStore | null>;

/** A plausible account row for store tests (its MAC is not checked at this layer). */
export const row = (accountId: string, over: Partial<RealmAccountRow> = {}): RealmAccountRow => ({
  accountId,
  state: "active",
  currentInfo: "{}",
  currentSealed: new Uint8Array([1, 2, 3]),
  nextInfo: null,
  nextSealed: null,
  consecutiveFailures: 0,
  totalFailures: 0,
  lockouts: 0,
  lockedUntil: null,
  lastAttemptExpiresAt: null,
  lastAdminIssuedAt: null,
  headSequence: 0,
  headDigest: null,
  headSignature: null,
  createdAt: 1,
  updatedAt: 1,
  destroyedAt: null,
  mac: new Uint8Array(32).fill(9),
  ...over,
});
const attempt = (attemptId: string, accountId: string, expiresAt: number) => ({
  attemptId,
  accountId,
  version: 1,
  registrationId: "r",
  startedAt: 0,
  expiresAt,
  outcome: "pending" as const,
  blinded: "b" as string | null,
  mac: new Uint8Array(32),
});

export function realmStoreConformance(name: string, make: RealmStoreFactory): void {
  const withStore = (title: string, fn: (s: RealmStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const s = await make(t);
      if (!s) return;
      await s.migrate();
      await s.migrate(); // idempotent
      t.after(() => s.close());
      await fn(s);
    });

  withStore("put, read back every column, replace", async (s) => {
    assert.equal(await s.getAccount("a"), null);
    const r = row("a", {
      lockedUntil: 2 ** 45,
      lastAdminIssuedAt: 1_700_000_000_000,
      headSequence: 7,
      headDigest: "d",
      headSignature: "s",
      nextInfo: '{"v":2}',
      nextSealed: new Uint8Array([4]),
    });
    await s.changeAccount("a", () => ({ result: null, put: r }));
    assert.deepEqual(await s.getAccount("a"), r);
    await s.changeAccount("a", (cur) => ({ result: null, put: { ...cur!, state: "destroyed", currentInfo: null, currentSealed: null, destroyedAt: 5 } }));
    const d = (await s.getAccount("a"))!;
    assert.equal(d.state, "destroyed");
    assert.equal(d.currentSealed, null);
  });

  withStore("100 parallel read-modify-writes of one account are serialised", async (s) => {
    await s.changeAccount("b", () => ({ result: null, put: row("b") }));
    await Promise.all(
      Array.from({ length: 100 }, () => s.changeAccount("b", (cur) => ({ result: null, put: { ...cur!, totalFailures: cur!.totalFailures + 1 } }))),
    );
    assert.equal((await s.getAccount("b"))!.totalFailures, 100);
  });

  withStore("50 parallel creates of one account: one wins, the rest see it", async (s) => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => s.changeAccount("c", (cur) => (cur ? { result: "exists" } : { result: "created", put: row("c") }))),
    );
    assert.equal(results.filter((x) => x === "created").length, 1);
  });

  withStore("a relaxed settle (§5.5) is atomic and read back like any change, alone or beside durable ones", async (s) => {
    await s.changeAccount("r", () => ({ result: null, put: row("r", { consecutiveFailures: 1 }), insertAttempt: attempt("r1", "r", 100) }));
    const settle = (id: string) =>
      s.changeAccount(
        "r",
        (cur, a) => ({
          result: a?.outcome,
          put: { ...cur!, consecutiveFailures: 0 },
          updateAttempt: { attemptId: id, outcome: "success", mac: new Uint8Array(32).fill(2) },
        }),
        { attemptId: id, durability: "relaxed" },
      );
    assert.equal(await settle("r1"), "pending");
    assert.equal((await s.getAccount("r"))!.consecutiveFailures, 0);
    assert.equal(await s.changeAccount("r", (_c, a) => ({ result: a?.outcome }), { attemptId: "r1" }), "success");
    // Relaxed and durable changes queued together: both commit, each as written.
    await s.changeAccount("r", (cur) => ({ result: null, put: cur!, insertAttempt: attempt("r2", "r", 100) }));
    const [relaxed, durable] = await Promise.all([settle("r2"), s.changeAccount("q", () => ({ result: "created", put: row("q", { totalFailures: 3 }) }))]);
    assert.equal(relaxed, "pending");
    assert.equal(durable, "created");
    assert.equal((await s.getAccount("q"))!.totalFailures, 3);
    // A relaxed change that throws writes nothing.
    await assert.rejects(
      s.changeAccount(
        "r",
        () => {
          throw new Error("boom");
        },
        { durability: "relaxed" },
      ),
      /boom/,
    );
    assert.equal((await s.getAccount("r"))!.consecutiveFailures, 0);
  });

  withStore("an attempt is read and settled with the account, atomically; a throw writes nothing", async (s) => {
    await s.changeAccount("e", () => ({ result: null, put: row("e"), insertAttempt: attempt("x1", "e", 100) }));
    const seen = await s.changeAccount(
      "e",
      (_cur, a) => ({ result: a, updateAttempt: { attemptId: "x1", outcome: "success", mac: new Uint8Array(32).fill(1) } }),
      { attemptId: "x1" },
    );
    assert.equal(seen?.outcome, "pending");
    assert.equal(seen?.blinded, "b", "the blinded element is read back with the attempt");
    assert.equal(await s.changeAccount("e", (_c, a) => ({ result: a?.outcome }), { attemptId: "x1" }), "success");
    assert.equal(await s.changeAccount("other", (_c, a) => ({ result: a }), { attemptId: "x1" }), null, "another account's attempt is invisible");
    // A change that fails part-way (duplicate attempt ID after the row write) writes nothing.
    await assert.rejects(s.changeAccount("e", (cur) => ({ result: null, put: { ...cur!, totalFailures: 99 }, insertAttempt: attempt("x1", "e", 100) })));
    assert.equal((await s.getAccount("e"))!.totalFailures, 0, "the row write was rolled back");
    await assert.rejects(
      s.changeAccount("e", () => ({ result: null, put: row("someone else") })),
      /another account/,
    );
    assert.equal((await s.getAccount("e"))!.accountId, "e");
  });

  withStore("sweep removes expired attempts only; exhausted accounts are listed", async (s) => {
    await s.changeAccount("f", () => ({ result: null, put: row("f", { totalFailures: 20, lastAttemptExpiresAt: 50 }), insertAttempt: attempt("y1", "f", 10) }));
    await s.changeAccount("f", () => ({ result: null, insertAttempt: attempt("y2", "f", 1000) }));
    await s.changeAccount("g", () => ({ result: null, put: row("g", { totalFailures: 20, lastAttemptExpiresAt: 5000 }) }));
    assert.equal(await s.sweepExpiredAttempts(100, 10), 1);
    assert.equal(await s.changeAccount("f", (_c, a) => ({ result: a }), { attemptId: "y1" }), null);
    assert.ok(await s.changeAccount("f", (_c, a) => ({ result: a }), { attemptId: "y2" }));
    assert.deepEqual(await s.exhaustedAccounts(100, 20, 10), ["f"]);
    await s.changeAccount("f", () => ({ result: null, deleteAttempts: true }));
    assert.equal(await s.sweepExpiredAttempts(10_000, 10), 0);
  });
}
