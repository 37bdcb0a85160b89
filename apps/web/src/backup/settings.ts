/**
 * This phone's backup settings (IndexedDB `kv`): whether end-to-end encrypted backup is
 * on, how the key is protected, which repository, and the last backup's time and size.
 * The root key is kept beside them so the phone can back up without asking again — as
 * the phone already keeps the keys that decrypt its messages.
 */
import { RootKey } from "@chatvault/format";
import { kvDelete, kvGet, kvSet } from "../platform/idb.ts";

export type Protection = "password" | "key";

export interface LastBackup {
  /** ISO time of the snapshot. */
  time: string;
  /** Bytes of chat database and media in it (what the user would call the backup's size). */
  sizeBytes: number;
  sequence: number;
}

export interface BackupSettings {
  enabled: boolean;
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
