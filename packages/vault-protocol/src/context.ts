/**
 * What every client operation needs (spec/vault-protocol.md §5): the transport, the
 * account ID (it is in the wrapping AAD), the KSF policy and the crypto backend.
 */
import * as opaque from "@serenity-kit/opaque";
import { fromBase64Url, fromUtf8, type CryptoBackend } from "@chatvault/format";
import { DEFAULT_KEY_STRETCHING, meetsDefaultStrength } from "./key-stretching.ts";
import { VaultProtocolError } from "./errors.ts";
import { checkAccountId } from "./account-id.ts";
import type { VaultTransport } from "./transport.ts";
import type { KeyStretching } from "./wire.ts";

export interface OperationContext {
  transport: VaultTransport;
  accountId(): Promise<string>;
  /** KSF used for new registrations (enable, change password). */
  keyStretching: KeyStretching;
  /** TEST ONLY: accept a server-declared KSF weaker than the default. */
  allowWeakKeyStretching: boolean;
  /** When set, the vault's OPAQUE public key must equal this (base64url). */
  serverPublicKey: string | undefined;
  backend: CryptoBackend;
}

/** OPAQUE's WASM must be initialised before the first call. */
export function opaqueReady(): Promise<void> {
  return opaque.ready;
}

/** Passwords are Unicode-normalised (NFC) so every client derives the same bytes (spec §3.1). */
export function normalizePassword(password: string, name = "password"): string {
  if (typeof password !== "string" || password.length === 0) throw new TypeError(`${name} must be a non-empty string`);
  return password.normalize("NFC");
}

/** Refuse a server-declared KSF weaker than the default unless the test option allows it (spec §3.2). */
export function checkDeclaredKeyStretching(ctx: OperationContext, k: KeyStretching): void {
  if (!ctx.allowWeakKeyStretching && !meetsDefaultStrength(k)) {
    throw new VaultProtocolError(
      `vault declared key stretching weaker than the default (Argon2id m=${k.memoryKiB} KiB t=${k.iterations}); refusing (default m=${DEFAULT_KEY_STRETCHING.memoryKiB} t=${DEFAULT_KEY_STRETCHING.iterations})`,
    );
  }
}

export function checkServerPublicKey(ctx: OperationContext, actual: string): void {
  if (ctx.serverPublicKey !== undefined && ctx.serverPublicKey !== actual) {
    throw new VaultProtocolError("the vault's OPAQUE public key differs from the pinned one");
  }
}

/** The account ID as the token's `sub` claim (decoded, not verified: the vault verifies). */
export function accountIdFromToken(token: string): string {
  const parts = token.split(".");
  try {
    const claims = JSON.parse(fromUtf8(fromBase64Url(parts[1] ?? ""))) as { sub?: unknown };
    if (typeof claims.sub === "string" && claims.sub.length > 0) return checkAccountId(claims.sub, "the account token's sub");
  } catch (e) {
    if (e instanceof TypeError && /sub:/.test(e.message)) throw e;
  }
  throw new TypeError("the account token has no `sub` claim; pass accountId explicitly");
}
