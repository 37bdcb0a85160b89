/**
 * TEST ONLY: the faults a FakeRealm (fake-realm.ts) can be told to have — each one a way a
 * realm can fail or misbehave that the client must survive or name (spec/threshold-vault.md
 * §5, §7; the properties in unlock.property.test.ts and start.property.test.ts).
 */
export interface RealmFaults {
  down?: boolean;
  /** Answers evaluations under another key (a wrong element); its proof, when asked, is for that key. */
  badEvaluation?: boolean;
  /** Answers correct evaluations but a proof that does not verify, when one is asked (§5.4.1). */
  badProof?: boolean;
  liePublicShare?: boolean;
  badShare?: boolean;
  badUnlockCheck?: boolean;
  badWrappedKey?: boolean;
  forgedHead?: boolean;
  /** A chatvault-realm/2 realm: `/info` lists no versions and `recover/start` is not served (§5.3.1). */
  v2Only?: boolean;
  /** Called before every operation; throw to simulate a crash at that point. */
  before?: (op: string) => void;
}
