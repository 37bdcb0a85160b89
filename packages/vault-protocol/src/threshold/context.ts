/**
 * What every threshold operation needs (spec/threshold-vault.md §6): the realm set, one
 * `RealmApi` per realm (HTTP by default, a fake in tests), the account, the KSF policy,
 * injected randomness, clock, crypto backend and the pending-delete store.
 */
import { getDefaultBackend, platformRandom, type CryptoBackend, type RandomSource } from "@chatvault/format";
import { isValidAccountId } from "../codecs.ts";
import { DEFAULT_KEY_STRETCHING } from "../key-stretching.ts";
import { defaultArgon2id, type Argon2idFunction } from "./ksf.ts";
import { MemoryPendingDeletes, type PendingDeletes } from "./pending-deletes.ts";
import { checkRealmSet, type RealmConfig, type RealmSet } from "./realm-set.ts";
import { RealmTransport, type RealmApi, type RealmFetch, type RealmTokenProvider } from "./transport.ts";
import type { RealmKsf } from "./wire.ts";
import type { GuessParams } from "./early-guess.ts";

export interface ThresholdOptions {
  realmSet: RealmSet;
  accountId: string;
  tokenFor?: RealmTokenProvider;
  fetch?: RealmFetch;
  timeoutMs?: number;
  /** Replace the HTTP transport (tests: the in-memory fake realm). Same order as the realm set. */
  realmApis?: RealmApi[];
  /** KSF for new registrations; default Argon2id m=64 MiB t=3 p=4. */
  ksf?: RealmKsf;
  /** TEST ONLY: accept registrations with a KSF below the default. */
  allowWeakKsf?: boolean;
  argon2?: Argon2idFunction;
  random?: RandomSource;
  backend?: CryptoBackend;
  now?: () => number;
  /** The lowest registration version this client accepts (the last it committed); older is rolled back (§6.2). */
  knownVersion?: number;
  pendingDeletes?: PendingDeletes;
}

export interface ThresholdContext {
  realmSet: RealmSet;
  accountId: string;
  apis: RealmApi[];
  ksf: RealmKsf;
  allowWeakKsf: boolean;
  argon2: Argon2idFunction;
  random: RandomSource;
  backend: CryptoBackend;
  now: () => number;
  knownVersion: number;
  pendingDeletes: PendingDeletes;
  /** Last admin issuedAt this client used: admin requests are strictly increasing (§5.6). */
  lastIssuedAt: number;
  /**
   * Positions (0-based) of realms whose `/info` proved the configured realmId to this context
   * (§2.2, §6.2): later operations send their token without asking again. Cleared for a realm
   * that then fails, so it proves itself again.
   */
  provenRealms: Set<number>;
  /** Positions (0-based) of proven realms whose `/info` listed chatvault-realm/3 (`recover/start`, §5.3.1). */
  v3Realms: Set<number>;
  /**
   * Public parameters of the registration this context last unlocked (what `/record` tells anyone
   * with the account token): the next unlock stretches and blinds for it while phase 1 runs (early-guess.ts).
   */
  lastUnlocked?: GuessParams;
  /**
   * Positions (0-based) of the t realms whose shares opened K in this context's last unlock, set only
   * after a success and kept through a wrong password that left t realms unlocked: the next unlock sends
   * them `recover/start` for `lastUnlocked` (§6.2.1). Cleared by any other outcome, so that a context
   * that met locks or missing realms goes back to phase 1 first (which spends nothing).
   */
  startAt?: number[];
}

export function createContext(o: ThresholdOptions): ThresholdContext {
  checkRealmSet(o.realmSet);
  if (!isValidAccountId(o.accountId)) throw new TypeError("accountId must be 1–256 characters without control characters");
  let apis: RealmApi[];
  if (o.realmApis) {
    if (o.realmApis.length !== o.realmSet.realms.length) throw new RangeError("one realm API per realm of the set");
    apis = o.realmApis;
  } else {
    if (!o.tokenFor) throw new TypeError("tokenFor is required with the HTTP transport");
    const tokenFor = o.tokenFor;
    apis = o.realmSet.realms.map((r: RealmConfig) => new RealmTransport(r, { tokenFor, fetch: o.fetch, timeoutMs: o.timeoutMs }));
  }
  const d = DEFAULT_KEY_STRETCHING;
  return {
    realmSet: o.realmSet,
    accountId: o.accountId,
    apis,
    ksf: o.ksf ?? { memoryKiB: d.memoryKiB, iterations: d.iterations, parallelism: d.parallelism },
    allowWeakKsf: o.allowWeakKsf ?? false,
    argon2: o.argon2 ?? defaultArgon2id,
    random: o.random ?? platformRandom,
    backend: o.backend ?? getDefaultBackend(),
    now: o.now ?? Date.now,
    knownVersion: o.knownVersion ?? 0,
    pendingDeletes: o.pendingDeletes ?? new MemoryPendingDeletes(),
    lastIssuedAt: 0,
    provenRealms: new Set(),
    v3Realms: new Set(),
  };
}

/** Strictly increasing admin timestamps even within one millisecond. */
export function nextIssuedAt(ctx: ThresholdContext): number {
  ctx.lastIssuedAt = Math.max(ctx.now(), ctx.lastIssuedAt + 1);
  return ctx.lastIssuedAt;
}
