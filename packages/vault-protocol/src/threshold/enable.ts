/**
 * Enable: register a new password for K at the realms (spec/threshold-vault.md §6.1).
 * Needs t realms; the others are repaired by the next unlock.
 * Errors: RealmsUnavailableError (fewer than t stored it; nothing is left behind).
 */
import { RootKey, toBase64Url } from "@chatvault/format";
import { normalizePassword } from "../context.ts";
import { refOf, sendAdmin } from "./admin-client.ts";
import type { ThresholdContext } from "./context.ts";
import { adminPublicKeyOf, deriveAdminSeed } from "./derive.ts";
import { flushPendingDeletes } from "./disable.ts";
import { RealmsUnavailableError, type RealmReport } from "./errors.ts";
import { newRegistration } from "./registration.ts";
import { noteFailure, survey } from "./survey.ts";

export interface ThresholdEnableResult {
  version: number;
  registrationId: string;
  /** Realms that hold the new registration. */
  stored: string[];
  realms: RealmReport[];
}

export async function enable(ctx: ThresholdContext, password: string, rootKey: RootKey): Promise<ThresholdEnableResult> {
  const pw = normalizePassword(password);
  const t = ctx.realmSet.threshold;
  const views = await survey(ctx);
  await flushPendingDeletes(ctx, rootKey, views);
  // Newer than anything a realm reports or this client remembers (§6.1), so a realm still holding an
  // old registration of this K is never mistaken for the new one, nor the new one for a rollback.
  const version = 1 + Math.max(0, ctx.knownVersion, ...views.flatMap((v) => [v.record?.current?.version ?? 0, v.record?.next?.version ?? 0]));
  const reg = await newRegistration({
    password: pw,
    rootKey,
    accountId: ctx.accountId,
    realmSet: ctx.realmSet,
    version,
    ksf: ctx.ksf,
    argon2: ctx.argon2,
    random: ctx.random,
    backend: ctx.backend,
  });
  reg.output.fill(0);
  const ourAdmin = toBase64Url(adminPublicKeyOf(deriveAdminSeed(rootKey.unsafeBytes())));
  const stored: typeof views = [];
  await Promise.all(
    views.map(async (view) => {
      const r = view.record;
      if (!r) return;
      const body = reg.registrations[view.index - 1]!;
      try {
        if (r.state !== "active") await view.api.register({ registration: body });
        else if (r.current!.adminPublicKey === ourAdmin) {
          // A leftover of this K (e.g. a delete that never arrived): replace it (§6.1 step 4).
          if (r.next) await sendAdmin(ctx, view, rootKey, "abort", refOf(r.next));
          await sendAdmin(ctx, view, rootKey, "repair", refOf(r.current!), body);
        } else {
          view.report.status = "refused";
          view.report.code = "already_enabled";
          return;
        }
        view.report.status = "ok";
        stored.push(view);
      } catch (e) {
        noteFailure(view.report, e);
      }
    }),
  );
  const rid = toBase64Url(reg.params.registrationId);
  if (stored.length < t) {
    // Leave nothing half-enabled: delete what was stored (§6.1 step 5).
    await Promise.all(stored.map((view) => sendAdmin(ctx, view, rootKey, "delete", { version, registrationId: rid }).catch(() => undefined)));
    for (const v of stored) v.report.status = "not_enabled";
    throw new RealmsUnavailableError(
      views.map((v) => v.report),
      t,
    );
  }
  for (const v of views) if (v.report.status === "not_enabled") v.report.status = "stale";
  return { version, registrationId: rid, stored: stored.map((v) => v.config.id).sort(), realms: views.map((v) => v.report) };
}
