/**
 * Typed errors of the threshold client (spec/threshold-vault.md §8). Each carries the
 * per-realm report `realms`; where the meaning is the single vault's, the class extends
 * that vault's class (so `instanceof WrongPasswordError` holds for both modes).
 * Messages never contain a password, key, share or token.
 */
import { DestroyedError, LockedError, NotEnabledError, VaultError, VaultProtocolError, WrongPasswordError } from "../errors.ts";
import type { ClientErrorCode } from "../error-codes.ts";

/** How one realm took part in an operation. */
export type RealmStatus =
  | "ok" // answered and behaved
  | "unreachable" // network error, timeout, 5xx
  | "locked"
  | "destroyed"
  | "not_enabled"
  | "stale" // holds an older registration (repaired when possible)
  | "wrong_realm" // /info answered another realmId
  | "refused" // a typed 4xx we could not act on (unauthorized, rate_limited, ...)
  | "misbehaved"
  | "not_asked"; // not needed for this operation

export type MisbehaviourReason = "bad_proof" | "bad_share" | "bad_unlock_check" | "bad_wrapped_key" | "rolled_back" | "forged_head" | "bad_answer";

export interface RealmReport {
  id: string;
  url: string;
  status: RealmStatus;
  attemptsRemaining?: number;
  lockedUntil?: number | null;
  /** Set when status is "misbehaved". */
  reason?: MisbehaviourReason;
  /** Stable code of the realm's error, when it answered one. */
  code?: string;
}

type ThresholdOnlyCode = "realms_unavailable" | "realm_misbehaved";

function summary(realms: readonly RealmReport[]): string {
  return realms.map((r) => `${r.id}@${r.url}: ${r.status}${r.reason ? ` (${r.reason})` : ""}`).join("; ");
}

/** Fewer than t realms answered usably. Retryable: the missing realms are listed. */
export class RealmsUnavailableError extends VaultError {
  readonly realms: RealmReport[];
  readonly missing: RealmReport[];
  constructor(realms: RealmReport[], needed: number, cause?: unknown) {
    const missing = realms.filter((r) => r.status !== "ok");
    super(
      "realms_unavailable" as ThresholdOnlyCode as ClientErrorCode,
      `only ${realms.length - missing.length} of ${realms.length} realms answered, ${needed} needed; missing: ${summary(missing)}`,
      { retryable: true, cause },
    );
    this.realms = realms;
    this.missing = missing;
  }
}

/** A realm broke the protocol and fewer than t honest realms remain. Not retryable against the same realms. */
export class RealmMisbehavedError extends VaultError {
  readonly realms: RealmReport[];
  readonly realm: RealmReport;
  readonly reason: MisbehaviourReason;
  constructor(realm: RealmReport, reason: MisbehaviourReason, realms: RealmReport[]) {
    super(
      "realm_misbehaved" as ThresholdOnlyCode as ClientErrorCode,
      `realm ${realm.id} (${realm.url}) misbehaved: ${reason}; fewer than the threshold of honest realms remain`,
    );
    this.realms = realms;
    this.realm = realm;
    this.reason = reason;
  }
}

/** The password is wrong at every realm that answered. `attemptsRemaining` = the t-th largest per realm (§7). */
export class RealmsWrongPasswordError extends WrongPasswordError {
  readonly realms: RealmReport[];
  readonly lockedUntil: number | null;
  constructor(attemptsRemaining: number, lockedUntil: number | null, realms: RealmReport[]) {
    super(attemptsRemaining, lockedUntil ? { retryAfter: new Date(lockedUntil) } : {});
    this.realms = realms;
    this.lockedUntil = lockedUntil;
  }
}

/** Fewer than t realms accept an attempt before `retryAfter` (the t-th earliest unlock time). */
export class RealmsLockedError extends LockedError {
  readonly realms: RealmReport[];
  constructor(retryAfter: Date, realms: RealmReport[]) {
    super(retryAfter);
    this.realms = realms;
  }
}

/** So many realms destroyed their shares that t can no longer answer: the password can never unlock this backup. */
export class RealmsDestroyedError extends DestroyedError {
  readonly realms: RealmReport[];
  constructor(realms: RealmReport[]) {
    super();
    this.realms = realms;
  }
}

/** No registration is held by t realms (never enabled, or turned off). */
export class RealmsNotEnabledError extends NotEnabledError {
  readonly realms: RealmReport[];
  constructor(realms: RealmReport[]) {
    super();
    this.realms = realms;
  }
}

/** A realm answered something malformed, or the realm set disagrees in a way no rule resolves. */
export class RealmProtocolError extends VaultProtocolError {
  readonly realms: RealmReport[];
  constructor(message: string, realms: RealmReport[] = [], cause?: unknown) {
    super(message, { cause });
    this.realms = realms;
  }
}

/** A realm answered a typed error (transport level, before the operation interprets it). */
export class RealmRequestError extends VaultError {
  readonly realmCode: string;
  readonly retryAfterMs: number | undefined;
  readonly current: unknown;
  constructor(
    code: string,
    message: string,
    status: number,
    options: { attemptsRemaining?: number; retryAfter?: number; current?: unknown; retryable?: boolean } = {},
  ) {
    super(code as ClientErrorCode, message, {
      status,
      retryable: options.retryable ?? false,
      attemptsRemaining: options.attemptsRemaining,
      retryAfter: options.retryAfter === undefined ? undefined : new Date(options.retryAfter),
    });
    this.realmCode = code;
    this.retryAfterMs = options.retryAfter;
    this.current = options.current;
  }
}

/** The realm could not be reached (network, timeout, 5xx). */
export class RealmUnreachableError extends VaultError {
  constructor(message: string, options: { cause?: unknown; status?: number } = {}) {
    super("unavailable", message, { retryable: true, ...options });
  }
}
