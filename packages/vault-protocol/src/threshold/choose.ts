/**
 * Choosing the registration to unlock (spec/threshold-vault.md §6.2): group what the
 * realms hold (as current or next) by every public parameter, keep groups held by ≥ t
 * realms with consistent share indexes, newest version first.
 */
import { meetsDefaultStrength } from "../key-stretching.ts";
import type { ThresholdContext } from "./context.ts";
import type { RealmView } from "./survey.ts";
import type { RegistrationInfo } from "./wire.ts";

export interface Candidate {
  /** Public parameters every member agrees on. */
  info: Omit<RegistrationInfo, "shareIndex" | "oprfPublicShare">;
  members: { view: RealmView; info: RegistrationInfo; asNext: boolean }[];
}

function groupKey(i: RegistrationInfo): string {
  return JSON.stringify([
    i.version,
    i.registrationId,
    i.salt,
    i.ksf.memoryKiB,
    i.ksf.iterations,
    i.ksf.parallelism,
    i.threshold,
    i.realmCount,
    i.headPublicKey,
    i.adminPublicKey,
  ]);
}

export function candidates(ctx: ThresholdContext, views: RealmView[]): Candidate[] {
  const t = ctx.realmSet.threshold;
  const n = ctx.realmSet.realms.length;
  const groups = new Map<string, Candidate>();
  for (const view of views) {
    const r = view.record;
    if (!r || r.state !== "active") continue;
    for (const [info, asNext] of [
      [r.current, false],
      [r.next, true],
    ] as const) {
      if (!info) continue;
      if (info.shareIndex !== view.index) {
        view.report.status = "misbehaved";
        view.report.reason = "bad_answer";
        continue;
      }
      const key = groupKey(info);
      let g = groups.get(key);
      if (!g) {
        const { shareIndex: _s, oprfPublicShare: _y, ...common } = info;
        g = { info: common, members: [] };
        groups.set(key, g);
      }
      g.members.push({ view, info, asNext });
    }
  }
  // Rolled back (§6.2): a realm whose newest held version is below the known minimum.
  if (ctx.knownVersion > 0) {
    for (const view of views) {
      const r = view.record;
      if (!r || r.state !== "active") continue;
      const newest = Math.max(r.current?.version ?? 0, r.next?.version ?? 0);
      if (newest < ctx.knownVersion && view.report.status === "ok") {
        view.report.status = "misbehaved";
        view.report.reason = "rolled_back";
      }
    }
  }
  return [...groups.values()]
    .map((g) => ({ ...g, members: g.members.filter((m) => m.view.report.status !== "misbehaved").sort((a, b) => a.view.index - b.view.index) }))
    .filter((g) => g.info.threshold === t && g.info.realmCount === n && g.members.length >= t)
    .filter((g) => g.info.version >= ctx.knownVersion)
    .filter((g) => ctx.allowWeakKsf || meetsDefaultStrength({ algorithm: "argon2id", ...g.info.ksf }))
    .sort((a, b) => b.info.version - a.info.version || b.members.length - a.members.length || (a.info.registrationId < b.info.registrationId ? -1 : 1));
}
