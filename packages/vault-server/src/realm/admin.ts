/**
 * Creating and changing a realm's registrations (spec/threshold-vault.md §5.2, §5.6).
 * `register` needs only the account token and succeeds only when the realm holds no
 * active registration. The admin operations need a signature by the admin key derived
 * from K (verified with the current registration's adminPublicKey), within the clock
 * window and with an `issuedAt` strictly above the last accepted one (no replay); that
 * `issuedAt` is part of the bound state, written in the same transaction as the change.
 */
import { FRESH_COUNTERS } from "../policy.ts";
import { freshRow, info, stored, verified, withCounters, type Unbound } from "./account.ts";
import { isWrongRealm, registrationProblem } from "./checks.ts";
import type { RealmContext } from "./context.ts";
import { RealmHttpError, realmErrors } from "./errors.ts";
import { ADMIN_CLOCK_WINDOW_MS, verifyAdmin, type AdminRequest, type AdminResponse, type RegisterResponse, type RegistrationRef } from "./protocol.ts";
import type { Registration, RegistrationInfo } from "./state.ts";

type Outcome<T> = { ok: true; value: T } | { ok: false; error: RealmHttpError };
const fail = <T>(error: RealmHttpError): { result: Outcome<T> } => ({ result: { ok: false, error } });
const unwrap = <T>(o: Outcome<T>): T => {
  if (!o.ok) throw o.error;
  return o.value;
};
const ref = (i: RegistrationInfo | null): RegistrationRef | null => (i ? { version: i.version, registrationId: i.registrationId } : null);
const same = (i: RegistrationInfo | null, t: RegistrationRef) => i !== null && i.version === t.version && i.registrationId === t.registrationId;

function checked(ctx: RealmContext, reg: Registration): void {
  const p = registrationProblem(reg, ctx.realmId, ctx.allowWeakKsf);
  if (p) throw isWrongRealm(p) ? new RealmHttpError("wrong_realm", p) : realmErrors.badRequest(p);
}

export async function register(ctx: RealmContext, accountId: string, reg: Registration): Promise<RegisterResponse> {
  checked(ctx, reg);
  const now = ctx.clock.now();
  const out = await ctx.store.changeAccount<Outcome<RegisterResponse>>(accountId, (row) => {
    const a = verified(ctx, row);
    if (a?.state === "active")
      return fail(new RealmHttpError("already_enabled", "this realm already holds a registration for the account; use an admin operation"));
    const base = a ?? freshRow(accountId, now);
    const cur = stored(ctx, accountId, reg);
    // A new registration starts a new life: fresh counters, no head (a new K signs new heads).
    // lastAdminIssuedAt stays, so an old signed admin request can never be replayed.
    const next: Unbound = {
      ...withCounters(base, FRESH_COUNTERS, now),
      state: "active",
      currentInfo: cur.json,
      currentSealed: cur.sealed,
      nextInfo: null,
      nextSealed: null,
      headSequence: 0,
      headDigest: null,
      headSignature: null,
      destroyedAt: null,
      createdAt: now,
    };
    return {
      result: { ok: true, value: { state: "active", version: reg.version, registrationId: reg.registrationId } },
      put: ctx.codec.bind(next),
      deleteAttempts: true,
    };
  });
  return unwrap(out);
}

export async function admin(ctx: RealmContext, accountId: string, req: AdminRequest): Promise<AdminResponse> {
  const needsRegistration = req.op === "prepare" || req.op === "repair";
  if (needsRegistration !== (req.registration !== undefined)) {
    throw realmErrors.badRequest(needsRegistration ? `${req.op} needs a registration` : `${req.op} takes no registration`);
  }
  if (req.registration) checked(ctx, req.registration);
  const now = ctx.clock.now();
  const out = await ctx.store.changeAccount<Outcome<AdminResponse>>(accountId, (row) => {
    const a = verified(ctx, row);
    if (!a || a.state === "none") return fail(realmErrors.notEnabled());
    if (a.state === "destroyed") return fail(realmErrors.destroyed());
    const cur = info(a.currentInfo)!;
    if (Math.abs(now - req.issuedAt) > ADMIN_CLOCK_WINDOW_MS) return fail(new RealmHttpError("admin_stale", "issuedAt is outside the realm's clock window"));
    if (a.lastAdminIssuedAt !== null && req.issuedAt <= a.lastAdminIssuedAt)
      return fail(new RealmHttpError("admin_stale", "issuedAt is not newer than the last accepted admin request"));
    const body = { op: req.op, target: req.target, ...(req.registration ? { registration: req.registration } : {}) };
    const sig = new Uint8Array(Buffer.from(req.signature, "base64url"));
    if (!verifyAdmin(new Uint8Array(Buffer.from(cur.adminPublicKey, "base64url")), sig, ctx.realmIdBytes, accountId, body, req.issuedAt)) {
      return fail(new RealmHttpError("admin_signature_invalid", "the admin signature does not verify with this account's admin key"));
    }
    const r = apply(ctx, accountId, a, cur, req);
    if (!r.ok) return fail(r.error);
    const changed: Unbound = { ...r.value, lastAdminIssuedAt: req.issuedAt, updatedAt: now };
    const response: AdminResponse = { op: req.op, current: ref(info(changed.currentInfo)), next: ref(info(changed.nextInfo)) };
    return { result: { ok: true, value: response }, put: ctx.codec.bind(changed), ...(req.op === "delete" ? { deleteAttempts: true } : {}) };
  });
  return unwrap(out);
}

/** The state after one admin operation (pure; the signature is already verified). */
function apply(ctx: RealmContext, accountId: string, a: Unbound, cur: RegistrationInfo, req: AdminRequest): Outcome<Unbound> {
  const mismatch = { ok: false as const, error: realmErrors.versionMismatch() };
  const next = info(a.nextInfo);
  const sameKey = (reg: Registration) => reg.adminPublicKey === cur.adminPublicKey && reg.headPublicKey === cur.headPublicKey;
  const differentKey = { ok: false as const, error: realmErrors.badRequest("the registration must keep the admin and head keys (same root key)") };
  switch (req.op) {
    case "prepare": {
      const reg = req.registration!;
      if (!same(cur, req.target)) return mismatch;
      // A newer version than current and than any next already prepared (spec §5.6).
      if (reg.version <= cur.version || (next !== null && reg.version <= next.version)) return mismatch;
      if (!sameKey(reg)) return differentKey;
      const n = stored(ctx, accountId, reg);
      return { ok: true, value: { ...a, nextInfo: n.json, nextSealed: n.sealed } };
    }
    case "commit":
      if (next && same(next, req.target))
        return { ok: true, value: { ...a, currentInfo: a.nextInfo, currentSealed: a.nextSealed, nextInfo: null, nextSealed: null } };
      if (same(cur, req.target)) return { ok: true, value: a }; // already committed (a retried commit)
      return mismatch;
    case "abort":
      if (next && same(next, req.target)) return { ok: true, value: { ...a, nextInfo: null, nextSealed: null } };
      if (!next) return { ok: true, value: a }; // nothing prepared (a retried abort)
      return mismatch;
    case "repair": {
      const reg = req.registration!;
      if (!same(cur, req.target)) return mismatch;
      if (reg.version < cur.version) return mismatch;
      if (!sameKey(reg)) return differentKey;
      const c = stored(ctx, accountId, reg);
      const dropNext = next !== null && next.version <= reg.version;
      return { ok: true, value: { ...a, currentInfo: c.json, currentSealed: c.sealed, ...(dropNext ? { nextInfo: null, nextSealed: null } : {}) } };
    }
    case "delete":
      if (!same(cur, req.target) && !(next && same(next, req.target))) return mismatch;
      // Shares and E go; the counters, the head and lastAdminIssuedAt stay (spec §5.6).
      return { ok: true, value: { ...a, state: "none", currentInfo: null, currentSealed: null, nextInfo: null, nextSealed: null } };
  }
}
