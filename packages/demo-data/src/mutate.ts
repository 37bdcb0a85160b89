/**
 * "One day later": applies a day's worth of chat activity to a demo history, the change
 * an incremental backup has to pick up. New messages land in chats by a Zipf law over
 * past activity, so index pages all over the file change, not only the tail.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { Conversation } from "./conversation.ts";
import { DemoDataError } from "./errors.ts";
import { MEDIA_MIME, dailyMediaItem, mediaRelativePath, writeMediaFile } from "./media-file.ts";
import { loadChats } from "./chat-activity.ts";
import { rngFor } from "./prng.ts";
import type { DemoSeed } from "./prng.ts";
import { DEMO_SCHEMA, INSERT_MEDIA_SQL, INSERT_MESSAGE_SQL, MessageStatus } from "./schema.ts";
import { chooseSlots } from "./slots.ts";

/** Options of {@link mutateDemoData}. */
export interface MutateDemoDataOptions {
  /** A folder made by `generateDemoData`. */
  dir: string;
  /** New messages to add (≥ 0). */
  messages: number;
  /** New media files (≤ `messages`), attached to some of the new messages; ~1.5 MiB each on average. */
  mediaFiles: number;
  /** Same database + same seed → same change. */
  seed: DemoSeed;
}

/** What {@link mutateDemoData} changed. */
export interface DemoDataMutation {
  messagesAdded: number;
  /** Id range of the new messages (empty when none: first > last). */
  firstMessageId: number;
  lastMessageId: number;
  /** Older outgoing messages whose status moved on (delivered → read). */
  statusUpdates: number;
  /** New files, relative to `media/`. */
  mediaFiles: string[];
  mediaBytes: number;
  chatsTouched: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Adds `messages` messages and `mediaFiles` media files spread over the day after the
 * newest message, and updates a few recent statuses, in one transaction (WAL mode, the
 * way the app writes; the WAL is checkpointed when the connection closes).
 * @throws {RangeError} on a bad option
 * @throws {DemoDataError} when `dir` holds no demo message store
 */
export async function mutateDemoData(options: MutateDemoDataOptions): Promise<DemoDataMutation> {
  const { dir, messages, mediaFiles, seed } = options;
  if (!Number.isSafeInteger(messages) || messages < 0) throw new RangeError("messages must be an integer ≥ 0");
  if (!Number.isSafeInteger(mediaFiles) || mediaFiles < 0 || mediaFiles > messages) {
    throw new RangeError("mediaFiles must be an integer between 0 and messages");
  }
  const dbPath = join(dir, "msgstore.db");
  if (!existsSync(dbPath)) throw new DemoDataError(`${dbPath} does not exist`);
  const db = new Database(dbPath, { fileMustExist: true, timeout: 10_000 });
  try {
    const schema = readSchemaTag(db);
    if (schema !== DEMO_SCHEMA) throw new DemoDataError(`${dbPath} is not a chatvault demo message store`);
    return db.transaction(() => apply(db, join(dir, "media"), messages, mediaFiles, seed))();
  } finally {
    db.close();
  }
}

function readSchemaTag(db: Database.Database): string | undefined {
  try {
    return db.prepare("SELECT value FROM props WHERE key = 'schema'").pluck().get() as string | undefined;
  } catch (cause) {
    throw new DemoDataError("not a chatvault demo message store", { cause });
  }
}

interface Tail {
  maxId: number;
  maxTs: number;
  maxMediaId: number;
}

function apply(db: Database.Database, mediaDir: string, n: number, k: number, seed: DemoSeed): DemoDataMutation {
  const tail = db
    .prepare(
      "SELECT (SELECT coalesce(max(id), 0) FROM messages) AS maxId, (SELECT coalesce(max(timestamp), 0) FROM messages) AS maxTs, " +
        "(SELECT coalesce(max(id), 0) FROM media) AS maxMediaId",
    )
    .get() as Tail;
  const chats = loadChats(db);
  const lastIds = new Map<number, number>();
  for (const row of db.prepare("SELECT id, last_message_id FROM chats WHERE last_message_id IS NOT NULL").all() as Array<{
    id: number;
    last_message_id: number;
  }>) {
    lastIds.set(row.id, row.last_message_id);
  }
  const conversation = new Conversation(rngFor(seed, "mutate/messages"), chats, tail.maxTs, DAY_MS / (n + 1), lastIds);
  const mediaRng = rngFor(seed, "mutate/media");
  const slots = chooseSlots(mediaRng, n, k);
  const chatJid = new Map(chats.map((c) => [c.id, c.jid]));

  const insertMessage = db.prepare(INSERT_MESSAGE_SQL);
  const insertMedia = db.prepare(INSERT_MEDIA_SQL);
  const touched = new Set<number>();
  const files: string[] = [];
  let mediaBytes = 0;
  let nextSlot = 0;
  for (let i = 0; i < n; i++) {
    const row = conversation.next(tail.maxId + 1 + i, true);
    touched.add(row.chat_id);
    if (slots[nextSlot] === i) {
      nextSlot++;
      const item = dailyMediaItem(mediaRng);
      const mediaId = tail.maxMediaId + nextSlot;
      const rel = mediaRelativePath(item.kind, mediaId, row.timestamp, chatJid.get(row.chat_id)!);
      mkdirSync(dirname(join(mediaDir, rel)), { recursive: true });
      const sha256 = writeMediaFile(join(mediaDir, rel), item.kind, item.size, seed, "mutate", mediaId);
      row.media_id = mediaId;
      if (!mediaRng.chance(0.3)) row.text = null;
      insertMessage.run(row);
      insertMedia.run({ id: mediaId, message_id: row.id, path: rel, mime: MEDIA_MIME[item.kind], size: item.size, sha256 });
      files.push(rel);
      mediaBytes += item.size;
    } else {
      insertMessage.run(row);
    }
  }
  const setLast = db.prepare("UPDATE chats SET last_message_id = ? WHERE id = ?");
  for (const chatId of touched) setLast.run(conversation.latestIds().get(chatId), chatId);

  return {
    messagesAdded: n,
    firstMessageId: tail.maxId + 1,
    lastMessageId: tail.maxId + n,
    statusUpdates: updateStatuses(db, rngFor(seed, "mutate/status"), tail.maxId),
    mediaFiles: files,
    mediaBytes,
    chatsTouched: touched.size,
  };
}

/** Marks a few of the most recent not-yet-read outgoing messages (up to `maxId`) as read. */
function updateStatuses(db: Database.Database, rng: ReturnType<typeof rngFor>, maxId: number): number {
  const pending = db
    .prepare("SELECT id FROM messages WHERE id <= ? AND id > ? AND from_me = 1 AND status < ? ORDER BY id DESC")
    .pluck()
    .all(maxId, maxId - 5000, MessageStatus.read) as number[];
  const update = db.prepare("UPDATE messages SET status = ? WHERE id = ?");
  let count = 0;
  for (const id of pending) {
    if (count >= 50 || !rng.chance(0.6)) continue;
    update.run(MessageStatus.read, id);
    count++;
  }
  return count;
}
