/**
 * Repair after a successful unlock (spec/threshold-vault.md §6.5): every realm of the set
 * is brought to the chosen registration, rebuilt from K, O and E (deterministic shares).
 * Failures are reported, never fatal.
 */
import { RootKey, toBase64Url } from "@chatvault/format";
import { refOf, sendAdmin } from "./admin-client.ts";
import type { Candidate } from "./choose.ts";
import type { ThresholdContext } from "./context.ts";
import { registrationsFor, type RegistrationParams } from "./registration.ts";
import { noteFailure, type RealmView } from "./survey.ts";

export interface RepairAction {
  realmId: string;
  action: "register" | "repair" | "commit" | "abort";
  ok: boolean;
  code?: string;
}

export async function repairRealms(
  ctx: ThresholdContext,
  views: RealmView[],
  chosen: Candidate,
  rootKey: RootKey,
  output: Uint8Array,
  params: RegistrationParams,
  wrappedRootKey: Uint8Array,
): Promise<RepairAction[]> {
  // Rebuilt only when some realm needs one (register/repair): deriving n shares costs n group multiplications.
  let bodies: ReturnType<typeof registrationsFor> | undefined;
  const bodyFor = (index: number) => (bodies ??= registrationsFor(rootKey, output, params, wrappedRootKey))[index - 1]!;
  // Called only after a successful unlock of `chosen`, which checked that K's admin key is the
  // group's (§6.4, recover.ts): no need to derive it again.
  const adminKey = chosen.info.adminPublicKey;
  const v = params.version;
  const rid = toBase64Url(params.registrationId);
  const actions: RepairAction[] = [];
  const run = async (view: RealmView, action: RepairAction["action"], f: () => Promise<unknown>) => {
    try {
      await f();
      actions.push({ realmId: view.config.id, action, ok: true });
      return true;
    } catch (e) {
      const before = { ...view.report };
      noteFailure(view.report, e);
      actions.push({ realmId: view.config.id, action, ok: false, code: view.report.code ?? view.report.status });
      Object.assign(view.report, { status: before.status === "ok" ? "stale" : before.status, reason: before.reason });
      return false;
    }
  };
  // A newer registration already committed somewhere (a change interrupted after its first commit)
  // cannot be rolled back (realms refuse to go back a version): finish it instead (§6.5).
  const finishing = views
    .map((x) => x.record?.current)
    .filter((c): c is NonNullable<typeof c> => !!c && c.adminPublicKey === adminKey && c.version > v)
    .sort((a, b) => b.version - a.version)[0];
  await Promise.all(
    views.map(async (view) => {
      const r = view.record;
      if (!r || view.report.status === "unreachable" || view.report.status === "wrong_realm") return;
      if (r.state !== "active") {
        const body = bodyFor(view.index);
        if (await run(view, "register", () => view.api.register({ registration: body }))) view.report.status = "ok";
        return;
      }
      const cur = r.current!;
      if (cur.adminPublicKey !== adminKey) return; // a foreign registration: not ours to touch
      const holdsChosen = (x: typeof cur | null) => x !== null && x.version === v && x.registrationId === rid;
      if (holdsChosen(r.next)) {
        if (await run(view, "commit", () => sendAdmin(ctx, view, rootKey, "commit", refOf(r.next!)))) view.report.status = "ok";
        return;
      }
      if (finishing && r.next && r.next.version === finishing.version && r.next.registrationId === finishing.registrationId) {
        await run(view, "commit", () => sendAdmin(ctx, view, rootKey, "commit", refOf(r.next!)));
        return;
      }
      if (r.next && r.next.version > v && !finishing) {
        await run(view, "abort", () => sendAdmin(ctx, view, rootKey, "abort", refOf(r.next!)));
      }
      if (!holdsChosen(cur) && cur.version <= v && !finishing) {
        const body = bodyFor(view.index);
        if (await run(view, "repair", () => sendAdmin(ctx, view, rootKey, "repair", refOf(cur), body))) view.report.status = "ok";
      }
    }),
  );
  return actions.sort((a, b) => (a.realmId < b.realmId ? -1 : 1));
}
