/**
 * disable — turn password protection off: prove the password with a fresh login, then
 * delete the vault record and the wrapped root key (spec/vault-protocol.md §5.5).
 *
 * Errors: those of unlock, plus `VaultRequestError` (`session_invalid`; retryable).
 */
import type { OperationContext } from "../context.ts";
import { login } from "./login.ts";

export async function disable(ctx: OperationContext, password: string): Promise<void> {
  const session = await login(ctx, password);
  session.exportKey.wipe();
  await ctx.transport.recordDelete({ sessionToken: session.sessionToken });
}
