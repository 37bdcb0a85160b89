/**
 * Recovery at one realm (spec/threshold-vault.md §5.4, §5.5).
 *
 * Phase 2, `evaluate`: in ONE transaction the policy is checked, the attempt COUNTED and
 * the pending attempt stored; only after that commit is the OPRF evaluation computed and
 * released (count before answer: the evaluation is what lets t realms' answers test a
 * guess). The answer is the bare evaluation k_i·blinded; its DLEQ proof is computed only when
 * the client asks for it (`proof`, §5.4.1), for the element the attempt stored, once per
 * attempt (asking settles the attempt as failed), spending nothing. Phase 3, `unlock`: the unlock tag is compared in constant time under the lock of
 * the account and the attempt; equal → counters reset (own attempt refunded) and the wrap
 * share is released; not equal → the attempt fails and stays counted.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { applySuccess, decideStart, isExhausted, type StartDecision } from "../policy.ts";
import { counters, destroyedRow, held, openHeld, verified, withCounters, type HeldRegistration, type Unbound } from "./account.ts";
import type { RealmContext } from "./context.ts";
import { RealmHttpError, realmErrors } from "./errors.ts";
import type {
  EvaluateRequest,
  EvaluateResponse,
  ProofRequest,
  ProofResponse,
  RealmRecordResponse,
  StartRequest,
  StartResponse,
  UnlockRequest,
  UnlockResponse,
} from "./protocol.ts";
import type { RealmAccountRow, RealmAttemptRow } from "./store.ts";
import { recordView } from "./view.ts";
import { isGroupElement } from "./checks.ts";
import { evaluateElement, evaluationReady } from "./evaluation.ts";

const b = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));
const s = (x: Uint8Array) => Buffer.from(x).toString("base64url");

type Counted =
  | { kind: "released"; attemptId: string; reg: HeldRegistration; attemptsRemaining: number; lockedUntil: number | null }
  | { kind: "refused"; error: RealmHttpError }
  | { kind: "destroyed_now" };

/** Count the attempt and store it pending (§5.4 step 4): the change both `evaluate` and `start` commit. */
function countAttempt(
  ctx: RealmContext,
  accountId: string,
  a: Unbound,
  reg: HeldRegistration,
  d: Extract<StartDecision, { kind: "release" }>,
  blinded: string,
  now: number,
): { attemptId: string; put: RealmAccountRow; insertAttempt: RealmAttemptRow } {
  const attemptId = randomBytes(16).toString("base64url");
  const attempt = {
    attemptId,
    accountId,
    version: reg.info.version,
    registrationId: reg.info.registrationId,
    startedAt: now,
    expiresAt: d.expiresAt,
    outcome: "pending" as const,
    blinded,
  };
  return { attemptId, put: ctx.codec.bind(withCounters(a, d.counters, now)), insertAttempt: { ...attempt, mac: ctx.codec.attemptMac(attempt) } };
}

/** After the commit that counted the attempt, and only then: the evaluation k_i·blinded leaves (§5.4). */
async function release(
  ctx: RealmContext,
  accountId: string,
  r: { attemptId: string; reg: HeldRegistration; attemptsRemaining: number; lockedUntil: number | null },
  blinded: string,
): Promise<EvaluateResponse> {
  const secret = openHeld(ctx, accountId, r.reg);
  await evaluationReady();
  const evaluated = evaluateElement(b(secret.oprfKeyShare), b(blinded));
  return {
    attemptId: r.attemptId,
    evaluated: s(evaluated),
    unlockCheck: secret.unlockCheck,
    attemptsRemaining: r.attemptsRemaining,
    lockedUntil: r.lockedUntil,
  };
}

export async function evaluate(ctx: RealmContext, accountId: string, req: EvaluateRequest): Promise<EvaluateResponse> {
  // Checked before counting: a malformed element must not spend a guess.
  await evaluationReady();
  if (!isGroupElement(req.blinded)) throw realmErrors.badRequest("blinded is not a valid group element");
  const now = ctx.clock.now();
  const r = await ctx.store.changeAccount<Counted>(accountId, (row) => {
    const a = verified(ctx, row);
    if (!a || a.state === "none") return { result: { kind: "refused", error: realmErrors.notEnabled() } };
    if (a.state === "destroyed") return { result: { kind: "refused", error: realmErrors.destroyed() } };
    const reg = held(a, req.version, req.registrationId);
    if (!reg) return { result: { kind: "refused", error: realmErrors.versionMismatch() } };
    const d = decideStart(counters(a), now, ctx.policy);
    if (d.kind === "destroy") return { result: { kind: "destroyed_now" }, put: ctx.codec.bind(destroyedRow(a, now)), deleteAttempts: true };
    if (d.kind === "locked") return { result: { kind: "refused", error: realmErrors.locked(d.retryAfter, now) } };
    const { attemptId, put, insertAttempt } = countAttempt(ctx, accountId, a, reg, d, req.blinded, now);
    return { result: { kind: "released", attemptId, reg, attemptsRemaining: d.attemptsRemaining, lockedUntil: d.lockedUntil }, put, insertAttempt };
  });
  ctx.metrics.inc("realm_evaluations_total", { outcome: r.kind === "refused" ? r.error.code : r.kind === "destroyed_now" ? "destroyed" : "released" });
  if (r.kind === "destroyed_now") {
    ctx.metrics.inc("realm_accounts_destroyed_total");
    ctx.log.warn({ account: accountId }, "realm shares destroyed: failure budget spent");
    throw realmErrors.destroyed();
  }
  if (r.kind === "refused") throw r.error;
  // The attempt is committed: now, and only now, the evaluation may leave.
  return release(ctx, accountId, r, req.blinded);
}

type Started =
  | { kind: "released"; record: RealmRecordResponse; attemptId: string; reg: HeldRegistration; attemptsRemaining: number; lockedUntil: number | null }
  | { kind: "record"; record: RealmRecordResponse; destroyed?: true };

/**
 * §5.3.1 (chatvault-realm/3), `recover/start`: phase 1 and, when it applies, phase 2 in one request.
 * In ONE transaction under the account's lock: the record view as `/record` would answer it (due
 * destruction applied); then, only if the named registration is the CURRENT one, no next is held (no
 * unfinished change here) and the policy lets an attempt start, the attempt is counted and stored
 * exactly as by `evaluate`. Anything else (unknown account, stale or next-only registration, locked,
 * destroyed) spends nothing and answers the view alone, so the answer tells the token holder nothing
 * `/record` does not. The evaluation leaves only after the commit.
 */
export async function start(ctx: RealmContext, accountId: string, req: StartRequest): Promise<StartResponse> {
  await evaluationReady();
  if (!isGroupElement(req.blinded)) throw realmErrors.badRequest("blinded is not a valid group element");
  const now = ctx.clock.now();
  const r = await ctx.store.changeAccount<Started>(accountId, (row) => {
    const a = verified(ctx, row);
    if (a?.state === "active" && isExhausted(counters(a), now, ctx.policy)) {
      const gone = destroyedRow(a, now);
      return { result: { kind: "record", record: recordView(ctx, gone, now), destroyed: true }, put: ctx.codec.bind(gone), deleteAttempts: true };
    }
    const record = recordView(ctx, a, now);
    if (!a || a.state !== "active" || a.nextInfo !== null) return { result: { kind: "record", record } };
    const reg = held(a, req.version, req.registrationId);
    if (!reg || reg.slot !== "current") return { result: { kind: "record", record } };
    const d = decideStart(counters(a), now, ctx.policy);
    if (d.kind !== "release") return { result: { kind: "record", record } };
    const { attemptId, put, insertAttempt } = countAttempt(ctx, accountId, a, reg, d, req.blinded, now);
    return { result: { kind: "released", record, attemptId, reg, attemptsRemaining: d.attemptsRemaining, lockedUntil: d.lockedUntil }, put, insertAttempt };
  });
  // A released start is a released phase-2 evaluation (one counted attempt); a start that only read is a /record.
  if (r.kind === "released") ctx.metrics.inc("realm_evaluations_total", { outcome: "released" });
  if (r.kind === "record") {
    if (r.destroyed) {
      ctx.metrics.inc("realm_accounts_destroyed_total");
      ctx.log.warn({ account: accountId }, "realm shares destroyed: failure budget spent");
    }
    return { record: r.record, evaluation: null };
  }
  return { record: r.record, evaluation: await release(ctx, accountId, r, req.blinded) };
}

type Proved = { kind: "prove"; reg: HeldRegistration; blinded: string } | { kind: "refused"; error: RealmHttpError };

/**
 * §5.4.1: the proof of a pending attempt's evaluation. In one transaction the attempt must be
 * this account's, pending and unexpired, of a registration still held, with its blinded
 * element stored; it is settled as failed (no refund: it was counted at evaluate, and a
 * client asks only when no subset was accepted). After the commit the realm computes the
 * RFC 9497 proof for that stored element — never for one the request names — so the
 * endpoint releases no new evaluation, spends no guess, and costs one proof per counted attempt.
 */
export async function proof(ctx: RealmContext, accountId: string, req: ProofRequest): Promise<ProofResponse> {
  const now = ctx.clock.now();
  const r = await ctx.store.changeAccount<Proved>(
    accountId,
    (row, attemptRow) => {
      const a = verified(ctx, row);
      if (!a || a.state === "none") return { result: { kind: "refused", error: realmErrors.notEnabled() } };
      if (a.state === "destroyed") return { result: { kind: "refused", error: realmErrors.destroyed() } };
      const expired = { result: { kind: "refused" as const, error: new RealmHttpError("attempt_expired", "no pending attempt with this ID; start again") } };
      if (!attemptRow) return expired;
      const attempt = ctx.codec.verifyAttempt(attemptRow);
      if (attempt.outcome !== "pending" || attempt.expiresAt <= now || attempt.blinded === null) return expired;
      const reg = held(a, attempt.version, attempt.registrationId);
      if (!reg) return { result: { kind: "refused", error: realmErrors.versionMismatch() } };
      return {
        result: { kind: "prove", reg, blinded: attempt.blinded },
        updateAttempt: { attemptId: attempt.attemptId, outcome: "failed", mac: ctx.codec.attemptMac(attempt, "failed") },
      };
    },
    { attemptId: req.attemptId },
  );
  ctx.metrics.inc("realm_proofs_total", { outcome: r.kind === "refused" ? r.error.code : "proved" });
  if (r.kind === "refused") throw r.error;
  const secret = openHeld(ctx, accountId, r.reg);
  const out = ristretto255_oprf.voprf.blindEvaluate(b(secret.oprfKeyShare), b(r.reg.info.oprfPublicShare), b(r.blinded));
  return { proof: s(out.proof) };
}

type Settled = { kind: "unlocked"; out: UnlockResponse } | { kind: "refused"; error: RealmHttpError };

export async function unlock(ctx: RealmContext, accountId: string, req: UnlockRequest): Promise<UnlockResponse> {
  const now = ctx.clock.now();
  const r = await ctx.store.changeAccount<Settled>(
    accountId,
    (row, attemptRow) => {
      const a = verified(ctx, row);
      if (!a || a.state === "none") return { result: { kind: "refused", error: realmErrors.notEnabled() } };
      if (a.state === "destroyed") return { result: { kind: "refused", error: realmErrors.destroyed() } };
      const expired = () => ({
        result: { kind: "refused" as const, error: new RealmHttpError("attempt_expired", "no pending attempt with this ID; start again") },
      });
      if (!attemptRow) return expired();
      const attempt = ctx.codec.verifyAttempt(attemptRow);
      if (attempt.outcome !== "pending" || attempt.expiresAt <= now) return expired();
      const reg = held(a, attempt.version, attempt.registrationId);
      if (!reg) return { result: { kind: "refused", error: realmErrors.versionMismatch() } };
      const secret = openHeld(ctx, accountId, reg);
      const given = b(req.unlockTag);
      const expected = b(secret.unlockTag);
      const ok = given.length === expected.length && timingSafeEqual(given, expected);
      const outcome = ok ? ("success" as const) : ("failed" as const);
      const updateAttempt = { attemptId: attempt.attemptId, outcome, mac: ctx.codec.attemptMac(attempt, outcome) };
      if (!ok) return { result: { kind: "refused", error: new RealmHttpError("unlock_failed", "the unlock proof is wrong") }, updateAttempt };
      return {
        result: { kind: "unlocked", out: { wrapShare: secret.wrapShare, shareTag: secret.shareTag, wrappedRootKey: secret.wrappedRootKey } },
        put: ctx.codec.bind(withCounters(a, applySuccess(counters(a)), now)),
        updateAttempt,
      };
    },
    // Settling needs no flush (§5.5): lost in a power cut, the attempt stays counted (the safe direction).
    { attemptId: req.attemptId, durability: "relaxed" },
  );
  ctx.metrics.inc("realm_unlocks_total", { outcome: r.kind === "refused" ? r.error.code : "unlocked" });
  if (r.kind === "refused") throw r.error;
  return r.out;
}
