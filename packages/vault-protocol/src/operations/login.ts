/**
 * OPAQUE login (spec/vault-protocol.md §5.2): KE1 → KE2 (the attempt is counted
 * here) → KE3 → session token + wrapped root key. Shared by unlock, change password
 * and disable.
 */
import * as opaque from "@serenity-kit/opaque";
import { fromBase64Url, Secret } from "@chatvault/format";
import { checkDeclaredKeyStretching, normalizePassword, opaqueReady, type OperationContext } from "../context.ts";
import { toOpaqueKeyStretching } from "../key-stretching.ts";
import { DestroyedError, NotEnabledError, VaultProtocolError, WrongPasswordError } from "../errors.ts";
import type { WrappedRootKey } from "../wire.ts";
import type { AttemptHistory } from "../attempt-history.ts";

export interface LoginResult {
  /** The OPAQUE export key; prints as `[redacted]`. */
  exportKey: Secret;
  sessionToken: string;
  sessionExpiresAt: number;
  recordVersion: number;
  wrappedRootKey: WrappedRootKey;
  /** False: the record has no head key yet (§7.1); undefined: a vault older than head proofs. */
  headKeyRegistered: boolean | undefined;
  /** The attempts before this login (spec §5.7); undefined from vaults older than revision 3. */
  attemptHistory: AttemptHistory | undefined;
}

/**
 * Errors: `WrongPasswordError` (attemptsRemaining, retryAfter when this guess started a
 * lock, destroyed when it was the last of the budget), `LockedError`, `DestroyedError`,
 * `NotEnabledError`, `VaultUnavailableError` (retryable), `VaultProtocolError`.
 */
export async function login(ctx: OperationContext, password: string): Promise<LoginResult> {
  const pw = normalizePassword(password);
  await opaqueReady();
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: pw });
  const ke2 = await ctx.transport.loginStart({ startLoginRequest });
  checkDeclaredKeyStretching(ctx, ke2.keyStretching);
  let finished: ReturnType<typeof opaque.client.finishLogin>;
  try {
    finished = opaque.client.finishLogin({
      clientLoginState,
      loginResponse: ke2.loginResponse,
      password: pw,
      keyStretching: toOpaqueKeyStretching(ke2.keyStretching),
    });
  } catch (cause) {
    throw new VaultProtocolError("the vault's login response is not a valid OPAQUE KE2", { cause });
  }
  if (!finished) {
    // Unknown accounts get a fake KE2 that fails exactly like a wrong password (spec §5.4);
    // the owner may ask which it was.
    const status = await ctx.transport.status();
    if (status.state === "not_enabled") throw new NotEnabledError();
    if (status.state === "destroyed") throw new DestroyedError();
    const destroyed = ke2.failureBudgetRemaining === 0;
    throw new WrongPasswordError(ke2.attemptsRemaining, {
      destroyed,
      ...(ke2.lockedUntil !== null && !destroyed ? { retryAfter: new Date(ke2.lockedUntil) } : {}),
    });
  }
  if (ctx.serverPublicKey !== undefined && finished.serverStaticPublicKey !== ctx.serverPublicKey) {
    throw new VaultProtocolError("the vault's OPAQUE public key differs from the pinned one");
  }
  const done = await ctx.transport.loginFinish({ loginId: ke2.loginId, finishLoginRequest: finished.finishLoginRequest });
  return {
    exportKey: new Secret(fromBase64Url(finished.exportKey)),
    sessionToken: done.sessionToken,
    sessionExpiresAt: done.sessionExpiresAt,
    recordVersion: done.recordVersion,
    wrappedRootKey: done.wrappedRootKey,
    headKeyRegistered: done.headKeyRegistered,
    attemptHistory: done.attemptHistory,
  };
}
