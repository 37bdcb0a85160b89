/**
 * Unlock: recover K with the password from any t honest realms (spec/threshold-vault.md
 * §6.2–§6.5). Errors: RealmsWrongPasswordError, RealmsLockedError, RealmsDestroyedError,
 * RealmsNotEnabledError, RealmsUnavailableError (retryable), RealmMisbehavedError,
 * RealmProtocolError.
 */
import type { RootKey } from "@chatvault/format";
import { normalizePassword } from "../context.ts";
import { candidates, type Candidate } from "./choose.ts";
import type { ThresholdContext } from "./context.ts";
import {
  RealmMisbehavedError,
  RealmProtocolError,
  RealmsDestroyedError,
  RealmsNotEnabledError,
  RealmsUnavailableError,
  RealmsWrongPasswordError,
  type RealmReport,
} from "./errors.ts";
import { flushPendingDeletes } from "./disable.ts";
import { attemptRegistration, type AttemptResult } from "./recover.ts";
import { repairRealms, type RepairAction } from "./repair.ts";
import { survey, type RealmView } from "./survey.ts";
import { startEarlyGuess } from "./early-guess.ts";

export interface ThresholdUnlockResult {
  rootKey: RootKey;
  version: number;
  registrationId: string;
  /** One entry per realm of the set, in order. */
  realms: RealmReport[];
  repairs: RepairAction[];
}

export interface UnlockOptions {
  /** Repair stale realms and finish/roll back changes (default true). */
  repair?: boolean;
}

/** Internal result for operations that continue with K (change password). */
export interface UnlockedState extends ThresholdUnlockResult {
  views: RealmView[];
  chosen: Candidate;
  highestVersion: number;
}

/** Why no registration can be tried (§6.2). */
export function noCandidate(ctx: ThresholdContext, views: RealmView[]): Error {
  const t = ctx.realmSet.threshold;
  const n = ctx.realmSet.realms.length;
  const reports = views.map((v) => v.report);
  const answered = views.filter((v) => v.record !== null);
  if (answered.length > 0 && answered.every((v) => v.record!.state === "none")) return new RealmsNotEnabledError(reports);
  if (views.filter((v) => v.report.status === "destroyed").length >= n - t + 1) return new RealmsDestroyedError(reports);
  const bad = views.find((v) => v.report.status === "misbehaved");
  if (bad) return new RealmMisbehavedError(bad.report, bad.report.reason ?? "bad_answer", reports);
  if (answered.length < t) return new RealmsUnavailableError(reports, t);
  return new RealmsNotEnabledError(reports);
}

export async function unlockState(ctx: ThresholdContext, password: string, options: UnlockOptions = {}): Promise<UnlockedState> {
  const pw = normalizePassword(password);
  // Stretch and blind for the registration this context unlocked last while phase 1 is in flight (early-guess.ts);
  // after a success, the realms that gave K get that guess with their record view (`recover/start`, §6.2.1).
  const early = startEarlyGuess(ctx, pw);
  const startAt = ctx.startAt;
  ctx.startAt = undefined; // set again only by an outcome that keeps it (below)
  const views = await survey(ctx, early && startAt ? { at: new Set(startAt), guess: early } : undefined);
  try {
    const state = await afterSurvey(ctx, pw, views, early, options);
    const t = ctx.realmSet.threshold;
    ctx.startAt = state.used
      .map((v) => v.index - 1)
      .sort((a, b) => a - b)
      .slice(0, t);
    return state;
  } catch (e) {
    // §6.2.1: kept through a wrong password with t realms still unlocked (a retry spends what phase 1 would
    // let it spend anyway); any other outcome sends the next unlock through phase 1 first.
    if (startAt && e instanceof RealmsWrongPasswordError && e.lockedUntil === null) ctx.startAt = startAt;
    throw e;
  }
}

async function afterSurvey(
  ctx: ThresholdContext,
  pw: string,
  views: RealmView[],
  early: ReturnType<typeof startEarlyGuess>,
  options: UnlockOptions,
): Promise<UnlockedState & { used: RealmView[] }> {
  const cands = candidates(ctx, views);
  if (cands.length === 0) {
    early?.drop();
    if (!ctx.allowWeakKsf && candidates({ ...ctx, allowWeakKsf: true }, views).length > 0) {
      throw new RealmProtocolError(
        "the realms' registration uses a KSF weaker than this client's floor; refusing to send a guess",
        views.map((v) => v.report),
      );
    }
    throw noCandidate(ctx, views);
  }
  let chosen = cands[0]!;
  let result: AttemptResult;
  try {
    result = await attemptRegistration(ctx, chosen, pw, views, early);
  } finally {
    early?.drop(); // taken by now, or not needed (e.g. locked before any guess)
  }
  // An unfinished change: the newest group may be held only as `next`; the user may still type the old password (§6.6).
  const older = cands.find((c) => c.info.version < chosen.info.version);
  if (result.kind === "wrong_password" && older && chosen.members.some((m) => m.asNext)) {
    const again = await attemptRegistration(ctx, older, pw, views);
    if (again.kind === "unlocked") chosen = older;
    result = again; // when wrong too, its counts are the later (lower) ones
  }
  const reportsNow = () => views.map((v) => v.report);
  if (result.kind === "wrong_password") throw new RealmsWrongPasswordError(result.attemptsRemaining, result.lockedUntil, reportsNow());

  const inChosen = new Set(chosen.members.map((m) => m.view));
  for (const v of views) if (v.report.status === "ok" && !inChosen.has(v)) v.report.status = "stale";
  let repairs: RepairAction[] = [];
  if (options.repair ?? true) {
    // Pending deletes first (§6.7): a realm they empty is then registered afresh by the repair.
    await flushPendingDeletes(ctx, result.rootKey, views);
    repairs = await repairRealms(ctx, views, chosen, result.rootKey, result.output, result.params, result.wrappedRootKey);
  }
  result.output.fill(0);
  const c = chosen.info;
  ctx.lastUnlocked = { version: c.version, registrationId: c.registrationId, salt: c.salt, ksf: c.ksf };
  const highestVersion = Math.max(0, ...views.flatMap((v) => [v.record?.current?.version ?? 0, v.record?.next?.version ?? 0]));
  return {
    rootKey: result.rootKey,
    version: chosen.info.version,
    registrationId: chosen.info.registrationId,
    realms: reportsNow(),
    repairs,
    views,
    chosen,
    highestVersion,
    used: result.used,
  };
}

/** Recover the root key with the password. */
export async function unlock(ctx: ThresholdContext, password: string, options: UnlockOptions = {}): Promise<ThresholdUnlockResult> {
  const { rootKey, version, registrationId, realms, repairs } = await unlockState(ctx, password, options);
  return { rootKey, version, registrationId, realms, repairs };
}
