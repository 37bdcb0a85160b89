/**
 * `VaultClient` — the Backup Key Vault from the app's side (spec/vault-protocol.md §5).
 * Browser-safe: OPAQUE (WASM) and WebCrypto only; `fetch`, the account token and the
 * crypto backend are injected. One method per operation; each lives in `operations/`.
 */
import { RootKey, getDefaultBackend, type CryptoBackend } from "@chatvault/format";
import { accountIdFromToken, type OperationContext } from "./context.ts";
import { checkAccountId } from "./account-id.ts";
import { DEFAULT_KEY_STRETCHING, keyStretchingProblem, meetsDefaultStrength } from "./key-stretching.ts";
import { VaultTransport, type FetchLike, type TokenProvider } from "./transport.ts";
import { enable, type EnableResult } from "./operations/enable.ts";
import { unlock, type UnlockResult } from "./operations/unlock.ts";
import { changePassword, type ChangePasswordResult } from "./operations/change-password.ts";
import { disable } from "./operations/disable.ts";
import { status } from "./operations/status.ts";
import { advanceHead, getHead, getVerifiedHead, type HeadUpdate } from "./operations/head.ts";
import type { BackupHead, KeyStretching, StatusResponse } from "./wire.ts";

export interface VaultClientOptions {
  /** Base URL of the vault, e.g. `http://127.0.0.1:8471`. */
  baseUrl: string;
  /** Account token provider (JWT from the app's auth; `sub` = account ID). */
  token: TokenProvider;
  /** Account ID bound into the wrapping AAD; default: the token's `sub`. */
  accountId?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Pin the vault's OPAQUE public key (base64url). */
  serverPublicKey?: string;
  backend?: CryptoBackend;
  /**
   * TEST ONLY. KSF for new registrations. Anything weaker than the default also needs
   * `allowWeakKeyStretching: true` here and on the server.
   */
  keyStretching?: KeyStretching;
  /** TEST ONLY: accept a KSF weaker than the default (Argon2id 64 MiB, t=3). */
  allowWeakKeyStretching?: boolean;
}

export class VaultClient {
  readonly transport: VaultTransport;
  readonly #ctx: OperationContext;

  constructor(options: VaultClientOptions) {
    this.transport = new VaultTransport(options);
    const ks = options.keyStretching ?? DEFAULT_KEY_STRETCHING;
    const problem = keyStretchingProblem(ks);
    if (problem) throw new TypeError(problem);
    const allowWeak = options.allowWeakKeyStretching === true;
    if (!allowWeak && !meetsDefaultStrength(ks)) {
      throw new RangeError("keyStretching is weaker than the default; set allowWeakKeyStretching: true (tests only)");
    }
    const fixedAccount = options.accountId === undefined ? undefined : checkAccountId(options.accountId);
    const token = options.token;
    this.#ctx = {
      transport: this.transport,
      accountId: async () => fixedAccount ?? accountIdFromToken(await token()),
      keyStretching: { ...ks },
      allowWeakKeyStretching: allowWeak,
      serverPublicKey: options.serverPublicKey,
      backend: options.backend ?? getDefaultBackend(),
    };
  }

  /** Register `password` and store `rootKey` wrapped under it. See `operations/enable.ts` for errors. */
  enable(password: string, rootKey: RootKey | Uint8Array): Promise<EnableResult> {
    return enable(this.#ctx, password, rootKey instanceof RootKey ? rootKey : new RootKey(rootKey));
  }

  /** Log in and return the root key. Spends one attempt unless it succeeds. See `operations/unlock.ts`. */
  async unlock(password: string): Promise<RootKey> {
    return (await unlock(this.#ctx, password)).rootKey;
  }

  /** Like `unlock`, also returning the record version. */
  unlockWithDetails(password: string): Promise<UnlockResult> {
    return unlock(this.#ctx, password);
  }

  /** Replace the password; the root key (and so the backup) is unchanged. */
  changePassword(oldPassword: string, newPassword: string): Promise<ChangePasswordResult> {
    return changePassword(this.#ctx, oldPassword, newPassword);
  }

  /** Delete the vault record (needs the password). */
  disable(password: string): Promise<void> {
    return disable(this.#ctx, password);
  }

  status(): Promise<StatusResponse> {
    return status(this.#ctx);
  }

  /** The stored head, signature unchecked (for display). Use `getVerifiedHead` before trusting it. */
  getHead(): Promise<BackupHead> {
    return getHead(this.#ctx);
  }

  /** The head if signed by this root key's head key; an unsigned head counts as none (spec §7.1). */
  getVerifiedHead(rootKey: RootKey | Uint8Array): Promise<BackupHead> {
    return getVerifiedHead(this.#ctx, rootKey);
  }

  advanceHead(update: HeadUpdate): Promise<BackupHead> {
    return advanceHead(this.#ctx, update);
  }

  toString(): string {
    return "VaultClient [redacted]";
  }
}
