/**
 * Realm state is bound (spec/threshold-vault.md §9): a database writer
 * without the realm's key cannot reset counters, resurrect destroyed shares or put back a
 * registration replaced by a password change, column by column — the row fails its MAC
 * and is refused (`state_invalid`, never reset). Replaying a WHOLE old row is possible;
 * the last test shows exactly what it gains (SECURITY.md "Realm": the threshold bounds it).
 * Runs on SQLite and on PostgreSQL.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { needService } from "@chatvault/testkit";
import type { GuessPolicy } from "../policy.ts";
import { createTestDatabase, postgresAvailable, startTestVault } from "../test-vault.ts";
import { REALM_PATHS } from "./protocol.ts";
import { Point, RealmDriver, adminOp, buildRegistration, guess, recoverByHand } from "./test-realm.ts";

type Row = Record<string, unknown>;
/** Raw SQL on one realm's database, as its operator (or a thief with write access) has it. */
interface Sql {
  row(account: string): Promise<Row>;
  put(row: Row): Promise<void>;
  set(account: string, sets: Record<string, unknown>): Promise<void>;
}

function sqliteSql(t: TestContext, path: string): Sql {
  const db = new Database(path);
  t.after(() => db.close());
  return {
    row: async (a) => db.prepare("SELECT * FROM realm_accounts WHERE account_id = ?").get(a) as Row,
    put: async (r) =>
      void db
        .prepare(
          `INSERT OR REPLACE INTO realm_accounts (${Object.keys(r).join(", ")}) VALUES (${Object.keys(r)
            .map(() => "?")
            .join(", ")})`,
        )
        .run(...Object.values(r)),
    set: async (a, s) =>
      void db
        .prepare(
          `UPDATE realm_accounts SET ${Object.keys(s)
            .map((k) => `${k} = ?`)
            .join(", ")} WHERE account_id = ?`,
        )
        .run(...Object.values(s), a),
  };
}

async function postgresSql(t: TestContext, url: string): Promise<Sql> {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => {}); // the database is dropped with FORCE when the test ends
  await c.connect();
  t.after(() => c.end());
  return {
    row: async (a) => (await c.query("SELECT * FROM realm_accounts WHERE account_id = $1", [a])).rows[0] as Row,
    put: async (r) => {
      const k = Object.keys(r);
      await c.query(`DELETE FROM realm_accounts WHERE account_id = $1`, [r.account_id]);
      await c.query(`INSERT INTO realm_accounts (${k.join(", ")}) VALUES (${k.map((_x, i) => `$${i + 1}`).join(", ")})`, Object.values(r));
    },
    set: async (a, s) => {
      const k = Object.keys(s);
      await c.query(`UPDATE realm_accounts SET ${k.map((x, i) => `${x} = $${i + 1}`).join(", ")} WHERE account_id = $${k.length + 1}`, [
        ...Object.values(s),
        a,
      ]);
    },
  };
}

type Backend = "sqlite" | "postgres";

/** Three in-process realms; realm 1's database is handed to the "attacker" as raw SQL. */
async function setup(t: TestContext, backend: Backend, policy: Partial<GuessPolicy> = {}) {
  let sql: Sql;
  let first;
  if (backend === "postgres") {
    const url = await createTestDatabase(t);
    first = await startTestVault(t, { testClock: true, database: { kind: "postgres", url }, policy });
    sql = await postgresSql(t, url);
  } else {
    first = await startTestVault(t, { testClock: true, policy });
    sql = sqliteSql(t, join(first.dir, "vault.db"));
  }
  const others = await Promise.all([0, 1].map(() => startTestVault(t, { testClock: true, policy })));
  const vaults = [first, ...others];
  const rs = await Promise.all(vaults.map(async (v) => RealmDriver.connect(v.url, await v.token("alice"))));
  const reg = await buildRegistration(rs, 2, "alice", "the password");
  for (const [i, r] of rs.entries()) assert.equal((await r.register(reg.registrations[i]!)).status, 200);
  const info = (await rs[0]!.record()).body.current!;
  const advance = (ms: number) =>
    Promise.all(
      vaults.map((v) =>
        fetch(v.url + "/_test/clock", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advanceMs: ms }) }),
      ),
    );
  return { sql, rs, reg, info, advance, vaults };
}

async function refused(r: RealmDriver, info: { version: number; registrationId: string }) {
  const rec = await r.record();
  assert.equal(rec.status, 500);
  assert.equal(rec.body.error?.code, "state_invalid");
  const ev = await r.evaluate({ version: info.version, registrationId: info.registrationId }, Point.BASE.toBytes());
  assert.equal(ev.body.error?.code, "state_invalid", "no evaluation leaves for a row that fails its MAC");
}

const backends: Backend[] = ["sqlite", "postgres"];
for (const backend of backends) {
  const skipUnlessPg = async (t: TestContext) =>
    backend === "sqlite" || needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432");

  test(`${backend}: resetting the counters by SQL → the row is refused, never reset`, async (t) => {
    if (!(await skipUnlessPg(t))) return;
    const { sql, rs, info } = await setup(t, backend);
    for (let i = 0; i < 3; i++) await guess(rs, "alice", "wrong", info);
    assert.equal((await rs[0]!.record()).body.attemptsRemaining, 2);
    const tampered = await sql.row("alice");
    await sql.set("alice", { consecutive_failures: 0, total_failures: 0 });
    await refused(rs[0]!, info);
    await sql.set("alice", { locked_until: null, lockouts: 0, consecutive_failures: 3, total_failures: 3, mac: tampered.mac });
    assert.equal((await rs[0]!.record()).body.attemptsRemaining, 2, "the untouched row is accepted again, counts intact");
  });

  test(`${backend}: writing the registration back into a destroyed row → refused`, async (t) => {
    if (!(await skipUnlessPg(t))) return;
    const { sql, rs, info, advance } = await setup(t, backend, { maxAttempts: 3, failureBudget: 3 });
    const before = await sql.row("alice");
    for (let i = 0; i < 3; i++) await guess(rs, "alice", "wrong", info);
    await advance(61_000); // the last attempt expires: the budget is spent for good
    assert.equal((await rs[0]!.record()).body.state, "destroyed");
    const tomb = await sql.row("alice");
    assert.equal(tomb.current_sealed, null, "the shares are gone from the tombstone");
    await sql.set("alice", { state: "active", current_info: before.current_info, current_sealed: before.current_sealed, destroyed_at: null });
    await refused(rs[0]!, info);
    await sql.set("alice", { consecutive_failures: 0, total_failures: 0, locked_until: null, last_attempt_expires_at: null });
    await refused(rs[0]!, info);
  });

  test(`${backend}: writing the previous registration back after a password change → refused`, async (t) => {
    if (!(await skipUnlessPg(t))) return;
    const { sql, rs, reg, info } = await setup(t, backend);
    const oldRow = await sql.row("alice");
    const v2 = await buildRegistration(rs, 2, "alice", "the new password", reg.rootKey, 2);
    const ref2 = { version: 2, registrationId: v2.registrations[0]!.registrationId };
    const now = Date.now();
    for (const [i, r] of rs.entries())
      assert.equal(
        (await adminOp(r, reg.rootKey, "alice", "prepare", { version: 1, registrationId: info.registrationId }, v2.registrations[i]!, now)).status,
        200,
      );
    for (const r of rs) assert.equal((await adminOp(r, reg.rootKey, "alice", "commit", ref2, undefined, now + 1)).status, 200);
    await sql.set("alice", { current_info: oldRow.current_info, current_sealed: oldRow.current_sealed });
    await refused(rs[0]!, info);
    // The same columns into the `next` slot: refused too.
    const cur = await sql.row("alice");
    await sql.set("alice", { current_info: cur.current_info, next_info: oldRow.current_info, next_sealed: oldRow.current_sealed });
    await refused(rs[0]!, info);
  });

  test(`${backend}: replaying a whole old row is accepted — it restores that ONE realm's counters only`, async (t) => {
    if (!(await skipUnlessPg(t))) return;
    const { sql, rs, info } = await setup(t, backend);
    const snapshot = await sql.row("alice");
    for (let i = 0; i < 5; i++) await guess(rs, "alice", "wrong", info);
    for (const r of rs) assert.equal((await r.record()).body.attemptsRemaining, 0, "locked everywhere");
    await sql.put(snapshot);
    assert.equal((await rs[0]!.record()).body.attemptsRemaining, 5, "realm 1 is back to 5 (what a replay gains)");
    // But a guess needs t = 2 evaluations: the honest realms stay locked, so no guess completes.
    const g = await guess(rs, "alice", "the password", info);
    assert.deepEqual(g.statuses, [200, 423, 423]);
    await assert.rejects(recoverByHand(rs, "alice", "the password", info), /only 1 realms answered/);
  });

  test(`${backend}: a row moved to another account → refused`, async (t) => {
    if (!(await skipUnlessPg(t))) return;
    const { sql, rs, vaults } = await setup(t, backend);
    const row = await sql.row("alice");
    await sql.put({ ...row, account_id: "mallory" });
    const mallory = new RealmDriver(rs[0]!.url, rs[0]!.realmId, await vaults[0]!.token("mallory"));
    const rec = await mallory.call("GET", REALM_PATHS.record);
    assert.equal(rec.body.error?.code, "state_invalid");
  });
}
