/**
 * Conformance, part two: what a database writer without the vault's secrets can and cannot
 * do to a record row (spec/vault-protocol.md §10.4), the migration of rows written before
 * state MACs, ill-formed account IDs (§2) and the erasure of expired login states (§6.6).
 * Run by `storeConformance` on every backend.
 */
import assert from "node:assert/strict";
import { DEFAULT_POLICY } from "../policy.ts";
import { RecordIntegrityError, authenticateLegacyRows } from "./authenticated.ts";
import { type RawSql, type WithRepo, TEST_CRYPTO, create, newRecordId } from "./conformance-fixtures.ts";
import { destroyIfExhausted, replaceRecord, startAttempt } from "./record-transitions.ts";
import type { VaultStore } from "./vault-store.ts";

const KS = JSON.stringify({ algorithm: "argon2id", memoryKiB: 65536, iterations: 3, parallelism: 4 });
const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
const refused = (e: unknown) => e instanceof RecordIntegrityError && e.code === "record_integrity";
let n = 0;
const start = (store: VaultStore, accountId: string, now: number, policy = DEFAULT_POLICY) =>
  startAttempt(store, { accountId, expectedVersion: 1, now, policy, loginId: `i-${++n}-${Math.random()}`, sealedState: bytes(32, 9) });
const row = async (sql: RawSql, accountId: string) => (await sql("SELECT * FROM vault_records WHERE account_id = ?", [accountId]))[0]!;

export function integrityConformance(withRepo: WithRepo): void {
  withRepo("tamper: counters reset by SQL → every use of the row is refused, nothing is reset", async (store, _t, sql) => {
    await create(store, "t1");
    for (let i = 0; i < 5; i++) await start(store, "t1", 10);
    assert.equal((await start(store, "t1", 10)).kind, "locked");
    await sql("UPDATE vault_records SET consecutive_failures = 0, total_failures = 0, lockouts = 0, locked_until = NULL WHERE account_id = ?", ["t1"]);
    await assert.rejects(store.getRecord("t1"), refused);
    await assert.rejects(start(store, "t1", 11), refused);
    await assert.rejects(destroyIfExhausted(store, { accountId: "t1", now: 11, policy: DEFAULT_POLICY }), refused);
    const after = await row(sql, "t1");
    assert.equal(Number(after.consecutive_failures), 0, "the vault did not rewrite (and so bless) the tampered row");
    assert.equal((await sql("SELECT * FROM vault_attempts WHERE account_id = ?", ["t1"])).length, 5, "no attempt was added");
  });

  withRepo("tamper: the sealed record copied before destruction written back → refused", async (store, _t, sql) => {
    const policy = { ...DEFAULT_POLICY, failureBudget: 5 };
    await create(store, "t2");
    const before = await row(sql, "t2");
    for (let i = 0; i < 5; i++) await start(store, "t2", 0, policy);
    assert.equal(await destroyIfExhausted(store, { accountId: "t2", now: policy.loginTtlMs, policy }), true);
    await sql(
      "UPDATE vault_records SET state = 'active', sealed_record = ?, key_stretching = ?, total_failures = 0, destroyed_at = NULL WHERE account_id = ?",
      [before.sealed_record, before.key_stretching, "t2"],
    );
    await assert.rejects(store.getRecord("t2"), refused);
    await assert.rejects(start(store, "t2", 9e12, policy), refused);
  });

  withRepo("tamper: the previous record written back after a password change → refused", async (store, _t, sql) => {
    await create(store, "t3", { sealedRecord: bytes(64, 1) });
    const v1 = await row(sql, "t3");
    const recordId = String(v1.record_id);
    assert.deepEqual(
      await replaceRecord(store, {
        accountId: "t3",
        recordId,
        currentVersion: 1,
        newVersion: 2,
        sealedRecord: bytes(64, 2),
        keyStretching: KS,
        headKey: null,
        now: 5,
      }),
      { kind: "replaced", version: 2 },
    );
    await sql("UPDATE vault_records SET sealed_record = ?, version = 1 WHERE account_id = ?", [v1.sealed_record, "t3"]);
    await assert.rejects(store.getRecord("t3"), refused);
    await sql("UPDATE vault_records SET version = 2 WHERE account_id = ?", ["t3"]); // old sealed record under the new version
    await assert.rejects(store.getRecord("t3"), refused);
    await sql("UPDATE vault_records SET state_mac = NULL WHERE account_id = ?", ["t3"]);
    await assert.rejects(store.getRecord("t3"), refused, "a row without a MAC is refused once the migration is done");
  });

  withRepo("tamper: a row just verified (and remembered) then changed in any one covered column → refused", async (store, _t, sql) => {
    await create(store, "t5");
    await start(store, "t5", 10);
    const changes: Array<[string, unknown]> = [
      ["state", "destroyed"],
      ["version", 7],
      ["sealed_record", bytes(64, 3)],
      ["key_stretching", KS.replace("65536", "1024")],
      ["consecutive_failures", 0],
      ["total_failures", 0],
      ["lockouts", 3],
      ["locked_until", 99],
      ["last_login_expires_at", 1],
      ["created_at", 2],
      ["destroyed_at", 3],
      ["record_id", "other-id"],
      ["head_key", bytes(32, 4)],
      ["state_mac", bytes(32, 5)],
    ];
    const good = await row(sql, "t5");
    for (const [column, value] of changes) {
      assert.ok(await store.getRecord("t5"), "the untouched row verifies");
      await sql(`UPDATE vault_records SET ${column} = ? WHERE account_id = ?`, [value, "t5"]);
      await assert.rejects(store.getRecord("t5"), refused, column);
      await assert.rejects(start(store, "t5", 11), refused, column);
      await sql(`UPDATE vault_records SET ${column} = ? WHERE account_id = ?`, [good[column], "t5"]);
    }
  });

  withRepo("documented limit: a WHOLE earlier row (with its MAC) put back verifies (SECURITY.md)", async (store, _t, sql) => {
    await create(store, "t4");
    const old = await row(sql, "t4");
    await start(store, "t4", 10);
    assert.equal((await store.getRecord("t4"))!.consecutiveFailures, 1);
    await sql("UPDATE vault_records SET consecutive_failures = ?, total_failures = ?, last_login_expires_at = ?, state_mac = ? WHERE account_id = ?", [
      old.consecutive_failures,
      old.total_failures,
      old.last_login_expires_at,
      old.state_mac,
      "t4",
    ]);
    assert.equal((await store.getRecord("t4"))!.consecutiveFailures, 0, "a replayed whole row is indistinguishable from the real one");
  });

  withRepo("migration: rows of the previous version get a record ID and a MAC once; then a MAC-less row is refused", async (store, _t, sql, raw) => {
    await create(store, "legacy-a");
    await create(store, "legacy-b");
    // Make these rows look like the previous version wrote them, and the database like it was just upgraded.
    await sql("UPDATE vault_records SET state_mac = NULL, record_id = NULL");
    await assert.rejects(store.getRecord("legacy-a"), refused, "before the migration the vault refuses them too");
    assert.equal(await authenticateLegacyRows(raw, TEST_CRYPTO, newRecordId), 0, "no migration without the upgrade marker");
    await sql("INSERT INTO vault_meta (key, value) VALUES ('legacy_rows_unauthenticated', '1')");
    assert.equal(await raw.legacyMigrationPending(), true);
    assert.equal(await authenticateLegacyRows(raw, TEST_CRYPTO, newRecordId), 2);
    assert.equal(await raw.legacyMigrationPending(), false);
    const a = (await store.getRecord("legacy-a"))!;
    const b = (await store.getRecord("legacy-b"))!;
    assert.ok(a.recordId && b.recordId && a.recordId !== b.recordId);
    await sql("UPDATE vault_records SET state_mac = NULL WHERE account_id = ?", ["legacy-a"]);
    assert.equal(await authenticateLegacyRows(raw, TEST_CRYPTO, newRecordId), 0, "the marker is gone: no second migration");
    await assert.rejects(store.getRecord("legacy-a"), refused);
  });

  withRepo("migrate() on a database of the previous version adds the columns and the marker", async (store, _t, sql, raw) => {
    await raw.finishLegacyMigration();
    for (const [table, column] of [
      ["vault_records", "state_mac"],
      ["vault_records", "record_id"],
      ["vault_records", "head_key"],
      ["vault_heads", "signature"],
    ]) {
      await sql(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    }
    await sql(
      `INSERT INTO vault_records (account_id, state, version, sealed_record, key_stretching, consecutive_failures, total_failures,
      lockouts, locked_until, last_login_expires_at, created_at, updated_at, destroyed_at) VALUES (?, 'active', 3, ?, ?, 2, 4, 0, NULL, NULL, 1, 1, NULL)`,
      ["old-row", Buffer.from(bytes(64)), KS],
    );
    await raw.migrate();
    assert.equal(await raw.legacyMigrationPending(), true);
    assert.equal(await authenticateLegacyRows(raw, TEST_CRYPTO, newRecordId), 1);
    const r = (await store.getRecord("old-row"))!;
    assert.equal(r.version, 3);
    assert.equal(r.totalFailures, 4, "counters carried over as they were");
    assert.equal(r.headKey, null, "no head key registered yet");
    assert.equal((await start(store, "old-row", 1)).kind, "stale", "usable: the record answers (version 3 ≠ 1)");
  });

  withRepo("account IDs that are not well-formed Unicode are refused before any query", async (store) => {
    await create(store, "x\ufffdy");
    await assert.rejects(store.getRecord("x\ud800y"), TypeError);
    await assert.rejects(create(store, "x\ud800y"), TypeError);
    await assert.rejects(start(store, "x\udc00y", 1), TypeError);
    await assert.rejects(store.getHead("\ud800"), TypeError);
    assert.equal((await store.getRecord("x\ufffdy"))!.version, 1);
  });

  withRepo("sealed login states of expired attempts are erased by the sweep and by the next transition", async (store, _t, sql) => {
    await create(store, "s1");
    await create(store, "s2");
    await start(store, "s1", 0);
    await start(store, "s2", 0);
    const ttl = DEFAULT_POLICY.loginTtlMs;
    const sealed = async (account: string) =>
      (await sql("SELECT login_id FROM vault_attempts WHERE account_id = ? AND sealed_state IS NOT NULL", [account])).length;
    assert.equal(await store.eraseExpiredLoginStates(ttl - 1, 100), 0, "not yet expired");
    assert.equal(await sealed("s1"), 1);
    await start(store, "s1", ttl); // the next transition of s1 erases its expired state
    assert.equal(await sealed("s1"), 1, "only the new attempt's state remains");
    assert.equal(await store.eraseExpiredLoginStates(ttl, 100), 1, "the sweep erases s2's");
    assert.equal(await sealed("s2"), 0);
    assert.equal(await store.eraseExpiredLoginStates(2 * ttl, 100), 1);
    assert.equal((await sql("SELECT login_id FROM vault_attempts WHERE sealed_state IS NOT NULL")).length, 0, "no sealed state remains");
    assert.equal((await sql("SELECT login_id FROM vault_attempts")).length, 3, "the attempts themselves stay (they are counted)");
  });
}
