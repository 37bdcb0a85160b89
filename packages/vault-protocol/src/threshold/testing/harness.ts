/**
 * TEST ONLY: a realm set of fake realms with an injected clock and a tiny KSF.
 */
import { RootKey } from "@chatvault/format";
import { createContext, type ThresholdContext, type ThresholdOptions } from "../context.ts";
import type { RealmSet } from "../realm-set.ts";
import type { RealmKsf } from "../wire.ts";
import { fakeRealms, type FakeRealm } from "./fake-realm.ts";

/** Argon2id at the structural minimum (8 KiB, 1 pass): a test KSF, never for real passwords. */
export const TINY_KSF: RealmKsf = { memoryKiB: 8, iterations: 1, parallelism: 1 };

export interface Harness {
  realms: FakeRealm[];
  realmSet: RealmSet;
  clock: { now: number };
  rootKey: RootKey;
  accountId: string;
  context(overrides?: Partial<ThresholdOptions>): ThresholdContext;
}

export function thresholdHarness(t: number, n: number, accountId = "alice@example.test"): Harness {
  const clock = { now: 1_800_000_000_000 };
  const issued = { last: 0 };
  const realms = fakeRealms(n, accountId, () => clock.now);
  const realmSet: RealmSet = {
    threshold: t,
    realms: realms.map((r, k) => ({ id: r.realmId, url: `https://realm-${k + 1}.test` })),
  };
  const rootKey = new RootKey(Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 255));
  return {
    realms,
    realmSet,
    clock,
    rootKey,
    accountId,
    context: (o = {}) => {
      const ctx = createContext({ realmSet, accountId, realmApis: realms, ksf: TINY_KSF, allowWeakKsf: true, now: () => clock.now, ...o });
      // The test clock stands still; successive clients must still sign strictly increasing issuedAt (§5.6),
      // as real clients do because real clocks move. All contexts of one harness share the counter.
      Object.defineProperty(ctx, "lastIssuedAt", { get: () => issued.last, set: (v: number) => (issued.last = v) });
      return ctx;
    },
  };
}
