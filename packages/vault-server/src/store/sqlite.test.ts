import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { create } from "./conformance-fixtures.ts";
import { storeConformance } from "./conformance.ts";
import { startAttempt } from "./record-transitions.ts";
import { DEFAULT_POLICY } from "../policy.ts";
import { SqliteVaultStore } from "./sqlite.ts";
import { attemptHistoryOf, attemptHistoryRows, historyOf } from "../attempt-history.ts";

storeConformance("sqlite", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const store = new SqliteVaultStore({ path });
  const sql = async (query: string, params: unknown[] = []) => {
    const db = new Database(path);
    try {
      const st = db.prepare(query);
      return st.reader ? (st.all(...params) as Array<Record<string, unknown>>) : (st.run(...params), []);
    } finally {
      db.close();
    }
  };
  return { store, sql };
});

// Group commit (spec §10.1): every change queued in one event-loop turn is written by one
// transaction (one fsync), each in its own savepoint, and none resolves before the commit.
test("sqlite: changes queued together commit in one transaction; a failing one rolls back alone", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const store = new SqliteVaultStore({ path });
  t.after(() => store.close());
  await store.migrate();
  const accounts = Array.from({ length: 20 }, (_, i) => `acct-${i}`);
  for (const a of accounts) assert.deepEqual(await create(store, a), { kind: "created", version: 1 });
  await startAttempt(store, { accountId: "acct-0", expectedVersion: 1, now: 2000, policy: DEFAULT_POLICY, loginId: "taken", sealedState: new Uint8Array(8) });
  const before = store.groupCommitStats;

  const starts = accounts.map((accountId, i) =>
    startAttempt(store, {
      accountId,
      expectedVersion: 1,
      now: 3000,
      policy: DEFAULT_POLICY,
      loginId: `login-${i}`,
      sealedState: new Uint8Array(8),
    }),
  );
  // Counts a failure AND inserts an attempt whose login ID exists: the insert fails, so the count must not stay.
  const failing = store.changeRecord("acct-1", (r) => ({
    result: "nope",
    record: { counters: { ...r!, consecutiveFailures: 99, totalFailures: 99, updatedAt: 3000 } },
    insertAttempt: { loginId: "taken", accountId: "acct-1", recordVersion: 1, startedAt: 3000, expiresAt: 9000, outcome: "pending", sealedState: null },
  }));
  const settled = await Promise.allSettled([...starts, failing]);

  assert.deepEqual(store.groupCommitStats, { commits: before.commits + 1, changes: before.changes + 21 }, "one commit for all 21 changes");
  for (const s of settled.slice(0, 20)) assert.equal(s.status === "fulfilled" && (s.value as { kind: string }).kind, "released");
  const last = settled[20]!;
  assert.equal(last.status, "rejected");
  assert.match(String((last as PromiseRejectedResult).reason), /UNIQUE/);
  // What resolved is committed: another connection sees it; the failed change left nothing.
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT account_id, consecutive_failures FROM vault_records ORDER BY account_id").all() as Array<{
      account_id: string;
      consecutive_failures: number;
    }>;
    const byAccount = new Map(rows.map((r) => [r.account_id, r.consecutive_failures]));
    assert.equal(byAccount.get("acct-0"), 2);
    assert.equal(byAccount.get("acct-1"), 1, "the failed change's count was rolled back with its savepoint");
    assert.equal(byAccount.get("acct-19"), 1);
    assert.equal((db.prepare("SELECT count(*) AS n FROM vault_attempts").get() as { n: number }).n, 21);
  } finally {
    db.close();
  }
});

test("sqlite: a failing change alone in its batch (no savepoint) leaves nothing; the next one commits", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const store = new SqliteVaultStore({ path });
  t.after(() => store.close());
  await store.migrate();
  assert.deepEqual(await create(store, "solo"), { kind: "created", version: 1 });
  await startAttempt(store, { accountId: "solo", expectedVersion: 1, now: 2000, policy: DEFAULT_POLICY, loginId: "taken", sealedState: new Uint8Array(8) });
  const before = store.groupCommitStats;
  // Alone in its batch: counts a failure, then its insert fails (the login ID exists).
  await assert.rejects(
    store.changeRecord("solo", (r) => ({
      result: "nope",
      record: { counters: { ...r!, consecutiveFailures: 99, totalFailures: 99, updatedAt: 3000 } },
      insertAttempt: { loginId: "taken", accountId: "solo", recordVersion: 1, startedAt: 3000, expiresAt: 9000, outcome: "pending", sealedState: null },
    })),
    /UNIQUE/,
  );
  assert.deepEqual(store.groupCommitStats, before, "nothing committed");
  const row = await store.getRecord("solo");
  assert.equal(row!.consecutiveFailures, 1, "the count written before the failing insert was rolled back");
  const r = await startAttempt(store, {
    accountId: "solo",
    expectedVersion: 1,
    now: 4000,
    policy: DEFAULT_POLICY,
    loginId: "next",
    sealedState: new Uint8Array(8),
  });
  assert.equal(r.kind, "released");
  assert.equal((await store.getRecord("solo"))!.consecutiveFailures, 2);
  assert.deepEqual(
    (await store.recentAttempts("solo", 10)).map((a) => a.loginId),
    ["next", "taken"],
  );
});

test("sqlite: close() writes the changes still queued", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const store = new SqliteVaultStore({ path });
  await store.migrate();
  const created = create(store, "late");
  await store.close();
  assert.deepEqual(await created, { kind: "created", version: 1 });
  const db = new Database(path, { readonly: true });
  t.after(() => db.close());
  assert.equal((db.prepare("SELECT count(*) AS n FROM vault_records").get() as { n: number }).n, 1);
});

test("sqlite: while another process holds the write lock, no queued change resolves; then they commit together", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const store = new SqliteVaultStore({ path });
  t.after(() => store.close());
  await store.migrate();
  for (let i = 0; i < 5; i++) await create(store, `w-${i}`);
  const other = new Database(path);
  t.after(() => other.close());
  other.prepare("BEGIN IMMEDIATE").run(); // another vault process in the middle of its commit
  const before = store.groupCommitStats;
  let resolved = 0;
  const starts = Array.from({ length: 5 }, (_, i) =>
    startAttempt(store, {
      accountId: `w-${i}`,
      expectedVersion: 1,
      now: 3000,
      policy: DEFAULT_POLICY,
      loginId: `held-${i}`,
      sealedState: new Uint8Array(8),
    }).then((r) => (resolved++, r)),
  );
  // Give the batch many chances to run: it must keep retrying, not answer.
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(resolved, 0, "no count is answered before it is committed");
  assert.equal((other.prepare("SELECT count(*) AS n FROM vault_attempts").get() as { n: number }).n, 0);
  other.prepare("COMMIT").run();
  for (const r of await Promise.all(starts)) assert.equal(r.kind, "released");
  assert.deepEqual(store.groupCommitStats, { commits: before.commits + 1, changes: before.changes + 5 });
  assert.equal((other.prepare("SELECT count(*) AS n FROM vault_attempts").get() as { n: number }).n, 5);
});

// The history's limit is written into its SQL (a bound LIMIT re-prepares the statement on every read).
test("sqlite: recentAttempts takes only a non-negative integer limit, each limit its own statement", async (t) => {
  const store = new SqliteVaultStore({ path: join(tempDir(t), "vault.db") });
  t.after(() => store.close());
  await store.migrate();
  assert.deepEqual(await create(store, "h"), { kind: "created", version: 1 });
  for (let i = 0; i < 4; i++) {
    await startAttempt(store, { accountId: "h", expectedVersion: 1, now: 1000 + i, policy: DEFAULT_POLICY, loginId: `l-${i}`, sealedState: new Uint8Array(8) });
  }
  assert.deepEqual(
    (await store.recentAttempts("h", 2)).map((a) => a.loginId),
    ["l-3", "l-2"],
  );
  assert.equal((await store.recentAttempts("h", 3)).length, 3);
  assert.equal((await store.recentAttempts("h", 0)).length, 0);
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) await assert.rejects(store.recentAttempts("h", bad), RangeError);
});

// The history's rows as one JSON value (spec §5.7) give exactly the events the attempt rows give.
test("sqlite: historyRows gives the history recentAttempts gives (ties, locks, abandoned, left-out login, 90 days)", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const store = new SqliteVaultStore({ path });
  t.after(() => store.close());
  await store.migrate();
  assert.deepEqual(await create(store, "h"), { kind: "created", version: 1 });
  const policy = { ...DEFAULT_POLICY, maxAttempts: 1000, failureBudget: 1000 };
  const DAY = 24 * 3600 * 1000;
  const base = 200 * DAY;
  const times = [base - 91 * DAY, base - 5000, base - 5000, base - 5000, ...Array.from({ length: 60 }, (_, i) => base - 4000 + i * 10), base, base];
  for (const [i, now] of times.entries()) {
    const r = await startAttempt(store, {
      accountId: "h",
      expectedVersion: 1,
      now,
      policy,
      loginId: `l-${String(i).padStart(2, "0")}`,
      sealedState: new Uint8Array(8),
    });
    assert.equal(r.kind, "released");
  }
  // Some settled (success, failed), some with the lock their count began; the rest pending or abandoned as of `at`.
  const db = new Database(path);
  db.prepare("UPDATE vault_attempts SET outcome = 'success' WHERE login_id IN ('l-01', 'l-10', 'l-64')").run();
  db.prepare("UPDATE vault_attempts SET outcome = 'failed' WHERE login_id IN ('l-02', 'l-11', 'l-12')").run();
  db.prepare("UPDATE vault_attempts SET locked_until = started_at + 3600000 WHERE login_id IN ('l-03', 'l-20')").run();
  db.prepare("UPDATE vault_attempts SET locked_until = started_at - 1 WHERE login_id = 'l-21'").run();
  db.close();
  for (const at of [base + 30_000, base + 61_000]) {
    for (const exclude of [undefined, "l-64", "l-02", "nope"]) {
      const want = attemptHistoryOf(await store.recentAttempts("h", attemptHistoryRows(exclude)), at, exclude);
      assert.deepEqual(historyOf(await store.historyRows("h", exclude, 50), at), want, `at ${at}, without ${exclude}`);
    }
  }
  await assert.rejects(store.historyRows("h", undefined, -1), RangeError);
  assert.deepEqual(await store.historyRows("nobody", undefined, 50), []);
});
