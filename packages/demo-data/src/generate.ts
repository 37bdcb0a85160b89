/**
 * Generates a demo chat history: `msgstore.db` (a WhatsApp-like SQLite message store)
 * and `media/`, deterministic by seed. Used by tests, the benchmark and the demo.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { Conversation } from "./conversation.ts";
import { DemoDataError } from "./errors.ts";
import { MEDIA_MIME, mediaRelativePath, planMedia, writeMediaFile } from "./media-file.ts";
import { castOfCharacters, shuffled } from "./people.ts";
import { rngFor } from "./prng.ts";
import type { DemoSeed } from "./prng.ts";
import { DEMO_SCHEMA, INSERT_MEDIA_SQL, INSERT_MESSAGE_SQL, SCHEMA_SQL } from "./schema.ts";
import { chooseSlots } from "./slots.ts";

/** Progress of a generation, reported every few thousand messages and after every media file. */
export interface DemoDataProgress {
  messagesDone: number;
  messagesTotal: number;
  mediaBytesDone: number;
  mediaBytesTotal: number;
}

/** Options of {@link generateDemoData}. */
export interface GenerateDemoDataOptions {
  /** Folder to create `msgstore.db` and `media/` in; created if missing; must not hold a `msgstore.db`. */
  outDir: string;
  /** Number of messages (≥ 1). */
  messages: number;
  /** Total size of the media files in MiB (≥ 0); the result is at most ~50 KB above, and below only if there are fewer messages than files (one file per message at most). */
  mediaMiB: number;
  /** Same seed → same database content and same media bytes. */
  seed: DemoSeed;
  /** Number of chats; default scales with `messages` (≈ 330 for a million). */
  chats?: number;
  onProgress?: (progress: DemoDataProgress) => void;
}

/** What {@link generateDemoData} produced. */
export interface DemoDataSummary {
  dir: string;
  dbPath: string;
  mediaDir: string;
  chats: number;
  contacts: number;
  messages: number;
  mediaFiles: number;
  mediaBytes: number;
  dbBytes: number;
  elapsedMs: number;
}

/** 2023-01-01T00:00:00Z: the history starts here, so output does not depend on today's date. */
export const DEMO_START_MS = Date.UTC(2023, 0, 1);
/** The history spans about two years. */
export const DEMO_SPAN_MS = 730 * 24 * 3600 * 1000;

/**
 * Creates `outDir/msgstore.db` (WAL mode, 4 KiB pages) and `outDir/media/`.
 * @throws {RangeError} on a bad option
 * @throws {DemoDataError} when `outDir/msgstore.db` already exists
 */
export async function generateDemoData(options: GenerateDemoDataOptions): Promise<DemoDataSummary> {
  const started = performance.now();
  const { outDir, messages, mediaMiB, seed, onProgress } = options;
  if (!Number.isSafeInteger(messages) || messages < 1) throw new RangeError("messages must be a positive integer");
  if (!Number.isFinite(mediaMiB) || mediaMiB < 0) throw new RangeError("mediaMiB must be a finite number ≥ 0");
  const chatCount = options.chats ?? Math.max(5, Math.min(400, Math.round(Math.sqrt(messages) / 3)));
  if (!Number.isSafeInteger(chatCount) || chatCount < 1) throw new RangeError("chats must be a positive integer");

  const dbPath = join(outDir, "msgstore.db");
  const mediaDir = join(outDir, "media");
  mkdirSync(mediaDir, { recursive: true });
  if (existsSync(dbPath)) throw new DemoDataError(`${dbPath} already exists; generate into an empty folder`);

  const db = new Database(dbPath);
  let summary: Omit<DemoDataSummary, "dbBytes" | "elapsedMs">;
  try {
    // Generation speed: no journal and no fsync while building a file nobody else reads;
    // a big page cache keeps the randomly-inserted index b-trees in memory.
    db.pragma("page_size = 4096");
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.pragma("cache_size = -262144");
    db.pragma("temp_store = MEMORY");
    db.exec(SCHEMA_SQL);
    summary = db.transaction(() => fill(db, { outDir, dbPath, mediaDir, messages, mediaMiB, seed, chatCount, onProgress }))();
    // Leave the file the way a chat app does: WAL mode. Closing checkpoints and removes the -wal.
    db.pragma("journal_mode = WAL");
  } finally {
    db.close();
  }
  return { ...summary, dbBytes: statSync(dbPath).size, elapsedMs: Math.round(performance.now() - started) };
}

interface FillParams {
  outDir: string;
  dbPath: string;
  mediaDir: string;
  messages: number;
  mediaMiB: number;
  seed: DemoSeed;
  chatCount: number;
  onProgress: ((progress: DemoDataProgress) => void) | undefined;
}

function fill(db: Database.Database, p: FillParams): Omit<DemoDataSummary, "dbBytes" | "elapsedMs"> {
  const insertProp = db.prepare("INSERT INTO props (key, value) VALUES (?, ?)");
  insertProp.run("schema", DEMO_SCHEMA);
  insertProp.run("seed", `${typeof p.seed}:${String(p.seed)}`);

  const cast = castOfCharacters(rngFor(p.seed, "cast"), p.chatCount, DEMO_START_MS);
  const insertContact = db.prepare("INSERT INTO contacts (id, jid, display_name, status_text) VALUES (@id, @jid, @display_name, @status_text)");
  for (const c of cast.contacts) insertContact.run(c);
  const insertChat = db.prepare("INSERT INTO chats (id, jid, subject, is_group, created) VALUES (?, ?, ?, ?, ?)");
  for (const c of cast.chats) insertChat.run(c.id, c.jid, c.subject, c.isGroup ? 1 : 0, c.created);
  const insertParticipant = db.prepare("INSERT INTO group_participants (chat_id, contact_id) VALUES (?, ?)");
  for (const [chat, contact] of cast.participants) insertParticipant.run(chat, contact);

  const mediaBytesTotal = Math.round(p.mediaMiB * 1024 * 1024);
  const plan = planMedia(rngFor(p.seed, "media-plan"), mediaBytesTotal, p.messages);
  const slotRng = rngFor(p.seed, "media-slots");
  const slots = chooseSlots(slotRng, p.messages, plan.length);
  const chatsById = new Map(cast.chats.map((c) => [c.id, c]));
  const conversation = new Conversation(rngFor(p.seed, "messages"), shuffled(rngFor(p.seed, "activity"), cast.chats), DEMO_START_MS, DEMO_SPAN_MS / p.messages);
  // The newest messages (about the last day's worth) are not read yet by the other side.
  const pendingFrom = p.messages - Math.max(20, Math.round(p.messages * 0.003));

  const insertMessage = db.prepare(INSERT_MESSAGE_SQL);
  const insertMedia = db.prepare(INSERT_MEDIA_SQL);
  const progress: DemoDataProgress = { messagesDone: 0, messagesTotal: p.messages, mediaBytesDone: 0, mediaBytesTotal };
  let nextSlot = 0;
  for (let i = 0; i < p.messages; i++) {
    const row = conversation.next(i + 1, i >= pendingFrom);
    const item = slots[nextSlot] === i ? plan[nextSlot] : undefined;
    if (item !== undefined) {
      const mediaId = ++nextSlot;
      const rel = mediaRelativePath(item.kind, mediaId, row.timestamp, chatsById.get(row.chat_id)!.jid);
      mkdirSync(dirname(join(p.mediaDir, rel)), { recursive: true });
      const sha256 = writeMediaFile(join(p.mediaDir, rel), item.kind, item.size, p.seed, "history", mediaId);
      row.media_id = mediaId;
      if (item.kind === "voice" || !slotRng.chance(0.3)) row.text = null;
      insertMessage.run(row);
      insertMedia.run({ id: mediaId, message_id: row.id, path: rel, mime: MEDIA_MIME[item.kind], size: item.size, sha256 });
      progress.mediaBytesDone += item.size;
      progress.messagesDone = i + 1;
      p.onProgress?.({ ...progress });
    } else {
      insertMessage.run(row);
    }
    if ((i + 1) % 20000 === 0) {
      progress.messagesDone = i + 1;
      p.onProgress?.({ ...progress });
    }
  }
  progress.messagesDone = p.messages;
  p.onProgress?.({ ...progress });

  const setLast = db.prepare("UPDATE chats SET last_message_id = ? WHERE id = ?");
  for (const [chatId, messageId] of conversation.latestIds()) setLast.run(messageId, chatId);

  return {
    dir: p.outDir,
    dbPath: p.dbPath,
    mediaDir: p.mediaDir,
    chats: cast.chats.length,
    contacts: cast.contacts.length,
    messages: p.messages,
    mediaFiles: plan.length,
    mediaBytes: progress.mediaBytesDone,
  };
}
