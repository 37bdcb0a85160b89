/**
 * Phases 2 and 3 of an unlock against one chosen registration (spec/threshold-vault.md
 * §6.3, §6.4): blind once, evaluate at every member, combine t evaluations by Lagrange
 * interpolation in the group (searching t-subsets when a realm answered a wrong element),
 * check the password with unlockCheck; only when no subset is accepted, ask every member
 * for its evaluation proof (§5.4.1) to tell a wrong password from a misbehaving realm and
 * name it. Then send the unlock proofs, verify and combine the wrap shares, open E.
 */
import { RootKey, fromBase64Url, utf8 } from "@chatvault/format";
import { constantTimeEqual } from "./bytes.ts";
import type { Candidate } from "./choose.ts";
import { fieldBytes } from "./codecs.ts";
import type { ThresholdContext } from "./context.ts";
import {
  adminPublicKeyOf,
  deriveAdminSeed,
  deriveUnlockKey,
  finalizeCombined,
  oprfInput,
  shareTag,
  unlockCheck,
  unlockTag,
  verifyEvaluationProof,
  voprf,
} from "./derive.ts";
import {
  RealmMisbehavedError,
  RealmProtocolError,
  RealmsDestroyedError,
  RealmsLockedError,
  RealmsUnavailableError,
  type MisbehaviourReason,
  type RealmReport,
} from "./errors.ts";
import { deriveHeadSigningKey } from "../head-proof.ts";
import { stretchPassword } from "./ksf.ts";
import { openWrappedRootKey, type RegistrationParams } from "./registration.ts";
import { groupArithmetic, sameElement } from "./combine.ts";
import { interpolateScalar, scalarFromBytes, subsetsOf } from "./shamir.ts";
import { noteFailure, tthLargest, type RealmView } from "./survey.ts";
import { toBase64Url } from "@chatvault/format";

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

export async function attemptRegistration(ctx: ThresholdContext, cand: Candidate, password: string, views: RealmView[]): Promise<AttemptResult> {
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

  // libsodium (combine.ts) loads while the password is stretched; only realms mode pays for it.
  const loadingGroup = groupArithmetic();
  loadingGroup.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const stretched = await stretchPassword(utf8(password.normalize("NFC")), params.salt, { algorithm: "argon2id", ...info.ksf }, ctx.argon2);
  const input = oprfInput(acct, stretched);
  const { blind, blinded } = voprf.blind(input, (len?: number) => ctx.random(len ?? 32) as Uint8Array<ArrayBuffer>);
  const blindedB64 = toBase64Url(blinded);
  const group = await loadingGroup;

  // Phase 2, in parallel at every member (§5.4): bare evaluations, no proofs yet (§6.3).
  const evaluations: Evaluation[] = [];
  await Promise.all(
    cand.members.map(async (m) => {
      try {
        const a = await m.view.api.evaluate({ version: info.version, registrationId: info.registrationId, blinded: blindedB64 });
        m.view.report.attemptsRemaining = a.attemptsRemaining;
        m.view.report.lockedUntil = a.lockedUntil;
        const evaluated = fieldBytes(a.evaluated, "evaluated");
        // Not a group element, no proof can verify it; the identity, k_i ≠ 0 and blinded ≠ identity
        // rule it out (§3.3, §5.4).
        if (!group.isNonIdentityElement(evaluated)) return misbehaved(m.view, "bad_proof");
        evaluations.push({
          view: m.view,
          attemptId: a.attemptId,
          evaluated,
          publicShare: fieldBytes(m.info.oprfPublicShare, "oprfPublicShare"),
          unlockCheck: fieldBytes(a.unlockCheck, "unlockCheck"),
          attemptsRemaining: a.attemptsRemaining,
          lockedUntil: a.lockedUntil,
        });
      } catch (e) {
        noteFailure(m.view.report, e);
      }
    }),
  );
  evaluations.sort((a, b) => a.view.index - b.view.index);
  if (evaluations.length < t) throw shortOfThreshold(ctx, views, evaluations.length);

  // Combine (§6.3): first the lowest t indexes; if their check fails, every other t-subset.
  const expectedCheck = (uk: Uint8Array) => unlockCheck(uk, acct, info.version);
  let accepted: { q: Evaluation[]; output: Uint8Array; uk: Uint8Array; check: Uint8Array } | null = null;
  // When more than t answered and all lie on one polynomial, no realm lied about its share: the first
  // subset decides and the search (up to C(9,4) combinations on a wrong password) is skipped.
  const first = evaluations.slice(0, t).map((e) => ({ index: e.view.index, element: e.evaluated }));
  // Each member beyond the first t, checked against the first t's polynomial; kept so that the same
  // check is not recomputed below when the first subset is the accepted one.
  const onFirst = new Map<Evaluation, boolean>();
  let consistent = evaluations.length > t;
  for (const e of evaluations.slice(t)) {
    if (!consistent) break;
    const on = sameElement(group.interpolate(first, e.view.index), e.evaluated);
    onFirst.set(e, on);
    consistent = on;
  }
  const subsets = consistent ? [evaluations.slice(0, t)] : subsetsOf(evaluations, t);
  for (const q of subsets) {
    const combined = group.interpolate(q.map((e) => ({ index: e.view.index, element: e.evaluated })));
    let output: Uint8Array;
    try {
      output = finalizeCombined(input, blind, combined);
    } catch {
      continue; // the identity: only reachable with lying realms
    }
    const uk = deriveUnlockKey(output, rid);
    const check = expectedCheck(uk);
    // One matching unlockCheck suffices: matching an honest realm's HMAC means UK_Q = UK, and no
    // realm can forge a match for a wrong O_Q (it would need the password and the blind, §6.3).
    if (evaluations.some((e) => constantTimeEqual(e.unlockCheck, check))) {
      accepted = { q, output, uk, check };
      break;
    }
  }
  if (!accepted) {
    // No subset accepted: a wrong password, or realms that answered wrong elements. Only now are the
    // proofs asked (§5.4.1, one per attempt, spending nothing): a realm whose proof does not verify
    // against its public share is named; the password is called wrong only when t evaluations verify
    // (as in v1, where every evaluation came with its proof; their subsets were all tried above).
    const verified: Evaluation[] = [];
    await Promise.all(
      evaluations.map(async (e) => {
        try {
          const { proof } = await e.view.api.proof({ attemptId: e.attemptId });
          if (!verifyEvaluationProof(input, blind, blinded, e.evaluated, e.publicShare, fieldBytes(proof, "proof"))) return misbehaved(e.view, "bad_proof");
          verified.push(e);
        } catch (err) {
          noteFailure(e.view.report, err);
        }
      }),
    );
    if (verified.length < t) throw shortOfThreshold(ctx, views, verified.length);
    const remaining = tthLargest(
      verified.map((e) => e.attemptsRemaining),
      t,
    );
    return {
      kind: "wrong_password",
      attemptsRemaining: remaining,
      lockedUntil: effectiveLock(
        verified.map((e) => e.lockedUntil),
        t,
      ),
    };
  }

  // Members outside Q: their check and their evaluation must agree with Q (§6.3).
  const { q, output, uk, check } = accepted;
  const qPoints = q.map((e) => ({ index: e.view.index, element: e.evaluated }));
  const good: Evaluation[] = [];
  for (const e of evaluations) {
    if (!constantTimeEqual(e.unlockCheck, check)) misbehaved(e.view, "bad_unlock_check");
    else if (!q.includes(e) && !(q === subsets[0] && onFirst.has(e) ? onFirst.get(e)! : sameElement(group.interpolate(qPoints, e.view.index), e.evaluated)))
      misbehaved(e.view, "bad_proof");
    else good.push(e);
  }

  // Phase 3 (§6.4) at every good member: resets their counts even when t would do.
  const shares: { view: RealmView; index: number; z: bigint; e: Uint8Array }[] = [];
  await Promise.all(
    good.map(async (e) => {
      try {
        const realmId = fromBase64Url(e.view.config.id);
        const a = await e.view.api.unlock({ attemptId: e.attemptId, unlockTag: toBase64Url(unlockTag(uk, realmId, acct, info.version)) });
        const zBytes = fieldBytes(a.wrapShare, "wrapShare");
        const tag = shareTag(uk, realmId, e.view.index, zBytes, info.version);
        if (!constantTimeEqual(tag, fieldBytes(a.shareTag, "shareTag"))) return misbehaved(e.view, "bad_share");
        let z: bigint;
        try {
          z = scalarFromBytes(zBytes);
        } catch {
          return misbehaved(e.view, "bad_share");
        }
        shares.push({ view: e.view, index: e.view.index, z, e: fieldBytes(a.wrappedRootKey, "wrappedRootKey") });
      } catch (err) {
        noteFailure(e.view.report, err);
      }
    }),
  );
  shares.sort((a, b) => a.index - b.index);
  if (shares.length < t) throw shortOfThreshold(ctx, views, shares.length);
  const z = interpolateScalar(shares.slice(0, t).map((s) => ({ index: s.index, share: s.z })));

  // E: the most common value first; a realm whose different E does not open is named.
  const byValue = new Map<string, typeof shares>();
  for (const s of shares) {
    const k = toBase64Url(s.e);
    byValue.set(k, [...(byValue.get(k) ?? []), s]);
  }
  const ordered = [...byValue.values()].sort((a, b) => b.length - a.length);
  let rootKey: RootKey | null = null;
  let wrapped: Uint8Array | null = null;
  for (const group of ordered) {
    const k = await openWrappedRootKey(group[0]!.e, output, z, params, ctx.backend);
    if (k && !rootKey) {
      rootKey = k;
      wrapped = group[0]!.e;
    } else if (!k) {
      for (const s of group) misbehaved(s.view, "bad_wrapped_key");
    }
  }
  if (!rootKey || !wrapped) {
    const first = shares[0]!.view;
    throw new RealmMisbehavedError(first.report, "bad_wrapped_key", reports(views));
  }
  const K = rootKey.unsafeBytes();
  if (toBase64Url(deriveHeadSigningKey(K).publicKey) !== info.headPublicKey || toBase64Url(adminPublicKeyOf(deriveAdminSeed(K))) !== info.adminPublicKey) {
    throw new RealmProtocolError("the root key does not match the registration's head or admin key", reports(views));
  }
  return { kind: "unlocked", rootKey, output, wrappedRootKey: wrapped, params, used: shares.map((s) => s.view) };
}
