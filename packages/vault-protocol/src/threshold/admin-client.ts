/**
 * Sending one signed admin operation to one realm (spec/threshold-vault.md §5.6).
 */
import { RootKey, fromBase64Url, toBase64Url } from "@chatvault/format";
import { signAdmin } from "./admin.ts";
import { nextIssuedAt, type ThresholdContext } from "./context.ts";
import { deriveAdminSeed } from "./derive.ts";
import type { RealmView } from "./survey.ts";
import type { AdminOp, AdminResponse, Registration, RegistrationRef } from "./wire.ts";

export async function sendAdmin(
  ctx: ThresholdContext,
  view: Pick<RealmView, "config" | "api">,
  rootKey: RootKey,
  op: AdminOp,
  target: RegistrationRef,
  registration?: Registration,
): Promise<AdminResponse> {
  const issuedAt = nextIssuedAt(ctx);
  const seed = deriveAdminSeed(rootKey.unsafeBytes());
  const body = { op, target: { version: target.version, registrationId: target.registrationId }, ...(registration ? { registration } : {}) };
  const signature = signAdmin(seed, fromBase64Url(view.config.id), ctx.accountId, body, issuedAt);
  seed.fill(0);
  return view.api.admin({ ...body, issuedAt, signature: toBase64Url(signature) });
}

export function refOf(x: RegistrationRef): RegistrationRef {
  return { version: x.version, registrationId: x.registrationId };
}
