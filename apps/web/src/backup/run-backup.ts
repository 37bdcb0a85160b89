/**
 * "Back up": the chat database (its bytes, page for page, as SQLite exports them) and the
 * media, into the account's backup — only what changed is uploaded (packs → index →
 * snapshot → head, spec §8.7). Progress goes to the activity observable.
 */
import { backupBytes, browserCompressor } from "@chatvault/sdk";
import type { ChatDb } from "../chats/chat-db.ts";
import { mediaAll } from "../platform/idb.ts";
import { progressActivity, setActivity } from "./activity.ts";
import type { Connections } from "./connections.ts";
import { followAccount } from "./account-state.ts";
import { REPLACED_ELSEWHERE, TURNED_OFF_ELSEWHERE, UserFacingError, describeError } from "./errors.ts";
import { openBackup } from "./repository.ts";
import { isVideo } from "./schedule.ts";
import { type BackupSettings, loadRootKey, loadSettings, saveSettings } from "./settings.ts";

/** The name the database has in a backup, as the CLI's demo data names it. */
export const DATABASE_NAME = "msgstore.db";

export async function backUpNow(conn: Connections, chats: ChatDb): Promise<BackupSettings> {
  setActivity({ kind: "running", operation: "backup", phase: "Preparing…", fraction: 0 });
  try {
    const settings = await loadSettings();
    const rootKey = await loadRootKey();
    if (!settings.enabled || !rootKey) throw new UserFacingError("Turn on end-to-end encrypted backup first.");
    // Another device may have turned backup off or replaced it since this phone last looked.
    const state = await followAccount(conn, settings);
    if (state.kind === "turned-off-elsewhere") throw new UserFacingError(TURNED_OFF_ELSEWHERE);
    if (state.kind === "replaced-elsewhere" || state.kind === "backup-not-used") throw new UserFacingError(REPLACED_ELSEWHERE);
    const { repo, heads } = await openBackup(conn, rootKey, state.found);
    const database = { name: DATABASE_NAME, bytes: chats.bytes() };
    // "Include videos" off: video files stay on the phone only.
    const media = (await mediaAll()).filter((m) => settings.includeVideos !== false || !isVideo(m.path));
    const r = await backupBytes({
      repo,
      heads,
      compressor: browserCompressor,
      database,
      media,
      onProgress: (e) => setActivity(progressActivity("backup", e)),
    });
    const sizeBytes = database.bytes.length + media.reduce((n, m) => n + m.bytes.length, 0);
    const next: BackupSettings = { ...settings, repoId: repo.repoId, lastBackup: { time: new Date().toISOString(), sizeBytes, sequence: r.snapshot.sequence } };
    await saveSettings(next);
    setActivity({ kind: "succeeded", operation: "backup" });
    return next;
  } catch (e) {
    setActivity({ kind: "failed", operation: "backup", message: describeError(e) });
    throw e;
  }
}
