/**
 * THE OFFLINE-ATTACK TEST (spec/threshold-vault.md §11, one realm alone): everything
 * ONE realm of a 2-of-3 set stores, plus a dictionary that contains the password, does not let
 * an attacker tell the right password from the wrong ones; the same attacker with TWO realms'
 * data finds it (the positive control: the test can fail).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { enable } from "./enable.ts";
import { changePassword } from "./change-password.ts";
import { ATTACK_DICTIONARY, offlineAttack, type RealmLoot } from "./testing/offline-attack.ts";
import { thresholdHarness } from "./testing/harness.ts";
import { subsetsOf } from "./shamir.ts";

const PASSWORD = "hunter2";

test("one realm's data: no candidate verifies; two realms' data: exactly the password verifies", { timeout: 300_000 }, async (t) => {
  assert.ok(ATTACK_DICTIONARY.includes(PASSWORD) && ATTACK_DICTIONARY.length >= 50);
  const h = thresholdHarness(2, 3);
  await enable(h.context(), PASSWORD, h.rootKey);
  const loot: RealmLoot[] = h.realms.map((r) => ({ realmId: r.realmId, registrations: r.dump().registrations }));
  const opts = { accountId: h.accountId, dictionary: ATTACK_DICTIONARY };

  for (const one of loot) {
    const r = await offlineAttack([one], opts);
    assert.deepEqual(r.hits, [], `realm ${one.realmId} alone verified a candidate`);
    assert.ok(r.trials >= ATTACK_DICTIONARY.length * 5, `only ${r.trials} trials`);
    t.diagnostic(`one realm: ${r.trials} candidate×strategy trials, 0 hits`);
  }
  for (const two of subsetsOf(loot, 2)) {
    const r = await offlineAttack(two, opts);
    const found = new Set(r.hits.map((x) => x.password));
    assert.deepEqual([...found], [PASSWORD], "two realms must find exactly the password");
    for (const test of ["unlockCheck", "unlockTag", "shareTag", "wrappedRootKey"])
      assert.ok(
        r.hits.some((x) => x.test === test),
        `no ${test} hit`,
      );
    t.diagnostic(`two realms: ${r.hits.length} hits, all for the right password`);
  }
});

test("after a password change one realm's data (current and any leftover) still verifies nothing", { timeout: 300_000 }, async () => {
  const h = thresholdHarness(2, 3);
  await enable(h.context(), "password", h.rootKey);
  await changePassword(h.context(), "password", PASSWORD);
  for (const r of h.realms) {
    const res = await offlineAttack([{ realmId: r.realmId, registrations: r.dump().registrations }], { accountId: h.accountId, dictionary: ATTACK_DICTIONARY });
    assert.deepEqual(res.hits, []);
  }
});
