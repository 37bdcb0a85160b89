/**
 * Conformance: the vault's own rows, not an account's — the sealed vault secrets, first
 * writer wins (spec/vault-protocol.md §10.3), and the test clock's table, made only for a
 * vault started with the test clock (§9.3). Run by `storeConformance`.
 */
import assert from "node:assert/strict";
import { type WithRepo, bytes } from "./conformance-fixtures.ts";

export function vaultRowConformance(withRepo: WithRepo): void {
  withRepo("sealed secrets: first writer wins", async (store) => {
    assert.equal(await store.getSealedSecrets(), null);
    const a = await store.putSealedSecretsIfAbsent({ sealerKind: "keyfile", keyId: "k1", sealed: bytes(40, 1), createdAt: 1 });
    const b = await store.putSealedSecretsIfAbsent({ sealerKind: "keyfile", keyId: "k2", sealed: bytes(40, 2), createdAt: 2 });
    assert.equal(a.keyId, "k1");
    assert.equal(b.keyId, "k1");
    await store.ping();
  });

  // spec §9.3: the test clock's table is made only for a vault started with the test clock.
  withRepo("no vault_test_clock without the test clock; migrate({ testClock }) adds it and the offset accumulates", async (store, _t, sql, raw) => {
    await assert.rejects(sql("SELECT offset_ms FROM vault_test_clock"), /vault_test_clock/);
    await assert.rejects(store.getClockOffset(), "no offset to read without the table");
    await raw.migrate({ testClock: true });
    await raw.migrate({ testClock: true }); // idempotent
    assert.deepEqual(await sql("SELECT offset_ms FROM vault_test_clock"), []);
    assert.equal(await store.getClockOffset(), 0);
    assert.equal(await store.advanceClockOffset(1000), 1000);
    assert.equal(await store.advanceClockOffset(500), 1500);
    await store.ping();
  });
}
