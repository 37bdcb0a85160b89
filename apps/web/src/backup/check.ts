/**
 * "Check backup" (spec/backup-format.md §12): prove that the backup restores, replacing
 * nothing on this phone. The newest snapshot is resolved against the freshness head,
 * every chunk downloaded, authenticated and decrypted into memory, and the database
 * opened with SQLite and run through `PRAGMA integrity_check`; then everything is
 * dropped. The result — passed, with the snapshot, or failed, with what is wrong — is
 * kept in the settings for the Chat backup screen.
 */
import { IntegrityError } from "@chatvault/format";
import { browserCompressor, restoreToBytes } from "@chatvault/sdk";
import { openImage } from "../chats/sqlite.ts";
import { progressActivity, setActivity } from "./activity.ts";
import type { Connections } from "./connections.ts";
import { UserFacingError, describeError } from "./errors.ts";
import { openBackup } from "./repository.ts";
import { type LastCheck, loadRootKey, loadSettings, saveSettings } from "./settings.ts";

/** Run SQLite's own consistency check on a database image; throws when it is not "ok". */
export async function checkDatabaseImage(bytes: Uint8Array): Promise<void> {
  const db = await openImage(bytes);
  try {
    const rows = db.exec("PRAGMA integrity_check");
    const first = rows[0]?.values[0]?.[0];
    if (rows[0]?.values.length !== 1 || first !== "ok") {
      throw new IntegrityError("bad_structure", `restored database fails PRAGMA integrity_check: ${String(first ?? "no result")}`);
    }
  } finally {
    db.close();
  }
}

export async function checkBackup(conn: Connections, now: () => Date = () => new Date()): Promise<LastCheck> {
  setActivity({ kind: "running", operation: "check", phase: "Checking your backup…", fraction: 0 });
  let result: LastCheck;
  try {
    const rootKey = await loadRootKey();
    const settings = await loadSettings();
    if (!settings.enabled || !rootKey) throw new UserFacingError("Turn on end-to-end encrypted backup first.");
    const { repo, heads } = await openBackup(conn, rootKey);
    const r = await restoreToBytes({ repo, heads, compressor: browserCompressor, onProgress: (e) => setActivity(progressActivity("check", e)) });
    if (!r.database) throw new UserFacingError("The backup holds no chats.");
    await checkDatabaseImage(r.database.bytes);
    result = { checkedAt: now().toISOString(), ok: true, sequence: r.snapshot.sequence };
    setActivity({ kind: "succeeded", operation: "check" });
  } catch (e) {
    // describeError speaks of a restore ("…so it was not used"); a check says what it found.
    const message =
      e instanceof IntegrityError && e.reason !== "rollback" ? "The backup is damaged or was tampered with: it can't be restored as it is." : describeError(e);
    result = { checkedAt: now().toISOString(), ok: false, message };
    setActivity({ kind: "failed", operation: "check", message: result.message! });
  }
  await saveSettings({ ...(await loadSettings()), lastCheck: result });
  return result;
}
