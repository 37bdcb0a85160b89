/**
 * Change password across realms, never leaving neither password working
 * (spec/threshold-vault.md §6.6): unlock with the old password, prepare the new version at
 * every reachable realm, abort if fewer than t prepared, else commit at each.
 * Errors: those of unlock; RealmsUnavailableError when fewer than t prepared (old password still works).
 */
import { toBase64Url } from "@chatvault/format";
import { normalizePassword } from "../context.ts";
import { refOf, sendAdmin } from "./admin-client.ts";
import type { ThresholdContext } from "./context.ts";
import { RealmsUnavailableError, type RealmReport } from "./errors.ts";
import { newRegistration } from "./registration.ts";
import { noteFailure, type RealmView } from "./survey.ts";
import { unlockState } from "./unlock.ts";

export interface ThresholdChangePasswordResult {
  version: number;
  registrationId: string;
  committed: string[];
  /** Prepared but not committed (the next unlock commits them). */
  prepared: string[];
  realms: RealmReport[];
}

/** Test hook: called between the steps so a test can stop a realm at each point. */
export type ChangeStep = "unlocked" | "prepared" | "committed-one";

export async function changePassword(
  ctx: ThresholdContext,
  oldPassword: string,
  newPassword: string,
  hooks: { afterStep?: (step: ChangeStep, realmId?: string) => Promise<void> | void } = {},
): Promise<ThresholdChangePasswordResult> {
  const pw = normalizePassword(newPassword, "newPassword");
  const t = ctx.realmSet.threshold;
  const state = await unlockState(ctx, oldPassword);
  await hooks.afterStep?.("unlocked");
  const version = Math.max(state.highestVersion, state.version) + 1;
  const reg = await newRegistration({
    password: pw,
    rootKey: state.rootKey,
    accountId: ctx.accountId,
    realmSet: ctx.realmSet,
    version,
    ksf: ctx.ksf,
    argon2: ctx.argon2,
    random: ctx.random,
    backend: ctx.backend,
  });
  reg.output.fill(0);
  const rid = toBase64Url(reg.params.registrationId);
  const target = { version, registrationId: rid };

  // Prepare at every realm that holds the old registration as current after the unlock's repair.
  const prepared: RealmView[] = [];
  await Promise.all(
    state.views.map(async (view) => {
      if (view.report.status !== "ok" && view.report.status !== "stale") return;
      try {
        const cur = (await view.api.record()).current;
        if (!cur) return;
        await sendAdmin(ctx, view, state.rootKey, "prepare", refOf(cur), reg.registrations[view.index - 1]!);
        prepared.push(view);
      } catch (e) {
        noteFailure(view.report, e);
      }
    }),
  );
  prepared.sort((a, b) => a.index - b.index);
  if (prepared.length < t) {
    await Promise.all(prepared.map((view) => sendAdmin(ctx, view, state.rootKey, "abort", target).catch(() => undefined)));
    throw new RealmsUnavailableError(
      state.views.map((v) => v.report),
      t,
    );
  }
  await hooks.afterStep?.("prepared");
  const committed: string[] = [];
  for (const view of prepared) {
    try {
      await sendAdmin(ctx, view, state.rootKey, "commit", target);
      committed.push(view.config.id);
    } catch (e) {
      noteFailure(view.report, e);
      continue;
    }
    await hooks.afterStep?.("committed-one", view.config.id);
  }
  return {
    version,
    registrationId: rid,
    committed: committed.sort(),
    prepared: prepared
      .map((v) => v.config.id)
      .filter((id) => !committed.includes(id))
      .sort(),
    realms: state.views.map((v) => v.report),
  };
}
