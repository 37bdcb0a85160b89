/**
 * unlock — log in with the password and unwrap the root key (spec/vault-protocol.md §5.2).
 *
 * Errors: `WrongPasswordError { attemptsRemaining, retryAfter?, destroyed }`,
 * `LockedError { retryAfter }`, `DestroyedError`, `NotEnabledError`,
 * `RecordCorruptedError` (login succeeded but the wrapped key does not open: tampering),
 * `VaultUnavailableError` (retryable), `UnauthorizedError`, `VaultProtocolError`.
 */
import type { RootKey } from "@chatvault/format";
import type { OperationContext } from "../context.ts";
import { toBase64Url } from "@chatvault/format";
import { unwrapRootKey } from "../wrap.ts";
import { deriveHeadSigningKey } from "../head-proof.ts";
import { login } from "./login.ts";
import type { AttemptHistory } from "../attempt-history.ts";

export interface UnlockResult {
  rootKey: RootKey;
  recordVersion: number;
  /**
   * The attempts before this unlock (spec §5.7), for "N failed attempts since …"
   * (`summarizeAttemptHistory`); undefined when the vault is older than revision 3.
   */
  attemptHistory: AttemptHistory | undefined;
}

export async function unlock(ctx: OperationContext, password: string): Promise<UnlockResult> {
  const session = await login(ctx, password);
  try {
    const rootKey = await unwrapRootKey(session.wrappedRootKey, session.exportKey.unsafeBytes(), await ctx.accountId(), session.recordVersion, ctx.backend);
    if (session.headKeyRegistered === false) {
      // A record written before head proofs (§7.1): register its head key now, with this
      // login's session token, so from now on only the root key's holder can move the head.
      const headPublicKey = toBase64Url(deriveHeadSigningKey(rootKey.unsafeBytes()).publicKey);
      await ctx.transport.registerHeadKey({ sessionToken: session.sessionToken, headPublicKey });
    }
    return { rootKey, recordVersion: session.recordVersion, attemptHistory: session.attemptHistory };
  } finally {
    session.exportKey.wipe();
  }
}
