/** What every realm operation gets (built once per process by `plugin.ts`). */
import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { Metrics } from "../metrics.ts";
import type { GuessPolicy } from "../policy.ts";
import type { RealmStateCodec } from "./state.ts";
import type { RealmStore } from "./store.ts";

export interface RealmContext {
  store: RealmStore;
  codec: RealmStateCodec;
  policy: GuessPolicy;
  clock: Clock;
  /** This realm's ID (base64url of 16 bytes) and its raw bytes (signed in admin messages). */
  realmId: string;
  realmIdBytes: Uint8Array;
  /** TEST ONLY: accept a KSF weaker than the default. */
  allowWeakKsf: boolean;
  log: Logger;
  metrics: Metrics;
}
