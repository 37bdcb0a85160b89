/**
 * Conformance: the backup head (spec/vault-protocol.md §7, §7.1) — monotonic and
 * idempotent, a signed head over an unsigned one, and written only while the record's head
 * key is the one the signature was checked against. Run by `storeConformance`.
 */
import assert from "node:assert/strict";
import { createRecord } from "./record-transitions.ts";
import { KS, type WithRepo, bytes, newRecordId } from "./conformance-fixtures.ts";

export function headConformance(withRepo: WithRepo): void {
  withRepo("head: monotonic, idempotent, refuses rollback and rewrite", async (store) => {
    assert.equal(await store.getHead("h"), null);
    const adv = (sequence: number, digest: string, now: number, signature: string | null = "sig", replaceUnsigned = true) =>
      store.advanceHead("h", { sequence, digest, signature, replaceUnsigned, expectedHeadKey: null }, now);
    assert.equal((await adv(1, "d1", 10)).ok, true);
    assert.equal((await adv(1, "d1", 11)).ok, true);
    assert.deepEqual(await adv(1, "dX", 12), { ok: false, current: { accountId: "h", sequence: 1, digest: "d1", signature: "sig", updatedAt: 10 } });
    assert.equal((await adv(5, "d5", 13)).ok, true);
    assert.equal((await adv(4, "d4", 14)).ok, false);
    const par = await Promise.all([6, 7, 8, 9].map((s) => adv(s, `d${s}`, 15)));
    assert.ok(par.some((x) => x.ok));
    assert.equal((await store.getHead("h"))!.sequence >= 6, true);
  });

  withRepo("head: a signed head replaces an unsigned one of any sequence; never the reverse", async (store) => {
    const adv = (sequence: number, digest: string, signature: string | null, replaceUnsigned: boolean) =>
      store.advanceHead("hu", { sequence, digest, signature, replaceUnsigned, expectedHeadKey: null }, 1);
    assert.equal((await adv(Number.MAX_SAFE_INTEGER, "pushed", null, false)).ok, true, "an unregistered record takes unsigned heads");
    assert.equal((await adv(3, "d3", null, false)).ok, false, "unsigned heads stay monotonic");
    assert.deepEqual(await adv(3, "d3", "sig3", true), { ok: true, head: { accountId: "hu", sequence: 3, digest: "d3", signature: "sig3", updatedAt: 1 } });
    assert.equal((await adv(2, "d2", "sig2", true)).ok, false, "a signed head is monotonic");
    assert.equal((await adv(9, "d9", "sig9", true)).ok, true);
    assert.equal((await store.getHead("hu"))!.signature, "sig9");
  });

  withRepo("head: written only if the record's head key is still the one the signature was checked against", async (store) => {
    const key = bytes(32, 1);
    await createRecord(store, {
      accountId: "hk",
      version: 1,
      firstVersion: 1,
      sealedRecord: bytes(64),
      keyStretching: KS,
      headKey: key,
      recordId: newRecordId(),
      now: 1,
    });
    const adv = (expectedHeadKey: Uint8Array | null) =>
      store.advanceHead("hk", { sequence: 1, digest: "d", signature: "s", replaceUnsigned: true, expectedHeadKey }, 2);
    assert.deepEqual(await adv(null), { ok: false, recordChanged: true }, "the record got a key meanwhile");
    assert.deepEqual(await adv(bytes(32, 2)), { ok: false, recordChanged: true }, "another record's key");
    assert.equal(await store.getHead("hk"), null, "nothing written");
    assert.equal((await adv(key)).ok, true);
  });
}
