/**
 * Protocol v2 added `blinded` to `realm_attempts` (spec/threshold-vault.md §5.4.1, §9): a
 * realm database created by v1 is migrated in place (SQLite and PostgreSQL), its attempt
 * rows read back with `blinded = null`, and their MACs (computed without the column) still
 * verify, so an attempt pending across the upgrade can still be unlocked. No proof can be
 * asked for it (nothing to prove it against).
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { needService, tempDir } from "@chatvault/testkit";
import { VaultSecrets } from "../sealing/vault-secrets.ts";
import { createTestDatabase, postgresAvailable } from "../test-vault.ts";
import { PostgresRealmStore } from "./postgres-store.ts";
import { SqliteRealmStore } from "./sqlite-store.ts";
import { RealmStateCodec } from "./state.ts";
import type { RealmAttemptRow, RealmStore } from "./store.ts";

/** `realm_attempts` exactly as protocol v1 created it. */
const V1_ATTEMPTS = (blob: string, int: string) => `CREATE TABLE realm_attempts (
  attempt_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, version ${int} NOT NULL, registration_id TEXT NOT NULL,
  started_at ${int} NOT NULL, expires_at ${int} NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'success', 'failed')), mac ${blob} NOT NULL)`;

const codec = new RealmStateCodec(new VaultSecrets("unused", randomBytes(32), randomBytes(16).toString("base64url")));
const v1Attempt = {
  attemptId: "old-attempt",
  accountId: "alice",
  version: 1,
  registrationId: "rid",
  startedAt: 10,
  expiresAt: 70_000,
  outcome: "pending" as const,
  blinded: null,
};
/** The MAC v1 wrote: over the fields without `blinded`. */
const v1Mac = codec.attemptMac(v1Attempt);

async function checkMigrated(s: RealmStore): Promise<void> {
  await s.migrate();
  await s.migrate(); // idempotent
  const row = await s.changeAccount<RealmAttemptRow | null>("alice", (_c, a) => ({ result: a }), { attemptId: "old-attempt" });
  assert.ok(row);
  assert.equal(row.blinded, null);
  assert.doesNotThrow(() => codec.verifyAttempt(row), "a v1 attempt's MAC still verifies");
  assert.throws(() => codec.verifyAttempt({ ...row, blinded: "AAAA" }), /does not authenticate/, "a blinded element written into it later is refused");
  // New rows carry the element, authenticated.
  const fresh = { ...v1Attempt, attemptId: "new-attempt", blinded: "b".repeat(43) };
  await s.changeAccount("alice", () => ({ result: null, insertAttempt: { ...fresh, mac: codec.attemptMac(fresh) } }));
  const back = await s.changeAccount<RealmAttemptRow | null>("alice", (_c, a) => ({ result: a }), { attemptId: "new-attempt" });
  assert.equal(back?.blinded, fresh.blinded);
  assert.doesNotThrow(() => codec.verifyAttempt(back!));
  assert.throws(() => codec.verifyAttempt({ ...back!, blinded: null }), /does not authenticate/, "dropping the element is refused");
}

test("sqlite: a v1 realm database gains the blinded column; v1 attempts still verify", async (t: TestContext) => {
  const path = join(tempDir(t), "vault.db");
  const db = new Database(path);
  db.exec(V1_ATTEMPTS("BLOB", "INTEGER"));
  db.prepare("INSERT INTO realm_attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run("old-attempt", "alice", 1, "rid", 10, 70_000, "pending", Buffer.from(v1Mac));
  db.close();
  const s = new SqliteRealmStore(path);
  t.after(() => s.close());
  await checkMigrated(s);
});

test("postgres: a v1 realm database gains the blinded column; v1 attempts still verify", async (t: TestContext) => {
  if (!needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return;
  const url = await createTestDatabase(t);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(V1_ATTEMPTS("BYTEA", "BIGINT"));
  await c.query("INSERT INTO realm_attempts VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", [
    "old-attempt",
    "alice",
    1,
    "rid",
    10,
    70_000,
    "pending",
    Buffer.from(v1Mac),
  ]);
  await c.end();
  const s = new PostgresRealmStore(url);
  t.after(() => s.close());
  await checkMigrated(s);
});
