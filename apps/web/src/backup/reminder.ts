/**
 * The password reminder (SECURITY.md, "The password reminder"): a real unlock at the key
 * vault, because any verifier kept on the phone would let a thief test passwords without
 * the vault's limit. A right answer gives its attempt back (spec/vault-protocol.md §6.2);
 * a wrong one spends one, which the card says before asking and after. It is not offered
 * with 1 attempt left or while the vault is locked: a reminder must never lock anyone out.
 */
import { equalBytes } from "@chatvault/format";
import type { StatusResponse } from "@chatvault/vault-protocol";
import type { Connections } from "./connections.ts";
import { UserFacingError } from "./errors.ts";
import { loadRootKey, loadSettings, saveSettings } from "./settings.ts";

/** Whether the vault's state allows a reminder now (enabled, not locked, more than 1 attempt left). */
export function reminderAllowed(s: StatusResponse, now = Date.now()): boolean {
  return s.state === "enabled" && !(s.lockedUntil !== null && s.lockedUntil > now) && s.attemptsRemaining > 1;
}

/** The reminder was asked, answered or dismissed: the next one comes a full interval later. */
export async function markReminded(now = new Date()): Promise<void> {
  await saveSettings({ ...(await loadSettings()), reminderAskedAt: now.toISOString() });
}

/**
 * Check the typed password with a real unlock. Resolves when it is this backup's password
 * (the unlocked key equals the one this phone holds); WrongPasswordError (with the
 * attempts left) when the vault says it is wrong.
 */
export async function answerReminder(conn: Connections, password: string): Promise<void> {
  const { rootKey: root } = await conn.vault.unlockWithDetails(password);
  const mine = await loadRootKey();
  if (!mine || !equalBytes(root.unsafeBytes(), mine.unsafeBytes())) {
    throw new UserFacingError("The key vault accepted this password, but its key is not the one of this phone's backup. Open Chat backup to see what changed.");
  }
  await markReminded();
}
