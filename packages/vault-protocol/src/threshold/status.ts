/**
 * Status (spec/threshold-vault.md §6.9): each realm's answer, and the effective attempts
 * and lock of the realm set (the t-th realm decides). Spends nothing.
 */
import type { ThresholdContext } from "./context.ts";
import type { RealmReport } from "./errors.ts";
import { effectiveLock } from "./recover.ts";
import { survey, tthLargest } from "./survey.ts";
import type { RealmRecordState } from "./wire.ts";

export interface ThresholdStatus {
  /** "active" when t realms hold one registration; else what most realms say. */
  state: RealmRecordState | "incomplete";
  attemptsRemaining: number;
  lockedUntil: number | null;
  reachable: number;
  threshold: number;
  realms: (RealmReport & { state?: RealmRecordState; version?: number })[];
}

export async function status(ctx: ThresholdContext): Promise<ThresholdStatus> {
  const t = ctx.realmSet.threshold;
  const views = await survey(ctx);
  const active = views.filter((v) => v.record?.state === "active");
  const realms = views.map((v) => ({
    ...v.report,
    ...(v.record ? { state: v.record.state, ...(v.record.current ? { version: v.record.current.version } : {}) } : {}),
  }));
  const reachable = views.filter((v) => v.record !== null).length;
  let state: ThresholdStatus["state"];
  if (active.length >= t) state = "active";
  else if (views.filter((v) => v.record?.state === "destroyed").length >= views.length - t + 1) state = "destroyed";
  else if (active.length === 0 && reachable > 0) state = "none";
  else state = "incomplete";
  return {
    state,
    attemptsRemaining: tthLargest(
      active.map((v) => v.record!.attemptsRemaining),
      t,
    ),
    lockedUntil: effectiveLock(
      active.map((v) => v.record!.lockedUntil),
      t,
    ),
    reachable,
    threshold: t,
    realms,
  };
}
