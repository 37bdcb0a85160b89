/**
 * Phases 2 and 3 of an unlock against one chosen registration (spec/threshold-vault.md
 * §6.3, §6.4): blind once, evaluate at the first t members (and any with failures to reset;
 * the others only when these do not give K), combine t evaluations by Lagrange
 * interpolation in the group (searching t-subsets when a realm answered a wrong element),
 * check the password with unlockCheck; only when no subset is accepted, ask every member
 * for its evaluation proof (§5.4.1) to tell a wrong password from a misbehaving realm and
 * name it. Then send the unlock proofs, verify and combine the wrap shares, open E.
 */
import { RootKey, fromBase64Url } from "@chatvault/format";
import { constantTimeEqual } from "./bytes.ts";
import type { Candidate } from "./choose.ts";
import { fieldBytes } from "./codecs.ts";
import type { ThresholdContext } from "./context.ts";
import { deriveAdminSeed, deriveUnlockKey, finalizeCombined, shareTag, unlockCheck, unlockTag, verifyEvaluationProof } from "./derive.ts";
import {
  RealmMisbehavedError,
  RealmProtocolError,
  RealmsDestroyedError,
  RealmsLockedError,
  RealmsUnavailableError,
  type MisbehaviourReason,
  type RealmReport,
} from "./errors.ts";
import { deriveHeadSigningSeed } from "../head-proof.ts";
import { prepareGuess, type EarlyGuess } from "./early-guess.ts";
import { openWrappedRootKey, type RegistrationParams } from "./registration.ts";
import { groupArithmetic, sameElement, type GroupArithmetic } from "./combine.ts";
import { interpolateScalar, scalarFromBytes, subsetsOf } from "./shamir.ts";
import { noteFailure, tthLargest, type RealmView } from "./survey.ts";
import { toBase64Url } from "@chatvault/format";
import type { EvaluateResponse } from "./wire.ts";

interface Evaluation {
  view: RealmView;
  attemptId: string;
  evaluated: Uint8Array;
  publicShare: Uint8Array;
  unlockCheck: Uint8Array;
  attemptsRemaining: number;
  lockedUntil: number | null;
}

export type AttemptResult =
  | { kind: "unlocked"; rootKey: RootKey; output: Uint8Array; wrappedRootKey: Uint8Array; params: RegistrationParams; used: RealmView[] }
  | { kind: "wrong_password"; attemptsRemaining: number; lockedUntil: number | null };

function misbehaved(view: RealmView, reason: MisbehaviourReason): void {
  view.report.status = "misbehaved";
  view.report.reason = reason;
}

function reports(views: RealmView[]): RealmReport[] {
  return views.map((v) => v.report);
}

/** Fewer than t usable answers: the most specific error (§6.3). */
export function shortOfThreshold(ctx: ThresholdContext, views: RealmView[], usable: number): Error {
  const t = ctx.realmSet.threshold;
  const n = ctx.realmSet.realms.length;
  const bad = views.filter((v) => v.report.status === "misbehaved");
  if (bad.length > 0 && usable + bad.length >= t) return new RealmMisbehavedError(bad[0]!.report, bad[0]!.report.reason ?? "bad_answer", reports(views));
  const locked = views.filter((v) => v.report.status === "locked");
  if (locked.length > 0 && usable + locked.length >= t) {
    const until = locked.map((v) => v.report.lockedUntil ?? ctx.now()).sort((a, b) => a - b);
    return new RealmsLockedError(new Date(until[t - usable - 1] ?? until[until.length - 1]!), reports(views));
  }
  if (views.filter((v) => v.report.status === "destroyed").length >= n - t + 1) return new RealmsDestroyedError(reports(views));
  return new RealmsUnavailableError(reports(views), t);
}

/** When fewer than t realms are unlocked, the time at which t will be (§6.9); else null. */
export function effectiveLock(lockedUntil: (number | null)[], t: number): number | null {
  const unlocked = lockedUntil.filter((x) => x === null).length;
  if (unlocked >= t) return null;
  const locks = lockedUntil.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return locks[t - unlocked - 1] ?? locks[locks.length - 1] ?? null;
}

export async function attemptRegistration(
  ctx: ThresholdContext,
  cand: Candidate,
  password: string,
  views: RealmView[],
  early?: EarlyGuess,
): Promise<AttemptResult> {
  const t = ctx.realmSet.threshold;
  const acct = ctx.accountId;
  const info = cand.info;
  const rid = fieldBytes(info.registrationId, "registrationId");
  const params: RegistrationParams = {
    accountId: acct,
    realmSet: ctx.realmSet,
    version: info.version,
    registrationId: rid,
    salt: fieldBytes(info.salt, "salt"),
    ksf: info.ksf,
  };

  // Spend nothing when fewer than t members would accept an attempt (§6.2).
  const open = cand.members.filter((m) => m.view.record?.lockedUntil == null);
  if (open.length < t) {
    const until = cand.members.map((m) => m.view.record?.lockedUntil ?? ctx.now()).sort((a, b) => a - b);
    for (const m of cand.members) if (m.view.record?.lockedUntil != null) m.view.report.status = "locked";
    throw new RealmsLockedError(new Date(until[t - 1]!), reports(views));
  }

  // Who is asked first (§6.3): the first t members that accept attempts, by index, and any other member
  // with a failure on its count (attemptsRemaining below the policy's maximum), so that a right
  // password resets it (§7). The others are asked only when these do not give K.
  // libsodium (combine.ts) loads while the password is stretched; only realms mode pays for it.
  const loadingGroup = groupArithmetic();
  loadingGroup.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const guessParams = { version: info.version, registrationId: info.registrationId, salt: info.salt, ksf: info.ksf };
  const { input, blind, blinded } = (await early?.take(guessParams)) ?? (await prepareGuess(ctx, guessParams, password));
  const u: Unlocking = { ctx, info, rid, input, blind, blindedB64: toBase64Url(blinded), group: await loadingGroup, evaluations: [] };
  // §6.2.1: members that already evaluated this very guess in `recover/start` (counted there) are asked
  // nothing more in phase 2; an evaluation for another element or registration is not used (abandoned).
  const started = new Set<Member>();
  for (const m of cand.members) {
    if (
      m.view.started &&
      !m.asNext &&
      m.view.started.blinded === u.blindedB64 &&
      m.view.record?.current?.version === info.version &&
      m.view.record.current.registrationId === info.registrationId
    ) {
      started.add(m);
      addEvaluation(u, m, m.view.started.evaluation);
    }
  }
  u.evaluations.sort((a, b) => a.view.index - b.view.index);

  const needsReset = (m: Member) => m.view.record !== null && m.view.record.attemptsRemaining < m.view.record.policy.maxAttempts;
  // The t asked first: the started members, then the first unlocked others by index up to t.
  const first = open.filter((m) => !started.has(m)).slice(0, Math.max(0, t - started.size));
  const initial = cand.members.filter((m) => !started.has(m) && (first.includes(m) || (open.includes(m) && needsReset(m))));
  let unasked = cand.members.filter((m) => !initial.includes(m) && !started.has(m));

  let accepted: Accepted | null = null;
  const checked = new Set<Evaluation>(); // evaluations already classified against the accepted subset
  const shares: Share[] = [];
  for (let pending = initial; ;) {
    await evaluateAt(u, pending);
    if (!accepted) {
      accepted = u.evaluations.length >= t ? acceptSubset(u) : null;
      if (!accepted) {
        // Not enough evaluations, or none of their t-subsets accepted: first the members not asked yet
        // (one attempt each, as when every member is asked at once); then the proofs decide (§5.4.1).
        if (unasked.length > 0) {
          [pending, unasked] = [unasked, []];
          continue;
        }
        if (u.evaluations.length < t) throw shortOfThreshold(ctx, views, u.evaluations.length);
        return explainFailure(u, blinded, views);
      }
    }
    // Phase 3 (§6.4) at every good member not yet unlocked: resets their counts even when t would do.
    const fresh = u.evaluations.filter((e) => !checked.has(e));
    for (const e of fresh) checked.add(e);
    shares.push(...(await unlockAt(u, accepted, goodMembers(u, accepted, fresh))));
    if (shares.length >= t) {
      const opened = await openRootKey(u, accepted, shares, params);
      if (opened) {
        const K = opened.rootKey.unsafeBytes();
        if (
          toBase64Url(u.group.ed25519PublicKey(deriveHeadSigningSeed(K))) !== info.headPublicKey ||
          toBase64Url(u.group.ed25519PublicKey(deriveAdminSeed(K))) !== info.adminPublicKey
        ) {
          throw new RealmProtocolError("the root key does not match the registration's head or admin key", reports(views));
        }
        return { kind: "unlocked", rootKey: opened.rootKey, output: accepted.output, wrappedRootKey: opened.wrapped, params, used: shares.map((x) => x.view) };
      }
    }
    // Fewer than t valid shares, or no E opened: the members not asked yet may still give them.
    if (unasked.length > 0) {
      [pending, unasked] = [unasked, []];
      continue;
    }
    if (shares.length < t) throw shortOfThreshold(ctx, views, shares.length);
    throw new RealmMisbehavedError(shares[0]!.view.report, "bad_wrapped_key", reports(views));
  }
}

type Member = Candidate["members"][number];

/** What phases 2 and 3 of one attempt share. */
interface Unlocking {
  ctx: ThresholdContext;
  info: Candidate["info"];
  rid: Uint8Array;
  input: Uint8Array;
  blind: Uint8Array;
  blindedB64: string;
  group: GroupArithmetic;
  /** Every usable evaluation so far, by index. */
  evaluations: Evaluation[];
}

interface Accepted {
  q: Evaluation[];
  output: Uint8Array;
  uk: Uint8Array;
  check: Uint8Array;
  /** Members beyond the first t checked against the first t's polynomial while choosing Q (not recomputed). */
  onFirst: Map<Evaluation, boolean>;
  firstSubset: boolean;
}

interface Share {
  view: RealmView;
  index: number;
  z: bigint;
  e: Uint8Array;
}

/** Phase 2 (§5.4) at `members`, in parallel: bare evaluations, no proofs yet (§6.3). */
async function evaluateAt(u: Unlocking, members: readonly Member[]): Promise<void> {
  await Promise.all(
    members.map(async (m) => {
      try {
        addEvaluation(u, m, await m.view.api.evaluate({ version: u.info.version, registrationId: u.info.registrationId, blinded: u.blindedB64 }));
      } catch (e) {
        noteFailure(m.view.report, e);
      }
    }),
  );
  u.evaluations.sort((a, b) => a.view.index - b.view.index);
}

/** One member's phase-2 answer (from `evaluate`, or from `recover/start`, §6.2.1), checked and kept. */
function addEvaluation(u: Unlocking, m: Member, a: EvaluateResponse): void {
  m.view.report.attemptsRemaining = a.attemptsRemaining;
  m.view.report.lockedUntil = a.lockedUntil;
  const evaluated = fieldBytes(a.evaluated, "evaluated");
  // Not a group element, no proof can verify it; the identity, k_i ≠ 0 and blinded ≠ identity
  // rule it out (§3.3, §5.4).
  if (!u.group.isNonIdentityElement(evaluated)) return misbehaved(m.view, "bad_proof");
  u.evaluations.push({
    view: m.view,
    attemptId: a.attemptId,
    evaluated,
    publicShare: fieldBytes(m.info.oprfPublicShare, "oprfPublicShare"),
    unlockCheck: fieldBytes(a.unlockCheck, "unlockCheck"),
    attemptsRemaining: a.attemptsRemaining,
    lockedUntil: a.lockedUntil,
  });
}

/** Combine (§6.3): first the lowest t indexes; if their check fails, every other t-subset. */
function acceptSubset(u: Unlocking): Accepted | null {
  const t = u.ctx.realmSet.threshold;
  const evaluations = u.evaluations;
  // When more than t answered and all lie on one polynomial, no realm lied about its share: the first
  // subset decides and the search (up to C(9,4) combinations on a wrong password) is skipped.
  const first = evaluations.slice(0, t).map((e) => ({ index: e.view.index, element: e.evaluated }));
  const onFirst = new Map<Evaluation, boolean>();
  let consistent = evaluations.length > t;
  for (const e of evaluations.slice(t)) {
    if (!consistent) break;
    const on = sameElement(u.group.interpolate(first, e.view.index), e.evaluated);
    onFirst.set(e, on);
    consistent = on;
  }
  const subsets = consistent || evaluations.length === t ? [evaluations.slice(0, t)] : subsetsOf(evaluations, t);
  for (const q of subsets) {
    const combined = u.group.interpolate(q.map((e) => ({ index: e.view.index, element: e.evaluated })));
    let output: Uint8Array;
    try {
      output = finalizeCombined(u.input, u.blind, combined);
    } catch {
      continue; // the identity: only reachable with lying realms
    }
    const uk = deriveUnlockKey(output, u.rid);
    const check = unlockCheck(uk, u.ctx.accountId, u.info.version);
    // One matching unlockCheck suffices: matching an honest realm's HMAC means UK_Q = UK, and no
    // realm can forge a match for a wrong O_Q (it would need the password and the blind, §6.3).
    if (evaluations.some((e) => constantTimeEqual(e.unlockCheck, check))) return { q, output, uk, check, onFirst, firstSubset: q === subsets[0] };
  }
  return null;
}

/**
 * No subset accepted among every member's evaluation: a wrong password, or realms that answered wrong
 * elements. Only now are the proofs asked (§5.4.1, one per attempt, spending nothing): a realm whose
 * proof does not verify against its public share is named; the password is called wrong only when t
 * evaluations verify (as in v1, where every evaluation came with its proof; their subsets were all tried).
 */
async function explainFailure(u: Unlocking, blinded: Uint8Array, views: RealmView[]): Promise<AttemptResult> {
  const t = u.ctx.realmSet.threshold;
  const verified: Evaluation[] = [];
  await Promise.all(
    u.evaluations.map(async (e) => {
      try {
        const { proof } = await e.view.api.proof({ attemptId: e.attemptId });
        if (!verifyEvaluationProof(u.input, u.blind, blinded, e.evaluated, e.publicShare, fieldBytes(proof, "proof"))) return misbehaved(e.view, "bad_proof");
        verified.push(e);
      } catch (err) {
        noteFailure(e.view.report, err);
      }
    }),
  );
  if (verified.length < t) throw shortOfThreshold(u.ctx, views, verified.length);
  return {
    kind: "wrong_password",
    attemptsRemaining: tthLargest(
      verified.map((e) => e.attemptsRemaining),
      t,
    ),
    lockedUntil: effectiveLock(
      verified.map((e) => e.lockedUntil),
      t,
    ),
  };
}

/** Members outside Q: their check and their evaluation must agree with Q (§6.3); the good ones are returned. */
function goodMembers(u: Unlocking, a: Accepted, fresh: Evaluation[]): Evaluation[] {
  const qPoints = a.q.map((e) => ({ index: e.view.index, element: e.evaluated }));
  const good: Evaluation[] = [];
  for (const e of fresh) {
    if (!constantTimeEqual(e.unlockCheck, a.check)) misbehaved(e.view, "bad_unlock_check");
    else if (
      !a.q.includes(e) &&
      !(a.firstSubset && a.onFirst.has(e) ? a.onFirst.get(e)! : sameElement(u.group.interpolate(qPoints, e.view.index), e.evaluated))
    )
      misbehaved(e.view, "bad_proof");
    else good.push(e);
  }
  return good;
}

/** Phase 3 (§6.4) at `good`: the unlock proof; each answer's wrap share is checked with its share tag. */
async function unlockAt(u: Unlocking, a: Accepted, good: Evaluation[]): Promise<Share[]> {
  const shares: Share[] = [];
  await Promise.all(
    good.map(async (e) => {
      try {
        const realmId = fromBase64Url(e.view.config.id);
        const r = await e.view.api.unlock({ attemptId: e.attemptId, unlockTag: toBase64Url(unlockTag(a.uk, realmId, u.ctx.accountId, u.info.version)) });
        const zBytes = fieldBytes(r.wrapShare, "wrapShare");
        const tag = shareTag(a.uk, realmId, e.view.index, zBytes, u.info.version);
        if (!constantTimeEqual(tag, fieldBytes(r.shareTag, "shareTag"))) return misbehaved(e.view, "bad_share");
        let z: bigint;
        try {
          z = scalarFromBytes(zBytes);
        } catch {
          return misbehaved(e.view, "bad_share");
        }
        shares.push({ view: e.view, index: e.view.index, z, e: fieldBytes(r.wrappedRootKey, "wrappedRootKey") });
      } catch (err) {
        noteFailure(e.view.report, err);
      }
    }),
  );
  return shares;
}

/** z from the t lowest valid shares, then E: the most common value first; a realm whose different E does not open is named. */
async function openRootKey(u: Unlocking, a: Accepted, all: Share[], params: RegistrationParams): Promise<{ rootKey: RootKey; wrapped: Uint8Array } | null> {
  const shares = [...all].sort((x, y) => x.index - y.index);
  const z = interpolateScalar(shares.slice(0, u.ctx.realmSet.threshold).map((s) => ({ index: s.index, share: s.z })));
  const byValue = new Map<string, Share[]>();
  for (const s of shares) {
    const k = toBase64Url(s.e);
    byValue.set(k, [...(byValue.get(k) ?? []), s]);
  }
  const ordered = [...byValue.values()].sort((x, y) => y.length - x.length);
  let opened: { rootKey: RootKey; wrapped: Uint8Array } | null = null;
  for (const group of ordered) {
    const k = await openWrappedRootKey(group[0]!.e, a.output, z, params, u.ctx.backend);
    if (k && !opened) opened = { rootKey: k, wrapped: group[0]!.e };
    else if (!k) for (const s of group) misbehaved(s.view, "bad_wrapped_key");
  }
  return opened;
}
