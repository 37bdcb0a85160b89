/**
 * The test clock's table (spec §9.3) exists only in a vault started with the test clock:
 * a production database never holds it, on SQLite or PostgreSQL. With it on, the clock moves.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { needService } from "@chatvault/testkit";
import { createTestDatabase, postgresAvailable, startTestVault } from "../../test-vault.ts";

async function advance(url: string, advanceMs: number): Promise<{ status: number; offsetMs?: number }> {
  const r = await fetch(`${url}/_test/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advanceMs }) });
  return { status: r.status, ...(r.status === 200 ? { offsetMs: ((await r.json()) as { offsetMs: number }).offsetMs } : {}) };
}

function sqliteTables(dir: string): string[] {
  const db = new Database(join(dir, "vault.db"), { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
}

async function postgresTables(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
    return r.rows.map((row: { table_name: string }) => row.table_name);
  } finally {
    await c.end();
  }
}

test("sqlite: no vault_test_clock table without the test clock; with it the table exists and the clock moves", async (t) => {
  const off = await startTestVault(t);
  const offTables = sqliteTables(off.dir);
  assert.ok(offTables.includes("vault_records"), "the schema was made");
  assert.ok(!offTables.includes("vault_test_clock"), `production schema: ${offTables.join(", ")}`);
  assert.equal((await advance(off.url, 1)).status, 404);

  const on = await startTestVault(t, { testClock: true });
  assert.ok(sqliteTables(on.dir).includes("vault_test_clock"));
  assert.deepEqual(await advance(on.url, 1000), { status: 200, offsetMs: 1000 });
  assert.deepEqual(await advance(on.url, 500), { status: 200, offsetMs: 1500 });
});

test("postgres: no vault_test_clock table without the test clock; with it the table exists and the clock moves", async (t: TestContext) => {
  if (!needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return;
  const offUrl = await createTestDatabase(t);
  const off = await startTestVault(t, { database: { kind: "postgres", url: offUrl } });
  const offTables = await postgresTables(offUrl);
  assert.ok(offTables.includes("vault_records"), "the schema was made");
  assert.ok(!offTables.includes("vault_test_clock"), `production schema: ${offTables.join(", ")}`);
  assert.equal((await advance(off.url, 1)).status, 404);

  const onUrl = await createTestDatabase(t);
  const on = await startTestVault(t, { testClock: true, database: { kind: "postgres", url: onUrl } });
  assert.ok((await postgresTables(onUrl)).includes("vault_test_clock"));
  assert.deepEqual(await advance(on.url, 1000), { status: 200, offsetMs: 1000 });
  assert.deepEqual(await advance(on.url, 500), { status: 200, offsetMs: 1500 });
});
