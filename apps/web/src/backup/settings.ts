/**
 * This phone's backup settings (IndexedDB `kv`): whether end-to-end encrypted backup is
 * on, how the key is protected, which repository, and the last backup's time and size.
 * The root key is kept beside them so the phone can back up without asking again — as
 * the phone already keeps the keys that decrypt its messages.
 */
import { RootKey } from "@chatvault/format";
import { kvDelete, kvGet, kvSet } from "../platform/idb.ts";

export type Protection = "password" | "key" | "passkey";

export interface LastBackup {
  /** ISO time of the snapshot. */
  time: string;
  /** Bytes of chat database and media in it (what the user would call the backup's size). */
  sizeBytes: number;
  sequence: number;
}

/** "Back up: Daily / Weekly / Monthly / Only when I tap Back up" (default daily). */
export type BackupSchedule = "daily" | "weekly" | "monthly" | "manual";
/** How often the phone checks on its own that the backup restores (default monthly). */
export type CheckInterval = "weekly" | "monthly" | "never";
/** How often the password reminder asks (default every 2 weeks). */
export type ReminderInterval = "weekly" | "2weeks" | "monthly" | "off";

/** The last restore check this phone ran (spec/backup-format.md §12). */
export interface LastCheck {
  /** ISO time of the check. */
  checkedAt: string;
  ok: boolean;
  /** The snapshot proven restorable (when ok). */
  sequence?: number;
  /** What went wrong, in the user's words (when not ok). */
  message?: string;
}

export interface BackupSettings {
  enabled: boolean;
  schedule?: BackupSchedule;
  /** false: video files are left out of backups ("Include videos" off). */
  includeVideos?: boolean;
  checkEvery?: CheckInterval;
  lastCheck?: LastCheck;
  reminderEvery?: ReminderInterval;
  /** ISO time the password reminder last asked, was answered or dismissed (or backup was turned on). */
  reminderAskedAt?: string;
  protection?: Protection;
  repoId?: string;
  lastBackup?: LastBackup;
  /** Set when this phone found that another device turned backup off or replaced it (the screen says so). */
  changedElsewhere?: "turned-off" | "replaced";
}

const SETTINGS = "backup-settings";
const ROOT_KEY = "backup-root-key";

export async function loadSettings(): Promise<BackupSettings> {
  return (await kvGet<BackupSettings>(SETTINGS)) ?? { enabled: false };
}

export async function saveSettings(s: BackupSettings): Promise<void> {
  await kvSet(SETTINGS, s);
}

export async function loadRootKey(): Promise<RootKey | undefined> {
  const bytes = await kvGet<Uint8Array>(ROOT_KEY);
  return bytes ? new RootKey(new Uint8Array(bytes)) : undefined;
}

export async function saveRootKey(key: RootKey): Promise<void> {
  await kvSet(ROOT_KEY, key.unsafeBytes().slice());
}

export async function forgetRootKey(): Promise<void> {
  await kvDelete(ROOT_KEY);
}
