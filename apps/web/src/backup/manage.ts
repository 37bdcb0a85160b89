/**
 * Changing the password and turning end-to-end encrypted backup off. Both prove the
 * password to the vault with a fresh login (a wrong one spends an attempt, as restore
 * does). Key mode has no vault record: turning off asks for the 64-digit key instead.
 */
import { WrongKeyError, equalBytes, parseKey } from "@chatvault/format";
import type { Connections } from "./connections.ts";
import { UserFacingError } from "./errors.ts";
import { unlockWithPasskey } from "./passkey.ts";
import { deleteBackup } from "./repository.ts";
import { forgetRootKey, loadRootKey, loadSettings, saveSettings } from "./settings.ts";

/** The root key — and so the backup — stays the same; only its wrapping in the vault changes. */
export async function changePassword(conn: Connections, oldPassword: string, newPassword: string): Promise<void> {
  const settings = await loadSettings();
  if (!settings.enabled || settings.protection !== "password") throw new UserFacingError("This backup is protected by a 64-digit key, not a password.");
  await conn.vault.changePassword(oldPassword, newPassword);
}

/**
 * Turn off: delete the key from the vault (password mode), then the backup from storage —
 * without the key nobody can ever read it, so keeping it would only keep ciphertext around.
 * Chats on this phone are not touched.
 */
export async function turnOff(conn: Connections, secret: { password: string } | { keyText: string } | { passkey: true }): Promise<void> {
  const settings = await loadSettings();
  if (!settings.enabled) return;
  if ("passkey" in secret) {
    // Proof of the passkey (spec §13.3), as the password or key is asked for in the other modes.
    const unlocked = await unlockWithPasskey(conn.storage, settings.repoId ?? "");
    const mine = await loadRootKey();
    if (!mine || !equalBytes(unlocked.unsafeBytes(), mine.unsafeBytes())) throw new WrongKeyError("this passkey does not open this backup");
  } else if ("password" in secret) {
    await conn.vault.disable(secret.password);
  } else {
    const typed = parseKey(secret.keyText);
    const mine = await loadRootKey();
    if (!mine || !equalBytes(typed.unsafeBytes(), mine.unsafeBytes())) throw new WrongKeyError("this is not the key of this backup");
  }
  await deleteBackup(conn.storage);
  await forgetRootKey();
  await saveSettings({ enabled: false });
}
