/**
 * The realm-set head store (spec §8.6, spec/threshold-vault.md §6.8) on in-memory fake
 * realms: newest authentic head of those that answer, advance at n − t + 1, a forged head
 * at one realm is ignored, fewer than t answering (read) or fewer than n − t + 1 storing
 * (advance) is an error, and the store refuses to go backwards.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError } from "@chatvault/format";
import { RealmsUnavailableError, advanceHead, enable, readHead, type ThresholdContext } from "@chatvault/vault-protocol/threshold";
import { thresholdHarness } from "@chatvault/vault-protocol/threshold/testing";
import { realmSetHeadStore } from "./head.ts";

const D1 = "11".repeat(32);
const D2 = "22".repeat(32);

function api(ctx: ThresholdContext) {
  return {
    readHead: (k: Parameters<typeof readHead>[1]) => readHead(ctx, k),
    advanceHead: (k: Parameters<typeof advanceHead>[1], s: number, d: Uint8Array) => advanceHead(ctx, k, s, d),
  };
}

test("realm-set head store: advance at n − t + 1, read the newest authentic head of those that answer", async () => {
  const h = thresholdHarness(2, 3);
  const ctx = h.context();
  await enable(ctx, "correct horse battery staple", h.rootKey);
  const heads = realmSetHeadStore(api(ctx), h.rootKey, "realms");
  assert.equal(await heads.get(), undefined);
  await heads.advance({ sequence: 1, digest: D1 });
  assert.deepEqual(await heads.get(), { sequence: 1, digest: D1 });

  // One realm down while advancing: n − t + 1 = 2 still store it; any 2 that answer later include one of them.
  h.realms[2]!.faults.down = true;
  await heads.advance({ sequence: 2, digest: D2 });
  h.realms[2]!.faults.down = false;
  h.realms[0]!.faults.down = true;
  assert.deepEqual(await heads.get(), { sequence: 2, digest: D2 }, "realm 3 has the old head; realm 2 the new one");
  h.realms[0]!.faults.down = false;

  // A forged head at one realm is not believed (its signature does not verify under K's head key).
  h.realms[1]!.faults.forgedHead = true;
  assert.deepEqual(await heads.get(), { sequence: 2, digest: D2 });
  h.realms[1]!.faults.forgedHead = false;

  // Backwards is refused before any realm is asked to store it.
  await assert.rejects(heads.advance({ sequence: 1, digest: D1 }), (e: unknown) => e instanceof IntegrityError && e.reason === "rollback");
});

test("realm-set head store: fewer than t answering, or fewer than n − t + 1 storing, is RealmsUnavailableError naming them", async () => {
  const h = thresholdHarness(2, 3);
  const ctx = h.context();
  await enable(ctx, "correct horse battery staple", h.rootKey);
  const heads = realmSetHeadStore(api(ctx), h.rootKey);
  h.realms[1]!.faults.down = true;
  h.realms[2]!.faults.down = true;
  await assert.rejects(heads.get(), (e: unknown) => e instanceof RealmsUnavailableError && e.missing.length === 2);
  h.realms[2]!.faults.down = false;
  // Reading works with 2 of 3, storing needs 2 as well: still fine with one down…
  await heads.advance({ sequence: 1, digest: D1 });
  // …but not with only one realm storing.
  h.realms[2]!.faults.down = true;
  await assert.rejects(heads.advance({ sequence: 2, digest: D2 }), (e: unknown) => e instanceof RealmsUnavailableError);
});
