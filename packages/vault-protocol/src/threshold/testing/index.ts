/**
 * @chatvault/vault-protocol/threshold/testing — TEST ONLY helpers: the in-memory fake realm
 * and the offline dictionary attacker (spec/threshold-vault.md §11).
 */
export { FakeRealm, fakeRealms, FAKE_POLICY } from "./fake-realm.ts";
export type { RealmFaults } from "./realm-faults.ts";
export { offlineAttack, ATTACK_DICTIONARY, type AttackHit, type AttackOptions, type AttackReport, type RealmLoot } from "./offline-attack.ts";
export { TINY_KSF, thresholdHarness, type Harness } from "./harness.ts";
