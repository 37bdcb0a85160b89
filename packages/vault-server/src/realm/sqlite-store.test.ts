/**
 * The SQLite realm store's group commit: every change queued in one event-loop turn is
 * written by one transaction (one fsync), each in its own savepoint; none resolves before
 * the commit, so a counted attempt is durable before its evaluation leaves (§5.4).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { SqliteRealmStore } from "./sqlite-store.ts";
import { row } from "./store-conformance.ts";

async function storeWith(t: { after: (fn: () => Promise<void>) => void }, path: string, accounts: string[]): Promise<{ s: SqliteRealmStore }> {
  const s = new SqliteRealmStore(path);
  t.after(() => s.close());
  await s.migrate();
  for (const a of accounts) await s.changeAccount(a, () => ({ result: null, put: row(a) }));
  return { s };
}

const attempt = (attemptId: string, accountId: string) => ({
  attemptId,
  accountId,
  version: 1,
  registrationId: "r",
  startedAt: 1,
  expiresAt: 100,
  outcome: "pending" as const,
  blinded: null,
  mac: new Uint8Array(32),
});

test("sqlite realm store: changes queued together commit in one transaction; a failing one rolls back alone", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const accounts = Array.from({ length: 10 }, (_, i) => `acct-${i}`);
  const { s } = await storeWith(t, path, accounts);
  await s.changeAccount("acct-0", (cur) => ({ result: null, put: cur!, insertAttempt: attempt("taken", "acct-0") }));
  const before = s.groupCommitStats;
  const counts = accounts.map((a, i) =>
    s.changeAccount(a, (cur) => ({
      result: cur!.totalFailures + 1,
      put: { ...cur!, totalFailures: cur!.totalFailures + 1 },
      insertAttempt: attempt(`x-${i}`, a),
    })),
  );
  // Counts a failure AND inserts an attempt whose ID exists: the insert fails, so the count must not stay.
  const failing = s.changeAccount("acct-1", (cur) => ({ result: "nope", put: { ...cur!, totalFailures: 99 }, insertAttempt: attempt("taken", "acct-1") }));
  const settled = await Promise.allSettled([...counts, failing]);
  assert.deepEqual(s.groupCommitStats, { commits: before.commits + 1, changes: before.changes + 11 }, "one commit for all 11 changes");
  for (const r of settled.slice(0, 10)) assert.deepEqual(r, { status: "fulfilled", value: 1 });
  assert.equal(settled[10]!.status, "rejected");
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT account_id, total_failures FROM realm_accounts").all() as { account_id: string; total_failures: number }[];
    const by = new Map(rows.map((r) => [r.account_id, r.total_failures]));
    assert.equal(by.get("acct-1"), 1, "the failed change's count was rolled back with its savepoint");
    assert.equal(by.get("acct-9"), 1);
    assert.equal((db.prepare("SELECT count(*) AS n FROM realm_attempts").get() as { n: number }).n, 11);
  } finally {
    db.close();
  }
});

test("sqlite realm store: while another process holds the write lock, no queued count resolves; then they commit together", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const accounts = Array.from({ length: 5 }, (_, i) => `w-${i}`);
  const { s } = await storeWith(t, path, accounts);
  const other = new Database(path);
  t.after(async () => void other.close());
  other.prepare("BEGIN IMMEDIATE").run(); // another realm process in the middle of its commit
  const before = s.groupCommitStats;
  let resolved = 0;
  const counts = accounts.map((a, i) =>
    s.changeAccount(a, (cur) => ({ result: null, put: { ...cur!, totalFailures: 1 }, insertAttempt: attempt(`held-${i}`, a) })).then(() => void resolved++),
  );
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(resolved, 0, "no count is answered before it is committed");
  assert.equal((other.prepare("SELECT count(*) AS n FROM realm_attempts").get() as { n: number }).n, 0);
  other.prepare("COMMIT").run();
  await Promise.all(counts);
  assert.deepEqual(s.groupCommitStats, { commits: before.commits + 1, changes: before.changes + 5 });
  assert.equal((other.prepare("SELECT count(*) AS n FROM realm_attempts").get() as { n: number }).n, 5);
});

test("sqlite realm store: close() writes the changes still queued", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const s = new SqliteRealmStore(path);
  await s.migrate();
  const written = s.changeAccount("late", () => ({ result: "ok", put: row("late") }));
  await s.close();
  assert.equal(await written, "ok");
  const db = new Database(path, { readonly: true });
  t.after(() => db.close());
  assert.equal((db.prepare("SELECT count(*) AS n FROM realm_accounts").get() as { n: number }).n, 1);
});

test("sqlite realm store: a relaxed settle commits, alone in its batch, and leaves the connection at synchronous = FULL", async (t) => {
  const path = join(tempDir(t), "vault.db");
  const { s } = await storeWith(t, path, ["acct-r"]);
  await s.changeAccount("acct-r", (cur) => ({ result: null, put: cur!, insertAttempt: attempt("ra", "acct-r") }));
  assert.equal(s.synchronousSetting, 2, "FULL for counts");
  const before = s.groupCommitStats;
  const out = await s.changeAccount(
    "acct-r",
    (cur, a) => ({
      result: a?.outcome,
      put: { ...cur!, consecutiveFailures: 0 },
      updateAttempt: { attemptId: "ra", outcome: "success", mac: new Uint8Array(32) },
    }),
    { attemptId: "ra", durability: "relaxed" },
  );
  assert.equal(out, "pending");
  assert.deepEqual(s.groupCommitStats, { commits: before.commits + 1, changes: before.changes + 1 });
  assert.equal(s.synchronousSetting, 2, "back to FULL after the relaxed commit");
  const db = new Database(path, { readonly: true });
  try {
    assert.equal((db.prepare("SELECT outcome FROM realm_attempts WHERE attempt_id = 'ra'").get() as { outcome: string }).outcome, "success");
  } finally {
    db.close();
  }
});
