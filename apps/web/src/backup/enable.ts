/**
 * Turning end-to-end encrypted backup on (the article's "create the key" step): a fresh
 * root key, a new repository for the account, and — in password mode — the key wrapped
 * under the password in the vault. The repository is created first: if the vault then
 * fails, its config is removed again, so neither side is left half-enabled.
 */
import { type RootKey, generateRootKey } from "@chatvault/format";
import { Repository, layout } from "@chatvault/sdk";
import type { Connections } from "./connections.ts";
import { UserFacingError } from "./errors.ts";
import { addPasskey } from "./passkey.ts";
import { deleteBackup, findBackup } from "./repository.ts";
import { saveRootKey, saveSettings } from "./settings.ts";

export type EnableChoice =
  | { protection: "password"; password: string }
  | { protection: "key"; rootKey: RootKey }
  /** A passkey: created during enable (spec/backup-format.md §13.3). */
  | { protection: "passkey"; account: string };

export async function enableBackup(conn: Connections, choice: EnableChoice, o: { replaceExisting: boolean }): Promise<void> {
  if (choice.protection === "password") {
    const status = await conn.vault.status();
    if (status.state === "enabled") {
      throw new UserFacingError(
        "This account already has a backup password in the key vault, set on another phone. Restore that backup, or turn it off there first.",
      );
    }
  }
  if (await findBackup(conn.storage)) {
    if (!o.replaceExisting) throw new UserFacingError("This account already has a backup. Confirm that the new one replaces it.");
    await deleteBackup(conn.storage);
  }
  const rootKey = choice.protection === "key" ? choice.rootKey : generateRootKey();
  const repo = await Repository.init(
    conn.storage,
    rootKey,
    choice.protection === "password" && conn.realms
      ? // Realms mode: the realm set goes into the config, under its MAC (spec/backup-format.md §8.2.1).
        { protection: "realms", realmSet: conn.realms.realmSet }
      : {
          protection: choice.protection,
          // A hint for other clients (the CLI): where the vault holding this backup's key is.
          ...(choice.protection === "password" ? { vaultUrl: conn.config.vaultUrl } : {}),
        },
  );
  if (choice.protection === "password") {
    try {
      await conn.vault.enable(choice.password, rootKey);
    } catch (e) {
      await conn.storage.delete(layout.CONFIG_NAME).catch(() => undefined);
      throw e;
    }
  }
  if (choice.protection === "passkey") {
    try {
      await addPasskey(conn.storage, { account: choice.account, repoId: repo.repoId, rootKey });
    } catch (e) {
      // No PRF, cancelled, or failed: no backup that nothing can open (spec §13.3).
      await conn.storage.delete(layout.CONFIG_NAME).catch(() => undefined);
      throw e;
    }
  }
  await saveRootKey(rootKey);
  // The password was just chosen: the first reminder comes one interval from now.
  await saveSettings({ enabled: true, protection: choice.protection, repoId: repo.repoId, reminderAskedAt: new Date().toISOString() });
}
