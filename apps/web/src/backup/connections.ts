/**
 * The two remote parties of a backup, both on the page's own origin: the storage API
 * (ciphertext only) and the key vault (through the server's `/vault` path). Both are
 * authenticated with the account token of this phone's session.
 */
import { HttpStorage } from "@chatvault/storage/http";
import type { RootKey } from "@chatvault/format";
import type { VaultHeadApi } from "@chatvault/sdk";
import { type AttemptHistory, type BackupHead, type StatusResponse, TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient } from "@chatvault/vault-protocol";
import type { AppConfig } from "../platform/api.ts";
import type { Session } from "../platform/session.ts";
import { RealmVault } from "./realm-vault.ts";

/** What the Settings flow asks of the password's keeper: the one vault, or a realm set. */
/**
 * Whether a backup's password is kept by the key vault (or the realm set, which sits behind
 * the same interface): then the vault holds its head too. Key and passkey backups keep
 * theirs on this phone (spec/backup-format.md §8.6, §13.4).
 */
export function passwordKeeps(protection: string): boolean {
  return protection === "password" || protection === "realms";
}

export interface PasswordVault extends VaultHeadApi {
  status(): Promise<StatusResponse>;
  enable(password: string, rootKey: RootKey): Promise<unknown>;
  unlockWithDetails(password: string): Promise<{ rootKey: RootKey; attemptHistory?: AttemptHistory | undefined }>;
  changePassword(oldPassword: string, newPassword: string): Promise<unknown>;
  disable(password: string): Promise<unknown>;
  getHead(): Promise<Pick<BackupHead, "updatedAt">>;
}

export interface Connections {
  storage: HttpStorage;
  vault: PasswordVault;
  /** Set when the server runs a realm set: new password backups go there (protection "realms"). */
  realms?: RealmVault;
  config: AppConfig;
}

export function connect(session: Session, config: AppConfig): Connections {
  const origin = globalThis.location.origin;
  const storage = new HttpStorage({ baseUrl: `${origin}/api/storage`, token: session.token });
  if (config.realms) {
    // Realms mode: the realm set keeps the password; the single vault is not used.
    const realms = new RealmVault(config.realms, {
      origin,
      accountId: session.account,
      tokenFor: session.realmToken,
      testOnlyWeakKsf: config.testOnlyWeakKeyStretching,
    });
    return { config, storage, vault: realms, realms };
  }
  return {
    config,
    storage,
    vault: new VaultClient({
      baseUrl: origin + config.vaultPath,
      token: session.token,
      // TEST ONLY (the server says so, and the page shows a banner): cheap password hashing.
      ...(config.testOnlyWeakKeyStretching ? { keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true } : {}),
    }),
  };
}
