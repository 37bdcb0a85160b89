/**
 * The PostgreSQL compare-and-set path's round trips (postgres-compare-and-set.ts): a counted
 * login start whose change also trims the attempt history (one start in 16, spec §5.7) is
 * still written by the compare-and-set, the trim following as its own statement, not by
 * the locking transaction (BEGIN, lock, write, trim, COMMIT).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { needService } from "@chatvault/testkit";
import { createTestDatabase, postgresAvailable } from "../test-vault.ts";
import { DEFAULT_POLICY } from "../policy.ts";
import { authenticatedVaultStore } from "./authenticated.ts";
import { TEST_CRYPTO, bytes, enabled } from "./conformance-fixtures.ts";
import { PostgresVaultStore } from "./postgres.ts";
import { startAttempt } from "./record-transitions.ts";

/** The statements every `pg` client sends while `fn` runs (text or prepared name). */
async function statementsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, q: unknown, ...rest: unknown[]) {
    sent.push(typeof q === "string" ? q : String((q as { name?: string; text?: string }).name ?? (q as { text?: string }).text));
    return (query as (...a: unknown[]) => unknown).call(this, q, ...rest);
  } as typeof query;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

test("postgres: a counted start that trims the attempt history takes the compare-and-set, then one trim statement", async (t) => {
  if (!needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return;
  const raw = new PostgresVaultStore({ url: await createTestDatabase(t), poolSize: 4 });
  t.after(() => raw.close());
  await raw.migrate();
  const store = authenticatedVaultStore(raw, TEST_CRYPTO);
  await enabled(store, "trim");
  // 60 finished attempts, older than the one about to start.
  for (let i = 0; i < 60; i++) {
    const a = {
      loginId: `old-${i}`,
      accountId: "trim",
      recordVersion: 1,
      startedAt: 1100 + i,
      expiresAt: 1200 + i,
      outcome: i % 2 ? "success" : "failed",
      sealedState: null,
    } as const;
    await raw.changeRecord("trim", () => ({ result: undefined, insertAttempt: a }));
  }
  const row = (await store.getRecord("trim"))!;
  // A login ID whose first character is 0 mod 16 asks for the trim (record-transitions.ts).
  const loginId = "p-trimming-start";
  assert.equal(loginId.charCodeAt(0) % 16, 0);
  let kind = "";
  const sent = await statementsDuring(async () => {
    const r = await startAttempt(store, {
      accountId: "trim",
      expectedVersion: 1,
      now: 2000,
      policy: DEFAULT_POLICY,
      loginId,
      sealedState: bytes(32, 9),
      expected: row,
    });
    kind = r.kind;
  });
  assert.equal(kind, "released");
  assert.deepEqual(
    sent.filter((s) => /^(BEGIN|COMMIT|cv_lock_record)/.test(s)),
    [],
    `no locking transaction (sent: ${sent.join(", ")})`,
  );
  assert.equal(sent.length, 2, `the compare-and-set and the trim (sent: ${sent.join(", ")})`);
  assert.equal(sent[1], "cv_keep_newest_attempts");
  // Counted: the new attempt is stored, pending, and the record's counters moved.
  const left = await raw.recentAttempts("trim", 100);
  assert.equal(left.length, 50, "the newest 50 kept (the new pending one among them)");
  assert.deepEqual(left[0], { ...left[0]!, loginId, outcome: "pending", startedAt: 2000 });
  assert.deepEqual(
    left.slice(1).map((a) => a.startedAt),
    Array.from({ length: 49 }, (_, i) => 1159 - i),
  );
  const after = (await store.getRecord("trim"))!;
  assert.equal(after.lastLoginExpiresAt, 2000 + DEFAULT_POLICY.loginTtlMs);
});
