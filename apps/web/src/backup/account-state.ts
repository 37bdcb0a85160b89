/**
 * The account's real backup state, checked against what this phone remembers: another
 * device may have turned end-to-end encrypted backup off (the vault record and the
 * backup are gone), replaced the backup with a new one, or — after "Skip restore" — a
 * backup exists that this phone does not use. Asked when Chat backup opens and before
 * each backup; expected states ("no backup") are found by listing, never by a 404.
 */
import { passwordKeeps } from "./connections.ts";
import type { Connections } from "./connections.ts";
import { type FoundBackup, findBackup } from "./repository.ts";
import { type BackupSettings, forgetRootKey, saveSettings } from "./settings.ts";

export type AccountState =
  /** This phone backs up into the backup that is there (or has none and none exists). */
  | { kind: "in-sync"; found: FoundBackup | undefined }
  /** This phone had backup on; another device turned it off (or the key is gone). */
  | { kind: "turned-off-elsewhere" }
  /** This phone had backup on; another device replaced the backup with a new one. */
  | { kind: "replaced-elsewhere"; found: FoundBackup }
  /** Backup is off on this phone, but the account has one (e.g. restore was skipped). */
  | { kind: "backup-not-used"; found: FoundBackup };

export async function checkAccountState(conn: Connections, settings: BackupSettings): Promise<AccountState> {
  const found = await findBackup(conn.storage);
  if (!settings.enabled) return found ? { kind: "backup-not-used", found } : { kind: "in-sync", found: undefined };
  if (!found) return { kind: "turned-off-elsewhere" };
  if (settings.repoId && found.config.repoId !== settings.repoId) return { kind: "replaced-elsewhere", found };
  if (passwordKeeps(found.config.protection)) {
    const s = await conn.vault.status();
    if (s.state !== "enabled") return { kind: "turned-off-elsewhere" };
  }
  return { kind: "in-sync", found };
}

/**
 * This phone follows the account: backup is off here too (the root key is forgotten: it
 * opens nothing any more), with a note so the screens can say why.
 */
export async function adoptChangeElsewhere(what: "turned-off" | "replaced"): Promise<void> {
  await forgetRootKey();
  await saveSettings({ enabled: false, changedElsewhere: what });
}

/** Check, and if another device changed the backup, make this phone follow it. */
export async function followAccount(conn: Connections, settings: BackupSettings): Promise<AccountState> {
  const state = await checkAccountState(conn, settings);
  if (state.kind === "turned-off-elsewhere") await adoptChangeElsewhere("turned-off");
  if (state.kind === "replaced-elsewhere") await adoptChangeElsewhere("replaced");
  return state;
}
