/**
 * changePassword — log in with the old password, unwrap the root key, register the new
 * password and re-wrap the SAME root key under it (spec/vault-protocol.md §5.3). The
 * backup stays readable; the old password stops working.
 *
 * Errors: those of unlock for the old password, plus `VaultRequestError`
 * (`session_invalid` / `record_changed`: the record changed meanwhile; retryable).
 */
import type { OperationContext } from "../context.ts";
import { unwrapRootKey } from "../wrap.ts";
import { login } from "./login.ts";
import { register } from "./register.ts";

export interface ChangePasswordResult {
  recordVersion: number;
}

export async function changePassword(ctx: OperationContext, oldPassword: string, newPassword: string): Promise<ChangePasswordResult> {
  if (typeof newPassword !== "string" || newPassword.length === 0) throw new TypeError("newPassword must be a non-empty string");
  const session = await login(ctx, oldPassword);
  let rootKey;
  try {
    rootKey = await unwrapRootKey(session.wrappedRootKey, session.exportKey.unsafeBytes(), await ctx.accountId(), session.recordVersion, ctx.backend);
  } finally {
    session.exportKey.wipe();
  }
  const body = await register(ctx, newPassword, rootKey);
  const written = await ctx.transport.recordReplace({ ...body, sessionToken: session.sessionToken });
  return { recordVersion: written.recordVersion };
}
