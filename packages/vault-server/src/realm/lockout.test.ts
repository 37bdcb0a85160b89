/**
 * The single vault's policy at each realm, with the injected test clock (spec §7): 5 wrong
 * guesses lock for 1 h, then 4 h, then 16 h; a lock ends on time; the lifetime budget of
 * 20 then destroys the shares (tombstone) once the last attempt expired; a correct unlock
 * proof in between resets consecutive failures and lockouts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { startTestVault } from "../test-vault.ts";
import { RealmDriver, buildRegistration, guess, recoverByHand } from "./test-realm.ts";

const HOUR = 3_600_000;

async function setup(t: import("node:test").TestContext) {
  const vaults = await Promise.all([0, 1, 2].map(() => startTestVault(t, { testClock: true })));
  const rs = await Promise.all(vaults.map(async (v) => RealmDriver.connect(v.url, await v.token("alice"))));
  const reg = await buildRegistration(rs, 2, "alice", "pw");
  for (const [i, r] of rs.entries()) await r.register(reg.registrations[i]!);
  const info = (await rs[0]!.record()).body.current!;
  const advance = (ms: number) =>
    Promise.all(
      vaults.map((v) =>
        fetch(v.url + "/_test/clock", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advanceMs: ms }) }),
      ),
    );
  return { vaults, rs, info, advance };
}

test("locks of 1 h, 4 h, 16 h end on the test clock; the 20th failure destroys the shares", async (t) => {
  const { vaults, rs, info, advance } = await setup(t);
  const wrongRound = async () => {
    for (let i = 0; i < 5; i++) assert.deepEqual((await guess(rs, "alice", "wrong", info)).statuses, [200, 200, 200]);
    assert.deepEqual((await guess(rs, "alice", "wrong", info)).statuses, [423, 423, 423], "the sixth is refused: locked");
  };
  for (const [round, lock] of [
    [1, HOUR],
    [2, 4 * HOUR],
    [3, 16 * HOUR],
  ] as const) {
    await wrongRound();
    const rec = (await rs[0]!.record()).body;
    assert.equal(rec.attemptsRemaining, 0, `round ${round}`);
    await advance(lock - 60_000);
    assert.equal((await rs[1]!.record()).body.attemptsRemaining, 0, `still locked a minute before the end of lock ${round}`);
    await advance(60_000);
    assert.equal((await rs[1]!.record()).body.lockedUntil, null, `lock ${round} ended`);
  }
  // 15 spent; 5 more reach the budget of 20. No lock then: the budget is the end.
  for (let i = 0; i < 5; i++) assert.deepEqual((await guess(rs, "alice", "wrong", info)).statuses, [200, 200, 200]);
  const waiting = await guess(rs, "alice", "pw", info);
  assert.deepEqual(waiting.statuses, [423, 423, 423], "budget spent; the last attempts may still succeed until they expire");
  await advance(61_000);
  const gone = await guess(rs, "alice", "pw", info);
  assert.deepEqual(gone.statuses, [410, 410, 410], "destroyed: even the right password is refused");
  for (const r of rs) assert.equal((await r.record()).body.state, "destroyed");
  const db = new Database(join(vaults[0]!.dir, "vault.db"), { readonly: true });
  const row = db.prepare("SELECT state, current_sealed, next_sealed, total_failures, destroyed_at FROM realm_accounts").get() as Record<string, unknown>;
  db.close();
  assert.equal(row.current_sealed, null, "the tombstone holds no share");
  assert.equal(row.total_failures, 20);
  assert.ok(row.destroyed_at !== null);
});

test("a correct unlock proof after a lock resets consecutive failures and the lock ladder", async (t) => {
  const { rs, info, advance } = await setup(t);
  for (let i = 0; i < 5; i++) await guess(rs, "alice", "wrong", info);
  await advance(HOUR);
  assert.notEqual(await recoverByHand(rs, "alice", "pw", info), "wrong_password");
  for (const r of rs) assert.equal((await r.record()).body.attemptsRemaining, 5);
  for (let i = 0; i < 5; i++) await guess(rs, "alice", "wrong", info);
  const rec = (await rs[0]!.record()).body;
  const lockMs = rec.lockedUntil! - (Date.now() + HOUR); // the realm clock runs 1 h ahead now
  assert.ok(Math.abs(lockMs - HOUR) < 120_000, `the next lock is 1 h again, not 4 h (got ${lockMs} ms)`);
});
