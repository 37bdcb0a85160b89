/**
 * Restore on a new phone: unlock the root key (the password through the vault — each try
 * spends one of the vault's attempts — or the 64-digit key typed in), open the backup
 * (a wrong key fails before anything is downloaded), download and authenticate everything,
 * and only then replace the phone's chats.
 */
import { type RootKey, parseKey } from "@chatvault/format";
import { browserCompressor, restoreToBytes } from "@chatvault/sdk";
import { ChatDb } from "../chats/chat-db.ts";
import { mediaReplaceAll } from "../platform/idb.ts";
import { progressActivity, setActivity } from "./activity.ts";
import type { Connections } from "./connections.ts";
import { UserFacingError, describeError } from "./errors.ts";
import { type FoundBackup, openBackup } from "./repository.ts";
import { saveRootKey, saveSettings } from "./settings.ts";
import type { AttemptHistory } from "@chatvault/vault-protocol";
import { attemptHistoryText } from "./attempt-texts.ts";
import { type RealmsAnswered, realmsText } from "./realm-vault.ts";

/**
 * The root key from the password (vault errors propagate: wrong password, locked,
 * destroyed), with the vault's attempt history before this unlock (spec §5.7).
 */
export async function unlockWithPassword(
  conn: Connections,
  password: string,
): Promise<{ rootKey: RootKey; attemptHistory: AttemptHistory | undefined; realms?: RealmsAnswered }> {
  if (conn.realms) return conn.realms.unlockWithDetails(password);
  const { rootKey, attemptHistory } = await conn.vault.unlockWithDetails(password);
  return { rootKey, attemptHistory };
}

/** The root key from the typed 64-digit key (KeyFormatError says what is wrong with the text). */
export function unlockWithKey(text: string): RootKey {
  return parseKey(text);
}

export interface Restored {
  chats: ChatDb;
  messages: number;
  mediaFiles: number;
  /** Password mode: the vault's attempts before this unlock (spec §5.7). */
  attemptHistory?: AttemptHistory;
  /** Realms mode: how many realms answered the unlock. */
  realms?: RealmsAnswered;
}

/**
 * "Restored 1,204 messages, 37 media files." — and, when someone failed to enter the
 * password since it last worked, "3 failed attempts since … — on …".
 */
export function restoredText(
  r: Pick<Restored, "messages" | "mediaFiles" | "attemptHistory" | "realms">,
  formatTime: (ms: number) => string = (ms) => new Date(ms).toISOString(),
): string {
  const n = (v: number, one: string, many: string) => `${v.toLocaleString("en-GB")} ${v === 1 ? one : many}`;
  const done = `Restored ${n(r.messages, "message", "messages")}, ${n(r.mediaFiles, "media file", "media files")}.${r.realms ? ` ${realmsText(r.realms)}` : ""}`;
  const attempts = r.attemptHistory ? attemptHistoryText(r.attemptHistory, formatTime) : undefined;
  return attempts && attempts.failed > 0 ? `${done} ${attempts.text}` : done;
}

export async function restoreBackup(conn: Connections, found: FoundBackup, rootKey: RootKey): Promise<Restored> {
  // Opening checks the key first: WrongKeyError before any download, no activity shown.
  const { repo, heads } = await openBackup(conn, rootKey, found);
  setActivity({ kind: "running", operation: "restore", phase: "Preparing…", fraction: 0 });
  try {
    // Key and passkey mode: the engine starts this phone's freshness record at what it restored (spec §8.6, §13.4).
    const r = await restoreToBytes({ repo, heads, compressor: browserCompressor, onProgress: (e) => setActivity(progressActivity("restore", e)) });
    if (!r.database) throw new UserFacingError("This backup holds no chats.");
    const chats = await ChatDb.replace(r.database.bytes);
    await mediaReplaceAll(r.media);
    await saveRootKey(rootKey);
    const sizeBytes = r.database.bytes.length + r.media.reduce((n, m) => n + m.bytes.length, 0);
    await saveSettings({
      enabled: true,
      protection: repo.config.protection === "realms" ? "password" : repo.config.protection,
      repoId: repo.repoId,
      lastBackup: { time: r.snapshot.time, sizeBytes, sequence: r.snapshot.sequence },
      reminderAskedAt: new Date().toISOString(), // the password (or key) was just typed
    });
    setActivity({ kind: "idle" });
    return { chats, messages: chats.messageCount(), mediaFiles: r.media.length };
  } catch (e) {
    setActivity({ kind: "failed", operation: "restore", message: describeError(e) });
    throw e;
  }
}
