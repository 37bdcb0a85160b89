/**
 * enable — turn on password protection: register the password with OPAQUE and store the
 * wrapped root key (spec/vault-protocol.md §5.1).
 *
 * Errors: `AlreadyEnabledError` (change the password instead), `UnauthorizedError`,
 * `VaultUnavailableError` (retryable), `VaultProtocolError`, `VaultRequestError`
 * (`record_changed`: a concurrent enable won; retryable).
 */
import type { RootKey } from "@chatvault/format";
import type { OperationContext } from "../context.ts";
import { register } from "./register.ts";

export interface EnableResult {
  recordVersion: number;
}

export async function enable(ctx: OperationContext, password: string, rootKey: RootKey): Promise<EnableResult> {
  const body = await register(ctx, password, rootKey);
  const written = await ctx.transport.registrationFinish(body);
  return { recordVersion: written.recordVersion };
}
