/**
 * One realm account's state as the operations see it: rows read through the MAC check,
 * registrations looked up by (version, registrationId), and the few whole-row
 * transitions (fresh, destroyed, counters) every operation shares.
 */
import type { Counters } from "../policy.ts";
import { FRESH_COUNTERS } from "../policy.ts";
import type { RealmContext } from "./context.ts";
import { splitRegistration, type Registration, type RegistrationInfo, type RegistrationSecret } from "./state.ts";
import type { RealmAccountRow } from "./store.ts";

export type Unbound = Omit<RealmAccountRow, "mac">;

export interface HeldRegistration {
  slot: "current" | "next";
  info: RegistrationInfo;
  sealed: Uint8Array;
}

export function counters(r: Unbound): Counters {
  return {
    consecutiveFailures: r.consecutiveFailures,
    totalFailures: r.totalFailures,
    lockouts: r.lockouts,
    lockedUntil: r.lockedUntil,
    lastLoginExpiresAt: r.lastAttemptExpiresAt,
  };
}

export function withCounters(r: Unbound, c: Counters, now: number): Unbound {
  return {
    ...r,
    consecutiveFailures: c.consecutiveFailures,
    totalFailures: c.totalFailures,
    lockouts: c.lockouts,
    lockedUntil: c.lockedUntil,
    lastAttemptExpiresAt: c.lastLoginExpiresAt,
    updatedAt: now,
  };
}

/** A row for an account the realm has never seen: no registration, fresh counters, no head. */
export function freshRow(accountId: string, now: number): Unbound {
  return {
    accountId,
    state: "none",
    currentInfo: null,
    currentSealed: null,
    nextInfo: null,
    nextSealed: null,
    consecutiveFailures: FRESH_COUNTERS.consecutiveFailures,
    totalFailures: FRESH_COUNTERS.totalFailures,
    lockouts: FRESH_COUNTERS.lockouts,
    lockedUntil: null,
    lastAttemptExpiresAt: null,
    lastAdminIssuedAt: null,
    headSequence: 0,
    headDigest: null,
    headSignature: null,
    createdAt: now,
    updatedAt: now,
    destroyedAt: null,
  };
}

/** Budget spent: the shares and E are deleted; the tombstone keeps counters and head (spec: destruction). */
export function destroyedRow(r: Unbound, now: number): Unbound {
  return { ...r, state: "destroyed", currentInfo: null, currentSealed: null, nextInfo: null, nextSealed: null, destroyedAt: now, updatedAt: now };
}

/** Read a row and check its MAC; a row that fails throws RealmStateError (refused, never reset). */
export function verified(ctx: RealmContext, row: RealmAccountRow | null): Unbound | null {
  if (!row) return null;
  const { mac: _mac, ...rest } = ctx.codec.verify(row);
  return rest;
}

export function info(json: string | null): RegistrationInfo | null {
  return json === null ? null : (JSON.parse(json) as RegistrationInfo);
}

/** The registration held as current or next with this (version, registrationId), if any. */
export function held(r: Unbound, version: number, registrationId: string): HeldRegistration | null {
  for (const slot of ["current", "next"] as const) {
    const i = info(slot === "current" ? r.currentInfo : r.nextInfo);
    const sealed = slot === "current" ? r.currentSealed : r.nextSealed;
    if (i && sealed && i.version === version && i.registrationId === registrationId) return { slot, info: i, sealed };
  }
  return null;
}

/** JSON of the public part and the sealed secret part of a registration, ready for a row slot. */
export function stored(ctx: RealmContext, accountId: string, reg: Registration): { json: string; sealed: Uint8Array } {
  const { info: i, secret } = splitRegistration(reg);
  return { json: JSON.stringify(i), sealed: ctx.codec.sealSecret(accountId, i, secret) };
}

export function openHeld(ctx: RealmContext, accountId: string, h: HeldRegistration): RegistrationSecret {
  return ctx.codec.openSecret(accountId, h.info, h.sealed);
}
