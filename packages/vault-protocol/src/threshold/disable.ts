/**
 * Turn off (spec/threshold-vault.md §6.7): delete the registration at every realm; realms
 * that do not answer are remembered as pending deletes and cleaned up by the next
 * operation that holds K and reaches them. Needs K (the admin key), not a fresh unlock.
 */
import type { RootKey } from "@chatvault/format";
import { refOf, sendAdmin } from "./admin-client.ts";
import type { ThresholdContext } from "./context.ts";
import { RealmRequestError, type RealmReport } from "./errors.ts";
import { noteFailure, survey, type RealmView } from "./survey.ts";
import type { RegistrationRef } from "./wire.ts";

export interface DisableResult {
  /** Realms that hold nothing of this account any more. */
  deleted: string[];
  /** Realms remembered for a later delete (they were unreachable). */
  pending: string[];
  realms: RealmReport[];
}

export async function disable(ctx: ThresholdContext, rootKey: RootKey): Promise<DisableResult> {
  const views = await survey(ctx);
  const targets = uniqueRefs(views);
  const deleted: string[] = [];
  const pending: string[] = [];
  await Promise.all(
    views.map(async (view) => {
      const r = view.record;
      if (!r) {
        // Unreachable: remember it with every registration the others reported (§6.7).
        await ctx.pendingDeletes.add({ realmId: view.config.id, url: view.config.url, targets });
        pending.push(view.config.id);
        return;
      }
      if (r.state !== "active") {
        deleted.push(view.config.id);
        await ctx.pendingDeletes.remove(view.config.id);
        return;
      }
      try {
        await sendAdmin(ctx, view, rootKey, "delete", refOf(r.current!));
        deleted.push(view.config.id);
        view.report.status = "not_enabled";
        await ctx.pendingDeletes.remove(view.config.id);
      } catch (e) {
        noteFailure(view.report, e);
        if (view.report.status === "unreachable") {
          await ctx.pendingDeletes.add({ realmId: view.config.id, url: view.config.url, targets: uniqueRefs([view, ...views]) });
          pending.push(view.config.id);
        }
      }
    }),
  );
  return { deleted: deleted.sort(), pending: pending.sort(), realms: views.map((v) => v.report) };
}

function uniqueRefs(views: RealmView[]): RegistrationRef[] {
  const seen = new Map<string, RegistrationRef>();
  for (const v of views) {
    for (const x of [v.record?.current, v.record?.next]) if (x) seen.set(`${x.version}/${x.registrationId}`, refOf(x));
  }
  return [...seen.values()];
}

/**
 * Send the remembered deletes to realms that answered this operation's survey (§6.7).
 * A realm whose record is already gone (or now holds a registration of another K) is forgotten.
 */
export async function flushPendingDeletes(ctx: ThresholdContext, rootKey: RootKey, views: RealmView[]): Promise<string[]> {
  const done: string[] = [];
  for (const p of await ctx.pendingDeletes.list()) {
    const view = views.find((v) => v.config.id === p.realmId);
    if (!view || !view.record) continue;
    const r = view.record;
    const held = [r.current, r.next].find((x) => x && p.targets.some((t) => t.version === x.version && t.registrationId === x.registrationId));
    try {
      if (r.state === "active" && held) {
        await sendAdmin(ctx, view, rootKey, "delete", refOf(held));
        view.record = { ...r, state: "none", current: null, next: null };
        view.report.status = "not_enabled";
      }
    } catch (e) {
      const code = e instanceof RealmRequestError ? e.realmCode : undefined;
      if (code !== "not_enabled" && code !== "admin_signature_invalid") continue;
    }
    await ctx.pendingDeletes.remove(p.realmId);
    done.push(p.realmId);
  }
  return done;
}
